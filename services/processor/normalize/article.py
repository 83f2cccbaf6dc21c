"""Normalize step: RawArticle -> NormalizedArticle. Pure: no I/O, no clock (`now` is passed in).

Per content type the payload becomes lines (text: one paragraph per line; HTML: trafilatura's main text
with heading markup, see html_extract; JSON: common field spellings, see json_article), then one
shared structure pass (text_structure): datelines, repeated title, boilerplate and attribution out,
heading/paragraph blocks.

Decisions (documented here because the agents and the sink rely on them):
- title: RawArticle.title wins; else the JSON/HTML title; else the first line of a text with more than one line.
- source: the publication named by the content (a dateline's "/ Welt Nachrichten", a JSON source/site
  field, an HTML og:site_name) wins over RawArticle.source, which is the producer's name (e.g. a folder
  of files); RawArticle.source stays in metadata["producer_source"], the publication in metadata["site_name"].
- published_at zones: see dates.py. Zone hint order: the dateline label's language (German label ->
  Europe/Berlin, Dutch -> Europe/Amsterdam, French -> Europe/Paris), metadata "timezone", metadata/JSON
  "language", the URL's country domain; else UTC with a warning. Date-only values are 00:00 UTC of
  that calendar day with metadata["published_at_precision"] = "day".
- url: the canonical http(s) URL (identity.canonical_url); any other URL is dropped with a warning.
- id: see identity.py ("u-" from the canonical URL, else "t-" from source and title, else "c-").
- size: the limit is on what is kept. The article's text (blocks joined) is at most `max_body_bytes`
  (NEWSFLOW_MAX_BODY_BYTES) in UTF-8, checked after extraction; plain text, which is kept as it comes, is
  checked before the work too. Markup (an HTML page, a JSON record) is only read: it is limited to
  `max_markup_chars` characters (NEWSFLOW_MAX_MARKUP_CHARS, default the fetch limit), so a 3 MB page whose
  article is 20 KB is stored. A refusal names the limit and by how much it is exceeded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from schemas.models import NormalizedArticle, RawArticle
from services.config import FETCH_MAX_BYTES
from services.processor.normalize import html_extract, identity, json_article
from services.processor.normalize.dates import ParsedDate, impossible_dates, parse_date, plausible, zone_for
from services.processor.errors import StepError
from services.processor.normalize.text_clean import (
    check_content,
    check_markup_size,
    check_payload,
    check_text_size,
    clean_inline,
)
from services.processor.normalize.text_structure import Line, split_lines, structure
from services.processor.normalize.validate import validate_raw



def _zone_hint(raw: RawArticle, lang: str | None, url: str | None) -> str | None:
    tz = raw.metadata.get("timezone")
    if isinstance(tz, str):
        try:
            ZoneInfo(tz)
            return tz
        except (ZoneInfoNotFoundError, ValueError):
            pass
    meta_lang = raw.metadata.get("language") or raw.metadata.get("lang")
    return zone_for(lang=lang or (meta_lang if isinstance(meta_lang, str) else None), url=url)


def _repaired_guess(candidates: list[tuple[str, str]], page: str) -> tuple[tuple[str, str], str] | None:
    """trafilatura's date when it may be a repair of an impossible date the page states, with that date.

    htmldate swaps day and month of "2025-13-01" and clamps "2025-02-30" to the 1st; a page stating an
    impossible date of the same year has no publication date we may trust."""
    for where, value in candidates:
        if where != "trafilatura":
            continue
        bad = impossible_dates(page, year=value[:4])
        if bad:
            return (where, value), bad[0]
    return None


def _fixed_lines(lines: list[Line]) -> list[Line]:
    """Lines from markup get the same character repair as plain text."""
    out = []
    for ln in lines:
        text = clean_inline(ln.text)
        if text:
            out.append(Line(text, ln.kind))
    return out


def normalize(raw: RawArticle, *, now: datetime, max_body_bytes: int = 1_000_000,
              max_markup_chars: int = FETCH_MAX_BYTES) -> NormalizedArticle:
    validate_raw(raw, max_body_bytes=max_body_bytes, max_markup_chars=max_markup_chars)
    warnings: list[str] = []
    metadata: dict[str, Any] = dict(raw.metadata)
    url, title, author, site, lang = raw.url, raw.title, None, None, None
    date_strings: list[tuple[str, str]] = []

    if raw.content_type == "application/json":
        rec = json_article.parse_json_article(raw.body)
        url = url or rec.url
        title = title or rec.title
        author, site, lang = rec.author, rec.source, rec.lang
        if rec.date:
            date_strings.append(("json", rec.date))
        if rec.body_is_html:
            lines = _fixed_lines(html_extract.fragment_lines(rec.body))
        else:
            check_payload(rec.body, max_body_bytes)  # kept as it comes: refuse it before the work
            lines = split_lines(rec.body)
    elif raw.content_type == "text/html":
        page = html_extract.extract_html(raw.body, url=raw.url)
        lines = _fixed_lines(page.lines)
        title = title or page.title
        author, site = page.author, page.site_name
        url = page.url or url
        date_strings.extend(page.dates)
        refused = _repaired_guess(page.dates, raw.body)
        if refused:
            date_strings.remove(refused[0])
            warnings.append(f"published_at: {refused[0][0]}'s date {refused[0][1]!r} not used: the page states "
                            f"the impossible date {refused[1]!r}")
    else:
        lines = split_lines(raw.body)

    given = raw.metadata.get("published_at")
    if isinstance(given, str) and given:
        date_strings.append(("metadata", given))  # e.g. a feed entry's date, when the content has none
    title = clean_inline(title)
    zone = _zone_hint(raw, lang, url)
    st = structure(lines, title=title, zone=zone)
    if not st.blocks:
        raise StepError("normalize", "empty article after cleaning")

    published: ParsedDate | None = st.published
    if published is None:
        for where, value in date_strings:
            parsed = parse_date(value, zone=zone)
            if parsed.value is not None:
                published = parsed
                metadata["published_at_from"] = where
                break
            if parsed.warning:
                warnings.append(f"published_at: {parsed.warning}")
    else:
        metadata["published_at_from"] = "dateline"
    if published is not None:
        published = plausible(published, raw.fetched_at)
        if published.warning:
            warnings.append(f"published_at: {published.warning}")
    if published is not None and published.value is not None:
        metadata["published_at_local"] = published.local
        metadata["published_at_precision"] = published.precision
    if st.updated is not None and st.updated.value is not None:
        metadata["updated_at"] = st.updated.value.isoformat()
    if st.dateline_place:
        metadata["dateline_place"] = st.dateline_place

    site = clean_inline(st.dateline_source or site)
    source = site or raw.source
    if site:
        metadata["site_name"] = site
    metadata["producer_source"] = raw.source

    body = "\n\n".join(b.text for b in st.blocks)
    check_text_size(body, max_body_bytes, "text" if raw.content_type == "text/plain" else "extracted text")
    chash = identity.content_hash(body)
    canon = identity.canonical_url(url)
    if url and canon is None:  # javascript:, file:, data:, a host-less URL: not a place to read the article
        warnings.append(f"url {url[:200]!r} dropped: only http(s) URLs with a host are kept")
    return NormalizedArticle(
        id=identity.article_id(url=canon, source=source, title=st.title, content_hash=chash),
        source=source,
        url=canon,
        title=st.title,
        author=clean_inline(author),
        attribution=st.attribution,
        published_at=published.value if published else None,
        blocks=st.blocks,
        body=body,
        content_hash=chash,
        fetched_at=raw.fetched_at,
        normalized_at=now,
        warnings=warnings + st.warnings,
        metadata=metadata,
    )
