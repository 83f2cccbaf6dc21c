"""Read articles.enriched as it grows without joining a consumer group (for `tail` and the HTTP stream).

The reader assigns itself every partition and seeks: to given positions (resuming), to the first
record at or after a time (`offsets_for_times`), or to the end ("from now"). Nothing is committed:
a follower leaves no trace on the cluster.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from schemas.models import EnrichedArticle
from services.common.kafka import client_options
from services.config import Settings
from services.subscriptions.positions import Positions


@dataclass(frozen=True)
class Followed:
    """One record read: the article (None when the value is not a valid EnrichedArticle), where it was."""

    article: EnrichedArticle | None
    partition: int
    offset: int
    timestamp_ms: int
    headers: tuple[tuple[str, bytes], ...]


def parse_enriched(value: bytes | None) -> EnrichedArticle | None:
    try:
        return EnrichedArticle.model_validate(orjson.loads(value or b""))
    except (orjson.JSONDecodeError, ValidationError):
        return None


async def _partitions(consumer: AIOKafkaConsumer, topic: str, attempts: int = 20) -> list[int]:
    for _ in range(attempts):  # metadata of a topic just created may take a moment
        parts = consumer.partitions_for_topic(topic)
        if parts:
            return sorted(parts)
        await consumer._client.force_metadata_update()  # the public API has no "refresh now"
        await asyncio.sleep(0.25)
    raise LookupError(f"topic {topic!r} not found on the broker (is the pipeline running? `newsflow up`)")


class Follower:
    """`async with Follower(settings, start) as f: async for item in f.records(stop)`.

    `start`: a Positions mapping (resume exactly there; partitions not named start at their beginning),
    a datetime (the first record at or after it), or None (from the end: only new records).
    """

    def __init__(self, settings: Settings, start: Mapping[int, int] | datetime | None, topic: str | None = None) -> None:
        self.topic = topic or settings.topic_enriched
        self.start = start
        self.consumer = AIOKafkaConsumer(**client_options(settings), group_id=None, enable_auto_commit=False,
                                         auto_offset_reset="earliest")
        self.positions: Positions = {}

    async def __aenter__(self) -> Follower:
        try:
            await self.consumer.start()
            await self._seek()
        except BaseException:
            await self.consumer.stop()
            raise
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.consumer.stop()

    async def _seek(self) -> None:
        parts = await _partitions(self.consumer, self.topic)
        tps = [TopicPartition(self.topic, p) for p in parts]
        self.consumer.assign(tps)
        ends = await self.consumer.end_offsets(tps)
        begins = await self.consumer.beginning_offsets(tps)
        if isinstance(self.start, datetime):
            found = await self.consumer.offsets_for_times({tp: int(self.start.timestamp() * 1000) for tp in tps})
            wanted = {tp.partition: (found[tp].offset if found.get(tp) is not None else ends[tp]) for tp in tps}
        elif self.start is None:
            wanted = {tp.partition: ends[tp] for tp in tps}
        else:
            wanted = {tp.partition: self.start.get(tp.partition, begins[tp]) for tp in tps}
        for tp in tps:
            # A position before the retained log (deleted by retention) starts at the oldest record kept.
            offset = max(begins[tp], min(wanted[tp.partition], ends[tp]))
            self.consumer.seek(tp, offset)
            self.positions[tp.partition] = offset

    async def records(self, stop: asyncio.Event | None = None, poll_ms: int = 500) -> AsyncIterator[Followed | None]:
        """Records in partition order as they arrive; None after each poll that brought nothing (a tick)."""
        while stop is None or not stop.is_set():
            batches = await self.consumer.getmany(timeout_ms=poll_ms, max_records=500)
            if not batches:
                yield None
                continue
            for tp, recs in batches.items():
                for rec in recs:
                    self.positions[tp.partition] = rec.offset + 1
                    yield Followed(parse_enriched(rec.value), tp.partition, rec.offset, rec.timestamp,
                                   tuple(rec.headers or ()))
