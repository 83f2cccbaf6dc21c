"""Compiled equivalents of text.py's token and capital-piece regexes, for the tagging hot path.

Python's re costs ~0.3 ms per 3.7 KB article for the token pattern alone; these loops walk the
code points once with a class table built from the same str predicates re uses for str patterns
(\\w: isalnum or "_", \\d: isdecimal, \\s: isspace). The table covers the Basic Multilingual Plane;
a text with a code point beyond it returns None and the caller uses the regex. Equality with the
regexes is tested on fuzzed and real text (tests/unit/test_entities.py).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit

_ALNUM, _DECIMAL, _SPACE = 1, 2, 4


@cache
def _table() -> np.ndarray:
    """Class bits of every BMP code point (~30 ms, once per process)."""
    t = np.zeros(0x10000, dtype=np.uint8)
    for c in range(0x10000):
        ch = chr(c)
        t[c] = (_ALNUM if ch.isalnum() else 0) | (_DECIMAL if ch.isdecimal() else 0) | (_SPACE if ch.isspace() else 0)
    return t


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def tokens(text: str) -> list[tuple[int, int]] | None:
    """text.tokenize(text), or None when text holds a code point beyond the BMP."""
    cp = _codes(text)
    out = np.empty(2 * len(cp), dtype=np.int64)
    k = _tokens(cp, _table(), out)
    if k < 0:
        return None
    flat = out[: 2 * k].tolist()
    return list(zip(flat[0::2], flat[1::2]))


def capital_pieces(text: str) -> list[tuple[int, int, str]] | None:
    """text.capital_pieces(text), or None when text holds a code point beyond the BMP."""
    cp = _codes(text)
    out = np.empty(len(cp) + 1, dtype=np.int64)
    k = _pieces(cp, _table(), out)
    if k < 0:
        return None
    flat = out[: 2 * k].tolist()
    return [(s, e, text[s:e]) for s, e in zip(flat[0::2], flat[1::2])]


def tokens_and_pieces(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int, str]]] | None:
    """(tokens(text), capital_pieces(text)) from one pass over the code points, or None when text
    holds a code point beyond the BMP."""
    got = tokens_pieces_breaks(text)
    return None if got is None else got[:2]


def tokens_pieces_breaks(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int, str]], list[int]] | None:
    """(tokens(text), capital_pieces(text), breaks(text, len(tokens))) from one pass over the code
    points, or None when text holds a code point beyond the BMP."""
    cp = _codes(text)
    n = len(cp)
    out = np.empty(5 * n + 2, dtype=np.int64)
    counts = np.zeros(3, dtype=np.int64)
    if _both(cp, _table(), out, counts) < 0:
        return None
    k, m, b = counts.tolist()
    # Starts and ends in separate runs of out: two tolist() calls, no slicing of Python lists.
    spans = list(zip(out[:k].tolist(), out[n : n + k].tolist()))
    ps, pe = out[2 * n : 2 * n + m].tolist(), out[3 * n + 1 : 3 * n + 1 + m].tolist()
    return spans, [(s, e, text[s:e]) for s, e in zip(ps, pe)], out[4 * n + 2 : 4 * n + 2 + b].tolist()


def breaks(text: str, n_tokens: int) -> list[int] | None:
    """The tokens of text, the last one excepted, that end in . ! ? … or are followed by a line break
    before the next token, in order: where text.sentences looks for sentence ends (its _BREAK_CHAR
    rule read off the tokens). None beyond the BMP, or when text does not have n_tokens tokens (the
    caller's spans are not text's tokens)."""
    cp = _codes(text)
    out = np.empty(2 * len(cp) + 1, dtype=np.int64)
    b = _breaks(cp, _table(), out, n_tokens)
    return None if b < 0 else out[:b].tolist()


@njit(cache=True, nogil=True)
def _both(cp, table, out, counts):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """_tokens, _pieces and the breaks in one call: token starts in out[:n], ends in out[n:2n], piece
    starts in out[2n:3n+1], ends in out[3n+1:4n+2], breaks from out[4n+2]; their numbers in counts;
    -1 beyond the BMP."""
    n = cp.shape[0]
    tmp = np.empty(2 * n + 1, dtype=np.int64)
    k = _tokens(cp, table, tmp)
    if k < 0:
        return -1
    for i in range(k):
        out[i] = tmp[2 * i]
        out[n + i] = tmp[2 * i + 1]
    counts[2] = _break_tokens(cp, tmp, k, out[4 * n + 2 :])
    m = _pieces(cp, table, tmp)
    for i in range(m):
        out[2 * n + i] = tmp[2 * i]
        out[3 * n + 1 + i] = tmp[2 * i + 1]
    counts[0] = k
    counts[1] = m
    return 0


@njit(cache=True, nogil=True)
def _breaks(cp, table, out, n_tokens):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """breaks() into out (as flattened token spans first, then overwritten from the front: the i-th
    break is written after token i is read); their number, or -1."""
    k = _tokens(cp, table, out)
    if k < 0 or k != n_tokens:
        return -1
    return _break_tokens(cp, out, k, out)


@njit(cache=True, nogil=True)
def _break_tokens(cp, toks, k, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """The break tokens (see breaks) of the k tokens flattened in toks, into out (out may be toks:
    the i-th break is written after token i is read); their number."""
    b = 0
    for i in range(k - 1):
        end = toks[2 * i + 1]
        c = cp[end - 1]
        brk = c == 0x2E or c == 0x21 or c == 0x3F or c == 0x2026  # . ! ? …
        if not brk:
            for q in range(end, toks[2 * i + 2]):
                if cp[q] == 0x0A:
                    brk = True
                    break
        if brk:
            out[b] = i
            b += 1
    return b


@njit(cache=True, nogil=True)
def _beyond_bmp(cp):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Whether a code point lies past U+FFFF (the class table covers the BMP only)."""
    for i in range(cp.shape[0]):
        if cp[i] > 0xFFFF:
            return True
    return False


@njit(cache=True, nogil=True)
def _joined_run(cp, table, p, bit, j0, j1, j2, j3):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """End of the run from p of characters of class `bit`, single joiners j0..j3 allowed between them."""
    n = cp.shape[0]
    q = p + 1
    while q < n and table[cp[q]] & bit:
        q += 1
    while q + 1 < n and (cp[q] == j0 or cp[q] == j1 or cp[q] == j2 or cp[q] == j3) and table[cp[q + 1]] & bit:
        q += 2
        while q < n and table[cp[q]] & bit:
            q += 1
    return q


@njit(cache=True, nogil=True)
def _tokens(cp, table, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """(?:[^\\W\\d_]\\.){2,}|\\d+(?:[.,:/]\\d+)*|[^\\W_]+(?:[-‐'’][^\\W_]+)*|\\S, as finditer spans
    flattened into out; the number of tokens, or -1 for a code point beyond the BMP."""
    n = cp.shape[0]
    if _beyond_bmp(cp):
        return -1
    k = p = 0
    while p < n:
        f = table[cp[p]]
        if f & 4:  # whitespace: no alternative matches here
            p += 1
            continue
        q = p
        if f & 3 == 1:  # a letter: dotted abbreviation, two letter-dot pairs or more
            r = 0
            while q + 1 < n and table[cp[q]] & 3 == 1 and cp[q + 1] == 0x2E:
                q += 2
                r += 1
            if r < 2:
                q = p
        if q == p and f & 2:  # number, groups joined by . , : /
            q = _joined_run(cp, table, p, 2, 0x2E, 0x2C, 0x3A, 0x2F)
        elif q == p and f & 1:  # word with inner hyphens or apostrophes
            q = _joined_run(cp, table, p, 1, 0x2D, 0x2010, 0x27, 0x2019)
        elif q == p:  # any other character
            q = p + 1
        out[2 * k] = p
        out[2 * k + 1] = q
        k += 1
        p = q
    return k


@njit(cache=True, nogil=True)
def _pieces(cp, table, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """(?<![^\\W_])[^\\W_a-z][^\\W_]*: maximal alphanumeric runs not starting with a-z, as flattened
    spans in out; their number, or -1 for a code point beyond the BMP."""
    n = cp.shape[0]
    if _beyond_bmp(cp):
        return -1
    k = p = 0
    while p < n:
        if table[cp[p]] & 1:
            q = p + 1
            while q < n and table[cp[q]] & 1:
                q += 1
            if not (0x61 <= cp[p] <= 0x7A):
                out[2 * k] = p
                out[2 * k + 1] = q
                k += 1
            p = q
        else:
            p += 1
    return k
