"""Offset-keeping tokenizer, sentence splitter and the surface-form folding used for linking."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right

from services.processor.entities.ner import charscan

# Order matters: dotted abbreviations (U.S.), numbers, words with inner hyphens/apostrophes
# (Saoedi-Arabië, Trump's: one token, as in WikiANN/Europeana), then any other single character.
_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\d+(?:[.,:/]\d+)*|[^\W_]+(?:[-‐'’][^\W_]+)*|\S")
# Alphanumeric pieces: the unit of gazetteer matching, so "Saoedi -Arabië" == "Saoedi-Arabië".
PIECE = re.compile(r"[^\W_]+")
_SENT_END = frozenset(".!?…")
_OPENERS = frozenset("\"'“„‘«(")
# A period after these (or after a single letter: initials) does not end a sentence.
_ABBREV = frozenset(
    "st dr mr mrs ms jr sr prof mevr dhr hr fr nr no vs ca bzw usw etc mt ft gen lt col sgt gov sen rep "
    "rev ing ir drs sint zg resp evt jhr mgr dipl z.b u.a d.h".split()
)
# Words that open sentences and are no part of a name: a period after an initial ends a sentence before one of
# them ("FRANKFURT A. M. Der Magistrat will", "Washington D.C. The"; not "Johann S. Bach", "B. De Wever",
# "J. Le Pen", "John F. A. Smith").
_SENT_OPENERS = frozenset(
    "Der Die Das Ein Eine Er Sie Es Wir Ich Im Am Auch Doch Nach Het Een Hij Zij Ze Wij Ik The He She It We They "
    "This That Il Elle".split()
)
# An alphanumeric piece whose first character is not ASCII lower case (non-ASCII lower case is
# checked by its users): where a name can start. Both alias scans (gazetteer, KB) walk from these.
_CAPITAL_PIECE = re.compile(r"(?<![^\W_])[^\W_a-z][^\W_]*")
_BREAK_CHAR = re.compile("[.!?…\n]")  # where a sentence can end (_SENT_END or a line break)
_BIG = 1 << 62
MAX_SENT = 80  # long OCR runs without punctuation: bound the CRF's sequence length

Span = tuple[int, int]


def tokenize(text: str) -> list[Span]:
    """Character spans of the tokens of text (_TOKEN's matches); text[s:e] is the token."""
    got = charscan.tokens(text)  # compiled, same spans
    return [m.span() for m in _TOKEN.finditer(text)] if got is None else got


def capital_pieces(text: str) -> list[tuple[int, int, str]]:
    """(start, end, piece) of every piece of text that does not start with an ASCII lower-case letter."""
    got = charscan.capital_pieces(text)  # compiled, same pieces
    return [(m.start(), m.end(), m.group()) for m in _CAPITAL_PIECE.finditer(text)] if got is None else got


def tokens_and_pieces(text: str) -> tuple[list[Span], list[tuple[int, int, str]]]:
    """(tokenize(text), capital_pieces(text)), from one compiled pass when text is in the BMP."""
    got = charscan.tokens_and_pieces(text)
    return (tokenize(text), capital_pieces(text)) if got is None else got


def tokens_pieces_breaks(text: str) -> tuple[list[Span], list[tuple[int, int, str]], list[int] | None, list[str]]:
    """(tokenize(text), capital_pieces(text), the tokens sentences looks at as breaks or None, the
    tokens' texts) from one compiled pass when text is in the BMP (else the regexes, and None:
    sentences finds them)."""
    got = charscan.tokens_pieces_breaks(text)
    if got is None:
        spans = tokenize(text)
        return spans, capital_pieces(text), None, [text[s:e] for s, e in spans]
    return got


def sentences(text: str, spans: list[Span], breaks: list[int] | None = None) -> list[tuple[int, int]]:
    """Split token spans (tokenize's: no token holds a blank) into sentences: (first, last+1) token index ranges.

    A sentence ends at a line break, or after . ! ? when the next token starts a sentence
    (capital, digit or quote); one longer than MAX_SENT tokens is cut. Good enough for news prose
    and cheap: only the tokens before a line break or ending in . ! ? … are looked at (found by a
    compiled pass over text when it is in the BMP and spans are its tokens). breaks: those tokens,
    when the caller has them (tokens_pieces_breaks).
    """
    n = len(spans)
    if not n:
        return []
    last = n - 1  # the last token ends the last sentence anyway
    if breaks is None:
        breaks = charscan.breaks(text, n)
    if breaks is None:
        cands: set[int] = set()
        for m in _BREAK_CHAR.finditer(text):
            p = m.start()
            k = bisect_right(spans, (p, _BIG)) - 1  # the token at or before p
            if 0 <= k < last and (text[p] == "\n" or spans[k][1] == p + 1):
                cands.add(k)
        breaks = sorted(cands)
    out: list[tuple[int, int]] = []
    begin = 0
    for i in breaks:
        while begin + MAX_SENT - 1 < i:
            out.append((begin, begin + MAX_SENT))
            begin += MAX_SENT
        e, nxt_start = spans[i][1], spans[i + 1][0]
        end_here = nxt_start > e and text.find("\n", e, nxt_start) >= 0
        if not end_here and e - spans[i][0] <= 3 and text[e - 1] in _SENT_END:
            tok = text[spans[i][0] : e]
            if tok in _SENT_END or tok.endswith("..."):
                nxt = text[nxt_start]
                end_here = nxt.isupper() or nxt.isdigit() or nxt in _OPENERS
                if end_here and tok == "." and i > begin:
                    prev = text[spans[i - 1][0] : spans[i - 1][1]]
                    end_here = not ((len(prev) == 1 and prev.isalpha()) or prev.lower() in _ABBREV) \
                        or text[nxt_start : spans[i + 1][1]] in _SENT_OPENERS
        if end_here or i + 1 - begin >= MAX_SENT:
            out.append((begin, i + 1))
            begin = i + 1
    while begin + MAX_SENT - 1 < last:
        out.append((begin, begin + MAX_SENT))
        begin += MAX_SENT
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


_KEY_CACHE: dict[str, tuple[str, ...]] = {}


def fold_key(surface: str) -> tuple[str, ...]:
    """Gazetteer key of a surface form: its folded alphanumeric pieces."""
    k = _KEY_CACHE.get(surface)
    if k is None:
        k = tuple([fold(p) for p in PIECE.findall(surface)])
        if len(_KEY_CACHE) > 200_000:
            _KEY_CACHE.clear()
        _KEY_CACHE[surface] = k
    return k


def opens_sentence(text: str, start: int) -> bool:
    """Whether text[start:] begins a sentence: nothing but blanks, quotes, bullets or dashes since the
    start of the text or a line, or since a sentence's closing mark."""
    before = text[max(0, start - 4) : start].rstrip(" \t\"“‘'•*(-–—")
    return not before or before[-1] in ".!?:\n"
