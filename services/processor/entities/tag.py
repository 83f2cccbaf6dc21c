"""Entity step: mentions (PER/ORG/LOC, exact offsets) with one canonical id per entity across languages.

One CRF per language (nl, de, en, fr), trained here on openly licensed corpora
(services/processor/entities/ner/train.py, docs/ner.md), finds the mentions; other languages get no
model's guesses (entity_model is None). The linker (entities/link.py) gives them ids from a knowledge
base built from pinned data (entities/kb/: Natural Earth places, Wikidata-labelled politicians and
parties, CLDR names, GeoNames cities, curated news entities), so Dutch "Poetin", German "Putin" and
Russian "Путин" share "Q7747". Context decides between candidates; an ambiguous name keeps no id.
Confident names the model missed are added; unlinked mentions are kept without an id. Everything
ships in the repo or in pinned packages: nothing is downloaded at run time. See docs/entities.md.
Retrain: `.venv/bin/python -m services.processor.entities.ner.train`; rebuild the KB:
`.venv/bin/python -m services.processor.entities.kb.build`; measure: `python bench/bench_entities.py`,
`python bench/bench_linking.py`."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from schemas.models import EntitySummary, Mention
from services.processor.entities.ner.tagger import LANGUAGES, Tagger


@lru_cache(maxsize=1)
def _tagger() -> Tagger:
    # Once per process: the feature gazetteer and the linking KB; each language's CRF on its first use.
    return Tagger()


def warm_up(languages: Sequence[str] = LANGUAGES) -> None:
    """Load the models of languages now rather than on the first record (a worker that just joined
    should not stall); a language without a model still loads what linking needs."""
    for lang in languages:
        tag_entities("Vladimir Putin sprak in Moskou.", lang)


def entity_model(language: str) -> str | None:
    """The NER model used for language, or None (knowledge-base names only)."""
    return _tagger().model_for((language or "und").strip().lower())


def tag_entities(body: str, language: str) -> list[Mention]:
    """Mentions in body; body[m.start:m.end] == m.text. language: ISO 639-1 code or "und"."""
    if not body or not body.strip():
        return []
    lang = (language or "und").strip().lower() or "und"
    return [_mention(body[s:e], s, e, t, i, n) for s, e, t, i, n in _tagger().tag(body, lang)]  # Found's fields, in order


_new, _set = Mention.__new__, object.__setattr__
_MENTION_FIELDS = frozenset(Mention.model_fields)
_SUMMARY_FIELDS = frozenset(EntitySummary.model_fields)


def _mention(text: str, start: int, end: int, type: str, entity_id: str | None, name: str | None) -> Mention:
    """What Mention.model_construct(...) with every field builds, at a third of its cost (~70 mentions
    an article). Valid by construction: the tagger yields 0 <= start < end and PER/ORG/LOC/MISC.
    tests/unit/test_entities.py checks it against model_construct."""
    m = _new(Mention)
    _set(m, "__dict__", {"text": text, "start": start, "end": end, "type": type, "entity_id": entity_id, "canonical_name": name})
    _set(m, "__pydantic_fields_set__", set(_MENTION_FIELDS))
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m


def summarize(mentions: list[Mention]) -> list[EntitySummary]:
    """Distinct entities in order of first mention: linked ones by entity_id, unlinked by text and type;
    each with its most frequent type (the first seen of equally frequent ones) and its first name."""
    seen: dict[tuple[str | None, str, str], tuple[str, dict[str, int]]] = {}  # key -> (name, type -> count)
    for m in mentions:
        d = m.__dict__  # plain reads: ~70 mentions an article
        eid = d["entity_id"]
        key = (eid, "", "") if eid else (None, d["text"], d["type"])
        got = seen.get(key)
        if got is None:
            seen[key] = (d["canonical_name"] or d["text"], {d["type"]: 1})
        else:
            got[1][d["type"]] = got[1].get(d["type"], 0) + 1
    out = []
    for key, (name, types) in seen.items():
        best, total = "", 0
        for t, n in types.items():
            total += n
            if n > types.get(best, 0):
                best = t
        out.append(_summary(key[0], name, best, total))
    return out


def _summary(entity_id: str | None, name: str, type: str, mentions: int) -> EntitySummary:
    """EntitySummary.model_construct(...) with every field, as _mention builds a Mention. Valid by
    construction: a type of a tagged mention and a count of at least one."""
    e = _new(EntitySummary)
    _set(e, "__dict__", {"entity_id": entity_id, "name": name, "type": type, "mentions": mentions})
    _set(e, "__pydantic_fields_set__", set(_SUMMARY_FIELDS))
    _set(e, "__pydantic_extra__", None)
    _set(e, "__pydantic_private__", None)
    return e
