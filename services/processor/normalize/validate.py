"""What a raw article must be before it is worth normalizing. Pure.

One function for both sides of the topic: the processor's normalize step starts with it, and the HTTP
ingest (`newsflow serve`) runs the same normalize step before it answers 202, so the server never
accepts a record the processor would dead-letter, and can answer with the id the article is stored
under. The limit is NEWSFLOW_MAX_BODY_BYTES for both.
"""

from __future__ import annotations

from schemas.models import RawArticle
from services.processor.errors import StepError
from services.processor.normalize.text_clean import check_payload


def validate_raw(raw: RawArticle, *, max_body_bytes: int) -> None:
    """Raise StepError for a source that is blank, a body over `max_body_bytes` (UTF-8), a body that is
    binary (NUL, mostly control characters) or empty/whitespace only. JSON bodies are parsed (and refused
    when they are not JSON or not an article) by the normalize step itself."""
    if not raw.source.strip():
        raise StepError("validate", "source is empty (give the feed, site or producer name)")
    check_payload(raw.body, max_body_bytes)
    if not raw.body.strip():
        raise StepError("normalize", "body is empty")
