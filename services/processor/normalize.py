"""Normalize step: RawArticle -> NormalizedArticle (STUB: replaced by the normalization work)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from schemas.models import Block, NormalizedArticle, RawArticle
from services.processor.errors import StepError


def normalize(raw: RawArticle, *, now: datetime, max_body_bytes: int = 1_000_000) -> NormalizedArticle:
    if len(raw.body.encode("utf-8", "surrogatepass")) > max_body_bytes:
        raise StepError("normalize", f"body exceeds {max_body_bytes} bytes")
    lines = [line.strip() for line in raw.body.splitlines() if line.strip()]
    title = raw.title or (lines[0] if lines else None)
    if lines and lines[0] == title:
        lines = lines[1:]
    while lines and lines[0] == title:
        lines = lines[1:]
    blocks = [Block(kind="paragraph", text=line) for line in lines]
    body = "\n\n".join(b.text for b in blocks)
    ident = raw.url or f"{raw.source}\x00{title}"
    return NormalizedArticle(
        id=hashlib.sha256(ident.encode()).hexdigest()[:32],
        source=raw.source,
        url=raw.url,
        title=title,
        blocks=blocks,
        body=body,
        content_hash=hashlib.sha256(body.encode()).hexdigest(),
        fetched_at=raw.fetched_at,
        normalized_at=now,
        metadata=raw.metadata,
    )
