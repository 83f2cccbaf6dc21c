"""Language step (STUB: replaced by the language-detection work)."""

from __future__ import annotations

from collections.abc import Sequence

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from schemas.models import Language
from services.config import DEFAULT_LANGUAGES

DetectorFactory.seed = 0


def detect_article(body: str, title: str | None = None, languages: Sequence[str] = DEFAULT_LANGUAGES) -> Language:
    text = body or title or ""
    try:
        best = detect_langs(text[:2000])[0]
    except LangDetectException:
        return Language(code="und", confidence=0.0, decided_by="none")
    return Language(code=best.lang, confidence=round(best.prob, 4), decided_by="body")


def detect_text(text: str, languages: Sequence[str] = DEFAULT_LANGUAGES) -> Language:
    return detect_article(text, None, languages)
