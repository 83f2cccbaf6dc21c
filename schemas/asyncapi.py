"""Write (or check) the committed AsyncAPI 3.0 document of newsflow's topics: `python -m schemas.asyncapi [--check]`.

The document (schemas/asyncapi.yaml) is generated, never edited: payload schemas are the committed JSON
Schemas in schemas/json (their `$defs` become `components.schemas`), headers come from schemas/headers.py,
topic names and partitions are the defaults of services/config.py (a test keeps them equal). A test
fails when the committed file differs from what this renders, and validates it against the AsyncAPI
3.0.0 JSON Schema vendored in schemas/asyncapi_spec/.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
import yaml

from schemas import headers as h
from schemas.export import schema_path
from schemas.models import SCHEMA_VERSION

ASYNCAPI_PATH = Path(__file__).parent / "asyncapi.yaml"
SPEC_SCHEMA_PATH = Path(__file__).parent / "asyncapi_spec" / "asyncapi-3.0.0.schema.json"
KAFKA_BINDING = "0.5.0"
# Defaults of services/config.py Settings (tests/unit/test_asyncapi.py keeps them equal).
TOPICS = {"raw": "articles.raw", "enriched": "articles.enriched", "deadletter": "articles.deadletter"}
PARTITIONS = 4
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
SUBSCRIPTION_TOPIC = "articles.sub.{name}"
RECORDS = {"RawArticle": "raw_article", "EnrichedArticle": "enriched_article", "DeadLetter": "dead_letter"}


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" and isinstance(v, str)
                    else _rewrite_refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def component_schemas() -> dict[str, Any]:
    """The committed JSON Schemas as AsyncAPI schema objects: `$defs` lifted, `$id`/`$schema` dropped
    (an `$id` would move the base of every `#/...` reference)."""
    out: dict[str, Any] = {}
    for title, name in RECORDS.items():
        schema = orjson.loads(schema_path(name).read_bytes())
        for def_name, definition in schema.pop("$defs", {}).items():
            out[def_name] = _rewrite_refs(definition)
        schema.pop("$id", None)
        schema.pop("$schema", None)
        out[title] = _rewrite_refs(schema)
    return dict(sorted(out.items()))


def _headers_schema(descriptions: dict[str, str], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "description": "Kafka record headers; values are UTF-8 bytes.",
            "properties": {name: {"type": "string", "description": text} for name, text in descriptions.items()},
            "required": required}


def _key(description: str) -> dict[str, Any]:
    return {"key": {"type": "string", "description": description}, "bindingVersion": KAFKA_BINDING}


def _channel_binding(topic: str | None) -> dict[str, Any]:
    binding: dict[str, Any] = {"partitions": PARTITIONS, "replicas": 1,
                               "topicConfiguration": {"cleanup.policy": ["delete"], "max.message.bytes": MAX_MESSAGE_BYTES},
                               "bindingVersion": KAFKA_BINDING}
    return {"topic": topic, **binding} if topic else binding


def document() -> dict[str, Any]:
    enriched_required = [h.SCHEMA_VERSION, h.LANGUAGE, h.SOURCE, h.CONTENT_HASH, h.DUPLICATE, h.ENTITY_IDS]
    messages = {
        "RawArticle": {
            "name": "RawArticle", "title": "Raw article", "contentType": "application/json",
            "summary": "An article as a producer found it (orjson-encoded RawArticle).",
            "payload": {"$ref": "#/components/schemas/RawArticle"},
            "bindings": {"kafka": _key("sha256 hex of the URL, else of source and body.")}},
        "EnrichedArticle": {
            "name": "EnrichedArticle", "title": "Enriched article", "contentType": "application/json",
            "summary": "Normalized text, language, entity mentions with Wikidata ids (orjson-encoded EnrichedArticle).",
            "headers": _headers_schema(h.ENRICHED_HEADERS, enriched_required),
            "payload": {"$ref": "#/components/schemas/EnrichedArticle"},
            "bindings": {"kafka": _key("The article id (`id`): every record of one article is on one partition, in order.")}},
        "SubscribedArticle": {
            "name": "SubscribedArticle", "title": "Article matching a subscription", "contentType": "application/json",
            "summary": "The articles.enriched record (value and key unchanged), copied by the processor "
                       "(NEWSFLOW_SUBSCRIPTIONS) or by `newsflow route`.",
            "headers": _headers_schema(h.SUBSCRIPTION_HEADERS, [*enriched_required, h.SUBSCRIPTION]),
            "payload": {"$ref": "#/components/schemas/EnrichedArticle"},
            "bindings": {"kafka": _key("The article id, as on articles.enriched.")}},
        "DeadLetter": {
            "name": "DeadLetter", "title": "Dead letter", "contentType": "application/json",
            "summary": "A record a stage could not handle: the original payload, the stage and the reason.",
            "payload": {"$ref": "#/components/schemas/DeadLetter"},
            "bindings": {"kafka": _key("The original record's key, when it had one.")}},
    }
    channels = {
        "raw": {"address": TOPICS["raw"], "title": "Raw articles",
                "description": "Producers (files, feeds, HTTP) publish here; the processor reads.",
                "messages": {"rawArticle": {"$ref": "#/components/messages/RawArticle"}},
                "bindings": {"kafka": _channel_binding(TOPICS["raw"])}},
        "enriched": {"address": TOPICS["enriched"], "title": "Enriched articles",
                     "description": "The processor's output; the public stream other services subscribe to.",
                     "messages": {"enrichedArticle": {"$ref": "#/components/messages/EnrichedArticle"}},
                     "bindings": {"kafka": _channel_binding(TOPICS["enriched"])}},
        "deadletter": {"address": TOPICS["deadletter"], "title": "Dead letters",
                       "description": "Everything any stage refused, with the reason; `newsflow deadletter list|replay`.",
                       "messages": {"deadLetter": {"$ref": "#/components/messages/DeadLetter"}},
                       "bindings": {"kafka": _channel_binding(TOPICS["deadletter"])}},
        "subscription": {"address": SUBSCRIPTION_TOPIC, "title": "Subscription topics",
                         "description": "One topic per subscription in a subscriptions file (routed by the processor, "
                                        "or by `newsflow route`); the default address is articles.sub.<name>, a "
                                        "subscription may name another. In order per article id (key).",
                         "parameters": {"name": {"description": "The subscription's name ([a-z0-9][a-z0-9._-]*)."}},
                         "messages": {"subscribedArticle": {"$ref": "#/components/messages/SubscribedArticle"}},
                         "bindings": {"kafka": _channel_binding(None)}},
    }

    def operation(action: str, channel: str, message: str, summary: str, group: str | None = None) -> dict[str, Any]:
        op: dict[str, Any] = {"action": action, "channel": {"$ref": f"#/channels/{channel}"}, "summary": summary,
                              "messages": [{"$ref": f"#/channels/{channel}/messages/{message}"}]}
        if group:
            op["bindings"] = {"kafka": {"groupId": {"type": "string", "description": group},
                                        "bindingVersion": KAFKA_BINDING}}
        return op

    operations = {
        "publishRawArticle": operation("send", "raw", "rawArticle", "Publish an article to be processed."),
        "receiveEnrichedArticle": operation("receive", "enriched", "enrichedArticle",
                                            "Consume enriched articles (filter on the headers before decoding).",
                                            "Your service's own consumer group."),
        "receiveDeadLetter": operation("receive", "deadletter", "deadLetter", "Inspect what was refused."),
        "receiveSubscribedArticle": operation("receive", "subscription", "subscribedArticle",
                                              "Consume only the articles one subscription matches.",
                                              "Your service's own consumer group."),
    }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "newsflow topics", "version": str(SCHEMA_VERSION),
                 "description": "Kafka topics of newsflow, a streaming ingest of multilingual news. Records are JSON "
                                "(orjson); schemas are generated from schemas/models.py. Delivery is at least once: "
                                "treat records as upserts by key. Generated by `python -m schemas.asyncapi`.",
                 "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"}},
        "defaultContentType": "application/json",
        "servers": {"local": {"host": "localhost:9092", "protocol": "kafka",
                              "description": "`newsflow up` prints the bootstrap address of its local broker."}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": component_schemas()},
    }


def render() -> str:
    header = "# Generated by `python -m schemas.asyncapi` from schemas/json and schemas/headers.py; do not edit.\n"
    return header + yaml.safe_dump(document(), sort_keys=False, allow_unicode=True, width=120)


def main(argv: list[str]) -> int:
    if "--check" in argv:
        if not ASYNCAPI_PATH.exists() or ASYNCAPI_PATH.read_text(encoding="utf-8") != render():
            print(f"AsyncAPI document out of date: {ASYNCAPI_PATH} (run: python -m schemas.asyncapi)", file=sys.stderr)
            return 1
        return 0
    ASYNCAPI_PATH.write_text(render(), encoding="utf-8")
    print(ASYNCAPI_PATH)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
