"""Stage 2: language of an article's body and title (langdetect profiles + word lists, script rules)."""

from services.processor.language.detect import detect_article, detect_text, warm_up

__all__ = ["detect_article", "detect_text", "warm_up"]
