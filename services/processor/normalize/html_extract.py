"""HTML page -> main text as lines with heading/paragraph kinds, plus title, author, date, canonical URL, site.

trafilatura finds the main text and its own metadata; the page's explicit statements (h1 matching the
<title>, article:published_time, <time datetime>, JSON-LD author) win where they exist, because
measured on bench/bench_html.py they are right more often than trafilatura's guesses.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from services.processor.normalize.html_meta import PageMeta, parse_html, read_meta
from services.processor.normalize.text_clean import clean_line
from services.processor.normalize.text_structure import Line

_SEPARATORS = re.compile(r"\s+[|–—·:-]\s+|\s*[|｜]\s*|(?<=[！？。])\s*-\s*")
_AUTHOR_PREFIX = re.compile(
    r"^(?:by|von|par|por|door|di|de|autor(?:in)?|auteur|author|redacción|text|texto|view all posts by|"
    r"posted by|written by|责任编辑|編集|作者)\s*[:：]?\s+|^(?:责任编辑|作者)\s*[:：]\s*",
    re.I,
)
_BLOCK_TAGS = {"p", "head", "item", "quote", "code", "cell"}


@dataclass
class HtmlArticle:
    lines: list[Line]
    title: str | None
    author: str | None
    dates: list[tuple[str, str]]  # (where, value), best first
    url: str | None
    site_name: str | None


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", unicodedata.normalize("NFKC", text).casefold()).split())


def _lines_from_body(body: Any) -> list[Line]:
    """trafilatura's XML body tree -> lines; <head> is a heading, everything else a paragraph."""
    lines: list[Line] = []

    def emit(el: Any, kind: str) -> None:
        # <lb/> is a hard line break: each part is its own paragraph.
        parts, buf = [], [el.text or ""]
        for child in el:
            if child.tag == "lb":
                parts.append("".join(buf))
                buf = [child.tail or ""]
            elif not isinstance(child.tag, str):  # comment or processing instruction: only its tail is text
                buf.append(child.tail or "")
            else:
                buf.append("".join(child.itertext()))
                buf.append(child.tail or "")
        parts.append("".join(buf))
        for part in parts:
            text = clean_line(part)
            if text:
                lines.append(Line(text, "heading" if kind == "head" else "paragraph"))

    def walk(el: Any) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "row":
                cells = [clean_line("".join(c.itertext())) for c in child]
                row = " | ".join(c for c in cells if c)
                if row:
                    lines.append(Line(row, "paragraph"))
            elif child.tag in _BLOCK_TAGS and not any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS | {"list"} for c in child):
                emit(child, child.tag)
            else:
                walk(child)

    walk(body)
    return lines


def _strip_site(title: str, site_names: list[str]) -> str:
    """'Title - Site' / 'Site | Title' -> 'Title' when a part is the site's name or clearly a short label."""
    parts = [p.strip() for p in _SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    sites = {_fold(s) for s in site_names if s}
    kept = [p for p in parts if _fold(p) not in sites and not any(s and s in _fold(p).replace(" ", "") for s in
            {x.replace(" ", "") for x in sites} if len(_fold(p)) < 40 and len(s) > 3)]
    if kept and len(kept) < len(parts):
        return _join_kept(title, kept)
    longest = max(parts, key=len)
    if len(longest) >= 2 * sum(len(p) for p in parts if p is not longest):
        return longest
    return title


def _join_kept(title: str, kept: list[str]) -> str:
    if len(kept) == 1:
        return kept[0]
    start, end = title.find(kept[0]), title.rfind(kept[-1])
    return title[start : end + len(kept[-1])] if 0 <= start <= end else kept[0]


def choose_title(meta: PageMeta, traf_title: str | None, site_names: list[str]) -> str | None:
    metas = [t for t in (traf_title, meta.titles.get("og"), meta.titles.get("jsonld"), meta.titles.get("twitter"),
                         meta.titles.get("html_title")) if t]
    folded = [_fold(t) for t in metas]
    # An <h1> that the page's own <title>/og:title contains is the headline without the site suffix.
    for h in meta.h1[:3]:
        fh = _fold(h)
        if len(fh) >= 4 and any(fh in f for f in folded):
            return h
    for t in metas[:1]:
        return _strip_site(t, site_names)
    return meta.h1[0] if len(meta.h1) == 1 else None


def _clean_author(name: str, site_names: list[str]) -> str | None:
    name = clean_line(_AUTHOR_PREFIX.sub("", clean_line(html.unescape(name))))  # double-escaped meta content
    name = name.strip(" ,;|'\"")
    if not name or len(name) > 80 or name.lower() in ("no author", "admin", "unknown", "redaktion", "anonymous"):
        return None
    sites = {_fold(s) for s in site_names if s}
    if _fold(name) in sites:
        return None
    return name


def choose_author(meta: PageMeta, traf_author: str | None, site_names: list[str]) -> str | None:
    for key in ("jsonld", "meta", "itemprop"):
        names = [n for n in (_clean_author(x, site_names) for x in meta.authors.get(key, [])) if n]
        if names:
            return "; ".join(dict.fromkeys(names))
    if traf_author:
        names = [n for n in (_clean_author(x, site_names) for x in traf_author.split(";")) if n]
        return "; ".join(names) or None
    return None


def date_candidates(meta: PageMeta, traf_date: str | None) -> list[tuple[str, str]]:
    """Explicit article:published_time / <time> before trafilatura's guess (measured, see module doc)."""
    order = (("meta", meta.dates.get("meta")), ("time", meta.dates.get("time")), ("trafilatura", traf_date),
             ("jsonld", meta.dates.get("jsonld")), ("itemprop", meta.dates.get("itemprop")))
    return [(k, v) for k, v in order if v]


def extract_html(page: str, *, url: str | None) -> HtmlArticle:
    tree = parse_html(page)
    meta = read_meta(tree) if tree is not None else PageMeta()
    doc = None
    if tree is not None:
        try:
            doc = trafilatura.bare_extraction(tree, url=url, with_metadata=True, include_comments=False,
                                              include_tables=True)
        except (ValueError, TypeError, etree.LxmlError):  # trafilatura on pathological markup
            doc = None
    site_names = [s for s in (meta.site_name, meta.publisher, doc.sitename if doc else None) if s]
    lines = _lines_from_body(doc.body) if doc is not None and doc.body is not None else []
    if not lines and tree is not None:
        # trafilatura drops short pages (a feed entry's HTML summary): read the body's text instead.
        lines = _fallback_lines(tree)
    title = choose_title(meta, doc.title if doc else None, site_names)
    author = choose_author(meta, doc.author if doc else None, site_names)
    canonical = urljoin(url or "", meta.canonical) if meta.canonical else None
    return HtmlArticle(
        lines=lines,
        title=title,
        author=author,
        dates=date_candidates(meta, doc.date if doc else None),
        url=canonical or (doc.url if doc else None) or url,
        site_name=meta.site_name or (doc.sitename if doc else None),
    )


_FRAGMENT_BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "section",
                    "article", "td", "dd", "dt", "figcaption", "header", "footer"}


def _fallback_lines(tree: Any) -> list[Line]:
    body = tree.find(".//body")
    root = body if body is not None else tree
    for el in list(root.iter("nav", "aside", "form", "header", "footer")):
        el.drop_tree()
    return fragment_lines(etree.tostring(root, encoding="unicode", method="html"))


def fragment_lines(fragment: str) -> list[Line]:
    """An HTML snippet (e.g. a JSON record's body) -> lines, scripts and styles dropped; <h1-6> are headings."""
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return []
    etree.strip_elements(root, "script", "style", "noscript", "template", etree.Comment, with_tail=False)
    lines: list[Line] = []
    buf: list[str] = []

    def flush(kind: str = "paragraph") -> None:
        text = clean_line("".join(buf))
        buf.clear()
        if text:
            lines.append(Line(text, kind))  # type: ignore[arg-type]

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        block = tag in _FRAGMENT_BLOCKS
        if block or tag == "br":
            flush()
        buf.append(el.text or "")
        for child in el:
            walk(child)
        if block:
            flush("heading" if re.fullmatch(r"h[1-6]", tag) else "paragraph")
        buf.append(el.tail or "")

    walk(root)
    flush()
    return lines
