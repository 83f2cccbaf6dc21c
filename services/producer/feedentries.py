"""Feed documents -> RawArticles. Pure: bytes and headers in, records out (no I/O, no clock).

Entity expansion: feedparser 6.0.14 already strips ENTITY declarations it does not consider safe
(sanitizer.replace_doctype) and disables external entities in its SAX parser, and the expat it uses
(>= 2.4) limits amplification. We do not rely on any of that: `refuse_entities` rejects every document
that has a DOCTYPE and declares an entity, before feedparser sees it, so no declared entity is ever
expanded by any parser (strict or loose). Real feeds do not declare entities; a DOCTYPE alone (RSS 0.91's
Netscape DTD, an XHTML doctype) is left to feedparser, which removes it without fetching anything.
"""

from __future__ import annotations

import calendar
import codecs
import hashlib
import html
import re
import time
import xml.sax
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from schemas.models import RawArticle
from services.producer.fetch import GZIP_MAGIC, gunzip_limited

HTML_TYPES = {"text/html", "application/xhtml+xml"}
_DOCTYPE = re.compile(r"<!DOCTYPE", re.I)
_MARKUP = re.compile(r"<[a-zA-Z!/]")
_ENTITY = re.compile(r"<!ENTITY", re.I)
_XML_DECLARATION = re.compile(r"<\?xml[^>]*?>")
# XML 1.0 appendix F: how the first bytes reveal a 16/32-bit encoding without a declaration.
_WIDE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF32_LE, "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    (b"\x00<\x00", "utf-16-be"), (b"<\x00", "utf-16-le"),
)


class FeedRefused(ValueError):
    """A document we will not parse (entity declarations, or not decompressible within the limit)."""


def text_view(data: bytes) -> str:
    """The document as text good enough to look for markup: wide encodings decoded, else bytes as latin-1."""
    for signature, encoding in _WIDE_SIGNATURES:
        if data.startswith(signature):
            return data.decode(encoding, errors="ignore")
    return data.decode("latin-1")  # every ASCII-compatible encoding keeps markup bytes as ASCII


def refuse_entities(data: bytes) -> None:
    """Raise FeedRefused when the document declares entities in a DOCTYPE (billion laughs, XXE)."""
    view = text_view(data)
    if _DOCTYPE.search(view) and _ENTITY.search(view):
        raise FeedRefused("document type declaration with ENTITY declarations refused (entity expansion)")


def feed_document(body: bytes, limit: int) -> bytes:
    """The feed bytes to parse: a body that is itself a gzip file is decompressed (bounded by `limit`)."""
    if body.startswith(GZIP_MAGIC):
        try:
            return gunzip_limited(body, limit)
        except Exception as exc:  # zlib.error, FetchTooLarge, EOFError
            raise FeedRefused(f"gzip body not decompressible within {limit} bytes: {exc}") from None
    return body


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    language: str | None
    entries: list[Any]  # feedparser entries
    bozo: str | None = None  # feedparser's complaint, if any (the document may still have entries)
    version: str | None = None
    ttl_minutes: int | None = None


def parse_feed(body: bytes, *, headers: Mapping[str, str] | None = None, url: str | None = None,
               limit: int = 5_000_000) -> ParsedFeed:
    """Parse a feed document with feedparser after our own checks (gzip body, entity declarations)."""
    data = feed_document(body, limit)
    refuse_entities(data)
    response_headers = dict(headers or {})
    if url:
        response_headers.setdefault("content-location", url)
    parsed = feedparser.parse(data, response_headers=response_headers, sanitize_html=True,
                              resolve_relative_uris=True)
    feed = parsed.get("feed", {})
    bozo = parsed.get("bozo_exception")
    ttl = feed.get("ttl")
    return ParsedFeed(title=_clean(feed.get("title")), language=_clean(feed.get("language")),
                      entries=list(parsed.get("entries", [])),
                      bozo=describe_bozo(bozo, _added_lines(data)) if parsed.get("bozo") and bozo else None,
                      version=parsed.get("version") or None,
                      ttl_minutes=int(ttl) if isinstance(ttl, str) and ttl.strip().isdigit() else None)


def _added_lines(data: bytes) -> int:
    """Lines feedparser puts before the document it hands to the XML parser: an XML declaration and a
    newline when the document has no declaration of its own (feedparser.encodings.convert_to_utf8)."""
    return 0 if _XML_DECLARATION.match(text_view(data).lstrip("\ufeff")) else 1


def describe_bozo(exc: BaseException, added_lines: int = 0) -> str:
    """feedparser's complaint in words: "XML syntax error at line 3, column 0: mismatched tag", the line
    counted in the document as served. Pure."""
    if isinstance(exc, xml.sax.SAXParseException):
        line = max(1, exc.getLineNumber() - added_lines)
        return f"XML syntax error at line {line}, column {exc.getColumnNumber()}: {exc.getMessage()}"
    if isinstance(exc, feedparser.NonXMLContentType):
        return f"served as {str(exc).split(' is not', 1)[0]}, which is not an XML media type"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _clean(value: Any) -> str | None:
    if isinstance(value, str):
        value = " ".join(value.split())
        return value or None
    return None


def _http_url(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc and len(value) <= 4096:
        return value
    return None


def entry_key(entry: Mapping[str, Any]) -> str | None:
    """The entry's identity for dedup: its id (guid), else its link, else a hash of title and text."""
    for name in ("id", "link"):
        value = _clean(entry.get(name))
        if value:
            return value[:1000]
    basis = "\x00".join(str(entry.get(k) or "") for k in ("title", "summary", "published"))
    if not basis.strip("\x00"):
        return None
    return "sha256:" + hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()


def unseen(entries: Iterable[Any], seen: set[str]) -> list[tuple[str, Any]]:
    """Entries not published before, in document order, each key once (feeds repeat guids). Pure."""
    out: list[tuple[str, Any]] = []
    taken = set(seen)
    for entry in entries:
        key = entry_key(entry)
        if key is None or key in taken:
            continue
        taken.add(key)
        out.append((key, entry))
    return out


def _when(entry: Mapping[str, Any], name: str) -> str | None:
    parsed = dict.get(entry, f"{name}_parsed") if isinstance(entry, dict) else entry.get(f"{name}_parsed")  # type: ignore[arg-type]
    if isinstance(parsed, time.struct_time):
        try:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()
        except (OverflowError, ValueError, OSError):
            return None
    return None


def _payload(entry: Mapping[str, Any]) -> tuple[str, bool]:
    """The entry's fullest text and whether it is HTML: content:encoded/atom content, else summary."""
    candidates: list[tuple[str, str]] = []
    for item in entry.get("content") or []:
        if isinstance(item, Mapping) and isinstance(item.get("value"), str):
            candidates.append((item["value"], str(item.get("type") or "text/plain")))
    detail = entry.get("summary_detail") or {}
    if isinstance(entry.get("summary"), str):
        candidates.append((entry["summary"], str(detail.get("type") or "text/plain")))
    candidates = [(v, t) for v, t in candidates if v.strip()]
    if not candidates:
        return "", False
    value, kind = max(candidates, key=lambda c: len(c[0]))
    value = value.strip()
    is_html = kind.split(";")[0].strip().lower() in HTML_TYPES
    if is_html and not _MARKUP.search(value):
        return html.unescape(value), False  # RSS calls every description HTML; without a tag it is text
    return value, is_html


def _html_document(title: str | None, fragment: str, published: str | None, url: str | None) -> str:
    """A feed's HTML fragment as a small page whose head states the title and date the extractor reads."""
    escape = html.escape
    head = ['<meta charset="utf-8">']
    if title:
        head.append(f"<title>{escape(title)}</title>")
    if published:
        head.append(f'<meta property="article:published_time" content="{escape(published)}">')
    if url:
        head.append(f'<link rel="canonical" href="{escape(url)}">')
    return f"<!DOCTYPE html><html><head>{''.join(head)}</head><body><article>{fragment}</article></body></html>"


@dataclass(frozen=True)
class FeedInfo:
    """What the poller knows about the feed an entry came from."""

    url: str
    title: str | None = None  # the document's title
    name: str | None = None  # configured name, wins over the title as source
    language: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return (self.name or self.title or urlsplit(self.url).hostname or self.url)[:500]


def entry_metadata(entry: Mapping[str, Any], feed: FeedInfo, key: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"producer": "feeds", "feed_url": feed.url, "entry_id": key}
    if feed.title:
        meta["feed_title"] = feed.title
    if feed.language:
        meta["language"] = feed.language
    for name in ("published", "updated"):
        iso = _when(entry, name)
        if iso:
            meta[f"{name}_at"] = iso
        elif _clean(dict.get(entry, name) if isinstance(entry, dict) else entry.get(name)):  # type: ignore[arg-type]
            meta[name] = _clean(dict.get(entry, name) if isinstance(entry, dict) else entry.get(name))  # type: ignore[arg-type]
    author = _clean(entry.get("author"))
    if author:
        meta["author"] = author
    tags = [t.get("term") for t in entry.get("tags") or [] if isinstance(t, Mapping) and _clean(t.get("term"))]
    if tags:
        meta["tags"] = [str(t)[:200] for t in tags[:50]]
    meta.update(feed.extra)
    return meta


def entry_to_article(entry: Mapping[str, Any], feed: FeedInfo, *, fetched_at: datetime,
                     key: str | None = None) -> RawArticle | None:
    """One feed entry as a RawArticle; None when it carries neither text nor title."""
    key = key or entry_key(entry) or ""
    title = _clean(entry.get("title"))
    url = _http_url(entry.get("link"))
    text, is_html = _payload(entry)
    meta = entry_metadata(entry, feed, key)
    if not text:
        if not title:
            return None
        text, is_html = title, False  # a headline-only entry: the headline is the text
    if is_html:
        body = _html_document(title, text, meta.get("published_at"), url)
        content_type = "text/html"
    else:
        body = text  # the date stays in metadata["published_at"]
        content_type = "text/plain"
    return RawArticle(source=feed.source, url=url, content_type=content_type, body=body, fetched_at=fetched_at,
                      title=title[:2000] if title else None, metadata=meta)


def page_article(page_html: str, entry: Mapping[str, Any], feed: FeedInfo, *, url: str, fetched_at: datetime,
                 key: str) -> RawArticle:
    """The entry's fetched page, for extraction downstream (content_type text/html)."""
    title = _clean(entry.get("title"))
    return RawArticle(source=feed.source, url=url[:4096], content_type="text/html", body=page_html, fetched_at=fetched_at,
                      title=title[:2000] if title else None, metadata={**entry_metadata(entry, feed, key), "page": True})
