"""Compiled equivalents of text.py's token and capital-piece regexes, for the tagging hot path.

Python's re costs ~0.3 ms per 3.7 KB article for the token pattern alone; these loops walk the
code points once with a class table built from the same str predicates re uses for str patterns
(\\w: isalnum or "_", \\d: isdecimal, \\s: isspace). The table covers the Basic Multilingual Plane;
a text with a code point beyond it returns None and the caller uses the regex. The loops are in
kernels.py (compiled ahead of time, or by numba: compiled.py). Equality with the regexes is tested on
fuzzed and real text (tests/unit/test_entities.py).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from services.processor.entities.ner.compiled import kernels

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
    k = kernels().tokens(cp, _table(), out)
    if k < 0:
        return None
    flat = out[: 2 * k].tolist()
    return list(zip(flat[0::2], flat[1::2]))


def capital_pieces(text: str) -> list[tuple[int, int, str]] | None:
    """text.capital_pieces(text), or None when text holds a code point beyond the BMP."""
    cp = _codes(text)
    out = np.empty(len(cp) + 1, dtype=np.int64)
    k = kernels().pieces(cp, _table(), out)
    if k < 0:
        return None
    flat = out[: 2 * k].tolist()
    return [(s, e, text[s:e]) for s, e in zip(flat[0::2], flat[1::2])]


def tokens_and_pieces(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int, str]]] | None:
    """(tokens(text), capital_pieces(text)) from one pass over the code points, or None when text
    holds a code point beyond the BMP."""
    got = tokens_pieces_breaks(text)
    return None if got is None else (got[0], got[1])


def tokens_pieces_breaks(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int, str]], list[int], list[str]] | None:
    """(tokens(text), capital_pieces(text), breaks(text, len(tokens)), the tokens' texts) from one pass
    over the code points, or None when text holds a code point beyond the BMP."""
    cp = _codes(text)
    n = len(cp)
    out = np.empty(5 * n + 2, dtype=np.int64)
    counts = np.zeros(3, dtype=np.int64)
    if kernels().both(cp, _table(), out, counts) < 0:
        return None
    k, m, b = counts.tolist()
    # Starts and ends in separate runs of out: two tolist() calls, no slicing of Python lists.
    starts, ends, ps, pe = out[:k], out[n : n + k], out[2 * n : 2 * n + m], out[3 * n + 1 : 3 * n + 1 + m]
    if "\0" in text:  # the 0 that separates the texts in _cut: slices instead
        words = [text[s:e] for s, e in zip(starts.tolist(), ends.tolist())]
        piece_texts = [text[s:e] for s, e in zip(ps.tolist(), pe.tolist())]
    else:
        words, piece_texts = _cut(cp, starts, ends), _cut(cp, ps, pe)
    return list(zip(starts.tolist(), ends.tolist())), list(zip(ps.tolist(), pe.tolist(), piece_texts)), \
        out[4 * n + 2 : 4 * n + 2 + b].tolist(), words


def _cut(cp: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    """[text[s:e] for s, e in zip(starts, ends)] for a text (code points cp) without a 0: the spans'
    code points joined by 0s, decoded once and split at them (a third of the slices' cost)."""
    if not len(starts):
        return []
    out = np.empty(len(cp) + len(starts), dtype=np.uint32)
    q = kernels().joined(cp, starts, ends, out)
    if q < 0:
        raise IndexError("token spans past the text")
    return out[: q - 1].tobytes().decode("utf-32-le", "surrogatepass").split("\0")


def breaks(text: str, n_tokens: int) -> list[int] | None:
    """The tokens of text, the last one excepted, that end in . ! ? … or are followed by a line break
    before the next token, in order: where text.sentences looks for sentence ends (its _BREAK_CHAR
    rule read off the tokens). None beyond the BMP, or when text does not have n_tokens tokens (the
    caller's spans are not text's tokens)."""
    cp = _codes(text)
    out = np.empty(2 * len(cp) + 1, dtype=np.int64)
    b = kernels().breaks(cp, _table(), out, n_tokens)
    return None if b < 0 else out[:b].tolist()
