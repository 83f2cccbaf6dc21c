"""Content hash → id of the first article seen with that content: the state behind `duplicate_of`.

Why not a faust Table: faust 0.15.3 recovers tables through the worker's own consumer, and when a worker
left the group its survivor's recovery deadlocked in about half our runs (the fetcher blocked delivering a
stream record while flow was suspended for recovery; recovery waited for changelog records behind it; see
faust-streaming/faust#74 and docs/faults.md). This state is small and has one writer per partition, so it
lives in a compacted topic of its own, co-partitioned with `articles.normalized` (same partition number,
written explicitly), and is re-read by a separate, group-less consumer whenever the worker's assignment may
have changed. Nothing here waits on the worker's fetcher, so a rebalance cannot deadlock on it.

`FirstSeen` is the pure part (what is known, what to record); `read_partitions` is the only I/O.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition

from services.common.kafka import client_options
from services.config import Settings

log = logging.getLogger("newsflow.processor")


@dataclass(frozen=True)
class Decision:
    """What the enrich step needs: the original's id (None if this is the first), and whether to record it."""

    duplicate_of: str | None
    record: bool


@dataclass
class FirstSeen:
    """Per partition of the hash-keyed topic: content hash → first id, valid for one consumer generation.

    A partition's entries are trusted only for the generation they were loaded in: between generations
    another worker may have owned the partition and recorded hashes this one never saw.
    """

    _entries: dict[int, dict[str, str]] = field(default_factory=dict)
    _generation: int | None = None

    def stale(self, generation: int, partitions: Iterable[int]) -> set[int]:
        """Partitions that must be (re)loaded before deciding; a new generation invalidates everything."""
        if generation != self._generation:
            self._entries.clear()
            self._generation = generation
        return {p for p in partitions if p not in self._entries}

    def load(self, partition: int, entries: dict[str, str]) -> None:
        self._entries[partition] = dict(entries)

    def decide(self, partition: int, content_hash: str, article_id: str) -> Decision:
        known = self._entries[partition]  # KeyError means the caller skipped stale(): a bug, not a state
        first = known.get(content_hash)
        if first is None:
            return Decision(duplicate_of=None, record=True)
        return Decision(duplicate_of=None if first == article_id else first, record=False)

    def recorded(self, partition: int, content_hash: str, article_id: str) -> None:
        """The broker acknowledged the entry: remember it without reading it back."""
        self._entries[partition][content_hash] = article_id

    def __len__(self) -> int:
        return sum(len(e) for e in self._entries.values())


def apply(entries: dict[str, str], key: bytes | None, value: bytes | None) -> None:
    """Fold one record of the compacted topic into the entries; later records win, as compaction keeps them."""
    if key is None:
        return
    if value is None:  # tombstone
        entries.pop(key.decode("utf-8", "replace"), None)
    else:
        entries[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")


async def read_partitions(settings: Settings, topic: str, partitions: Iterable[int],
                          timeout: float = 120.0) -> dict[int, dict[str, str]]:
    """Every entry of the given partitions of the state topic, read from the start up to their current end."""
    tps = [TopicPartition(topic, p) for p in sorted(set(partitions))]
    result: dict[int, dict[str, str]] = {tp.partition: {} for tp in tps}
    if not tps:
        return result
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest", isolation_level="read_committed")
    await consumer.start()
    try:
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        await consumer.seek_to_beginning(*tps)
        pending = {tp for tp in tps if ends[tp] > 0}

        async def drain() -> None:
            while pending:
                batch = await consumer.getmany(*pending, timeout_ms=500)
                for tp, records in batch.items():
                    for record in records:
                        if record.offset < ends[tp]:
                            apply(result[tp.partition], record.key, record.value)
                for tp in list(pending):
                    if await consumer.position(tp) >= ends[tp]:
                        pending.discard(tp)

        await asyncio.wait_for(drain(), timeout)
    finally:
        await consumer.stop()
    return result


class StateUnreadable(RuntimeError):
    """The first-seen state could not be read (the broker stayed away): do not decide, do not ack."""


@dataclass
class FirstSeenLoader:
    """Reads partitions of the state topic into a FirstSeen, retrying while the broker may be restarting."""

    settings: Settings
    topic: str
    first_seen: FirstSeen
    delays: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0)

    async def load(self, generation: int, partitions: Iterable[int]) -> None:
        stale = self.first_seen.stale(generation, partitions)
        if not stale:
            return
        for delay in (*self.delays, None):
            try:
                loaded = await read_partitions(self.settings, self.topic, stale)
                break
            except Exception as exc:  # the broker, not the record: never dead-letter an input for it
                if delay is None:
                    raise StateUnreadable(f"first-seen state unreadable: {type(exc).__name__}: {exc}") from exc
                log.warning("reading first-seen state failed (%s: %s); retrying in %.0f s",
                            type(exc).__name__, exc, delay)
                await asyncio.sleep(delay)
        for number, entries in loaded.items():
            self.first_seen.load(number, entries)
        log.info("first-seen state loaded for partitions %s: %d hashes", sorted(stale), len(self.first_seen))
