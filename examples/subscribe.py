"""Subscribe to articles.enriched (or a subscription topic) and print each article: id, language,
title, entities with their ids. Records are dropped on their Kafka headers before being decoded.

    python examples/subscribe.py                              # follow the topic from its start (Ctrl-C stops)
    python examples/subscribe.py --max 3                      # stop after three articles
    python examples/subscribe.py --language nl --entity Q7747 # Dutch articles that mention Vladimir Putin
    python examples/subscribe.py --topic articles.sub.dutch --group dutch-reader

The broker is KAFKA_BOOTSTRAP_SERVERS; without it, the running `newsflow up` of this folder, read from its
state file (NEWSFLOW_STATE_DIR, default .newsflow, file stack.json: {"pid", "bootstrap_servers",
"topics": {"enriched": ...}, ...}). Records are EnrichedArticle (schemas/json/enriched_article.v1.schema.json);
headers are described in docs/contract.md. Delivery is at least once, and an article sent again arrives
again with the same id: an update.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install needed

from aiokafka import AIOKafkaConsumer  # noqa: E402

from schemas import EnrichedArticle, decode  # noqa: E402


def broker_and_topic(topic: str | None) -> tuple[str, str]:
    """From the environment, else from the state file of a running `newsflow up` in this folder."""
    servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    topic = topic or os.environ.get("NEWSFLOW_TOPIC_ENRICHED")
    state = Path(os.environ.get("NEWSFLOW_STATE_DIR", ".newsflow")) / "stack.json"
    if not servers and state.is_file():
        stack = json.loads(state.read_text(encoding="utf-8"))
        try:
            os.kill(int(stack["pid"]), 0)  # the `newsflow up` that wrote it is still running
        except (OSError, ValueError):
            sys.exit(f"{state} is left from a stopped `newsflow up`: start it again, or set KAFKA_BOOTSTRAP_SERVERS")
        return stack["bootstrap_servers"], topic or stack["topics"]["enriched"]
    if not servers:
        sys.exit("no broker: set KAFKA_BOOTSTRAP_SERVERS, or run this where `newsflow up` is running")
    return servers, topic or "articles.enriched"


def wanted(headers: dict[str, str], language: str | None, entity: str | None) -> bool:
    """Decided on the headers alone; an entity list cut at its bound leaves the decision to the value."""
    if language and headers.get("newsflow-language") != language:
        return False
    if entity and entity not in headers.get("newsflow-entity-ids", "").split(","):
        return headers.get("newsflow-entities-truncated") == "true"
    return True


def line(article: EnrichedArticle) -> str:
    names = {}
    for mention in article.entities:  # one name per entity: the canonical one when linked
        key = mention.entity_id or mention.text
        names.setdefault(key, f"{mention.canonical_name or mention.text}" + (f" ({mention.entity_id})" if mention.entity_id else ""))
    return f"{article.id}  {article.language.code}  {article.title or '(no title)'}  |  {', '.join(names.values())}"


async def subscribe(args: argparse.Namespace) -> None:
    servers, topic = broker_and_topic(args.topic)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=servers, group_id=args.group, auto_offset_reset="earliest")
    await consumer.start()
    shown, seen = 0, set()
    try:
        async for message in consumer:
            headers = {name: value.decode() for name, value in message.headers or ()}
            if not wanted(headers, args.language, args.entity):
                continue  # dropped without decoding the value
            article = decode(EnrichedArticle, message.value)
            if article.duplicate_of:  # the same body as an earlier article: not enriched again
                continue
            if article.id in seen:  # at least once, and a re-sent article comes again: an update, shown once here
                continue
            seen.add(article.id)
            if args.entity and not any(m.entity_id == args.entity for m in article.entities):
                continue
            print(line(article), flush=True)
            shown += 1
            if args.max is not None and shown >= args.max:
                break
    finally:
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topic", help="default articles.enriched; or a subscription topic, e.g. articles.sub.dutch")
    parser.add_argument("--group", default="my-service", help="consumer group (its offsets are kept by Kafka)")
    parser.add_argument("--language", help="only articles in this language, e.g. nl")
    parser.add_argument("--entity", help="only articles mentioning this entity id, e.g. Q7747")
    parser.add_argument("--max", type=int, help="stop after this many articles")
    try:
        asyncio.run(subscribe(parser.parse_args()))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
