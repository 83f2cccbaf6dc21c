"""Records on newsflow's topics: the public contract.

`articles.raw` carries RawArticle, `articles.enriched` EnrichedArticle, `articles.deadletter`
DeadLetter, `stories` Story. `articles.normalized` (NormalizedArticle) is internal to the processor.
The JSON Schema of each public record is committed under schemas/json/ (see schemas/export.py);
a test fails when a model changes and the committed schema was not regenerated. A change that
removes or retypes a field is a new major SCHEMA_VERSION and new schema files, never an edit.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue

SCHEMA_VERSION = 1

ContentType = Literal["text/plain", "text/html", "application/json"]
EntityType = Literal["PER", "ORG", "LOC", "MISC"]
BlockKind = Literal["heading", "paragraph"]
Stage = Literal["parse", "validate", "normalize", "detect", "tag", "route", "produce", "crash", "sink"]


class _Record(BaseModel):
    # Unknown fields are kept out of the contract: a producer cannot smuggle data through.
    model_config = ConfigDict(extra="forbid", frozen=True)


class RawArticle(_Record):
    """An article as a producer found it, before any processing."""

    schema_version: Literal[1] = SCHEMA_VERSION
    source: str = Field(min_length=1, max_length=500, description="Feed, site or producer name.")
    url: str | None = Field(default=None, max_length=4096)
    content_type: ContentType = "text/plain"
    body: str = Field(description="The payload as text: a text dump, an HTML page or a JSON document.")
    fetched_at: AwareDatetime
    title: str | None = Field(default=None, max_length=2000)
    metadata: dict[str, JsonValue] = Field(default_factory=dict)


class Block(_Record):
    """One unit of article structure; body == "\\n\\n".join(block.text for block in blocks)."""

    kind: BlockKind
    text: str


class NormalizedArticle(_Record):
    """Output of the normalize step (internal topic articles.normalized)."""

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str = Field(description="Stable article id: from the canonical URL, else source and title.")
    source: str
    url: str | None = None
    title: str | None = None
    author: str | None = None
    attribution: str | None = Field(default=None, description='Agency credited, e.g. "CNN".')
    published_at: AwareDatetime | None = None
    blocks: list[Block] = Field(default_factory=list)
    body: str
    content_hash: str = Field(description="sha256 hex of the normalized body.")
    fetched_at: AwareDatetime
    normalized_at: AwareDatetime
    warnings: list[str] = Field(default_factory=list)
    metadata: dict[str, JsonValue] = Field(default_factory=dict)


class Language(_Record):
    code: str = Field(description='ISO 639-1 code, or "und" when the text gives no reliable signal.')
    confidence: float = Field(ge=0.0, le=1.0)
    decided_by: Literal["body", "title", "script", "none"]


class Mention(_Record):
    """One entity mention; body[start:end] == text."""

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    type: EntityType
    entity_id: str | None = Field(default=None, description="Canonical id (Wikidata QID) when linked.")
    canonical_name: str | None = None


class EntitySummary(_Record):
    """A distinct entity in the article; unlinked entities are keyed by text and type."""

    entity_id: str | None = None
    name: str
    type: EntityType
    mentions: int = Field(ge=1)


class EnrichedArticle(_Record):
    """The processor's output on articles.enriched."""

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str
    source: str
    url: str | None = None
    title: str | None = None
    author: str | None = None
    attribution: str | None = None
    published_at: AwareDatetime | None = None
    blocks: list[Block] = Field(default_factory=list)
    body: str
    language: Language
    title_language: Language | None = None
    entities: list[Mention] = Field(default_factory=list)
    entity_summary: list[EntitySummary] = Field(default_factory=list)
    entity_model: str | None = Field(
        default=None,
        description='NER model that found the mentions (e.g. "crf-nl"); null when the language has none: then only '
        "names from the knowledge base are marked, never another language's guesses.",
    )
    content_hash: str
    duplicate_of: str | None = Field(
        default=None, description="Id of the first article seen with the same content_hash; such a record is not enriched again."
    )
    near_duplicate_of: str | None = Field(
        default=None, description="Id of an earlier article in the same language whose text this one nearly copies "
        "(estimated Jaccard similarity of word 3-shingles >= the configured threshold), within the story window.",
    )
    similarity: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Estimated Jaccard similarity to near_duplicate_of (MinHash).")
    story_id: str | None = Field(
        default=None, description="Id of the story (one event, across sources and languages) on the stories topic.")
    fetched_at: AwareDatetime
    normalized_at: AwareDatetime
    enriched_at: AwareDatetime
    warnings: list[str] = Field(default_factory=list)
    metadata: dict[str, JsonValue] = Field(default_factory=dict)


class StoryEntity(_Record):
    entity_id: str = Field(description="Wikidata QID.")
    name: str
    articles: int = Field(ge=1, description="Articles of the story that mention the entity.")


class Story(_Record):
    """One event across sources and languages: the latest state on the compacted `stories` topic (key = id)."""

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    articles: int = Field(ge=1, description="Articles assigned to the story so far (exact copies not counted).")
    languages: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list, description="Sources seen, at most 50.")
    top_entities: list[StoryEntity] = Field(default_factory=list)
    titles: dict[str, str] = Field(default_factory=dict, description="Representative title per language: the first seen.")


class DeadLetter(_Record):
    """A record some stage could not handle, with the reason; replayable to its topic."""

    schema_version: Literal[1] = SCHEMA_VERSION
    stage: Stage
    error_type: str
    error: str
    payload: str = Field(description="The original message value (utf-8 text, or base64 when not valid utf-8).")
    payload_encoding: Literal["utf-8", "base64"] = "utf-8"
    key: str | None = None
    topic: str | None = Field(default=None, description="Topic the payload came from, where a replay sends it.")
    partition: int | None = None
    offset: int | None = None
    failed_at: AwareDatetime


PUBLIC_RECORDS: dict[str, type[BaseModel]] = {
    "raw_article": RawArticle,
    "enriched_article": EnrichedArticle,
    "dead_letter": DeadLetter,
    "story": Story,
}

__all__ = [
    "SCHEMA_VERSION",
    "Block",
    "ContentType",
    "DeadLetter",
    "EnrichedArticle",
    "EntitySummary",
    "EntityType",
    "Language",
    "Mention",
    "NormalizedArticle",
    "PUBLIC_RECORDS",
    "RawArticle",
    "Stage",
    "Story",
    "StoryEntity",
]
