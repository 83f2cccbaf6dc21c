"""Subscribe to articles.enriched and print each article: id, language, title, entities with their ids.

    python examples/subscribe.py                    # follow the topic from its start (Ctrl-C stops)
    python examples/subscribe.py --max 3            # stop after three articles
    python examples/subscribe.py --entity Q7747     # only articles that mention Vladimir Putin

The broker is KAFKA_BOOTSTRAP_SERVERS; without it, the running `newsflow up` of this folder, read from its
state file (NEWSFLOW_STATE_DIR, default .newsflow, file stack.json: {"pid", "bootstrap_servers",
"topics": {"enriched": ...}, ...}). Records are EnrichedArticle (schemas/json/enriched_article.v1.schema.json);
delivery is at least once, and an article sent again arrives again with the same id: an update.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

from aiokafka import AIOKafkaConsumer

from schemas import EnrichedArticle, decode


def broker_and_topic() -> tuple[str, str]:
    """From the environment, else from the state file of a running `newsflow up` in this folder."""
    servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    topic = os.environ.get("NEWSFLOW_TOPIC_ENRICHED")
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


def line(article: EnrichedArticle) -> str:
    names = {}
    for mention in article.entities:  # one name per entity: the canonical one when linked
        key = mention.entity_id or mention.text
        names.setdefault(key, f"{mention.canonical_name or mention.text}" + (f" ({mention.entity_id})" if mention.entity_id else ""))
    return f"{article.id}  {article.language.code}  {article.title or '(no title)'}  |  {', '.join(names.values())}"


async def subscribe(group: str, entity: str | None, limit: int | None) -> None:
    servers, topic = broker_and_topic()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=servers, group_id=group, auto_offset_reset="earliest")
    await consumer.start()
    shown, seen = 0, set()
    try:
        async for message in consumer:
            article = decode(EnrichedArticle, message.value)
            if article.duplicate_of:  # the same body as an earlier article: not enriched again
                continue
            if article.id in seen:  # at least once, and a re-sent article comes again: an update, shown once here
                continue
            seen.add(article.id)
            if entity and not any(m.entity_id == entity for m in article.entities):
                continue
            print(line(article), flush=True)
            shown += 1
            if limit is not None and shown >= limit:
                break
    finally:
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", default="my-service", help="consumer group (its offsets are kept by Kafka)")
    parser.add_argument("--entity", help="only articles mentioning this entity id, e.g. Q7747")
    parser.add_argument("--max", type=int, dest="limit", help="stop after this many articles")
    args = parser.parse_args()
    try:
        asyncio.run(subscribe(args.group, args.entity, args.limit))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
