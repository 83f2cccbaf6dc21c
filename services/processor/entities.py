"""Entity step (STUB: replaced by the entity-tagging work)."""

from __future__ import annotations

from collections import Counter

from schemas.models import EntitySummary, Mention


def tag_entities(body: str, language: str) -> list[Mention]:
    return []


def summarize(mentions: list[Mention]) -> list[EntitySummary]:
    counts = Counter((m.entity_id, m.canonical_name or m.text, m.type) for m in mentions)
    return [EntitySummary(entity_id=i, name=n, type=t, mentions=c) for (i, n, t), c in counts.items()]
