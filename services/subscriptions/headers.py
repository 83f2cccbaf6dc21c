"""Kafka headers of an enriched record: what a consumer can filter on without decoding the value.

The names and their meaning are contract (schemas/headers.py, docs/contract.md). The entity-id header
is bounded so a record's headers stay small whatever the article: the first MAX_ENTITY_IDS distinct ids
in order of first mention are listed and `newsflow-entities-truncated: true` says the rest is only in
the value. Entity ids never contain `,` (Wikidata QIDs, namespaced ids such as `geonames:2759794`); one
that did would be left out of the header rather than split a consumer's list.
"""

from __future__ import annotations

from collections.abc import Iterable

from schemas import headers as h
from schemas.models import EnrichedArticle


def entity_ids(article: EnrichedArticle) -> list[str]:
    """Distinct linked entity ids in order of first mention (then any found only in the summary)."""
    ids = [m.entity_id for m in article.entities if m.entity_id] + [s.entity_id for s in article.entity_summary if s.entity_id]
    return [i for i in dict.fromkeys(ids) if "," not in i]


def enriched_headers(article: EnrichedArticle, max_ids: int = h.MAX_ENTITY_IDS) -> list[tuple[str, bytes]]:
    """The headers of `article`'s record on articles.enriched. Pure."""
    ids = entity_ids(article)
    headers = [
        (h.SCHEMA_VERSION, str(article.schema_version).encode()),
        (h.LANGUAGE, article.language.code.encode()),
        (h.SOURCE, article.source.encode()),
        (h.CONTENT_HASH, article.content_hash.encode()),
        (h.DUPLICATE, b"true" if article.duplicate_of else b"false"),
        (h.ENTITY_IDS, ",".join(ids[:max_ids]).encode()),
        (h.NEAR_DUPLICATE, b"true" if article.near_duplicate_of else b"false"),
        (h.STORY_ID, (article.story_id or "").encode()),
    ]
    if len(ids) > max_ids:
        headers.append((h.ENTITIES_TRUNCATED, b"true"))
    return headers


def subscription_headers(incoming: Iterable[tuple[str, bytes]], article: EnrichedArticle,
                         subscription: str) -> list[tuple[str, bytes]]:
    """Headers of a record copied to a subscription topic: the enriched headers (recomputed when the
    input lacks them, e.g. records written before headers existed) plus the subscription's name."""
    kept = [(k, v) for k, v in incoming if k != h.SUBSCRIPTION]
    if not any(k == h.LANGUAGE for k, _ in kept):
        kept = enriched_headers(article)
    return [*kept, (h.SUBSCRIPTION, subscription.encode())]


def header_map(headers: Iterable[tuple[str, bytes]] | None) -> dict[str, str]:
    """A record's headers as text (last one wins): what a consumer would filter on."""
    return {name: bytes(value).decode("utf-8", "replace") for name, value in headers or ()}
