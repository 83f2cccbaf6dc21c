"""Subscribe to articles.enriched with a plain Kafka client, filtering on the record headers.

    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:PORT .venv/bin/python examples/subscribe.py --language nl --entity Q7747

Only records whose headers match are decoded (and validated against the contract's model). Delivery is
at least once: the same article may arrive twice (same id); treat it as an upsert. Stops on Ctrl-C, or
after --max articles.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install needed

from aiokafka import AIOKafkaConsumer  # noqa: E402

from schemas import EnrichedArticle, decode  # noqa: E402


async def main(args: argparse.Namespace) -> None:
    consumer = AIOKafkaConsumer(args.topic, bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"],
                                group_id=args.group, auto_offset_reset="earliest")
    await consumer.start()
    seen = 0
    try:
        async for message in consumer:
            headers = {name: value.decode() for name, value in message.headers}
            if args.language and headers.get("newsflow-language") != args.language:
                continue  # dropped without decoding the value
            if args.entity and args.entity not in headers.get("newsflow-entity-ids", "").split(","):
                if headers.get("newsflow-entities-truncated") != "true":
                    continue
            article = decode(EnrichedArticle, message.value)
            if args.entity and all(m.entity_id != args.entity for m in article.entities):
                continue  # the header was truncated and the value says no
            print(f"{article.language.code}  {article.source}  {article.title or article.body[:80]}", flush=True)
            seen += 1
            if args.max and seen >= args.max:
                break
    finally:
        await consumer.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topic", default="articles.enriched", help="or a subscription topic, e.g. articles.sub.dutch")
    parser.add_argument("--group", default="my-service", help="your service's consumer group")
    parser.add_argument("--language", help="e.g. nl")
    parser.add_argument("--entity", help="e.g. Q7747")
    parser.add_argument("--max", type=int, default=0, help="stop after this many articles")
    if "KAFKA_BOOTSTRAP_SERVERS" not in os.environ:
        sys.exit("KAFKA_BOOTSTRAP_SERVERS is not set: export the address `newsflow up` printed")
    try:
        asyncio.run(main(parser.parse_args()))
    except KeyboardInterrupt:
        pass
