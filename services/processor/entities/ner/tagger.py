"""Entity tagging core: CRF spans + alias-table linking + gazetteer additions, over one text.

Pipeline for a text:
1. tokenize (offsets kept) and split sentences;
2. scan the gazetteer once (mentions the CRF may have missed, and the CRF's gazetteer features);
3. CRF (model.crfsuite, trained by ner/train.py) tags each sentence BIO PER/ORG/LOC;
4. link each CRF span by its folded surface form (any language's alias); a longer gazetteer match
   that covers CRF spans replaces them; gazetteer matches that overlap no CRF span are added;
5. in-document coreference: an unlinked PER equal to the surname of a linked PER gets its id.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

from services.processor.entities.ner import rules
from services.processor.entities.ner.crf import LinearCRF
from services.processor.entities.ner.gazetteer import Gazetteer, Match, build
from services.processor.entities.ner.text import Span, fold_key, sentences, tokenize

log = logging.getLogger(__name__)
LANGUAGES = ("nl", "de", "en", "fr")  # the languages with a trained model (train.py)


def model_path(lang: str) -> Path:
    return Path(__file__).parent / f"model.{lang}.crfsuite"


@dataclass(frozen=True, slots=True)
class Found:
    start: int
    end: int
    type: str
    entity_id: str | None = None
    name: str | None = None


def gaz_marks(spans: list[Span], matches: list[Match]) -> list[tuple[int, str]]:
    """(token index, tag) for the tokens a gazetteer match covers: B-/I-TYPE when the match covers
    the whole token, P-TYPE when it covers part of it. Sparse: matches are few."""
    out: list[tuple[int, str]] = []
    j = 0
    n = len(spans)
    for m in matches:
        while j < n and spans[j][1] <= m.start:
            j += 1
        k, first = j, True
        typ = m.entry.entity.type
        while k < n and spans[k][0] < m.end:
            s, e = spans[k]
            out.append((k, ("B-" if first else "I-") + typ if s >= m.start and e <= m.end else "P-" + typ))
            first = False
            k += 1
    return out


def gaz_tags(spans: list[Span], matches: list[Match]) -> list[str | None]:
    """gaz_marks as a per-token list (None: no match), the form features.py takes."""
    tags: list[str | None] = [None] * len(spans)
    for k, tag in gaz_marks(spans, matches):
        tags[k] = tag
    return tags


class Tagger:
    def __init__(self, gazetteer: Gazetteer | None = None, languages: tuple[str, ...] = LANGUAGES) -> None:
        self.gaz = gazetteer or build()
        self.models: dict[str, LinearCRF] = {}
        for lang in languages:
            path = model_path(lang)
            if path.exists():
                self.models[lang] = LinearCRF(path)
            else:  # still link known names; the bench and tests show the missing model
                log.warning("NER model %s missing: names from the knowledge base only", path)

    def model_for(self, lang: str) -> str | None:
        """Id of the model that tags lang, or None: that language gets knowledge-base names only."""
        return f"crf-{lang}" if lang in self.models else None

    def crf_spans(self, text: str, spans: list[Span], marks: list[tuple[int, str]], lang: str) -> list[Found]:
        """Model spans over every sentence of text (BIO, a span never crosses a sentence start)."""
        crf = self.models.get(lang)
        if crf is None:
            return []
        sents = sentences(text, spans)
        labels = crf.decode([text[s:e] for s, e in spans], sents, marks)
        starts = {a for a, _b in sents}
        runs: list[tuple[int, int, str]] = []
        start = prev = -2
        typ = ""
        for i, lab in labels:  # the non-O tokens, in order
            if start >= 0 and not (i == prev + 1 and i not in starts and lab[0] == "I" and lab[2:] == typ):
                runs.append((start, prev + 1, typ))
                start = -2
            if start < 0:
                start, typ = i, lab[2:]
            prev = i
        if start >= 0:
            runs.append((start, prev + 1, typ))
        if lang == "en":
            runs = rules.nationalities(text, spans, runs)
        runs = rules.correct(text, spans, runs)
        out = [Found(spans[a][0], spans[b - 1][1], t) for a, b, t in runs]
        if lang == "en":
            out = [Found(f.start, rules.strip_possessive(text, f.start, f.end), f.type) for f in out]
        return out

    def tag(self, text: str, lang: str) -> list[Found]:
        spans = tokenize(text)
        if not spans:
            return []
        matches = self.gaz.scan(text, lang)
        # Additions must sit on token boundaries (not "US" inside "US-Beamten").
        matches = [m for m in matches if _on_boundaries(spans, m.start, m.end)]
        found = self.crf_spans(text, spans, gaz_marks(spans, matches), lang)
        found = self._link(text, [t for f in found for t in _trim(text, spans, f)], lang, matches)
        return _coref(text, _merge(found, matches))

    def _link(self, text: str, found: list[Found], lang: str, matches: list[Match]) -> list[Found]:
        """Link model spans by alias; an unlinked span that holds alias matches and lower-case words
        ("Washington beginnen könnten", "Vertrouwen tussen Trump en Poetin") or a match of its own type
        gives way to the matches."""
        out: list[Found] = []
        starts = [m.start for m in matches]
        for f in found:
            entry = self.gaz.lookup(text[f.start : f.end], lang)
            if entry is not None:
                e = entry.entity
                out.append(Found(f.start, f.end, e.type, e.id, e.name))
                continue
            inner = []
            for k in range(bisect_left(starts, f.start), len(matches)):
                if matches[k].start >= f.end:
                    break
                if matches[k].end <= f.end:
                    inner.append(matches[k])
            # The matches are the names and the rest is noise when the span has lower-case words other
            # than name particles, or (not for LOC: "Provincie Utrecht") a match of its own type ("CEO des
            # Russischen Direktinvestitionsfonds (RDIF)"). A place inside an ORG/PER name stays
            # ("Ronde van Frankrijk", "Harald II van Denemarken").
            if inner and (
                (f.type != "LOC" and any(m.entry.entity.type == f.type for m in inner))
                or any(w.islower() and w not in _PARTICLES for w in _outside_words(text, f, inner))
            ):
                continue  # _merge adds the matches
            if lang == "nl" and f.type != "PER" and _NL_ADJ.search(text[f.start : f.end]):
                f = Found(f.start, f.end, "MISC")  # Amerikaanse, Russische: adjectives (CoNLL MISC)
            out.append(f)
        return out


def _on_boundaries(spans: list[Span], start: int, end: int) -> bool:
    k = bisect_left(spans, (start, -1))
    if k == len(spans) or spans[k][0] != start:
        return False
    while k < len(spans) and spans[k][1] < end:
        k += 1
    return k < len(spans) and spans[k][1] == end


def _outside_words(text: str, f: Found, inner: list[Match]) -> list[str]:
    words, pos = [], f.start
    for m in inner:
        words += text[pos : m.start].split()
        pos = m.end
    return words + text[pos : f.end].split()


# A single capitalised word ending like a Dutch adjective of nationality (Franse, Amerikaanse, Belgische).
_NL_ADJ = re.compile(r"^[A-ZÀ-Ý][^\W\d_]+(?:se|sche)$")
# Lower-case words inside names (Ronde van Frankrijk, Harald II van Denemarken, Bank of England).
_PARTICLES = frozenset("van von de der den het ten ter du des la le di da dos del della of the zu zum zur am im an y al bin ibn".split())
_EDGE_PUNCT = frozenset(",;:-–—/\"'“”„‘’«»")


def _trim(text: str, spans: list[Span], f: Found) -> list[Found]:
    """Names do not start with a lower-case word ("gebied van Energie"), nor start or end with a comma
    or a stray bracket: trim those tokens off a model span (none left: drop it). A lower-case last word
    stays ("Neotropisch gebied", "Engelse nationale elftal"): trimming it cost more than it won on the dev sets."""
    toks = []
    for k in range(bisect_left(spans, (f.start, -1)), len(spans)):
        if spans[k][1] > f.end:
            break
        toks.append(spans[k])
    lo, hi = 0, len(toks)

    def junk(i: int, tail: bool) -> bool:
        w = text[toks[i][0] : toks[i][1]]
        if w in _EDGE_PUNCT:
            return True
        if w.islower():
            return not tail
        inside = text[toks[lo][0] : toks[hi - 1][1]]
        if tail:  # an opening bracket, or a closing one without its opener
            return w == "(" or (w == ")" and "(" not in inside)
        return w == ")" or (w == "(" and ")" not in inside)

    while lo < hi and junk(hi - 1, True):
        hi -= 1
    while lo < hi and junk(lo, False):
        lo += 1
    if lo == hi:
        return []
    if (lo, hi) == (0, len(toks)):
        return [f]
    return [Found(toks[lo][0], toks[hi - 1][1], f.type)]


def _merge(found: list[Found], matches: list[Match]) -> list[Found]:
    """Add gazetteer matches to the model's spans; both lists are sorted and non-overlapping."""
    out: list[Found] = []
    j = 0
    for m in matches:
        while j < len(found) and found[j].end <= m.start:
            out.append(found[j])
            j += 1
        k = j
        while k < len(found) and found[k].start < m.end:
            k += 1
        covered = found[j:k]
        e = m.entry.entity
        hit = Found(m.start, m.end, e.type, e.id, e.name)
        if not covered:
            out.append(hit)
        elif all(m.start <= f.start and f.end <= m.end and f.entity_id is None for f in covered) and any(
            (f.start, f.end) != (m.start, m.end) for f in covered
        ):
            # The alias covers the model's (unlinked, shorter) spans: "Kirill" + "Dmitriev" -> one.
            out.append(hit)
            j = k
        # else: the model's spans win; they are appended by the loop.
    out.extend(found[j:])
    return out


def _coref(text: str, found: list[Found]) -> list[Found]:
    """Link a bare surname (Dmitriev, Dmitrievs) to the linked full name seen in the same text."""
    by_surface: dict[tuple[str, ...], Found] = {}
    for f in found:
        if f.entity_id is not None:
            key = fold_key(text[f.start : f.end])
            by_surface.setdefault(key, f)
            if f.type == "PER" and len(key) > 1:
                by_surface.setdefault(key[-1:], f)
    if not by_surface:
        return found
    out = []
    for f in found:
        if f.entity_id is None:
            key = fold_key(text[f.start : f.end])
            ref = by_surface.get(key)
            if ref is None and len(key) == 1 and key[0].endswith("s"):
                ref = by_surface.get((key[0][:-1],))
            if ref is not None and (ref.type == f.type or ref.type == "PER"):
                f = Found(f.start, f.end, ref.type, ref.entity_id, ref.name)
        out.append(f)
    return out

