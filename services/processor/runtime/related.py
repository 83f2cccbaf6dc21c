"""The near-duplicate and story state in the stream: one `Related` per worker, kept in step with a topic.

Why every worker holds the whole window: near-duplicates do not share a content hash, so the copies of
one text are spread over every partition of `articles.normalized`. A worker that knew only its own
partitions would find a copy with probability 1/partitions. So the state is global, like a GlobalKTable:
each worker records the articles it decided on `<processor id>-related` (keyed by article id, any
partition; `compact,delete` with retention = the window, so the topic forgets what the window forgets)
and follows every partition of it with a group-less consumer of its own (never the worker's fetcher,
which is what deadlocked faust table recovery; see firstseen.py and docs/faults.md).

Recovery: on the first record and after every rebalance (a new consumer generation) the follower reads
every partition up to its end offsets before the next decision, so a record re-read after a partition
moved finds the decision its previous owner recorded (the handler returns the entries in its Outcome and
delivery.py sends them ahead of the output, all acknowledged before the input is acked, as for first-seen). Between rebalances each batch first folds in whatever other workers'
entries the follower has already fetched (without waiting). Two copies decided on two workers within
that fetch lag (milliseconds to a second) may both start a story; that is the price of not routing
every article through one owner (docs/stories.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, TopicPartition

from services.common.kafka import client_options
from services.config import Settings
from services.processor.dedup import Related, warm_up

log = logging.getLogger("newsflow.processor")


def related_for(settings: Settings) -> Related:
    warm_up()  # compiled kernels loaded before the first article, not during it
    return Related(window=settings.story_window_hours * 3600.0, threshold=settings.near_duplicate_threshold,
                   story_threshold=settings.story_threshold)


class RelatedRuntime:
    """Owns the worker's `Related` and the consumer that follows the state topic."""

    def __init__(self, settings: Settings, topic: str) -> None:
        self.settings, self.topic = settings, topic
        self.state = related_for(settings)
        self._consumer: AIOKafkaConsumer | None = None
        self._generation: int | None = None

    async def _start(self) -> None:
        consumer = AIOKafkaConsumer(**client_options(self.settings), group_id=None, enable_auto_commit=False,
                                    auto_offset_reset="earliest", isolation_level="read_committed")
        await consumer.start()
        partitions = consumer.partitions_for_topic(self.topic) or set()
        for _ in range(50):  # just declared: metadata may lag the creation
            if partitions:
                break
            await consumer._client.force_metadata_update()  # noqa: SLF001 - aiokafka has no public call for it
            partitions = consumer.partitions_for_topic(self.topic) or set()
            await asyncio.sleep(0.1)
        if not partitions:
            await consumer.stop()
            raise RuntimeError(f"topic {self.topic} has no partitions")
        consumer.assign([TopicPartition(self.topic, p) for p in sorted(partitions)])
        await consumer.seek_to_beginning()
        self._consumer = consumer

    async def sync(self, generation: int, declare: tuple[Callable[[], Awaitable[None]], ...] = (),
                   timeout: float = 300.0) -> None:
        """Before a decision: read to the end after a rebalance (or at start); else fold what is fetched.

        declare: creates the state and stories topics; called once per rebalance, like first-seen's.
        """
        if generation == self._generation and self._consumer is not None:
            self._fold(await self._consumer.getmany(timeout_ms=0))
            return
        for delay in (1.0, 2.0, 4.0, 8.0, 16.0, 0.0):  # the broker may be restarting
            try:
                for create in declare:
                    await create()
                if self._consumer is None:
                    await self._start()
                await asyncio.wait_for(self._catch_up(), timeout)
                break
            except Exception as exc:
                if not delay:
                    raise
                log.warning("following %s failed (%s: %s); retrying in %.0f s", self.topic, type(exc).__name__, exc, delay)
                await self.stop()  # positions restart from the beginning: folding again is idempotent
                await asyncio.sleep(delay)
        self._generation = generation
        log.info("related state followed to the end of %s: %d articles in the window", self.topic, len(self.state))

    async def _catch_up(self) -> None:
        assert self._consumer is not None
        tps = list(self._consumer.assignment())
        ends = await self._consumer.end_offsets(tps)
        pending = {tp for tp in tps if await self._consumer.position(tp) < ends[tp]}
        while pending:
            self._fold(await self._consumer.getmany(*pending, timeout_ms=500))
            for tp in list(pending):
                if await self._consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)

    def _fold(self, batch: dict[TopicPartition, list]) -> None:  # type: ignore[type-arg]
        for records in batch.values():
            for record in records:
                self.state.apply(record.key, record.value)

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
