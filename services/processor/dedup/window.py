"""The window's per-article numbers in ring arrays indexed by slot, and the compiled scoring of candidates.

Slot s is held at row s % capacity; the held slots are [first, next) and the ring grows (by a quarter) when they
would overflow it, so memory follows the window: about 150 bytes an article (a 64 x 16-bit signature, a time,
a story-key weight, a similarity). A decision reads the candidates' rows in one compiled call each for
near-duplicates and for stories, instead of gathering them per chunk in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from numba import njit

from services.processor.dedup import signature as sg


@dataclass
class SlotArrays:
    capacity: int = 16384
    first: int = 0  # oldest held slot
    next: int = 0  # the slot the next push takes
    times: npt.NDArray[np.float64] = field(init=False)
    weights: npt.NDArray[np.float32] = field(init=False)  # the article's story-key weight (0: no keys)
    sims: npt.NDArray[np.float32] = field(init=False)  # its similarity to what it copies (nan: none)
    has_sig: npt.NDArray[np.bool_] = field(init=False)
    sigs: npt.NDArray[np.uint16] = field(init=False)

    def __post_init__(self) -> None:
        self.times = np.full(self.capacity, -np.inf)
        self.weights = np.zeros(self.capacity, dtype=np.float32)
        self.sims = np.full(self.capacity, np.nan, dtype=np.float32)
        self.has_sig = np.zeros(self.capacity, dtype=np.bool_)
        self.sigs = np.zeros((self.capacity, sg.NUM_PERM), dtype=np.uint16)

    def push(self, t: float, weight: float, sim: float | None, sig: sg.Signature | None) -> int:
        """Hold a new slot (the next one) and return it."""
        if self.next - self.first >= self.capacity:
            self._grow()
        slot, row = self.next, self.next % self.capacity
        self.next += 1
        self.times[row], self.weights[row] = t, weight
        self.sims[row] = np.nan if sim is None else sim
        self.has_sig[row] = sig is not None
        if sig is not None:
            self.sigs[row] = sig
        return slot

    def drop_before(self, slot: int) -> None:
        self.first = max(self.first, min(slot, self.next))

    def held(self, slot: int) -> bool:
        return self.first <= slot < self.next

    def time(self, slot: int) -> float:
        return float(self.times[slot % self.capacity]) if self.held(slot) else float("-inf")

    def sim(self, slot: int) -> float | None:
        value = float(self.sims[slot % self.capacity])
        return None if np.isnan(value) else value

    def sig(self, slot: int) -> sg.Signature | None:
        row = slot % self.capacity
        return self.sigs[row] if self.held(slot) and self.has_sig[row] else None

    def _grow(self) -> None:
        old = self.capacity
        held = np.arange(self.first, self.next)
        arrays = (self.times, self.weights, self.sims, self.has_sig, self.sigs)
        self.capacity = old + max(old // 4, 4096)
        self.__post_init__()
        for new, before in zip((self.times, self.weights, self.sims, self.has_sig, self.sigs), arrays, strict=True):
            new[held % self.capacity] = before[held % old]

    def best_copy(self, sig: sg.Signature, found: npt.NDArray[np.int64], cutoff: float) -> tuple[int, int]:
        """(slot, matching minima) of the held candidate since cutoff with the most minima equal to sig's
        (the earliest on a tie); (-1, -1) for none."""
        return _best_copy(sig, found, self.first, self.next, self.times, self.has_sig, self.sigs, cutoff)

    def best_story(self, which: npt.NDArray[np.int64], found: npt.NDArray[np.int64],
                   key_weights: npt.NDArray[np.float64], weight: float, cutoff: float, base: int = 0,
                   floor: float = 0.0) -> tuple[int, float]:
        """(slot, score) of the held candidate since cutoff with the highest weighted cosine over shared keys
        (the earliest on a tie); found[i] is posted under key which[i] - base; (-1, -1.0) for none.

        Candidates that cannot score `floor` are not read: the answer is the same whenever its score is >= floor
        (below it, it may be another candidate under floor, or none)."""
        return _best_story(which, found, key_weights, weight, base, self.first, self.next, self.times, self.weights,
                           cutoff, floor)

    @property
    def nbytes(self) -> int:
        return int(self.times.nbytes + self.weights.nbytes + self.sims.nbytes + self.has_sig.nbytes + self.sigs.nbytes)


@njit(cache=True, nogil=True)
def _table_size(n):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    size = 16
    while size < 2 * n:
        size *= 2
    return size


@njit(cache=True, nogil=True)
def _probe(keys, s):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """The entry of slot s in an open-addressing table of slots (-1 = empty): its own or the empty one to take."""
    mask = keys.size - 1
    h = np.int64((np.uint64(s) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)) & mask
    while keys[h] != s and keys[h] >= 0:
        h = (h + 1) & mask
    return h


@njit(cache=True, nogil=True)
def _best_copy(sig, found, first, nxt, times, has_sig, sigs, cutoff):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Each distinct candidate is compared once (one found under several bands is posted once per band)."""
    cap = times.size
    seen = np.full(_table_size(found.size), -1, dtype=np.int64)
    best, best_agree = -1, -1
    for k in range(found.size):
        s = found[k]
        if s < first or s >= nxt:
            continue
        h = _probe(seen, s)
        if seen[h] == s:
            continue
        seen[h] = s
        row = s % cap
        if times[row] < cutoff or not has_sig[row]:
            continue
        agree = 0
        for j in range(sig.size):
            if sigs[row, j] == sig[j]:
                agree += 1
        if agree > best_agree or (agree == best_agree and s < best):
            best, best_agree = s, agree
    return best, best_agree


@njit(cache=True, nogil=True)
def _best_story(which, found, key_weights, weight, base, first, nxt, times, weights, cutoff, floor):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Shared key weights summed per candidate in a hash table, in posting order (the same float sums as any
    order that keeps each candidate's postings in order), then one pass over the distinct candidates.

    A candidate posted every key it shares, so its own weight is at least the shared weight and its score at most
    sqrt(shared / weight): one below floor is skipped before its row is read (a random read in the window's
    arrays, the cost of this pass). The margin keeps a candidate whose bound is floor up to rounding."""
    cap = times.size
    size = _table_size(found.size)
    slots = np.full(size, -1, dtype=np.int64)
    shared = np.zeros(size, dtype=np.float64)
    for k in range(found.size):
        s = found[k]
        h = _probe(slots, s)
        slots[h] = s
        shared[h] += key_weights[which[k] - base]
    least = floor * floor * weight * (1.0 - 1e-9)  # shared weight below this: score < floor
    best, best_score = -1, -1.0
    for h in range(size):
        s = slots[h]
        if s < first or s >= nxt or shared[h] < least:  # also the empty entries (-1)
            continue
        row = s % cap
        if times[row] < cutoff or weights[row] <= 0:
            continue
        score = shared[h] / np.sqrt(weight * np.float64(weights[row]))
        if score > best_score or (score == best_score and s < best):  # a tie keeps the earliest
            best, best_score = s, score
    return best, best_score
