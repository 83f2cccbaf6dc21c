"""Publish RawArticles (and dead letters) to Kafka with aiokafka; acked by all in-sync replicas."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable
from types import TracebackType

from aiokafka import AIOKafkaProducer

from schemas import encode
from schemas.models import DeadLetter, RawArticle
from services.common.deadletter import dead_letter_for
from services.common.kafka import client_options
from services.config import Settings

__all__ = ["Publisher", "dead_letter_for", "raw_key"]  # dead_letter_for lives in services.common.deadletter


def raw_key(article: RawArticle) -> str:
    """Partition key of a raw article: its URL when it has one, else its source and content."""
    basis = article.url or f"{article.source}\x00{article.body}"
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class Publisher:
    """`async with Publisher(settings) as p: await p.send(article)` — returns once the broker acknowledged."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._producer = AIOKafkaProducer(
            **client_options(self.settings),
            acks="all",
            enable_idempotence=True,  # broker-side dedup of retried batches
            linger_ms=5,
            max_request_size=16 * 1024 * 1024,
            request_timeout_ms=30_000,
            retry_backoff_ms=200,
        )

    async def __aenter__(self) -> Publisher:
        await self._producer.start()
        return self

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        await self._producer.stop()

    async def send(self, article: RawArticle) -> str:
        key = raw_key(article)
        await self._producer.send_and_wait(self.settings.topic_raw, encode(article), key=key.encode())
        return key

    async def send_many(self, articles: Iterable[RawArticle]) -> list[str]:
        """Send in one pipelined batch; raises if any was not acknowledged."""
        keyed = [(raw_key(a), a) for a in articles]
        futures = [await self._producer.send(self.settings.topic_raw, encode(a), key=k.encode()) for k, a in keyed]
        await asyncio.gather(*futures)
        return [k for k, _ in keyed]

    async def send_bytes(self, topic: str, value: bytes, key: bytes | None = None) -> None:
        await self._producer.send_and_wait(topic, value, key=key)

    async def dead_letter(self, letter: DeadLetter) -> None:
        await self._producer.send_and_wait(self.settings.topic_deadletter, encode(letter),
                                           key=letter.key.encode() if letter.key else None)
