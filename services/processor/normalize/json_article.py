"""A JSON record from another service -> the fields of an article (common key spellings accepted)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from services.processor.errors import StepError

_TITLE = ("title", "headline", "name")
_BODY = ("body", "text", "content", "articleBody", "article_body", "body_text", "fulltext", "full_text", "html")
_URL = ("url", "link", "canonical_url", "canonicalUrl", "permalink", "href")
_AUTHOR = ("author", "byline", "authors", "creator", "by")
_DATE = ("published", "published_at", "publishedAt", "datePublished", "date_published", "pubDate", "date",
         "published_time", "created_at", "createdAt", "time", "timestamp")
_SOURCE = ("source", "site", "site_name", "siteName", "publisher", "outlet")
_LANG = ("lang", "language", "inLanguage")
_WRAPPERS = ("article", "data", "item", "record", "payload", "result", "document")
_HTML_HINT = re.compile(r"<(?:p|div|br|h[1-6]|article|section|span|a|ul|ol|li|html|body|script|style|strong|em|b|i)\b[^>]*>", re.I)


@dataclass
class JsonArticle:
    title: str | None
    body: str
    body_is_html: bool
    url: str | None
    author: str | None
    date: str | None
    source: str | None
    lang: str | None


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _as_name(value: Any) -> str | None:
    """'A', {'name': 'A'}, ['A', {'name': 'B'}] -> 'A' / 'A; B'."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _as_name(value.get("name") or value.get("title"))
    if isinstance(value, list):
        names = [n for n in (_as_name(v) for v in value[:20]) if n]
        return "; ".join(names) or None
    return None


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n\n".join(value)
    if isinstance(value, dict):
        return _as_text(_first(value, ("html", "text", "value", "content", "body")))
    return None


def _as_date(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"@{value}"  # epoch seconds, parsed by the caller
    return None


def parse_json_article(payload: str) -> JsonArticle:
    try:
        record = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:  # also raised beyond 1024 levels of nesting
        raise StepError("normalize", f"invalid JSON: {exc}") from None
    for _ in range(2):
        if isinstance(record, dict) and _first(record, _BODY) is None:
            inner = _first(record, _WRAPPERS)
            if isinstance(inner, dict):
                record = inner
    if isinstance(record, list) and len(record) == 1 and isinstance(record[0], dict):
        record = record[0]
    if not isinstance(record, dict):
        raise StepError("normalize", f"JSON is not an article: top level is {type(record).__name__}, not an object")
    body = _as_text(_first(record, _BODY))
    if body is None or not body.strip():
        raise StepError("normalize", "JSON is not an article: no text in body/text/content/articleBody")
    url = _first(record, _URL)
    lang = _first(record, _LANG)
    return JsonArticle(
        title=_as_text(_first(record, _TITLE)),
        body=body,
        body_is_html=bool(_HTML_HINT.search(body[:20_000])),
        url=url if isinstance(url, str) else None,
        author=_as_name(_first(record, _AUTHOR)),
        date=_as_date(_first(record, _DATE)),
        source=_as_name(_first(record, _SOURCE)),
        lang=lang if isinstance(lang, str) else None,
    )
