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
from functools import lru_cache
from operator import methodcaller

import numpy as np
import numpy.typing as npt
from numba import njit

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

Signature = npt.NDArray[np.uint16]


def tokens(text: str) -> list[str]:
    """Whitespace-separated words with surrounding punctuation stripped, case kept."""
    return list(filter(None, map(_STRIP, text.split())))


def lead_tokens(text: str, n: int) -> list[str]:
    """`tokens(text)[:n]` without splitting the rest of the text."""
    spare = n // 4  # room for punctuation-only words ("-", "—"), which are no tokens
    parts = text.split(None, n + spare)  # the last part is the rest of the text
    out = list(filter(None, map(_STRIP, parts[: n + spare])))
    if len(out) < n and len(parts) > n + spare:  # more punctuation-only words than that: rare
        return tokens(text)[:n]
    return out[:n]


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
    """The one-permutation MinHash signature of the word shingles; None below MIN_WORDS words.

    tokens: lower-cased words (`words`); `text_signature` gives the same from the text, faster.
    """
    if len(tokens) < MIN_WORDS:
        return None
    return _minhash(word_hashes(tokens), _MIX)


def text_signature(text: str, codes: npt.NDArray[np.uint32] | None = None) -> Signature | None:
    """`signature(words(text))`, computed in one compiled pass over the text's code points (no word list), which
    lower-cases them by table. codes: `codes_of(text)`, when the caller has it."""
    covered, hashes = _text_word_hashes(codes_of(text) if codes is None else codes, _CLASS, _CRC, _LOWER_OF, _FLAGS)
    if not covered:  # a code point the case tables do not cover: lower-cased by str.lower
        covered, hashes = _text_word_hashes(codes_of(text.lower()), _CLASS, _CRC, _NO_CASES, _NO_FLAGS)
    return _minhash(hashes, _MIX) if hashes.size >= MIN_WORDS else None


def codes_of(text: str) -> npt.NDArray[np.uint32]:
    """The text's code points (UTF-32; a lone surrogate is one code point too)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) if text else _NO_CODES


_NO_CODES = np.zeros(0, dtype=np.uint32)


def _crc_table() -> npt.NDArray[np.uint32]:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> np.uint32(1)) ^ np.uint32(0xEDB88320), table >> np.uint32(1))
    return table.astype(np.uint32)


_CRC = _crc_table()  # zlib's crc32, byte at a time

# Per code point below 0x20000 (the basic and supplementary multilingual planes: emoji included): its lower-case
# code point and flags. A code point whose lower case is not one code point (U+0130), that lower-cases by context
# (U+03A3, final sigma) or lies above the table takes the plain definitions (str.lower, the
# Python story keys): rare, and the result is the same either way.
_TABLE = 0x20000
_UPPER, _LOWER, _ALPHA, _SPECIAL, _DECIMAL = 1, 2, 4, 8, 16


def _case_tables() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint8]]:
    chars = list(map(chr, range(_TABLE)))
    lowered = list(map(str.lower, chars))  # C-level maps: ~0.1 s at import
    single = np.fromiter(map(len, lowered), dtype=np.int64, count=_TABLE) == 1
    lower = np.fromiter((ord(low) if len(low) == 1 else 0 for low in lowered), dtype=np.uint32, count=_TABLE)
    flags = (np.fromiter(map(str.isupper, chars), dtype=np.uint8, count=_TABLE) * _UPPER
             | np.fromiter(map(str.islower, chars), dtype=np.uint8, count=_TABLE) * _LOWER
             | np.fromiter(map(str.isalpha, chars), dtype=np.uint8, count=_TABLE) * _ALPHA
             | np.fromiter(map(str.isdecimal, chars), dtype=np.uint8, count=_TABLE) * _DECIMAL).astype(np.uint8)
    special = ~single
    special[0x3A3] = True
    special[0xD800:0xE000] = True  # lone surrogates: not UTF-8 encodable, the Python definition says what happens
    flags[special] = _SPECIAL
    lower[special] = np.flatnonzero(special).astype(np.uint32)
    return lower, flags


_LOWER_OF, _FLAGS = _case_tables()
_NO_CASES = np.zeros(0, dtype=np.uint32)  # no table: the code points are lower-cased already
_NO_FLAGS = np.zeros(0, dtype=np.uint8)
# Per code point below 0x3001 (every whitespace is): 1 = whitespace as str.split() sees it, 2 = PUNCTUATION.
_CLASS = np.array([1 if chr(c).isspace() else 0 for c in range(0x3001)], dtype=np.uint8)
_CLASS[[ord(c) for c in PUNCTUATION]] = 2


@njit(cache=True, nogil=True)
def _crc_byte(crc, table, byte):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    return table[(crc ^ np.uint32(byte)) & np.uint32(0xFF)] ^ (crc >> np.uint32(8))


@njit(cache=True, nogil=True)
def _kind(classes, c):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    return classes[c] if c < classes.size else np.uint8(0)


@njit(cache=True, nogil=True)
def _text_word_hashes(codes, classes, table, lower_of, flags):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """(True, crc32 of the UTF-8 of every whitespace-separated word, PUNCTUATION stripped from its ends) of the text
    lower-cased by lower_of (= word_hashes(words)); an empty lower_of: lower-cased already. (False, _) when a word
    holds a code point the table does not cover or flags _SPECIAL (its lower case is not one code point, or depends
    on the context; such a code point is a letter, never whitespace or PUNCTUATION, so it is always in a word).
    Classes are read on the code points as given: lower-casing changes no code point's class."""
    n = codes.size
    out = np.empty(n // 2 + 1, dtype=np.uint64)
    count, i = 0, 0
    while i < n:
        while i < n and _kind(classes, codes[i]) == 1:
            i += 1
        s = i
        while i < n and _kind(classes, codes[i]) != 1:
            i += 1
        e = i
        while s < e and _kind(classes, codes[s]) == 2:
            s += 1
        while e > s and _kind(classes, codes[e - 1]) == 2:
            e -= 1
        if s == e:
            continue
        crc = np.uint32(0xFFFFFFFF)
        for j in range(s, e):
            c = codes[j]
            if lower_of.size:
                if c >= lower_of.size or flags[c] & _SPECIAL:
                    return False, out[:0]
                c = lower_of[c]
            if c < 0x80:
                crc = _crc_byte(crc, table, c)
            elif c < 0x800:
                crc = _crc_byte(crc, table, 0xC0 | (c >> 6))
                crc = _crc_byte(crc, table, 0x80 | (c & 0x3F))
            elif c < 0x10000:
                crc = _crc_byte(crc, table, 0xE0 | (c >> 12))
                crc = _crc_byte(crc, table, 0x80 | ((c >> 6) & 0x3F))
                crc = _crc_byte(crc, table, 0x80 | (c & 0x3F))
            else:
                crc = _crc_byte(crc, table, 0xF0 | (c >> 18))
                crc = _crc_byte(crc, table, 0x80 | ((c >> 12) & 0x3F))
                crc = _crc_byte(crc, table, 0x80 | ((c >> 6) & 0x3F))
                crc = _crc_byte(crc, table, 0x80 | (c & 0x3F))
        out[count] = np.uint64(crc ^ np.uint32(0xFFFFFFFF))
        count += 1
    return True, out[:count]


@njit(cache=True, nogil=True)
def _mix64(x):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True, nogil=True)
def _minhash(h, mix):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """One-permutation MinHash of the SHINGLE-word shingles of word hashes h, densified by rotation."""
    k = min(SHINGLE, h.size)
    empty = np.uint64(0xFFFFFFFFFFFFFFFF)
    mins = np.full(NUM_PERM, empty, dtype=np.uint64)
    for i in range(h.size - k + 1):
        x = np.uint64(0)
        for j in range(k):
            x = x * mix[j] + h[i + j]
        x = _mix64(x)
        b = x & np.uint64(NUM_PERM - 1)
        v = x >> np.uint64(6)
        if v < mins[b]:
            mins[b] = v
    out = np.empty(NUM_PERM, dtype=np.uint16)
    for b in range(NUM_PERM):
        d = 0
        while d < NUM_PERM and mins[(b + d) % NUM_PERM] == empty:
            d += 1
        if d == NUM_PERM:  # no shingles
            return out
        v = mins[(b + d) % NUM_PERM] + np.uint64(d) * np.uint64(0x9E3779B97F4A7C15)
        out[b] = np.uint16(v & np.uint64(0xFFFF))
    return out


def band_keys(sig: Signature, language: str) -> npt.NDArray[np.uint64]:
    """One key per LSH band, salted by band number and language (a copy is only looked for in its language)."""
    return _band_keys(sig, _language_salt(language))


@lru_cache(maxsize=256)
def _language_salt(language: str) -> np.uint64:
    return np.uint64(zlib.crc32(language.encode()))


@njit(cache=True, nogil=True)
def _band_keys(sig, lang):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    out = np.empty(BANDS, dtype=np.uint64)
    for b in range(BANDS):
        acc = (np.uint64(b + 1) * np.uint64(0xFF51AFD7ED558CCD)) ^ (lang << np.uint64(20))
        for r in range(ROWS):
            acc = (acc ^ np.uint64(sig[b * ROWS + r])) * np.uint64(0x100000001B3)
        out[b] = _mix64(acc)
    return out


def similarity_of(agree: int) -> float:
    """The estimated Jaccard similarity of two signatures with `agree` equal minima (corrected for chance)."""
    return max(0.0, (agree / NUM_PERM - _CHANCE) / (1.0 - _CHANCE))


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two shingle sets (matching minima, corrected for chance)."""
    return similarity_of(int(np.count_nonzero(a == b)))
