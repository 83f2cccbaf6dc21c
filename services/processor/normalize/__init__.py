"""Stage 1: raw bytes (text, HTML, JSON) -> NormalizedArticle: clean blocks, title, dates, stable id, content hash."""

from services.processor.normalize.article import normalize

__all__ = ["normalize"]
