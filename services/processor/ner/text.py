"""Offset-keeping tokenizer, sentence splitter and the surface-form folding used for linking."""

from __future__ import annotations

import re
import unicodedata

# Order matters: dotted abbreviations (U.S.), numbers, words with inner hyphens/apostrophes
# (Saoedi-Arabië, Trump's: one token, as in WikiANN/Europeana), then any other single character.
_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\d+(?:[.,:/]\d+)*|[^\W_]+(?:[-‐'’][^\W_]+)*|\S")
# Alphanumeric pieces: the unit of gazetteer matching, so "Saoedi -Arabië" == "Saoedi-Arabië".
PIECE = re.compile(r"[^\W_]+")
_SENT_END = frozenset(".!?…")
_OPENERS = frozenset("\"'“„‘«(")
MAX_SENT = 80  # long OCR runs without punctuation: bound the CRF's sequence length

Span = tuple[int, int]


def tokenize(text: str) -> list[Span]:
    """Character spans of the tokens of text; text[s:e] is the token."""
    return [m.span() for m in _TOKEN.finditer(text)]


def sentences(text: str, spans: list[Span]) -> list[tuple[int, int]]:
    """Split token spans into sentences: (first, last+1) token index ranges.

    A sentence ends at a line break, or after . ! ? when the next token starts a sentence
    (capital, digit or quote). Good enough for news prose and cheap.
    """
    out: list[tuple[int, int]] = []
    begin = 0
    n = len(spans)
    for i in range(n):
        if i + 1 == n:
            break
        end_here = False
        if "\n" in text[spans[i][1] : spans[i + 1][0]]:
            end_here = True
        else:
            tok = text[spans[i][0] : spans[i][1]]
            if tok in _SENT_END or tok.endswith("..."):
                nxt = text[spans[i + 1][0]]
                end_here = nxt.isupper() or nxt.isdigit() or nxt in _OPENERS
        if end_here or i + 1 - begin >= MAX_SENT:
            out.append((begin, i + 1))
            begin = i + 1
    if n:
        out.append((begin, n))
    return out


_FOLD_CACHE: dict[str, str] = {}


def fold(piece: str) -> str:
    """Case- and diacritic-folded form (Oekraïne -> oekraine, Föderation -> foderation, ß -> ss)."""
    f = _FOLD_CACHE.get(piece)
    if f is None:
        d = unicodedata.normalize("NFKD", piece)
        f = "".join(c for c in d if not unicodedata.combining(c)).casefold()
        if len(_FOLD_CACHE) > 500_000:  # bounded: a stream sees an open vocabulary
            _FOLD_CACHE.clear()
        _FOLD_CACHE[piece] = f
    return f


def fold_key(surface: str) -> tuple[str, ...]:
    """Gazetteer key of a surface form: its folded alphanumeric pieces."""
    return tuple(fold(p) for p in PIECE.findall(surface))
