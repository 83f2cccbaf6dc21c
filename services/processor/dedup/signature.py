"""MinHash over word shingles, hashed stably (the state outlives the process, so no Python `hash`).

Words are the lower-cased whitespace-separated tokens of the normalized body, punctuation stripped, so re-wrapped lines, changed punctuation and case
do not change a signature. Each word is hashed once (crc32),
shingles of SHINGLE words are combined by multiply-add and mixed (splitmix64's finalizer), all in uint64.
The signature is one-permutation MinHash (Li, Owen, Zhang 2012): each shingle hash falls in one of NUM_PERM
bins by its low bits and each bin keeps its minimum, with rotation densification for empty bins
(Shrivastava & Li 2014). That is one pass over the shingles instead of one per permutation: the same
estimator of Jaccard similarity at a fraction of the cost. Only each minimum's low 16 bits are kept
(b-bit MinHash, b=16); `similarity` corrects for the 2**-16 chance agreement. Texts shorter than
MIN_WORDS words get no signature: a few words in common is not a copy.
"""

from __future__ import annotations

import string
import zlib
from operator import methodcaller

import numpy as np
import numpy.typing as npt

SHINGLE = 3
NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
MIN_WORDS = 15
_CHANCE = 2.0**-16  # two unrelated 16-bit minima are equal with this probability
# Punctuation stripped from the ends of whitespace-separated tokens (cheaper than a `\w+` regex, same words).
PUNCTUATION = string.punctuation + "«»„“”‘’‚‹›–—…·•¡¿"
_STRIP = methodcaller("strip", PUNCTUATION)

_U = np.uint64
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
_BAND_SALT = np.arange(1, BANDS + 1, dtype=np.uint64) * _U(0xFF51AFD7ED558CCD)
_EMPTY = np.iinfo(np.uint64).max
_BIN_SHIFT = _U(6)  # log2(NUM_PERM)
_ROTATE = _U(0x9E3779B97F4A7C15)  # added per bin of distance when densifying

Signature = npt.NDArray[np.uint16]


def tokens(text: str) -> list[str]:
    """Whitespace-separated words with surrounding punctuation stripped, case kept."""
    return list(filter(None, map(_STRIP, text.split())))


def words(text: str) -> list[str]:
    return lowered(tokens(text))


def lowered(tokens: list[str]) -> list[str]:
    """The tokens lower-cased (one join and split instead of a call per token)."""
    return " ".join(tokens).lower().split(" ") if tokens else []


def _fmix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    with np.errstate(over="ignore"):
        x = x ^ (x >> _U(30))
        x = x * _U(0xBF58476D1CE4E5B9)
        x = x ^ (x >> _U(27))
        x = x * _U(0x94D049BB133111EB)
        return x ^ (x >> _U(31))


def word_hashes(tokens: list[str]) -> npt.NDArray[np.uint64]:
    """A stable hash per word (crc32 of its UTF-8; a collision only merges two shingles)."""
    return np.array(list(map(zlib.crc32, map(str.encode, tokens))), dtype=np.uint64)


def shingle_hashes(tokens: list[str], k: int = SHINGLE) -> npt.NDArray[np.uint64]:
    """One mixed uint64 per run of k consecutive words (one per word when the text is shorter than k)."""
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    h = word_hashes(tokens)
    k = min(k, len(h))
    n = len(h) - k + 1
    out = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(k):
            out = out * _MIX[i] + h[i : i + n]
    return _fmix(out)


def signature(tokens: list[str]) -> Signature | None:
    """The one-permutation MinHash signature of the word shingles; None below MIN_WORDS words."""
    if len(tokens) < MIN_WORDS:
        return None
    shingles = shingle_hashes(tokens)
    bins = (shingles & _U(NUM_PERM - 1)).astype(np.intp)
    mins = np.full(NUM_PERM, _EMPTY, dtype=np.uint64)
    np.minimum.at(mins, bins, shingles >> _BIN_SHIFT)
    empty = mins == _EMPTY
    if empty.any():  # rotation: an empty bin takes the next non-empty bin's minimum, offset by the distance
        filled = np.flatnonzero(~empty)
        nxt = filled[np.searchsorted(filled, np.arange(NUM_PERM)) % filled.size]
        distance = (nxt - np.arange(NUM_PERM)) % NUM_PERM
        with np.errstate(over="ignore"):
            mins = np.where(empty, mins[nxt] + distance.astype(np.uint64) * _ROTATE, mins)
    return (mins & _U(0xFFFF)).astype(np.uint16)


def band_keys(sig: Signature, language: str) -> npt.NDArray[np.uint64]:
    """One key per LSH band, salted by band number and language (a copy is only looked for in its language)."""
    rows = sig.astype(np.uint64).reshape(BANDS, ROWS)
    lang = _U(zlib.crc32(language.encode()))
    with np.errstate(over="ignore"):
        acc = _BAND_SALT ^ (lang << _U(20))
        for r in range(ROWS):
            acc = (acc ^ rows[:, r]) * _U(0x100000001B3)
    return _fmix(acc)


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two shingle sets (matching minima, corrected for chance)."""
    agree = float(np.count_nonzero(a == b)) / a.size
    return max(0.0, (agree - _CHANCE) / (1.0 - _CHANCE))


def similarities(sig: Signature, others: npt.NDArray[np.uint16]) -> npt.NDArray[np.float64]:
    """`similarity(sig, row)` for every row of others (shape n x NUM_PERM)."""
    agree = np.count_nonzero(others == sig[None, :], axis=1) / sig.size
    return np.maximum(0.0, (agree - _CHANCE) / (1.0 - _CHANCE))
