"""The compiled kernels of the tagging hot path: charscan.py's scanners (tokens, capital pieces,
sentence breaks over code points, the spans' texts) and crf.py's word rows, Viterbi decoding and the
runs of labels it gives.

Callers get them from compiled.kernels(): the ahead-of-time build of this module when it is current
(no numba at run time), else these functions, compiled by numba on first use and cached on disk.
Keep them here, and every entry point a caller uses in compiled.SIGNATURES: the build and its stamp
read this file.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# charscan.py's scanners: see there for the patterns they equal.


@njit(cache=True, nogil=True)
def both(cp, table, out, counts):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """tokens, pieces and the breaks in one call: token starts in out[:n], ends in out[n:2n], piece
    starts in out[2n:3n+1], ends in out[3n+1:4n+2], breaks from out[4n+2]; their numbers in counts;
    -1 beyond the BMP."""
    n = cp.shape[0]
    tmp = np.empty(2 * n + 1, dtype=np.int64)
    k = tokens(cp, table, tmp)
    if k < 0:
        return -1
    for i in range(k):
        out[i] = tmp[2 * i]
        out[n + i] = tmp[2 * i + 1]
    counts[2] = _break_tokens(cp, tmp, k, out[4 * n + 2 :])
    m = pieces(cp, table, tmp)
    for i in range(m):
        out[2 * n + i] = tmp[2 * i]
        out[3 * n + 1 + i] = tmp[2 * i + 1]
    counts[0] = k
    counts[1] = m
    return 0


@njit(cache=True, nogil=True)
def breaks(cp, table, out, n_tokens):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """breaks() into out (as flattened token spans first, then overwritten from the front: the i-th
    break is written after token i is read); their number, or -1."""
    k = tokens(cp, table, out)
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
def tokens(cp, table, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
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
def pieces(cp, table, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
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


@njit(cache=True, nogil=True)
def joined(cp, starts, ends, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """The code points of each span starts[i]:ends[i] of cp, each followed by a 0, into out; how many
    written (charscan cuts the decoded string at the 0s: one split in C, not a slice per span), or -1,
    nothing past out or cp touched, when the spans do not fit (compiled code checks no index itself)."""
    q = 0
    for i in range(starts.shape[0]):
        if starts[i] < 0 or ends[i] > cp.shape[0] or q + max(ends[i] - starts[i], 0) >= out.shape[0]:
            return -1
        for p in range(starts[i], ends[i]):
            out[q] = cp[p]
            q += 1
        out[q] = 0
        q += 1
    return q


# crf.py's kernels: see LinearCRF.


@njit(cache=True, nogil=True)
def fill(row, weights, attrs, slots):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """row[slot] = sum of the weight rows of the word's attributes in that slot."""
    for j in range(attrs.shape[0]):
        row[slots[j]] += weights[attrs[j]]


@njit(cache=True, nogil=True)
def viterbi(ids, gaz, sents, table, gaz_table, eos, trans):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    n, n_lab = ids.shape[0], trans.shape[0]
    out = np.zeros(n, dtype=np.int64)
    e = np.empty((n, n_lab))
    back = np.zeros((n, n_lab), dtype=np.int64)
    delta = np.empty(n_lab)
    nxt = np.empty(n_lab)
    for s in range(sents.shape[0]):
        a, b = sents[s, 0], sents[s, 1]
        # Emissions: own word, neighbours within the sentence (slots: see features.SLOTS), BOS/EOS, gazetteer.
        for i in range(a, b):
            w = ids[i]
            for y in range(n_lab):
                v = table[w, 0, y] + gaz_table[gaz[i], y]
                if i - 1 >= a:
                    v += table[ids[i - 1], 1, y]
                if i - 2 >= a:
                    v += table[ids[i - 2], 3, y]
                if i + 1 < b:
                    v += table[ids[i + 1], 2, y]
                if i + 2 < b:
                    v += table[ids[i + 2], 4, y]
                if i == a:
                    v += table[w, 5, y]
                if i == b - 1:
                    v += eos[y]
                e[i, y] = v
        for y in range(n_lab):
            delta[y] = e[a, y]
        for i in range(a + 1, b):
            for y in range(n_lab):
                best, arg = delta[0] + trans[0, y], 0
                for x in range(1, n_lab):
                    c = delta[x] + trans[x, y]
                    if c > best:
                        best, arg = c, x
                nxt[y] = best + e[i, y]
                back[i, y] = arg
            for y in range(n_lab):
                delta[y] = nxt[y]
        cur = 0
        for y in range(1, n_lab):
            if delta[y] > delta[cur]:
                cur = y
        for i in range(b - 1, a, -1):
            out[i] = cur
            cur = back[i, cur]
        out[a] = cur
    return out


@njit(cache=True, nogil=True)
def viterbi_hits(ids, gaz, sents, table, gaz_table, eos, trans, o, hits):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """viterbi's labels, as (token index, label) pairs flattened into hits for the labels other than
    o; their number, or -1 when an id lies past its table (nothing is read then)."""
    n = ids.shape[0]
    for i in range(n):
        if ids[i] < 0 or ids[i] >= table.shape[0] or gaz[i] < 0 or gaz[i] >= gaz_table.shape[0]:
            return -1
    labels = viterbi(ids, gaz, sents, table, gaz_table, eos, trans)
    k = 0
    for i in range(n):
        if labels[i] != o:
            hits[2 * k] = i
            hits[2 * k + 1] = labels[i]
            k += 1
    return k


@njit(cache=True, nogil=True)
def viterbi_runs(ids, gaz, sents, table, gaz_table, eos, trans, kind, inner, runs):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """viterbi's labels as runs (first token, last + 1, kind) flattened into runs: kind[y] is label
    y's type (-1 for O), inner[y] whether y is an I- label. A run is a label other than O and the
    I- labels of its type right after it in its sentence (crf.label_runs, the definition). Their
    number, or -1 when an id lies past its table (nothing is read then)."""
    n = ids.shape[0]
    for i in range(n):
        if ids[i] < 0 or ids[i] >= table.shape[0] or gaz[i] < 0 or gaz[i] >= gaz_table.shape[0]:
            return -1
    labels = viterbi(ids, gaz, sents, table, gaz_table, eos, trans)
    opens = np.zeros(n, dtype=np.bool_)
    for s in range(sents.shape[0]):
        opens[sents[s, 0]] = True
    k = 0
    start = -2
    prev = -2
    typ = -1
    for i in range(n):
        y = labels[i]
        if kind[y] < 0:
            continue
        if start >= 0 and not (i == prev + 1 and not opens[i] and inner[y] and kind[y] == typ):
            runs[3 * k] = start
            runs[3 * k + 1] = prev + 1
            runs[3 * k + 2] = typ
            k += 1
            start = -2
        if start < 0:
            start = i
            typ = kind[y]
        prev = i
    if start >= 0:
        runs[3 * k] = start
        runs[3 * k + 1] = prev + 1
        runs[3 * k + 2] = typ
        k += 1
    return k
