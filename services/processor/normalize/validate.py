"""What a raw article must be before it is worth normalizing. Pure.

One function for both sides of the topic: the processor's normalize step starts with it, and the HTTP
ingest (`newsflow serve`) runs the same normalize step before it answers 202, so the server never
accepts a record the processor would dead-letter, and can answer with the id the article is stored
under. The limits (NEWSFLOW_MAX_BODY_BYTES, NEWSFLOW_MAX_MARKUP_CHARS) are the same for both.
"""

from __future__ import annotations

from schemas.models import RawArticle
from services.config import FETCH_MAX_BYTES
from services.processor.errors import StepError
from services.processor.normalize.text_clean import check_content, check_markup_size, check_payload


def validate_raw(raw: RawArticle, *, max_body_bytes: int, max_markup_chars: int = FETCH_MAX_BYTES) -> None:
    """Raise StepError for a source that is blank, a plain-text body over `max_body_bytes` (UTF-8; the
    text is what is kept), markup (HTML, JSON) over `max_markup_chars` (it is only read: the limit on what
    is kept applies after extraction), a body that is binary (NUL, mostly control characters) or
    empty/whitespace only. JSON bodies are parsed (and refused when they are not JSON or not an article)
    by the normalize step itself."""
    if not raw.source.strip():
        raise StepError("validate", "source is empty (give the feed, site or producer name)")
    if raw.content_type == "text/plain":
        check_payload(raw.body, max_body_bytes)
    else:
        kind = "page markup" if raw.content_type == "text/html" else "JSON record"
        check_markup_size(raw.body, max_markup_chars, kind)
        check_content(raw.body, markup=True)
    if not raw.body.strip():
        raise StepError("normalize", "body is empty")
