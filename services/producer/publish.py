"""Publish RawArticles (and dead letters) to Kafka with aiokafka; acked by all in-sync replicas.

Waiting is bounded: with the broker away, aiokafka keeps retrying a batch whose partition leader it
still knows, forever. A send that is not acknowledged within `ack_timeout` (NEWSFLOW_PRODUCE_TIMEOUT)
raises KafkaUnavailable, so the caller can answer 503 or retry later; so does a start that does not
complete in that time (wait_forever: a fresh producer tries again); closing the producer waits at
most CLOSE_TIMEOUT for what is still buffered (a caller that was not acknowledged re-sends it).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from aiokafka import AIOKafkaProducer

from schemas import encode
from schemas.models import DeadLetter, RawArticle
from services.common.deadletter import TRUNCATED_MARK, dead_letter_for, truncated
from services.common.kafka import MAX_MESSAGE_BYTES, MAX_VALUE_BYTES, client_options
from services.config import Settings

__all__ = ["TRUNCATED_MARK", "KafkaUnavailable", "Publisher", "dead_letter_for", "fitting", "raw_key"]
log = logging.getLogger(__name__)
CLOSE_TIMEOUT = 3.0  # seconds to flush on close; SIGTERM must end a producer within 10 s


class KafkaUnavailable(ConnectionError):
    """The broker did not acknowledge within the producer's timeout (it may be down): retry later."""


def raw_key(article: RawArticle) -> str:
    """Partition key of a raw article: its URL when it has one, else its source and content."""
    basis = article.url or f"{article.source}\x00{article.body}"
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def fitting(letter: DeadLetter, limit: int = MAX_VALUE_BYTES) -> DeadLetter:
    """The dead letter itself when it fits on the topic, else with its payload cut (marked: not replayable).

    A payload that is too large for the raw topic, or that grew past it as base64, must still leave a record
    of the failure, once."""
    size = len(encode(letter))
    if size <= limit:
        return letter
    return truncated(letter, f"{size:,} bytes, over the topic's {limit:,}")


class Publisher:
    """`async with Publisher(settings) as p: await p.send(article)` — returns once the broker acknowledged.

    A send waits settings.produce_timeout seconds for its acknowledgement, then raises KafkaUnavailable;
    wait_forever=True waits as long as aiokafka retries (for a caller that can do nothing better than wait,
    such as the sink, which commits nothing meanwhile)."""

    def __init__(self, settings: Settings, *, wait_forever: bool = False) -> None:
        self.settings = settings
        self.ack_timeout: float | None = None if wait_forever else settings.produce_timeout
        self._producer = self._new_producer()

    def _new_producer(self) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            **client_options(self.settings),
            acks="all",
            enable_idempotence=True,  # broker-side dedup of retried batches
            linger_ms=5,
            max_request_size=MAX_MESSAGE_BYTES,
            request_timeout_ms=30_000,
            retry_backoff_ms=200,
        )

    async def __aenter__(self) -> Publisher:
        # A start is bounded too: a broker that is still starting can answer the first metadata request
        # with no brokers; if it then drops that connection, aiokafka has no node left to ask and waits
        # for a producer id forever. Only a fresh client finds the broker again.
        while True:
            try:
                await asyncio.wait_for(self._producer.start(), self.settings.produce_timeout)
                return self
            except TimeoutError:
                await self._stop()
                if self.ack_timeout is not None:
                    raise KafkaUnavailable(f"Kafka at {self.settings.bootstrap} was not ready within "
                                           f"{self.settings.produce_timeout:g} s (NEWSFLOW_PRODUCE_TIMEOUT)") from None
                log.warning("Kafka at %s was not ready within %g s; starting a new producer",
                            self.settings.bootstrap, self.settings.produce_timeout)
                self._producer = self._new_producer()
            except BaseException:
                await self._producer.stop()  # a failed start leaves connections and tasks behind otherwise
                raise

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        await self._stop()

    async def _stop(self) -> None:
        try:
            await asyncio.wait_for(self._producer.stop(), CLOSE_TIMEOUT)
        except TimeoutError:
            log.warning("Kafka did not take the last buffered records within %.0f s; closing without them", CLOSE_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - closing must not turn a clean stop into a failed one
            log.warning("closing the Kafka producer failed: %s: %s", type(exc).__name__, exc)

    async def _acked(self, awaitable: Any) -> Any:
        if self.ack_timeout is None:
            return await awaitable
        try:
            return await asyncio.wait_for(awaitable, self.ack_timeout)
        except TimeoutError:
            raise KafkaUnavailable(f"Kafka at {self.settings.bootstrap} did not acknowledge within "
                                   f"{self.ack_timeout:g} s (NEWSFLOW_PRODUCE_TIMEOUT)") from None

    async def send(self, article: RawArticle) -> str:
        key = raw_key(article)
        await self._acked(self._producer.send_and_wait(self.settings.topic_raw, encode(article), key=key.encode()))
        return key

    async def send_many(self, articles: Iterable[RawArticle]) -> list[str]:
        """Send in one pipelined batch; raises if any was not acknowledged (KafkaUnavailable after the timeout)."""
        keyed = [(raw_key(a), a) for a in articles]

        async def pipelined() -> None:
            futures = [await self._producer.send(self.settings.topic_raw, encode(a), key=k.encode()) for k, a in keyed]
            await asyncio.gather(*futures)

        await self._acked(pipelined())
        return [k for k, _ in keyed]

    async def send_bytes(self, topic: str, value: bytes, key: bytes | None = None) -> None:
        await self._acked(self._producer.send_and_wait(topic, value, key=key))

    async def dead_letter(self, letter: DeadLetter) -> None:
        """Send a dead letter, its payload cut when it would not fit on the topic (see `fitting`)."""
        letter = fitting(letter)
        await self._acked(self._producer.send_and_wait(self.settings.topic_deadletter, encode(letter),
                                                       key=letter.key.encode() if letter.key else None))

    async def ready(self, timeout: float = 2.0) -> dict[str, Any]:
        """Whether a broker answers now and knows the raw topic: a fresh metadata request, not the cache
        (which keeps the last answer while the broker is away)."""
        try:
            cluster = await asyncio.wait_for(self._producer.client.fetch_all_metadata(), timeout)
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else f"no answer within {timeout:g} s"
            return {"started": True, "ready": False, "error": detail[:300]}
        partitions = cluster.partitions_for_topic(self.settings.topic_raw) or set()
        return {"started": True, "ready": bool(partitions), "topic": self.settings.topic_raw,
                "partitions": len(partitions)}
