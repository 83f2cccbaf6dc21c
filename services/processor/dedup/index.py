"""A bounded inverted index, uint64 key -> article slots, that forgets by time in whole segments.

Slots are consecutive integers handed out by the caller in arrival order. New postings go to the live
segment: flat arrays in arrival order with an open-addressing table from key to its newest posting and a
chain to the one before (compiled inserts and lookups, no Python object per key). When it covers SEGMENT
slots it is frozen into two numpy arrays sorted by the key's mixed value (12 bytes a posting), with a
directory over the top bits of that value (half a byte a posting) so a lookup reads one short run per key;
two frozen segments of equal size are merged linearly (a binary-counter LSM) up to LARGEST slots. One
compiled call looks a batch of keys up in every frozen segment and the live one, reading every segment's
directory entries first and then the runs, so the cache misses of different keys and segments overlap
instead of following one another. `expire(cutoff)` drops every frozen segment whose newest slot is older
than the cutoff: memory is bounded by the window plus one segment. Callers still check each slot's own
time (a kept segment may hold slots just older than the cutoff).
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
_KEYS_PER_SLOT = 64  # initial live capacity per slot (an article posts at most 16 bands + 34 story keys)


@dataclass
class _Frozen:
    first: int  # first slot of the segment
    count: int  # slots covered
    newest: float  # time of its newest slot
    keys: npt.NDArray[np.uint64]  # mixed keys (`_fmix`, a bijection), sorted
    slots: npt.NDArray[np.uint32]  # relative to first, parallel to keys
    # Bucket b holds keys[start(b):start(b + 1)]. When `masked`, start(b) = starts[b] & _START and the top 8 bits of
    # starts[b] say which eighths of the bucket's key range hold a key (by the 3 key bits below the bucket's): a key
    # whose eighth is empty is absent, known from the directory entry alone (no read of the keys, a cache miss).
    starts: npt.NDArray[np.uint32] = field(init=False)
    shift: int = field(init=False)  # bucket of a mixed key = key >> shift
    masked: bool = field(init=False)

    def __post_init__(self) -> None:
        bits = max(1, int(np.ceil(np.log2(max(len(self.keys), 1) / BUCKET))))
        self.shift = 64 - bits
        counts = np.bincount((self.keys >> np.uint64(self.shift)).astype(np.intp), minlength=1 << bits)
        self.starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.uint32)
        self.masked = len(self.keys) <= _START  # always, but for a segment of more than 16M postings
        if self.masked:
            _mark_eighths(self.keys, np.uint64(self.shift), self.starts)

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.slots.nbytes + self.starts.nbytes)


_START = (1 << 24) - 1  # the start bits of a masked directory entry


@njit(cache=True, nogil=True)
def _mark_eighths(keys, shift, starts):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Set bit 24 + e of starts[b] for every eighth e of bucket b that holds a key (keys sorted, starts < 2**24)."""
    below = shift - np.uint64(3)
    for x in range(keys.size):
        b = np.int64(keys[x] >> shift)
        starts[b] |= np.uint32(1) << np.uint32(24 + ((keys[x] >> below) & np.uint64(7)))


def _merge(a: _Frozen, b: _Frozen) -> _Frozen:
    # Allocated by numpy, which asks the kernel for huge pages on large arrays (numba's allocator does not):
    # lookups read these at random, and a TLB miss per read is a large part of their cost.
    keys = np.empty(a.keys.size + b.keys.size, dtype=np.uint64)
    slots = np.empty(keys.size, dtype=np.uint32)
    _merge_runs(a.keys, a.slots, b.keys, b.slots, np.uint32(b.first - a.first), keys, slots)
    return _Frozen(a.first, a.count + b.count, max(a.newest, b.newest), keys, slots)


@njit(cache=True, nogil=True)
def _merge_runs(ak, asl, bk, bsl, offset, keys, slots):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Two runs sorted by (key, slot), b's slots all after a's, into one (keys, slots): a's posting first on
    equal keys."""
    n, m = ak.size, bk.size
    i = j = k = 0
    while i < n and j < m:
        if bk[j] < ak[i]:
            keys[k], slots[k] = bk[j], bsl[j] + offset
            j += 1
        else:
            keys[k], slots[k] = ak[i], asl[i]
            i += 1
        k += 1
    while i < n:
        keys[k], slots[k] = ak[i], asl[i]
        i += 1
        k += 1
    while j < m:
        keys[k], slots[k] = bk[j], bsl[j] + offset
        j += 1
        k += 1


@njit(cache=True, nogil=True)
def _live_add(table, heads, counts, keys, slots, chain, n, slot, new):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Post the keys `new` for `slot` in the live arrays (n postings so far); returns the new count, or -1
    when the arrays or the table are too full (the caller grows them and calls again)."""
    if n + new.size > keys.size or 2 * (n + new.size) > table.size:
        return -1
    mask = table.size - 1
    for k in range(new.size):
        key = new[k]
        h = np.int64(_mix64(key) >> np.uint64(1)) & mask
        while heads[h] >= 0 and table[h] != key:
            h = (h + 1) & mask
        head = heads[h]
        if head >= 0 and slots[head] == slot:  # the same key twice in one article
            continue
        table[h] = key
        keys[n], slots[n], chain[n] = key, slot, head
        heads[h] = n
        counts[h] += 1
        n += 1
    return n


@njit(cache=True, nogil=True)
def _run(keys, a, e, q):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """The postings [a, e) of key q in the sorted keys[a:e] (binary search: a hot key's run can be long)."""
    lo, hi = a, e
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < q:
            lo = mid + 1
        else:
            hi = mid
    start, hi = lo, e
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] <= q:
            lo = mid + 1
        else:
            hi = mid
    return start, lo


@njit(cache=True, nogil=True)
def _lookup(seg_keys, seg_slots, seg_starts, meta, table, heads, counts, lslots, chain, query, caps, keep):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Postings of the keys `query` in every frozen segment and the live one: none of a key posted more than
    caps[i] times, and of the others only the newest keep[i]. meta[s] = (first slot, shift,
    masked) of frozen segment s.
    Returns (query index of each posting, slot of each posting, a value to ignore), ordered by query index and,
    within one key, by slot."""
    n_seg, n_q = len(seg_keys), query.size
    mixed = np.empty(n_q, dtype=np.uint64)
    for i in range(n_q):
        mixed[i] = _mix64(query[i])
    lo = np.empty((n_seg, n_q), dtype=np.int64)
    hi = np.empty((n_seg, n_q), dtype=np.int64)
    for s in range(n_seg):  # the directory entries: independent loads
        starts, shift = seg_starts[s], np.uint64(meta[s, 1])
        below = shift - np.uint64(3)
        for i in range(n_q):
            b = np.int64(mixed[i] >> shift)  # shift >= 1: fits
            a, z = starts[b], starts[b + 1]
            if meta[s, 2]:
                eighth = np.uint32((mixed[i] >> below) & np.uint64(7))
                if (a >> (np.uint32(24) + eighth)) & np.uint32(1):
                    a, z = a & np.uint32(_START), z & np.uint32(_START)
                else:  # an empty eighth: absent
                    a, z = np.uint32(0), np.uint32(0)
            lo[s, i], hi[s, i] = a, z
    touch = np.uint64(0)
    for s in range(n_seg):  # the first key of every run: independent loads again, so they overlap
        keys = seg_keys[s]
        for i in range(n_q):
            if lo[s, i] < hi[s, i]:
                touch ^= keys[lo[s, i]]
    total = np.zeros(n_q, dtype=np.int64)
    mask = table.size - 1
    live = np.full(n_q, -1, dtype=np.int64)  # the live table's entry of each query
    for i in range(n_q):
        h = np.int64(mixed[i] >> np.uint64(1)) & mask
        while heads[h] >= 0 and table[h] != query[i]:
            h = (h + 1) & mask
        if heads[h] >= 0:
            live[i] = h
            total[i] += counts[h]
    # Now each run is in cache: find the key's postings in it, newest segment first. A key is settled once it is
    # over its cap (none taken) or, uncapped, has its newest keep[i] (older ones are never taken): its older
    # runs are not searched (a hot key's run is long, and a binary search in it a chain of cache misses).
    settled = np.zeros(n_q, dtype=np.bool_)
    for i in range(n_q):
        settled[i] = total[i] > caps[i] or (caps[i] == NO_CAP and total[i] >= keep[i])
    for s in range(n_seg - 1, -1, -1):
        keys = seg_keys[s]
        for i in range(n_q):
            if settled[i]:
                lo[s, i], hi[s, i] = 0, 0
                continue
            a, z = _run(keys, lo[s, i], hi[s, i], mixed[i])
            lo[s, i], hi[s, i] = a, z
            total[i] += z - a
            settled[i] = total[i] > caps[i] or (caps[i] == NO_CAP and total[i] >= keep[i])
    take = np.zeros(n_q, dtype=np.int64)
    n = 0
    for i in range(n_q):
        if total[i] <= caps[i]:
            take[i] = min(total[i], keep[i])
            n += take[i]
    which = np.empty(n, dtype=np.int64)
    found = np.empty(n, dtype=np.int64)
    end = 0
    for i in range(n_q):  # newest first, written backwards so that the slots ascend
        begin = end
        end += take[i]
        p = end
        if live[i] >= 0:
            c = heads[live[i]]
            for _ in range(counts[live[i]]):
                if p == begin:
                    break
                p -= 1
                which[p], found[p] = i, lslots[c]
                c = chain[c]
        for s in range(n_seg - 1, -1, -1):
            if p == begin:
                break
            slots, first = seg_slots[s], meta[s, 0]
            for x in range(hi[s, i] - 1, lo[s, i] - 1, -1):
                if p == begin:
                    break
                p -= 1
                which[p], found[p] = i, first + np.int64(slots[x])
    return which, found, touch  # touch is returned so that its loads are not optimized away


@dataclass
class KeyIndex:
    segment: int = SEGMENT
    largest: int = LARGEST
    _frozen: list[_Frozen] = field(default_factory=list)  # oldest first, contiguous slots
    _live_first: int = 0
    _live_count: int = 0
    _live_newest: float = float("-inf")
    _live_n: int = 0  # postings in the live arrays
    _live: tuple[npt.NDArray[np.generic], ...] = field(init=False)  # table, heads, counts, keys, slots, chain
    _compiled: tuple[object, ...] | None = None  # the frozen segments as the compiled lookup takes them
    _oldest: float = float("inf")  # the least `newest` of the frozen segments

    def __post_init__(self) -> None:
        self._live = self._live_arrays(self.segment * _KEYS_PER_SLOT)

    @staticmethod
    def _live_arrays(capacity: int) -> tuple[npt.NDArray[np.generic], ...]:
        size = 1 << int(np.ceil(np.log2(2 * capacity)))
        return (np.zeros(size, dtype=np.uint64), np.full(size, -1, dtype=np.int64), np.zeros(size, dtype=np.int64),
                np.zeros(capacity, dtype=np.uint64),
                np.zeros(capacity, dtype=np.int64), np.zeros(capacity, dtype=np.int64))

    def add(self, slot: int, keys: npt.NDArray[np.uint64] | list[int], t: float) -> None:
        """Post `keys` for `slot`; slots must come in increasing order."""
        keys = np.asarray(keys, dtype=np.uint64)
        if self._live_count == 0:
            self._live_first = slot
        n = _live_add(*self._live, self._live_n, slot, keys)
        while n < 0:  # more keys than planned for: grow (rare), re-inserting in order
            old_keys, old_slots = self._live[3], self._live[4]
            count = self._live_n
            self._live = self._live_arrays(2 * old_keys.size)
            n = 0
            for p in range(count):
                n = _live_add(*self._live, n, int(old_slots[p]), old_keys[p:p + 1])
            n = _live_add(*self._live, n, slot, keys)
        self._live_n = n
        self._live_count = slot - self._live_first + 1
        self._live_newest = max(self._live_newest, t)
        if self._live_count >= self.segment:
            self._seal()

    def _seal(self) -> None:
        keys, slots = self._live[3], self._live[4]
        n = self._live_n
        mixed = _fmix(keys[:n])
        relative = (slots[:n] - self._live_first).astype(np.uint32)
        order = np.lexsort((relative, mixed))  # by key, then slot: postings come out oldest first
        self._frozen.append(_Frozen(self._live_first, self._live_count, self._live_newest, mixed[order],
                                    relative[order]))
        self._live[1][:] = -1  # the other live arrays are overwritten before they are read again
        self._live[2][:] = 0
        self._live_n, self._live_count, self._live_newest = 0, 0, float("-inf")
        while (len(self._frozen) >= 2 and self._frozen[-1].count == self._frozen[-2].count
               and self._frozen[-1].count * 2 <= self.largest):
            b = self._frozen.pop()
            a = self._frozen.pop()
            self._frozen.append(_merge(a, b))
        self._compiled = None
        self._oldest = min(seg.newest for seg in self._frozen)

    def _segments(self) -> tuple[object, ...]:
        if self._compiled is None:
            keys, slots, starts = (List.empty_list(types.uint64[::1]), List.empty_list(types.uint32[::1]),
                                   List.empty_list(types.uint32[::1]))
            for seg in self._frozen:
                keys.append(seg.keys)
                slots.append(seg.slots)
                starts.append(seg.starts)
            meta = np.array([(seg.first, seg.shift, seg.masked) for seg in self._frozen], dtype=np.int64).reshape(-1, 3)
            self._compiled = (keys, slots, starts, meta)
        return self._compiled

    def lookup(self, keys: npt.NDArray[np.uint64], caps: npt.NDArray[np.int64] | None = None,
               keep: npt.NDArray[np.int64] | None = None) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(query index, slot) of the postings of the keys: none of a key posted more than caps[i] times, and of
        the others only the newest keep[i] (the cost of a key stays bounded however many articles share it).

        Ordered by query index, then by slot.
        """
        caps = np.full(keys.size, NO_CAP, dtype=np.int64) if caps is None else caps
        keep = np.full(keys.size, NO_CAP, dtype=np.int64) if keep is None else keep
        table, heads, counts, _, slots, chain = self._live
        which, found, _ = _lookup(*self._segments(), table, heads, counts, slots, chain, keys, caps, keep)
        return which, found

    def expire(self, cutoff: float) -> None:
        """Forget every frozen segment whose newest slot is older than cutoff."""
        if cutoff > self._oldest:  # called per article: one comparison until a segment goes
            self._frozen, self._compiled = [seg for seg in self._frozen if seg.newest >= cutoff], None
            self._oldest = min((seg.newest for seg in self._frozen), default=float("inf"))

    def clear(self) -> None:
        self._frozen, self._live_n, self._live_count, self._live_newest = [], 0, 0, float("-inf")
        self._oldest = float("inf")
        self._live[1][:] = -1
        self._live[2][:] = 0
        self._compiled = None

    @property
    def first_slot(self) -> int | None:
        if self._frozen:
            return self._frozen[0].first
        return self._live_first if self._live_count else None

    def nbytes_frozen(self) -> int:
        return sum(seg.nbytes for seg in self._frozen)

    def postings(self) -> int:
        return sum(len(seg.keys) for seg in self._frozen) + self._live_n
