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
from dataclasses import dataclass
from pathlib import Path

from services.processor.ner.features import sentence_features
from services.processor.ner.gazetteer import Gazetteer, Match, build
from services.processor.ner.text import Span, fold_key, sentences, tokenize

log = logging.getLogger(__name__)
MODEL_PATH = Path(__file__).parent / "model.crfsuite"


@dataclass(frozen=True, slots=True)
class Found:
    start: int
    end: int
    type: str
    entity_id: str | None = None
    name: str | None = None


def gaz_tags(spans: list[Span], matches: list[Match]) -> list[str | None]:
    """Per token: B-/I-TYPE when a gazetteer match covers it, P-TYPE when it covers part of it."""
    tags: list[str | None] = [None] * len(spans)
    j = 0
    for m in matches:
        while j < len(spans) and spans[j][1] <= m.start:
            j += 1
        k, first = j, True
        while k < len(spans) and spans[k][0] < m.end:
            s, e = spans[k]
            inside = s >= m.start and e <= m.end
            tags[k] = ("B-" if first else "I-") + m.entry.entity.type if inside else "P-" + m.entry.entity.type
            first = False
            k += 1
    return tags


class Tagger:
    def __init__(self, model_path: Path = MODEL_PATH, gazetteer: Gazetteer | None = None) -> None:
        self.gaz = gazetteer or build()
        self.crf = None
        if model_path.exists():
            import pycrfsuite

            self.crf = pycrfsuite.Tagger()
            self.crf.open(str(model_path))
        else:  # still link gazetteer names; the bench and tests will show the missing model
            log.warning("NER model %s missing: gazetteer-only tagging", model_path)

    def crf_spans(self, text: str, spans: list[Span], gtags: list[str | None]) -> list[Found]:
        if self.crf is None:
            return []
        out: list[Found] = []
        for a, b in sentences(text, spans):
            toks = [text[s:e] for s, e in spans[a:b]]
            try:
                labels = self.crf.tag(sentence_features(toks, gtags[a:b]))
            except UnicodeEncodeError:  # lone surrogates cannot reach crfsuite: tag a cleaned copy
                toks = [t.encode("utf-8", "replace").decode("utf-8") for t in toks]
                labels = self.crf.tag(sentence_features(toks, gtags[a:b]))
            start = typ = None
            for i, lab in enumerate([*labels, "O"]):
                if start is not None and not (lab[0] == "I" and lab[2:] == typ):
                    out.append(Found(spans[a + start][0], spans[a + i - 1][1], typ))
                    start = None
                if lab[0] == "B" or (lab[0] == "I" and start is None):
                    start, typ = i, lab[2:]
        return out

    def tag(self, text: str, lang: str) -> list[Found]:
        spans = tokenize(text)
        if not spans:
            return []
        matches = self.gaz.scan(text, lang)
        # Additions must sit on token boundaries (not "US" inside "US-Beamten").
        starts = {s for s, _ in spans}
        ends = {e for _, e in spans}
        matches = [m for m in matches if m.start in starts and m.end in ends]
        found = self._link(text, self.crf_spans(text, spans, gaz_tags(spans, matches)))
        return _coref(text, _merge(found, matches))

    def _link(self, text: str, found: list[Found]) -> list[Found]:
        out = []
        for f in found:
            entry = self.gaz.lookup(text[f.start : f.end])
            if entry is not None:
                e = entry.entity
                f = Found(f.start, f.end, e.type, e.id, e.name)
            out.append(f)
        return out


def _merge(found: list[Found], matches: list[Match]) -> list[Found]:
    out = list(found)
    for m in matches:
        e = m.entry.entity
        hit = Found(m.start, m.end, e.type, e.id, e.name)
        overlapping = [f for f in out if f.start < m.end and m.start < f.end]
        if not overlapping:
            out.append(hit)
        elif all(m.start <= f.start and f.end <= m.end and f.entity_id is None for f in overlapping) and any(
            (f.start, f.end) != (m.start, m.end) for f in overlapping
        ):
            # The alias covers the model's (unlinked, shorter) spans: "Kirill" + "Dmitriev" -> one.
            out = [f for f in out if f not in overlapping] + [hit]
    out.sort(key=lambda f: f.start)
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

