"""The AsyncAPI document: generated, committed, current, and valid AsyncAPI 3.0 (offline)."""

from __future__ import annotations

import orjson
import pytest
import yaml

from schemas import asyncapi
from schemas import headers as h
from services.config import Settings


def test_committed_document_is_current() -> None:
    assert asyncapi.ASYNCAPI_PATH.read_text(encoding="utf-8") == asyncapi.render(), \
        "regenerate with: python -m schemas.asyncapi"
    assert asyncapi.main(["--check"]) == 0


def test_document_is_valid_asyncapi_3() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    spec = orjson.loads(asyncapi.SPEC_SCHEMA_PATH.read_bytes())
    validator = jsonschema.Draft7Validator(spec)  # every $ref of the spec resolves inside the file: no download
    document = yaml.safe_load(asyncapi.ASYNCAPI_PATH.read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(document)]
    assert errors == []
    broken = {**document, "channels": {**document["channels"], "raw": {**document["channels"]["raw"], "address": 5}}}
    assert list(validator.iter_errors(broken)), "the validator must see a broken document"


def test_every_topic_payload_header_and_key_is_described() -> None:
    document = yaml.safe_load(asyncapi.ASYNCAPI_PATH.read_text(encoding="utf-8"))
    settings = Settings()
    addresses = {c["address"] for c in document["channels"].values()}
    assert {settings.topic_raw, settings.topic_enriched, settings.topic_deadletter, "articles.sub.{name}"} <= addresses
    assert settings.partitions == asyncapi.PARTITIONS
    messages = document["components"]["messages"]
    assert set(messages["EnrichedArticle"]["headers"]["properties"]) == set(h.ENRICHED_HEADERS)
    assert h.SUBSCRIPTION in messages["SubscribedArticle"]["headers"]["properties"]
    assert all(m["bindings"]["kafka"]["key"]["type"] == "string" for m in messages.values())
    schemas = document["components"]["schemas"]
    committed = orjson.loads((asyncapi.schema_path("enriched_article")).read_bytes())
    assert set(schemas["EnrichedArticle"]["properties"]) == set(committed["properties"])
    assert "Mention" in schemas and "$defs" not in schemas["EnrichedArticle"]
    refs = [v for v in _walk(document) if isinstance(v, str) and v.startswith("#/")]
    for ref in refs:  # every internal reference points at something
        node = document
        for part in ref[2:].split("/"):
            node = node[part]


def _walk(node: object):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)
    else:
        yield node
