"""Publish RawArticles (and dead letters) to Kafka with aiokafka; acked by all in-sync replicas."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType

from aiokafka import AIOKafkaProducer

from schemas import encode
from schemas.models import DeadLetter, RawArticle, Stage
from services.common.kafka import client_options
from services.config import Settings, get_settings


def raw_key(article: RawArticle) -> str:
    """Partition key of a raw article: its URL when it has one, else its source and content."""
    basis = article.url or f"{article.source}\x00{article.body}"
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def dead_letter_for(payload: bytes | str, *, stage: Stage, error: str, error_type: str = "ValueError",
                    key: str | None = None, topic: str | None = None, partition: int | None = None,
                    offset: int | None = None) -> DeadLetter:
    """A DeadLetter keeping the payload exactly: as text when it is UTF-8, else base64."""
    if isinstance(payload, bytes):
        try:
            text, encoding = payload.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = base64.b64encode(payload).decode("ascii"), "base64"
    else:
        text, encoding = payload, "utf-8"
    return DeadLetter(stage=stage, error_type=error_type, error=error[:4000], payload=text, payload_encoding=encoding,
                      key=key, topic=topic, partition=partition, offset=offset, failed_at=datetime.now(UTC))


class Publisher:
    """`async with Publisher() as p: await p.send(article)` — returns once the broker acknowledged."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
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
