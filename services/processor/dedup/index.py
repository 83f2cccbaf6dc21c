"""A bounded inverted index, uint64 key -> article slots, that forgets by time in whole segments.

Slots are consecutive integers handed out by the caller in arrival order. New postings go to a small
`dict` (the live segment); when it holds SEGMENT slots it is frozen into two numpy arrays sorted by key
(12 bytes a posting instead of ~100 in a dict), and two frozen segments of equal size are merged
(a binary-counter LSM) up to LARGEST slots, so a lookup searches O(log n + n / LARGEST) sorted arrays.
`expire(cutoff)` drops every frozen segment whose newest slot is older than the cutoff: memory is bounded
by the window plus one segment. Callers still check each slot's own time (a kept segment may hold
slots just older than the cutoff).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

SEGMENT = 4096
LARGEST = 131072


@dataclass
class _Frozen:
    first: int  # first slot of the segment
    count: int  # slots covered
    newest: float  # time of its newest slot
    keys: npt.NDArray[np.uint64]  # sorted
    slots: npt.NDArray[np.uint32]  # relative to first, parallel to keys

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.slots.nbytes)


def _freeze(first: int, count: int, newest: float, postings: dict[int, int | list[int]]) -> _Frozen:
    single = [(k, v) for k, v in postings.items() if isinstance(v, int)]
    multi = [(k, s) for k, v in postings.items() if not isinstance(v, int) for s in v]
    pairs = np.array(single + multi, dtype=np.uint64).reshape(-1, 2)
    keys = pairs[:, 0].copy()
    slots = (pairs[:, 1].astype(np.int64) - first).astype(np.uint32)
    order = np.lexsort((slots, keys))  # by key, then slot: postings come out oldest first
    return _Frozen(first, count, newest, keys[order], slots[order])


def _merge(a: _Frozen, b: _Frozen) -> _Frozen:
    keys = np.concatenate([a.keys, b.keys])
    slots = np.concatenate([a.slots, (b.slots.astype(np.int64) + (b.first - a.first)).astype(np.uint32)])
    order = np.argsort(keys, kind="stable")
    return _Frozen(a.first, a.count + b.count, max(a.newest, b.newest), keys[order], slots[order])


@dataclass
class KeyIndex:
    segment: int = SEGMENT
    largest: int = LARGEST
    _frozen: list[_Frozen] = field(default_factory=list)  # oldest first, contiguous slots
    _live: dict[int, int | list[int]] = field(default_factory=dict)  # a list only for a key posted twice
    _live_first: int = 0
    _live_count: int = 0
    _live_newest: float = float("-inf")

    def add(self, slot: int, keys: npt.NDArray[np.uint64] | list[int], t: float) -> None:
        """Post `keys` for `slot`; slots must come in increasing order."""
        if self._live_count == 0:
            self._live_first = slot
        live = self._live
        for key in np.asarray(keys, dtype=np.uint64).tolist():
            members = live.setdefault(key, slot)
            if members is slot or members == slot:
                continue
            if isinstance(members, int):
                live[key] = [members, slot]
            elif members[-1] != slot:
                members.append(slot)
        self._live_count = slot - self._live_first + 1
        self._live_newest = max(self._live_newest, t)
        if self._live_count >= self.segment:
            self._seal()

    def _seal(self) -> None:
        self._frozen.append(_freeze(self._live_first, self._live_count, self._live_newest, self._live))
        self._live, self._live_count, self._live_newest = {}, 0, float("-inf")
        while (len(self._frozen) >= 2 and self._frozen[-1].count == self._frozen[-2].count
               and self._frozen[-1].count * 2 <= self.largest):
            b = self._frozen.pop()
            a = self._frozen.pop()
            self._frozen.append(_merge(a, b))

    def lookup(self, keys: npt.NDArray[np.uint64]) -> list[npt.NDArray[np.int64]]:
        """For each key, the slots posted under it (oldest first)."""
        found: list[list[npt.NDArray[np.int64]]] = [[] for _ in range(len(keys))]
        for seg in self._frozen:
            lo = np.searchsorted(seg.keys, keys, side="left")
            hi = np.searchsorted(seg.keys, keys, side="right")
            for i in np.nonzero(hi > lo)[0].tolist():
                found[i].append(seg.slots[lo[i] : hi[i]].astype(np.int64) + seg.first)
        for i, key in enumerate(keys.tolist()):
            members = self._live.get(key)
            if members is not None:
                found[i].append(np.array([members] if isinstance(members, int) else members, dtype=np.int64))
        return [np.concatenate(f) if len(f) > 1 else (f[0] if f else np.zeros(0, dtype=np.int64)) for f in found]

    def expire(self, cutoff: float) -> None:
        """Forget every frozen segment whose newest slot is older than cutoff."""
        self._frozen = [seg for seg in self._frozen if seg.newest >= cutoff]

    def clear(self) -> None:
        self._frozen, self._live, self._live_count, self._live_newest = [], {}, 0, float("-inf")

    @property
    def first_slot(self) -> int | None:
        if self._frozen:
            return self._frozen[0].first
        return self._live_first if self._live_count else None

    def nbytes_frozen(self) -> int:
        return sum(seg.nbytes for seg in self._frozen)

    def postings(self) -> int:
        return sum(len(seg.keys) for seg in self._frozen) + sum(
            1 if isinstance(v, int) else len(v) for v in self._live.values())
