"""Story evidence: the keys two articles about one event tend to share, in any language or within one.

Language-independent keys: linked entity ids (Wikidata QIDs are the same in every language), numbers
(thousands separators and decimal commas folded: "2.000.000", "2,000,000" and "2 000 000" all give
2000000; one-digit numbers are too common to tell events apart) and capitalized words never written in
lower case in the text (mostly names the tagger did not link, spelled alike across nl/de/en). Within one language, content words
(six letters or more) are keys too, tagged with the language so they only ever match that language.
Each key is a stable uint64 (blake2b, not Python's salted `hash`: keys are persisted).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from hashlib import blake2b

import numpy as np
import numpy.typing as npt
from numba import njit

from services.processor.dedup import blake
from services.processor.dedup import signature as sg
from services.processor.dedup.signature import _ALPHA, _DECIMAL, _FLAGS, _LOWER, _LOWER_OF, _SPECIAL, _UPPER, codes_of

MAX_ENTITIES = 10
MAX_NUMBERS = 6
MAX_NAMES = 8
MAX_WORDS = 10
# Static weights: a shared entity id says more than a shared number, a number more than a name or a word.
WEIGHTS = {"e": 2.0, "n": 1.5, "c": 1.0, "w": 1.0}

_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d+)*")
_GROUPED = re.compile(r"\d{1,3}(?:([.,\u00a0\u202f ])\d{3})(?:\1\d{3})*")


@dataclass(frozen=True)
class StoryKeys:
    """Typed keys of one article; `weight` is the sum of their weights (the article's side of a cosine).

    `array` (the keys) and `weights` (each key's weight, in order) are built with the keys: every decision
    reads them (a cached_property takes a lock per first read on this Python)."""

    keys: tuple[int, ...]
    kinds: tuple[str, ...]
    array: npt.NDArray[np.uint64] = field(init=False, compare=False, repr=False)
    weights: npt.NDArray[np.float64] = field(init=False, compare=False, repr=False)
    weight: float = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        weights = _WEIGHT_OF[np.frombuffer("".join(self.kinds).encode("ascii"), dtype=np.uint8)]
        weight = float(weights.sum())  # multiples of 0.5: exact in any order
        if weight != weight or len(self.keys) != len(self.kinds):  # an entry of another version: ignored
            raise ValueError(f"story keys and kinds do not match: {len(self.keys)} keys, kinds {''.join(self.kinds)!r}")
        object.__setattr__(self, "array", np.array(self.keys, dtype=np.uint64))
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "weight", weight)


    @classmethod
    def of_kinds(cls, array: npt.NDArray[np.uint64], counts: tuple[int, int, int, int]) -> StoryKeys:
        """`StoryKeys(keys, kinds)` for the keys `array` with counts[i] keys of each kind in "encw" order (as
        the compiled pass returns them): the same object, without converting the keys to Python and back."""
        self = object.__new__(cls)
        weights = np.repeat(_KIND_WEIGHTS, counts)
        object.__setattr__(self, "keys", tuple(array.tolist()))
        object.__setattr__(self, "kinds", sum((k * n for k, n in zip(_KINDS, counts, strict=True)), ()))
        object.__setattr__(self, "array", array)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "weight", float(weights.sum()))
        return self


_WEIGHT_OF = np.full(256, np.nan)
for _kind, _w in WEIGHTS.items():
    _WEIGHT_OF[ord(_kind)] = _w
_KINDS = (("e",), ("n",), ("c",), ("w",))
_KIND_WEIGHTS = np.array([WEIGHTS[k] for (k,) in _KINDS])


@lru_cache(maxsize=1 << 16)  # names, numbers and words recur from article to article
def key_hash(text: str) -> int:
    h = _BLAKE2B_8.copy()  # a copy of a fresh hasher skips the constructor's argument parsing
    h.update(text.encode("utf-8"))
    return int.from_bytes(h.digest(), "little")


_BLAKE2B_8 = blake2b(digest_size=8)


def numbers(text: str) -> list[str]:
    """Distinct numbers of two digits or more, in order, separators folded ("1.500" = "1,500" = "1500")."""
    out: dict[str, None] = {}
    for raw in _NUMBER.findall(text):
        raw = raw.rstrip(".,\u00a0\u202f ")
        if _GROUPED.fullmatch(raw):  # thousands groups: 3,200 / 3.200 / 3 200
            value = re.sub(r"\D", "", raw)
        elif re.fullmatch(r"\d+[.,]\d+", raw):  # a decimal: 2,75 = 2.75
            whole, _, fraction = raw.replace(",", ".").partition(".")
            value = f"{int(whole)}.{fraction}".rstrip("0").rstrip(".")
            out.setdefault(value, None)
            continue
        elif raw.isdigit():
            value = raw
        else:  # a list of numbers ("1, 2 en 3"): each its own
            for part in re.findall(r"\d+", raw):
                if len(part.lstrip("0")) >= 2:
                    out.setdefault(part.lstrip("0"), None)
            continue
        value = value.lstrip("0") or "0"
        if len(value.replace(".", "")) >= 2:
            out.setdefault(value, None)
    return list(out)


def names(tokens: list[str]) -> list[str]:
    """Capitalized words never written in lower case in the text (names, German nouns), lower-cased, in order.

    A common word that starts a sentence is written in lower case elsewhere in the text and is left out.
    """
    distinct = dict.fromkeys(tokens)  # ordered, at C speed: the loops below see each word once
    common = {t for t in distinct if t[:1].islower()}
    out: dict[str, None] = {}
    for token in distinct:
        if len(token) >= 4 and token[0].isupper():
            low = token.lower()
            if low not in common:
                out.setdefault(low, None)
    return list(out)


def content_words(lower: list[str]) -> list[str]:
    """Longer lower-cased words, longest first (a cheap stand-in for rarity)."""
    distinct = [w for w in dict.fromkeys(lower) if len(w) >= 6 and w.isalpha()]
    return sorted(sorted(distinct), key=len, reverse=True)  # a stable sort: alphabetical within a length


def story_keys(*, language: str, entity_ids: Iterable[str], text: str, tokens: list[str],
               lower: list[str]) -> StoryKeys:
    """tokens: the words of text (signature.tokens) in their case; lower: the same lower-cased."""
    typed: dict[str, str] = {}
    for qid in list(dict.fromkeys(entity_ids))[:MAX_ENTITIES]:
        typed.setdefault(f"e:{qid}", "e")
    for number in numbers(text)[:MAX_NUMBERS]:
        typed.setdefault(f"n:{number}", "n")
    for name in names(tokens)[:MAX_NAMES]:
        typed.setdefault(f"c:{name}", "c")
    if language != "und":
        for word in content_words(lower)[:MAX_WORDS]:
            typed.setdefault(f"w:{language}:{word}", "w")
    return StoryKeys(keys=tuple(key_hash(k) for k in typed), kinds=tuple(typed.values()))


# -- the same keys from the text, compiled ---------------------------------------------------------------------
# The case tables (signature.py) cover the code points below 0x20000; a code point they flag special or do not
# cover sends the article to the Python definition above: rare, and the result is the same either way.
_CLASSES = np.zeros(0x10000, dtype=np.uint8)  # 1 = whitespace (str.split), 2 = punctuation stripped from tokens
_CLASSES[: sg._CLASS.size] = sg._CLASS  # noqa: SLF001 - one definition of the token boundaries
LEAD_PREFIX = 2048  # code points of the body read first: 150 words fit in it almost always


def text_story_keys(*, language: str, entity_ids: Iterable[str], title: str | None, body: str,
                    lead_words: int, codes: npt.NDArray[np.uint32] | None = None) -> StoryKeys:
    """`story_keys` over the lead (the title's tokens and the body's first `lead_words`), with the tokens, names
    and content words found in one compiled pass over the code points; the same keys (tests hold them equal).
    codes: `codes_of(body)`, when the caller has it."""
    full = codes_of(body) if codes is None else codes
    status, hashed, n_numbers, n_names, n_words = _story_lead(codes_of(title or ""), full, min(full.size, LEAD_PREFIX),
                                                              lead_words, _CLASSES, _LOWER_OF, _FLAGS,
                                                              _word_prefix(language), blake.IV, blake.SIGMA)
    if status != _DONE:  # a code point the tables do not cover, or a decimal digit other than 0-9 in the lead
        lead = (sg.tokens(title) if title else []) + sg.lead_tokens(body, lead_words)
        return story_keys(language=language, entity_ids=entity_ids, text=" ".join(lead), tokens=lead,
                          lower=sg.lowered(lead))
    entities = [key_hash(f"e:{qid}") for qid in list(dict.fromkeys(entity_ids))[:MAX_ENTITIES]]
    array = np.concatenate((np.array(entities, dtype=np.uint64), hashed)) if entities else hashed
    return StoryKeys.of_kinds(array, (len(entities), n_numbers, n_names, n_words))


@lru_cache(maxsize=64)
def _word_prefix(language: str) -> npt.NDArray[np.uint8]:
    """The UTF-8 of a content word key's prefix, "w:<language>:"; empty for "und" (no content word keys)."""
    return np.frombuffer(f"w:{language}:".encode(), dtype=np.uint8).copy() if language != "und" else _NO_BYTES


_NO_BYTES = np.zeros(0, dtype=np.uint8)


_DONE, _MORE, _UNCOVERED = 0, 1, 2


@njit(cache=True, nogil=True)
def _token_hash(buf, s, e):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """FNV-1a over code points, never 0 (the empty mark of the sets below); equal strings, equal hashes."""
    h = np.uint64(0xCBF29CE484222325)
    for j in range(s, e):
        h = (h ^ np.uint64(buf[j])) * np.uint64(0x100000001B3)
    return h if h != np.uint64(0) else np.uint64(1)


@njit(cache=True, nogil=True)
def _slot(table, h):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Where h is in an open-addressing set (0 = empty, size a power of two), or the empty slot it would take."""
    mask = table.size - 1
    i = np.int64((h * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)) & mask
    while table[i] != np.uint64(0) and table[i] != h:
        i = (i + 1) & mask
    return i


@njit(cache=True, nogil=True)
def _set_add(table, h):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Insert h into the set; True when it was not there."""
    i = _slot(table, h)
    if table[i] == h and h != np.uint64(0):
        return False
    table[i] = h
    return True


@njit(cache=True, nogil=True)
def _set_has(table, h):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    return h != np.uint64(0) and table[_slot(table, h)] == h


@njit(cache=True, nogil=True)
def _before(low, s1, e1, s2, e2):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Content-word order: longer first, then by code points (Python's str order)."""
    n1, n2 = e1 - s1, e2 - s2
    if n1 != n2:
        return n1 > n2
    for j in range(n1):
        if low[s1 + j] != low[s2 + j]:
            return low[s1 + j] < low[s2 + j]
    return False


@njit(cache=True, nogil=True)
def _story_lead(title, body, prefix, limit, classes, lower_of, flags, wprefix, iv, sigma):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """`_lead` over the body's first `prefix` code points (the whole body when the lead runs past them), then
    `_lead_keys`: one call from Python, the lead's arrays never leave compiled code."""
    result = _lead(title, body[:prefix], prefix < body.size, limit, classes, lower_of, flags)
    if result[0] == _MORE:
        result = _lead(title, body, False, limit, classes, lower_of, flags)
    status, joined, low, name_spans, word_spans = result
    if status != _DONE:
        return status, np.zeros(0, dtype=np.uint64), 0, 0, 0
    return _lead_keys(joined, low, name_spans, word_spans, wprefix, flags, iv, sigma)


@njit(cache=True, nogil=True)
def _lead(title, body, truncated, limit, classes, lower_of, flags):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """The lead's tokens joined by spaces (as `" ".join(lead)`), the same lower-cased, and the spans in the
    latter of the names (`names`, first MAX_NAMES) and content words (`content_words`, first MAX_WORDS).
    Status _MORE: body is a truncated prefix that ends inside the lead; _UNCOVERED: use the Python path."""
    cap = title.size + body.size + 1
    joined = np.empty(cap, dtype=np.uint32)
    low = np.empty(cap, dtype=np.uint32)
    starts = np.empty(cap // 2 + 2, dtype=np.int64)
    ends = np.empty(cap // 2 + 2, dtype=np.int64)
    empty2 = np.zeros((0, 2), dtype=np.int64)
    n_tok, pos = 0, 0
    for part in range(2):
        codes = title if part == 0 else body
        n = codes.size
        i, taken = 0, 0
        while i < n and (part == 0 or taken < limit):
            while i < n and codes[i] < 0x10000 and classes[codes[i]] == 1:
                i += 1
            s = i
            while i < n and not (codes[i] < 0x10000 and classes[codes[i]] == 1):
                i += 1
            e = i
            if part == 1 and truncated and e == n:
                return _MORE, joined[:0], low[:0], empty2, empty2
            while s < e and codes[s] < 0x10000 and classes[codes[s]] == 2:
                s += 1
            while e > s and codes[e - 1] < 0x10000 and classes[codes[e - 1]] == 2:
                e -= 1
            if s == e:
                continue
            if n_tok > 0:
                joined[pos] = 32
                low[pos] = 32
                pos += 1
            starts[n_tok] = pos
            for j in range(s, e):
                c = codes[j]
                if c >= lower_of.size or flags[c] & _SPECIAL:
                    return _UNCOVERED, joined[:0], low[:0], empty2, empty2
                joined[pos] = c
                low[pos] = lower_of[c]
                pos += 1
            ends[n_tok] = pos
            n_tok += 1
            taken += 1
    size = 16
    while size < 4 * n_tok:
        size *= 2
    common = np.zeros(size, dtype=np.uint64)  # tokens (as written) that start lower-case
    for t in range(n_tok):
        if flags[joined[starts[t]]] & _LOWER:
            _set_add(common, _token_hash(joined, starts[t], ends[t]))
    # names: capitalized tokens of 4+ code points whose lower case is not a token that starts lower-case
    names_out = np.empty((MAX_NAMES, 2), dtype=np.int64)
    seen = np.zeros(size, dtype=np.uint64)
    k = 0
    for t in range(n_tok):
        if k == MAX_NAMES:
            break
        s, e = starts[t], ends[t]
        if e - s >= 4 and flags[joined[s]] & _UPPER:
            h = _token_hash(low, s, e)
            if not _set_has(common, h) and _set_add(seen, h):
                names_out[k, 0], names_out[k, 1] = s, e
                k += 1
    names_out = names_out[:k]
    # content words: distinct lower-cased tokens of 6+ letters, longest first, then alphabetical
    cand = np.empty(n_tok, dtype=np.int64)
    seen[:] = 0
    m = 0
    for t in range(n_tok):
        s, e = starts[t], ends[t]
        if e - s < 6:
            continue
        alpha = True
        for j in range(s, e):
            if not flags[low[j]] & _ALPHA:
                alpha = False
                break
        if alpha and _set_add(seen, _token_hash(low, s, e)):
            cand[m] = t
            m += 1
    words_out = np.empty((min(m, MAX_WORDS), 2), dtype=np.int64)
    for k in range(words_out.shape[0]):  # selection of the first MAX_WORDS in order
        b = k
        for x in range(k + 1, m):
            if _before(low, starts[cand[x]], ends[cand[x]], starts[cand[b]], ends[cand[b]]):
                b = x
        cand[k], cand[b] = cand[b], cand[k]
        words_out[k, 0], words_out[k, 1] = starts[cand[k]], ends[cand[k]]
    return _DONE, joined[:pos], low[:pos], names_out, words_out


@njit(cache=True, nogil=True)
def _utf8(out, n, c):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Append the UTF-8 of code point c (no surrogate) to out[:n]; the new length."""
    if c < 0x80:
        out[n] = c
        return n + 1
    if c < 0x800:
        out[n], out[n + 1] = 0xC0 | (c >> 6), 0x80 | (c & 0x3F)
        return n + 2
    if c < 0x10000:
        out[n], out[n + 1], out[n + 2] = 0xE0 | (c >> 12), 0x80 | ((c >> 6) & 0x3F), 0x80 | (c & 0x3F)
        return n + 3
    out[n], out[n + 1], out[n + 2], out[n + 3] = (0xF0 | (c >> 18), 0x80 | ((c >> 12) & 0x3F), 0x80 | ((c >> 6) & 0x3F),
                                                  0x80 | (c & 0x3F))
    return n + 4


@njit(cache=True, nogil=True)
def _is_digit(c):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    return 48 <= c <= 57


@njit(cache=True, nogil=True)
def _add_number(vals, voff, nv, seen, digits, s, e, point, fraction_end):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Append the value digits[s:e] (ASCII) to the distinct numbers unless seen; point >= 0: a decimal, whose
    fraction is digits[point:fraction_end] (trailing zeros already cut). Returns the new count."""
    n = voff[nv]
    for j in range(s, e):
        vals[n] = digits[j]
        n += 1
    if point >= 0 and fraction_end > point:
        vals[n] = 46
        n += 1
        for j in range(point, fraction_end):
            vals[n] = digits[j]
            n += 1
    h = _token_hash(vals, voff[nv], n)
    if not _set_add(seen, h):
        return nv
    voff[nv + 1] = n
    return nv + 1


@njit(cache=True, nogil=True)
def _numbers(joined, vals, voff):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """`numbers(text)[:MAX_NUMBERS]` of the lead's code points (digits 0-9 only): value v is vals[voff[v]:voff[v+1]]
    (ASCII); returns their count."""
    n = joined.size
    gs = np.empty(n // 2 + 2, dtype=np.int64)  # the digit groups of one match and the separator before each
    ge = np.empty(n // 2 + 2, dtype=np.int64)
    sep = np.empty(n // 2 + 2, dtype=np.int64)
    seen = np.zeros(64, dtype=np.uint64)
    voff[0] = 0
    nv, i = 0, 0
    while i < n and nv < MAX_NUMBERS:
        if not _is_digit(joined[i]):
            i += 1
            continue
        g = 0
        gs[0] = i  # \d+(?:[.,\u00a0\u202f ]\d+)*: the lead has no whitespace but single spaces
        while i < n and _is_digit(joined[i]):
            i += 1
        ge[0] = i
        g = 1
        while i + 1 < n and (joined[i] == 46 or joined[i] == 44 or joined[i] == 32) and _is_digit(joined[i + 1]):
            sep[g] = joined[i]
            i += 1
            gs[g] = i
            while i < n and _is_digit(joined[i]):
                i += 1
            ge[g] = i
            g += 1
        grouped = g >= 2 and ge[0] - gs[0] <= 3
        for k in range(1, g):
            if ge[k] - gs[k] != 3 or sep[k] != sep[1]:
                grouped = False
        if grouped:  # thousands groups: all digits, leading zeros cut, two or more
            start = voff[nv]
            m = start
            for k in range(g):
                for j in range(gs[k], ge[k]):
                    if m > start or joined[j] != 48:
                        vals[m] = joined[j]
                        m += 1
            if m == start:
                vals[m] = 48
                m += 1
            if m - start >= 2:
                h = _token_hash(vals, start, m)
                if _set_add(seen, h):
                    voff[nv + 1] = m
                    nv += 1
        elif g == 2 and sep[1] != 32:  # a decimal: int(whole) "." fraction, trailing zeros and point cut
            z = gs[0]
            while z < ge[0] - 1 and joined[z] == 48:
                z += 1
            f = ge[1]
            while f > gs[1] and joined[f - 1] == 48:
                f -= 1
            nv = _add_number(vals, voff, nv, seen, joined, z, ge[0], gs[1], f)
        else:  # one number, or a list of numbers ("1, 2 en 3"): each of two digits or more
            for k in range(g):
                if nv == MAX_NUMBERS:
                    break
                z = gs[k]
                while z < ge[k] and joined[z] == 48:
                    z += 1
                if ge[k] - z >= 2:
                    nv = _add_number(vals, voff, nv, seen, joined, z, ge[k], -1, 0)
    return nv


@njit(cache=True, nogil=True)
def _lead_keys(joined, low, names, words, wprefix, flags, iv, sigma):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """The hashes (`key_hash`) of the lead's number, name and content-word keys, in that order, and how many of
    each; status _UNCOVERED when the lead holds a decimal digit other than 0-9 (the Python regex's business)."""
    for j in range(joined.size):
        c = joined[j]
        if flags[c] & _DECIMAL and not _is_digit(c):
            return _UNCOVERED, np.zeros(0, dtype=np.uint64), 0, 0, 0
    vals = np.empty(2 * joined.size + 2, dtype=np.uint8)
    voff = np.empty(MAX_NUMBERS + 1, dtype=np.int64)
    n_numbers = _numbers(joined, vals, voff)
    n_words = words.shape[0] if wprefix.size else 0
    out = np.empty(n_numbers + names.shape[0] + n_words, dtype=np.uint64)
    longest = 0
    for k in range(names.shape[0]):
        longest = max(longest, names[k, 1] - names[k, 0])
    for k in range(n_words):
        longest = max(longest, words[k, 1] - words[k, 0])
    msg = np.empty(wprefix.size + 4 * longest + 2 * joined.size + 4, dtype=np.uint8)
    x = 0
    for v in range(n_numbers):
        msg[0], msg[1] = 110, 58  # "n:"
        m = 2
        for j in range(voff[v], voff[v + 1]):
            msg[m] = vals[j]
            m += 1
        out[x] = blake.blake2b8(msg, m, iv, sigma)
        x += 1
    for k in range(names.shape[0]):
        msg[0], msg[1] = 99, 58  # "c:"
        m = 2
        for j in range(names[k, 0], names[k, 1]):
            m = _utf8(msg, m, low[j])
        out[x] = blake.blake2b8(msg, m, iv, sigma)
        x += 1
    for k in range(n_words):
        m = 0
        for j in range(wprefix.size):
            msg[m] = wprefix[j]
            m += 1
        for j in range(words[k, 0], words[k, 1]):
            m = _utf8(msg, m, low[j])
        out[x] = blake.blake2b8(msg, m, iv, sigma)
        x += 1
    return _DONE, out, n_numbers, names.shape[0], n_words
