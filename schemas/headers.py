"""Kafka record headers of newsflow's public topics (part of the contract; values are UTF-8 bytes).

Headers let a consumer route or drop a record without decoding its value. Adding a header is a
compatible change; renaming or removing one, or changing the form of its value, is breaking.
"""

from __future__ import annotations

SCHEMA_VERSION = "newsflow-schema-version"
LANGUAGE = "newsflow-language"
SOURCE = "newsflow-source"
CONTENT_HASH = "newsflow-content-hash"
DUPLICATE = "newsflow-duplicate"
ENTITY_IDS = "newsflow-entity-ids"
ENTITIES_TRUNCATED = "newsflow-entities-truncated"
SUBSCRIPTION = "newsflow-subscription"
NEAR_DUPLICATE = "newsflow-near-duplicate"
STORY_ID = "newsflow-story-id"

# At most this many distinct entity ids are listed in ENTITY_IDS; past it ENTITIES_TRUNCATED is "true".
MAX_ENTITY_IDS = 50

ENRICHED_HEADERS: dict[str, str] = {
    SCHEMA_VERSION: "The record's schema_version, e.g. `1`.",
    LANGUAGE: "The article's language code (`language.code`; `und` when unknown, and on duplicates).",
    SOURCE: "The article's source name.",
    CONTENT_HASH: "sha256 hex of the normalized body (`content_hash`).",
    DUPLICATE: "`true` when `duplicate_of` is set (same body as an earlier article), else `false`.",
    ENTITY_IDS: f"The distinct linked entity ids in order of first mention, joined by `,` (empty when none); "
                f"at most the first {MAX_ENTITY_IDS}.",
    ENTITIES_TRUNCATED: f"`true`, present only when the article has more than {MAX_ENTITY_IDS} distinct entity ids "
                        "(the full list is in the value's `entities` / `entity_summary`).",
    NEAR_DUPLICATE: "`true` when `near_duplicate_of` is set (a near copy of an earlier article), else `false`.",
    STORY_ID: "The article's `story_id` (empty when it has none).",
}
SUBSCRIPTION_HEADERS: dict[str, str] = {
    **ENRICHED_HEADERS,
    SUBSCRIPTION: "The name of the subscription that matched (the record is otherwise the articles.enriched record).",
}
