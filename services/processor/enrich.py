"""The processor's pure core: bytes in, a record or a dead letter out. The faust agents only move data.

Two phases, because deduplication is keyed by content hash while the raw topic is keyed by article:
  raw bytes --normalize_message--> NormalizedArticle (sent keyed by content_hash) | DeadLetter
  NormalizedArticle --enrich_message--> EnrichedArticle (sent keyed by article id) | DeadLetter
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime

import orjson
from pydantic import ValidationError

from schemas.models import DeadLetter, EnrichedArticle, Language, NormalizedArticle, RawArticle, Stage
from services.config import FETCH_MAX_BYTES
from services.processor.dedup import Related, features_of
from services.processor.entities import entity_model, summarize, tag_entities
from services.processor.errors import StepError
from services.processor.language import detect_article, detect_text
from services.processor.normalize import normalize
from services.common.deadletter import dead_letter_for

UNDETERMINED = Language(code="und", confidence=0.0, decided_by="none")


def parse_raw(value: bytes) -> RawArticle:
    if not value:
        raise StepError("parse", "empty message")
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise StepError("parse", f"not JSON: {exc}") from exc
    try:
        return RawArticle.model_validate(data)
    except ValidationError as exc:
        raise StepError("validate", f"not a RawArticle: {exc.errors(include_url=False, include_input=False)}") from exc


def _failure(value: bytes, stage: Stage, exc: BaseException, key: bytes | None, topic: str,
             partition: int | None, offset: int | None) -> DeadLetter:
    return dead_letter_for(value, stage=stage, error=str(exc) or type(exc).__name__, error_type=type(exc).__name__,
                           key=key.decode("utf-8", "replace") if key else None, topic=topic,
                           partition=partition, offset=offset)


def normalize_message(value: bytes, *, now: datetime, max_body_bytes: int, key: bytes | None = None,
                      topic: str = "articles.raw", partition: int | None = None,
                      offset: int | None = None, max_markup_chars: int = FETCH_MAX_BYTES) -> NormalizedArticle | DeadLetter:
    stage: Stage = "parse"
    try:
        raw = parse_raw(value)
        stage = "normalize"
        return normalize(raw, now=now, max_body_bytes=max_body_bytes, max_markup_chars=max_markup_chars)
    except StepError as exc:
        return _failure(value, exc.stage, exc, key, topic, partition, offset)
    except Exception as exc:  # a bug in a step must not stop the stream: dead-letter it with the stage
        return _failure(value, stage, exc, key, topic, partition, offset)


def enrich(article: NormalizedArticle, *, now: datetime, languages: Sequence[str],
           duplicate_of: str | None = None, related: Related | None = None,
           observe: Callable[[str, float], None] | None = None) -> EnrichedArticle:
    """Detect language and tag entities; a duplicate is marked, not enriched again.

    With `related` (the window's near-duplicate and story state, services/processor/dedup), the article is
    also marked `near_duplicate_of`/`similarity` and given a `story_id`, and recorded in that state; an
    exact duplicate takes its original's story. The caller persists `related.take_entries()`.
    `observe(stage, seconds)`, when given, is told how long "language", "entities" and "related" took (metrics).
    """
    common = article.model_dump(exclude={"schema_version", "content_hash", "normalized_at", "fetched_at"})
    if duplicate_of is not None:
        return EnrichedArticle(**common, language=UNDETERMINED, content_hash=article.content_hash,
                               duplicate_of=duplicate_of, fetched_at=article.fetched_at,
                               normalized_at=article.normalized_at, enriched_at=now,
                               story_id=related.story_of(duplicate_of) if related is not None else None)
    t0 = time.perf_counter()
    try:
        language = detect_article(article.body, article.title, languages)
        title_language = detect_text(article.title, languages) if article.title else None
    except Exception as exc:
        raise StepError("detect", f"{type(exc).__name__}: {exc}") from exc
    t1 = time.perf_counter()
    try:
        mentions = tag_entities(article.body, language.code)
        entity_summary = summarize(mentions)
    except Exception as exc:
        raise StepError("tag", f"{type(exc).__name__}: {exc}") from exc
    t2 = time.perf_counter()
    if observe is not None:
        observe("language", t1 - t0)
        observe("entities", t2 - t1)
    relation: dict[str, object] = {}
    if related is not None:
        try:
            found = related.decide(features_of(
                article_id=article.id, source=article.source, title=article.title, body=article.body,
                language=language.code,
                entities=[(e.entity_id, e.name, e.mentions) for e in entity_summary if e.entity_id]), now.timestamp())
            relation = {"near_duplicate_of": found.near_duplicate_of, "similarity": found.similarity,
                        "story_id": found.story_id}
        except Exception as exc:  # a bug here must not cost the article: it goes on unrelated, and says why
            common["warnings"] = [*article.warnings, f"near-duplicate/story decision failed: {type(exc).__name__}: {exc}"]
        if observe is not None:
            observe("related", time.perf_counter() - t2)
    return EnrichedArticle(**common, language=language, title_language=title_language, entities=mentions,
                           entity_summary=entity_summary, entity_model=entity_model(language.code),
                           content_hash=article.content_hash, **relation,
                           fetched_at=article.fetched_at, normalized_at=article.normalized_at, enriched_at=now)


def parse_normalized(value: bytes) -> NormalizedArticle:
    try:
        return NormalizedArticle.model_validate(orjson.loads(value))
    except (orjson.JSONDecodeError, ValidationError) as exc:
        raise StepError("route", f"not a NormalizedArticle: {exc}") from exc


def enrich_message(article: NormalizedArticle, *, now: datetime, languages: Sequence[str], duplicate_of: str | None,
                   value: bytes, key: bytes | None = None, topic: str = "articles.normalized",
                   partition: int | None = None, offset: int | None = None,
                   related: Related | None = None,
                   observe: Callable[[str, float], None] | None = None) -> EnrichedArticle | DeadLetter:
    try:
        return enrich(article, now=now, languages=languages, duplicate_of=duplicate_of, related=related,
                      observe=observe)
    except StepError as exc:
        return _failure(value, exc.stage, exc, key, topic, partition, offset)
    except Exception as exc:
        return _failure(value, "route", exc, key, topic, partition, offset)
