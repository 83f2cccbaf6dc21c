"""Read-only views of the cluster for status, the live page and the services' lag gauges (aiokafka admin).

Lag is committed lag, as Kafka's own tools report it: per partition, the end offset minus the group's
committed offset (a partition the group never committed counts from its start offset: everything there
is still to do).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from services.common.kafka import client_options
from services.config import Settings

INTERNAL_PREFIX = "__"


@dataclass
class Cluster:
    """An admin client and an unsubscribed consumer (for offsets), started together, closed together."""

    settings: Settings
    admin: AIOKafkaAdminClient | None = None
    consumer: AIOKafkaConsumer | None = None

    async def __aenter__(self) -> Cluster:
        opts = client_options(self.settings)
        self.admin = AIOKafkaAdminClient(**opts, request_timeout_ms=5000)
        self.consumer = AIOKafkaConsumer(**opts, enable_auto_commit=False, request_timeout_ms=5000)
        try:
            await self.admin.start()
            await self.consumer.start()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()
        if self.admin is not None:
            await self.admin.close()

    async def partitions(self, topics: list[str] | None = None) -> list[TopicPartition]:
        assert self.admin is not None
        names = topics if topics is not None else [t for t in await self.admin.list_topics()
                                                    if not t.startswith(INTERNAL_PREFIX)]
        if not names:
            return []
        described = await self.admin.describe_topics(names)
        return sorted((TopicPartition(d["topic"], p["partition"]) for d in described if not d.get("error_code")
                       for p in d["partitions"]), key=lambda tp: (tp.topic, tp.partition))

    async def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        assert self.consumer is not None
        return dict(await self.consumer.end_offsets(tps)) if tps else {}

    async def start_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        assert self.consumer is not None
        return dict(await self.consumer.beginning_offsets(tps)) if tps else {}

    async def groups(self) -> list[str]:
        assert self.admin is not None
        return sorted({g[0] for g in await self.admin.list_consumer_groups()})

    async def group_lag(self, group: str, tps: list[TopicPartition] | None = None) -> dict[TopicPartition, int]:
        """Per partition: end offset - committed offset (for `tps`, or the partitions the group committed)."""
        assert self.admin is not None
        committed = await self.admin.list_consumer_group_offsets(group)
        wanted = tps if tps is not None else list(committed)
        ends = await self.end_offsets(wanted)
        starts = await self.start_offsets([tp for tp in wanted if tp not in committed])
        return {tp: max(0, end - (committed[tp].offset if tp in committed and committed[tp].offset >= 0
                                  else starts.get(tp, 0))) for tp, end in ends.items()}


@dataclass
class DeadLetterWindow:
    """Dead letters by stage over a sliding window, read from the dead-letter topic by timestamp.

    The first `update` seeks each partition to the first record of the window; later calls read only
    what arrived since, so a page refreshing every few seconds does not re-read the hour.
    """

    topic: str
    window_seconds: float = 3600.0
    max_records: int = 100_000  # bound the first read on a topic that has a flood of dead letters
    seen: list[tuple[float, str]] = field(default_factory=list)  # (timestamp s, stage), oldest first
    positions: dict[TopicPartition, int] = field(default_factory=dict)

    async def update(self, cluster: Cluster, now: float | None = None) -> Counter[str]:
        assert cluster.consumer is not None
        now = time.time() if now is None else now
        since = now - self.window_seconds
        consumer = cluster.consumer
        tps = await cluster.partitions([self.topic])
        ends = await cluster.end_offsets(tps)
        missing = [tp for tp in tps if tp not in self.positions]
        if missing:
            found = await consumer.offsets_for_times({tp: int(since * 1000) for tp in missing})
            for tp in missing:
                self.positions[tp] = found[tp].offset if found.get(tp) is not None else ends[tp]
        todo = {tp: self.positions[tp] for tp in tps if self.positions[tp] < ends[tp]}
        if todo:
            consumer.assign(list(todo))
            for tp, offset in todo.items():
                consumer.seek(tp, offset)
            read = 0
            while todo and read < self.max_records:
                batch = await consumer.getmany(*todo, timeout_ms=1000, max_records=5000)
                if not batch:
                    break
                for tp, records in batch.items():
                    for rec in records:
                        read += 1
                        self.seen.append((rec.timestamp / 1000.0, _stage(rec.value)))
                        self.positions[tp] = rec.offset + 1
                    if self.positions[tp] >= ends[tp]:
                        todo.pop(tp, None)
            consumer.assign([])
            self.seen.sort()
        while self.seen and self.seen[0][0] < since:
            self.seen.pop(0)
        return Counter(stage for _, stage in self.seen)


def _stage(value: bytes | None) -> str:
    try:
        stage = orjson.loads(value or b"").get("stage")
        return stage if isinstance(stage, str) else "unreadable"
    except (orjson.JSONDecodeError, AttributeError):
        return "unreadable"
