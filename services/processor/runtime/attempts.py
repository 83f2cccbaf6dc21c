"""Poison pills: a record on which the worker died `limit` times is dead-lettered (stage "crash"), not retried.

A worker that dies while handling a record (a segfault in a native library, the OOM killer, `os._exit`)
reads the same record again after its restart, and dies again: one bad article would stop the stream.
So before handling, the worker writes down what it is about to handle ("attempting"); after handling
(the pure, synchronous part: no other record is handled in between) it clears that. On start, whatever
is still marked "attempting" was being handled when the previous process died: each such record
counts one crash.

Records of a batch that died are then handled one at a time, each with its own mark, so only the
record that really kills the worker gathers crashes; the others pass and are forgotten. A record with
`limit` crashes, at least one of them while handled alone, is not handled again: it becomes a dead
letter at stage "crash" and the stream goes on (a batch-mate of a pill is never condemned with it).

The marks live in a small JSON file in the worker's state dir (`FileStore`): a restarted worker with the
same state dir (compose, `newsflow up`) sees them. A worker elsewhere that takes the partition over
starts counting afresh, so a pill may cost up to `limit` crashes per worker that meets it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson

from services.processor.runtime.handlers import Handler, Message, Outcome

Key = tuple[str, int, int]  # topic, partition, offset
KEEP = 1000  # crash counts kept at most (the oldest go first: those records are long committed)


class Store(Protocol):
    def load(self) -> dict[str, Any]: ...
    def save(self, data: dict[str, Any]) -> None: ...


@dataclass
class FileStore:
    """The marks as JSON in two slot files written in turn (`path`, then `path` + ".1", ...), each write
    numbered: the newest readable slot is the marks. A write cut short (the process killed mid-write)
    leaves the other slot, one version older, which is what a write that never started would leave.

    Written in place (one pwrite, padded with spaces to the slot's length, which JSON ignores), not by
    replacing a file: a rename over an existing file makes ext4 flush it, a stall of milliseconds to tens
    of milliseconds on a busy disk, twice per batch while the event loop waits.
    """

    path: Path
    _seq: int | None = field(default=None, init=False, repr=False, compare=False)
    _fds: dict[int, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    _sizes: dict[int, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def slots(self) -> tuple[Path, Path]:
        return self.path, self.path.with_name(self.path.name + ".1")

    def _read(self, slot: Path) -> tuple[int, dict[str, Any]] | None:
        try:
            data = orjson.loads(slot.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None  # unreadable (torn, or edited by hand): the other slot counts
        if not isinstance(data, dict):
            return None
        seq = data.pop("seq", -1)
        return (seq if isinstance(seq, int) else -1), data

    def load(self) -> dict[str, Any]:
        """The newest readable slot; none readable: no marks (start counting afresh rather than refuse to start)."""
        found = [r for r in map(self._read, self.slots()) if r is not None]
        newest = max(found, key=lambda r: r[0], default=(-1, {}))
        self._seq = max(self._seq or -1, newest[0])
        return newest[1]

    def save(self, data: dict[str, Any]) -> None:
        if self._seq is None:
            self.load()
        seq = self._seq = (self._seq if self._seq is not None else -1) + 1
        slot = seq % 2
        if slot not in self._fds:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fds[slot] = os.open(self.slots()[slot], os.O_RDWR | os.O_CREAT, 0o644)
            self._sizes[slot] = os.fstat(self._fds[slot]).st_size
        payload = orjson.dumps({**data, "seq": seq})
        padded = payload.ljust(self._sizes[slot])
        os.pwrite(self._fds[slot], padded, 0)  # no fsync: a dead process leaves its writes to the kernel
        self._sizes[slot] = max(self._sizes[slot], len(padded))

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()


@dataclass
class MemoryStore:
    data: dict[str, Any] = field(default_factory=dict)

    def load(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.data))

    def save(self, data: dict[str, Any]) -> None:
        self.data = json.loads(json.dumps(data))


def key_of(msg: Message) -> Key:
    return (msg.topic, msg.partition, msg.offset)


@dataclass(frozen=True)
class Step:
    """Part of a batch: `crashed` records are dead-lettered, the others handled under one mark."""

    messages: tuple[Message, ...]
    crashed: bool = False


class Attempts:
    """Crash counts per record, and the mark of what is being handled now. Construct once per process."""

    def __init__(self, store: Store, limit: int) -> None:
        self.store, self.limit = store, limit
        data = store.load()
        self.crashes: dict[Key, int] = {}
        self.alone: set[Key] = set()  # records the worker died on while handling nothing else
        for topic, partition, offset, count, alone in data.get("crashes", []):
            key = (str(topic), int(partition), int(offset))
            self.crashes[key] = int(count)
            if alone:
                self.alone.add(key)
        died_on = [(str(t), int(p), int(o)) for t, p, o in data.get("attempting", [])]
        for key in died_on:  # the previous process died handling these
            self.crashes[key] = self.crashes.get(key, 0) + 1
            if len(died_on) == 1:
                self.alone.add(key)
        self._attempting: list[Key] = []
        if died_on:
            self._save()

    def count(self, msg: Message) -> int:
        return self.crashes.get(key_of(msg), 0)

    def plan(self, messages: Sequence[Message]) -> list[Step]:
        """In input order: runs of unsuspected records, each suspect alone, each pill as `crashed`."""
        steps: list[Step] = []
        run: list[Message] = []
        for msg in messages:
            n = self.count(msg)
            if n == 0:
                run.append(msg)
                continue
            if run:
                steps.append(Step(tuple(run)))
                run = []
            steps.append(Step((msg,), crashed=n >= self.limit and key_of(msg) in self.alone))
        if run:
            steps.append(Step(tuple(run)))
        return steps

    def begin(self, messages: Sequence[Message]) -> None:
        self._attempting = [key_of(m) for m in messages]
        self._save()

    def end(self, messages: Sequence[Message]) -> None:
        """Handled without dying: clear the mark and forget these records' crashes."""
        for m in messages:
            self.crashes.pop(key_of(m), None)
            self.alone.discard(key_of(m))
        self._attempting = []
        self._save()

    def _save(self) -> None:
        while len(self.crashes) > KEEP:
            self.alone.discard(oldest := next(iter(self.crashes)))
            del self.crashes[oldest]
        self.store.save({"attempting": [list(k) for k in self._attempting],
                         "crashes": [[*k, n, k in self.alone] for k, n in self.crashes.items()]})


def handle_guarded(messages: Sequence[Message], handler: Handler, attempts: Attempts,
                   crashed: Callable[[Message, int], Outcome],
                   before_each: Callable[[Message], None] | None = None) -> list[Outcome]:
    """Handle a batch under crash marks; records that killed the worker `limit` times become `crashed(...)`.

    Synchronous on purpose: between `begin` and `end` no other record can be handled, so a mark names
    exactly the records the process was handling if it dies.
    """
    outcomes: list[Outcome] = []
    for step in attempts.plan(messages):
        if step.crashed:
            outcomes += [crashed(m, attempts.count(m)) for m in step.messages]
            continue
        attempts.begin(step.messages)
        for msg in step.messages:
            if before_each is not None:
                before_each(msg)
            outcomes.append(handler(msg))
        attempts.end(step.messages)
    return outcomes
