from datetime import UTC, datetime

import orjson

from schemas import RawArticle, encode
from schemas.models import DeadLetter, EnrichedArticle, NormalizedArticle
from services.config import DEFAULT_LANGUAGES
from services.processor.enrich import enrich, enrich_message, normalize_message

NOW = datetime(2025, 4, 7, 14, 39, tzinfo=UTC)
TEXT = ("Waterschappen versterken dijken\n\nHet waterschap begint dit najaar met de versterking van twaalf "
        "kilometer dijk tussen Nijmegen en Tiel, omdat de rivier vaker hoog staat.")


def raw(body: str = TEXT) -> bytes:
    return encode(RawArticle(source="test", body=body, fetched_at=NOW))


def test_good_raw_becomes_normalized() -> None:
    out = normalize_message(raw(), now=NOW, max_body_bytes=1_000_000)
    assert isinstance(out, NormalizedArticle) and out.body and out.content_hash


def test_bad_input_becomes_a_dead_letter_with_stage_and_reason() -> None:
    cases = {b"": "parse", b"{not json": "parse", b"\xff\xfe\x00": "parse",
             orjson.dumps({"source": "x"}): "validate", orjson.dumps([1, 2]): "validate"}
    for value, stage in cases.items():
        out = normalize_message(value, now=NOW, max_body_bytes=1000, key=b"k", topic="articles.raw", partition=1, offset=7)
        assert isinstance(out, DeadLetter), value
        assert out.stage == stage and out.error and out.topic == "articles.raw" and out.offset == 7 and out.key == "k"


def test_oversized_body_is_refused_by_normalize() -> None:
    out = normalize_message(raw("x" * 2000), now=NOW, max_body_bytes=1000)
    assert isinstance(out, DeadLetter) and out.stage == "normalize"


def test_enrich_and_duplicates() -> None:
    norm = normalize_message(raw(), now=NOW, max_body_bytes=1_000_000)
    assert isinstance(norm, NormalizedArticle)
    first = enrich(norm, now=NOW, languages=DEFAULT_LANGUAGES)
    assert first.language.code == "nl" and first.duplicate_of is None
    dup = enrich(norm, now=NOW, languages=DEFAULT_LANGUAGES, duplicate_of="other-id")
    assert dup.duplicate_of == "other-id" and dup.entities == [] and dup.language.code == "und"


def test_a_failing_step_is_dead_lettered_not_raised(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import services.processor.enrich as module

    norm = normalize_message(raw(), now=NOW, max_body_bytes=1_000_000)
    assert isinstance(norm, NormalizedArticle)

    def broken(*a: object, **k: object) -> None:
        raise RuntimeError("tagger exploded")

    monkeypatch.setattr(module, "tag_entities", broken)
    out = enrich_message(norm, now=NOW, languages=DEFAULT_LANGUAGES, duplicate_of=None, value=encode(norm))
    assert isinstance(out, DeadLetter) and out.stage == "tag" and "tagger exploded" in out.error
    monkeypatch.undo()
    assert isinstance(enrich_message(norm, now=NOW, languages=DEFAULT_LANGUAGES, duplicate_of=None, value=b""), EnrichedArticle)
