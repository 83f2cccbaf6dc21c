"""Stage 3: entity mentions (PER/ORG/LOC/MISC) with one canonical id per entity across languages."""

from services.processor.entities.tag import entity_model, summarize, tag_entities, warm_up

__all__ = ["entity_model", "summarize", "tag_entities", "warm_up"]
