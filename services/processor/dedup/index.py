"""A bounded inverted index, uint64 key -> article slots, that forgets by time in whole segments.

Slots are consecutive integers handed out by the caller in arrival order. New postings go to a small
`dict` (the live segment); when it holds SEGMENT slots it is frozen into two numpy arrays sorted by the
key's mixed value (12 bytes a posting instead of ~100 in a dict), with a directory over the top bits of
that value (half a byte a posting) so a lookup reads one short run per key instead of binary-searching
tens of megabytes; two frozen segments of equal size are merged (a binary-counter LSM) up to LARGEST slots.
One compiled call looks a batch of keys up in every frozen segment. `expire(cutoff)` drops every frozen
segment whose newest slot is older than the cutoff: memory is bounded by the window plus one segment.
Callers still check each slot's own time (a kept segment may hold slots just older than the cutoff).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from numba import njit, types
from numba.typed import List

from services.processor.dedup.signature import _fmix, _mix64

SEGMENT = 4096
LARGEST = 131072
BUCKET = 8  # postings per directory bucket, on average
NO_CAP = np.iinfo(np.int64).max


@dataclass
class _Frozen:
    first: int  # first slot of the segment
    count: int  # slots covered
    newest: float  # time of its newest slot
    keys: npt.NDArray[np.uint64]  # mixed keys (`_fmix`, a bijection), sorted
    slots: npt.NDArray[np.uint32]  # relative to first, parallel to keys
    starts: npt.NDArray[np.uint32] = field(init=False)  # bucket b holds keys[starts[b]:starts[b + 1]]
    shift: int = field(init=False)  # bucket of a mixed key = key >> shift

    def __post_init__(self) -> None:
        bits = max(1, int(np.ceil(np.log2(max(len(self.keys), 1) / BUCKET))))
        self.shift = 64 - bits
        counts = np.bincount((self.keys >> np.uint64(self.shift)).astype(np.intp), minlength=1 << bits)
        self.starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.uint32)

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.slots.nbytes + self.starts.nbytes)


def _freeze(first: int, count: int, newest: float, postings: dict[int, int | list[int]]) -> _Frozen:
    single = [(k, v) for k, v in postings.items() if isinstance(v, int)]
    multi = [(k, s) for k, v in postings.items() if not isinstance(v, int) for s in v]
    pairs = np.array(single + multi, dtype=np.uint64).reshape(-1, 2)
    keys = _fmix(pairs[:, 0])
    slots = (pairs[:, 1].astype(np.int64) - first).astype(np.uint32)
    order = np.lexsort((slots, keys))  # by key, then slot: postings come out oldest first
    return _Frozen(first, count, newest, keys[order], slots[order])


def _merge(a: _Frozen, b: _Frozen) -> _Frozen:
    keys = np.concatenate([a.keys, b.keys])
    slots = np.concatenate([a.slots, (b.slots.astype(np.int64) + (b.first - a.first)).astype(np.uint32)])
    order = np.argsort(keys, kind="stable")  # two sorted runs: a linear merge
    return _Frozen(a.first, a.count + b.count, max(a.newest, b.newest), keys[order], slots[order])


@njit(cache=True, nogil=True)
def _lookup(seg_keys, seg_slots, seg_starts, meta, query, caps, counted):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Postings of the keys `query` in every frozen segment, but none of a key posted more than its cap.

    meta[s] = (first slot, shift) of segment s; counted[i]: postings of query i outside the frozen segments.
    Returns (postings per query, query index of each posting, slot of each posting).
    """
    n_seg, n_q = len(seg_keys), query.size
    lo = np.empty((n_seg, n_q), dtype=np.int64)
    hi = np.empty((n_seg, n_q), dtype=np.int64)
    total = counted.copy()
    for s in range(n_seg):
        keys, starts, shift = seg_keys[s], seg_starts[s], np.uint64(meta[s, 1])
        for i in range(n_q):
            q = _mix64(query[i])
            b = np.int64(q >> shift)  # shift >= 1: fits
            a, e = np.int64(starts[b]), np.int64(starts[b + 1])
            while a < e and keys[a] < q:
                a += 1
            z = a
            while z < e and keys[z] == q:
                z += 1
            lo[s, i], hi[s, i] = a, z
            total[i] += z - a
    n = 0
    for s in range(n_seg):
        for i in range(n_q):
            if total[i] <= caps[i]:
                n += hi[s, i] - lo[s, i]
    which = np.empty(n, dtype=np.int64)
    found = np.empty(n, dtype=np.int64)
    n = 0
    for s in range(n_seg):
        slots, first = seg_slots[s], meta[s, 0]
        for i in range(n_q):
            if total[i] <= caps[i]:
                for p in range(lo[s, i], hi[s, i]):
                    which[n] = i
                    found[n] = first + np.int64(slots[p])
                    n += 1
    return total, which, found


@dataclass
class KeyIndex:
    segment: int = SEGMENT
    largest: int = LARGEST
    _frozen: list[_Frozen] = field(default_factory=list)  # oldest first, contiguous slots
    _live: dict[int, int | list[int]] = field(default_factory=dict)  # a list only for a key posted twice (ints
    # are not tracked by the garbage collector, lists are)
    _live_first: int = 0
    _live_count: int = 0
    _live_newest: float = float("-inf")
    _compiled: tuple[object, ...] | None = None  # the frozen segments as the compiled lookup takes them

    def add(self, slot: int, keys: list[int], t: float) -> None:
        """Post `keys` for `slot`; slots must come in increasing order."""
        if self._live_count == 0:
            self._live_first = slot
        live = self._live
        for key in keys:
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
        self._compiled = None

    def _segments(self) -> tuple[object, ...]:
        if self._compiled is None:
            keys, slots, starts = (List.empty_list(types.uint64[::1]), List.empty_list(types.uint32[::1]),
                                   List.empty_list(types.uint32[::1]))
            for seg in self._frozen:
                keys.append(seg.keys)
                slots.append(seg.slots)
                starts.append(seg.starts)
            meta = np.array([(seg.first, seg.shift) for seg in self._frozen], dtype=np.int64).reshape(-1, 2)
            self._compiled = (keys, slots, starts, meta)
        return self._compiled

    def lookup(self, keys: npt.NDArray[np.uint64], caps: npt.NDArray[np.int64] | None = None
               ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(query index, slot) of every posting of the keys, but none of a key posted more than caps[i] times.

        Postings of the frozen segments come before the live segment's.
        """
        live = [() if m is None else (m,) if isinstance(m, int) else m for m in map(self._live.get, keys.tolist())]
        counted = np.fromiter(map(len, live), dtype=np.int64, count=len(live))
        caps = np.full(keys.size, NO_CAP, dtype=np.int64) if caps is None else caps
        total, which, found = _lookup(*self._segments(), keys, caps, counted)
        extra = [(i, s) for i in np.flatnonzero((counted > 0) & (total <= caps)).tolist() for s in live[i]]
        if not extra:
            return which, found
        more = np.array(extra, dtype=np.int64).reshape(-1, 2)
        return np.concatenate([which, more[:, 0]]), np.concatenate([found, more[:, 1]])

    def expire(self, cutoff: float) -> None:
        """Forget every frozen segment whose newest slot is older than cutoff."""
        kept = [seg for seg in self._frozen if seg.newest >= cutoff]
        if len(kept) != len(self._frozen):
            self._frozen, self._compiled = kept, None

    def clear(self) -> None:
        self._frozen, self._live, self._live_count, self._live_newest = [], {}, 0, float("-inf")
        self._compiled = None

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

