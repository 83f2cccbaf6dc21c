"""newsflow's topic contract: pydantic models, orjson codec and committed JSON Schemas."""

from schemas.codec import decode, encode
from schemas.models import (
    PUBLIC_RECORDS,
    SCHEMA_VERSION,
    Block,
    DeadLetter,
    EnrichedArticle,
    EntitySummary,
    Language,
    Mention,
    NormalizedArticle,
    RawArticle,
    Story,
    StoryEntity,
)

__all__ = [
    "PUBLIC_RECORDS",
    "SCHEMA_VERSION",
    "Block",
    "DeadLetter",
    "EnrichedArticle",
    "EntitySummary",
    "Language",
    "Mention",
    "NormalizedArticle",
    "RawArticle",
    "Story",
    "StoryEntity",
    "decode",
    "encode",
]
