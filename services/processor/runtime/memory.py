"""The processor without a broker: the same handlers, crash marks and ack policy over in-memory topics.

The role FastStream's TestKafkaBroker plays: unit tests drive `MemoryWorker` over a `MemoryBroker`
and see what would be on each topic, what is committed, and what happens when a send is refused or
the worker dies, all in milliseconds. Only the transport differs from agents.py: batches are taken
per partition in offset order, outcomes go through `delivery.deliver`, and a batch's offsets are
committed only after `deliver` returned.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.processor.dedup import Related
from services.processor.runtime.attempts import Attempts, MemoryStore, handle_guarded
from services.processor.runtime.delivery import Delivered, NotTaken, deliver
from services.processor.runtime.firstseen import FirstSeen, apply
from services.processor.runtime.handlers import HandlerConfig, Message, Output, crashed, stateful
from services.subscriptions.route import Routes


@dataclass(frozen=True)
class Record:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


class WorkerDied(BaseException):
    """The worker process ended abruptly (what a segfault or `os._exit` is to the real one)."""


@dataclass
class MemoryBroker:
    """Topics as lists per partition, committed offsets per (topic, partition), and a refusal hook."""

    partitions: int = 4
    topics: dict[str, list[list[Record]]] = field(default_factory=dict)
    committed: dict[tuple[str, int], int] = field(default_factory=dict)
    # Why the broker refuses this record (None: it takes it), e.g. too large for the topic.
    refuse: Callable[[Output], str | None] = lambda out: None
    # Whether this record fails on the cluster's state (no leader for its partition): NotTaken.
    unanswered: Callable[[Output], bool] = lambda out: False

    def topic(self, name: str) -> list[list[Record]]:
        return self.topics.setdefault(name, [[] for _ in range(self.partitions)])

    def produce(self, topic: str, key: bytes | None, value: bytes, partition: int | None = None,
                headers: tuple[tuple[str, bytes], ...] = ()) -> Record:
        parts = self.topic(topic)
        if partition is None:  # a stable partitioner by key (Kafka's is murmur2; any stable one will do here)
            partition = zlib.crc32(key) % self.partitions if key is not None else 0
        record = Record(partition, len(parts[partition]), key, value, headers)
        parts[partition].append(record)
        return record

    async def send(self, out: Output) -> Awaitable[object]:
        """Queue a record: the returned future resolves like a producer's (refused: it raises)."""
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        reason = self.refuse(out)
        if self.unanswered(out):
            future.set_exception(NotTaken(f"{out.topic}: NotLeaderForPartitionError"))
        elif reason is not None:
            future.set_exception(RuntimeError(reason))
        else:
            future.set_result(self.produce(out.topic, out.key, out.value, out.partition, out.headers))
        return future

    def records(self, topic: str) -> list[Record]:
        """Every record of a topic, partition by partition, in offset order."""
        return [r for part in self.topic(topic) for r in part]

    def lag(self, topic: str) -> int:
        return sum(len(part) - self.committed.get((topic, p), 0) for p, part in enumerate(self.topic(topic)))


@dataclass
class MemoryWorker:
    """One processor worker. A new MemoryWorker on the same broker and store is that worker restarted."""

    broker: MemoryBroker
    config: HandlerConfig
    batch_size: int = 100
    crash_limit: int = 3
    store: MemoryStore = field(default_factory=MemoryStore)
    # Tests: the worker dies on the records for which this says True.
    dies_on: Callable[[Message], bool] = lambda msg: False
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    delivered: list[Delivered] = field(default_factory=list)
    # Near-duplicates and stories: a fresh state per worker, folded from the related topic before each batch.
    related: Related | None = None
    # Subscriptions in force; a test reloads by assigning a new set between two steps.
    routes: Routes | None = None

    def __post_init__(self) -> None:
        self.first_seen = FirstSeen()
        self.attempts = Attempts(self.store, self.crash_limit)
        self.handler = stateful(self.config, self.first_seen, self.clock, self.related, routes=lambda: self.routes)

    def _load_first_seen(self, partition: int) -> None:
        if self.first_seen.stale(0, (partition,)):
            entries: dict[str, str] = {}
            for rec in self.broker.topic(self.config.topics.first_seen)[partition]:
                apply(entries, rec.key, rec.value)
            self.first_seen.load(partition, entries)

    def _die_if_asked(self, msg: Message) -> None:
        if self.dies_on(msg):
            raise WorkerDied(msg.where())

    async def step(self, topic: str, partition: int) -> int:
        """One batch from the committed offset of one partition; returns how many records it took."""
        start = self.broker.committed.get((topic, partition), 0)
        batch = self.broker.topic(topic)[partition][start:start + self.batch_size]
        if not batch:
            return 0
        messages = [Message(topic, partition, r.offset, r.key, r.value) for r in batch]
        if topic == self.config.topics.normalized:
            self._load_first_seen(partition)
            if self.related is not None:
                for rec in self.broker.records(self.config.topics.related):
                    self.related.apply(rec.key, rec.value)
        outcomes = handle_guarded(messages, self.handler, self.attempts,
                                  lambda m, n: crashed(m, n, self.clock()), self._die_if_asked)
        self.delivered.append(await deliver(outcomes, self.broker.send, self.config.topics, self.clock))
        self.broker.committed[(topic, partition)] = batch[-1].offset + 1  # the ack: after every output
        return len(batch)

    async def run_until_idle(self) -> int:
        """Process raw and normalized until nothing is left; returns the records taken. Raises WorkerDied
        or Undeliverable as the real worker would exit (nothing committed for that batch)."""
        total = 0
        while True:
            took = 0
            for topic in (self.config.topics.raw, self.config.topics.normalized):
                for partition in range(self.broker.partitions):
                    took += await self.step(topic, partition)
            if not took:
                return total
            total += took
