"""Records skipped after a rebalance: seen from the worker's own bookkeeping, never from faust's internals.

faust 0.15.3 can lose its place in a partition at a rebalance: a record fetched before the rebalance is
delivered after the seek to the committed offset and marks its offset as read, so the re-fetched records
before it are dropped as "already read"; they are never processed and the group's committed offset stays
there for good while later records go on (docs/faults.md, 5).

The worker knows what it handled: per partition, the lowest offset it acked since the last rebalance. A
partition is read from its committed offset after a rebalance, so that lowest offset can only be above
the committed one if records were skipped. `SkipWatch` is the pure part: it reports such a partition when
two looks in a row agree and nothing is handling the committed offset; the worker then seeks back to it
(the re-read records are processed again at worst: the sink's upsert absorbs that).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.config import Settings
from services.processor.runtime.handlers import Message

TP = tuple[str, int]


@dataclass
class SkipWatch:
    _generation: int | None = None
    _lowest: dict[TP, int] = field(default_factory=dict)
    _handling: set[tuple[str, int, int]] = field(default_factory=set)
    _suspects: dict[TP, tuple[int, int]] = field(default_factory=dict)

    def _at(self, generation: int) -> None:
        if generation != self._generation:
            self.reset()
            self._generation = generation

    def reset(self) -> None:
        self._lowest.clear()
        self._handling.clear()
        self._suspects.clear()

    def handling(self, generation: int, messages: Iterable[Message]) -> None:
        """A batch is being handled (each agent has one at a time)."""
        self._at(generation)
        self._handling.update((m.topic, m.partition, m.offset) for m in messages)

    def acked(self, generation: int, messages: Iterable[Message]) -> None:
        self._at(generation)
        for m in messages:
            tp = (m.topic, m.partition)
            self._handling.discard((m.topic, m.partition, m.offset))
            if m.offset < self._lowest.get(tp, m.offset + 1):
                self._lowest[tp] = m.offset

    def watching(self) -> bool:
        return bool(self._lowest)

    def stuck(self, generation: int, assigned: Iterable[TP], committed: Mapping[TP, int]) -> list[tuple[TP, int]]:
        """Partitions to read again from their committed offset (and that offset)."""
        self._at(generation)
        seen: dict[TP, tuple[int, int]] = {}
        for tp in assigned:
            lowest, done = self._lowest.get(tp), committed.get(tp)
            if lowest is not None and done is not None and done >= 0 and lowest > done \
                    and (tp[0], tp[1], done) not in self._handling:
                seen[tp] = (done, lowest)
        stuck = [(tp, done) for tp, (done, lowest) in seen.items() if self._suspects.get(tp) == (done, lowest)]
        for tp, _ in stuck:
            self._lowest.pop(tp, None)  # it is read again from `done`: measure afresh
            seen.pop(tp)
        self._suspects = seen
        return stuck


class CommittedOffsets:
    """A group's committed offsets per partition, from the broker (public admin API); one client kept open."""

    def __init__(self, settings: Settings, group: str) -> None:
        self.settings, self.group = settings, group
        self._admin: Any = None

    async def fetch(self) -> dict[TP, int]:
        from aiokafka.admin import AIOKafkaAdminClient

        from services.common.kafka import client_options

        try:
            if self._admin is None:
                self._admin = AIOKafkaAdminClient(**client_options(self.settings))
                await self._admin.start()
            offsets = await self._admin.list_consumer_group_offsets(self.group)
        except Exception:  # not known now (broker away, coordinator moving): look again next round
            await self.close()
            return {}
        return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}

    async def close(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            try:
                await admin.close()
            except Exception:
                pass
