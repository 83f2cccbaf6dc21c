"""Enriched articles built by hand for unit tests of the subscription code (no processor involved)."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.models import EnrichedArticle, EntitySummary, Language, Mention

NOW = datetime(2025, 4, 7, 14, 39, tzinfo=UTC)


def enriched(ident: str = "a1", *, lang: str = "nl", source: str = "nos", title: str | None = "Poetin in Den Haag",
             body: str = "Poetin sprak met Rutte over Nederland.", entities: tuple[tuple[str, str | None, str], ...] = (
                 ("Poetin", "Q7747", "PER"), ("Rutte", "Q57792", "PER"), ("Nederland", "Q55", "LOC")),
             duplicate_of: str | None = None, published_at: datetime | None = NOW) -> EnrichedArticle:
    """`entities`: (text, id or None, type); mentions are placed where `text` first occurs in `body`."""
    mentions, summary = [], []
    for text, entity_id, kind in entities:
        start = max(body.find(text), 0)
        mentions.append(Mention(text=text, start=start, end=start + len(text), type=kind, entity_id=entity_id,  # type: ignore[arg-type]
                                canonical_name=text))
        summary.append(EntitySummary(entity_id=entity_id, name=text, type=kind, mentions=1))  # type: ignore[arg-type]
    return EnrichedArticle(id=ident, source=source, title=title, body=body, published_at=published_at,
                           language=Language(code=lang, confidence=0.99, decided_by="body"), entities=mentions,
                           entity_summary=summary, content_hash=f"hash-{ident}", duplicate_of=duplicate_of,
                           fetched_at=NOW, normalized_at=NOW, enriched_at=NOW)
