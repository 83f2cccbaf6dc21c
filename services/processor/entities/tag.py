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

from collections import Counter
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
    """Distinct entities in order of first mention: linked ones by entity_id, unlinked by text and type."""
    counts: Counter[tuple[str | None, str, str]] = Counter()
    types: dict[tuple[str | None, str, str], Counter[str]] = {}
    for m in mentions:
        key = (m.entity_id, "", "") if m.entity_id else (None, m.text, m.type)
        counts[key] += 1
        types.setdefault(key, Counter())[m.type] += 1
    names = {}
    for m in mentions:
        key = (m.entity_id, "", "") if m.entity_id else (None, m.text, m.type)
        names.setdefault(key, m.canonical_name or m.text)
    return [
        EntitySummary(entity_id=key[0], name=names[key], type=types[key].most_common(1)[0][0], mentions=n)  # type: ignore[arg-type]
        for key, n in counts.items()
    ]
