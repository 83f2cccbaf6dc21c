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
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from services.processor.normalize.html_meta import PageMeta, parse_html, read_meta
from services.processor.normalize.text_clean import clean_line
from services.processor.normalize.text_structure import Line

_SEP = r"(?:\s+[|–—·:-]\s+|\s*[|｜]\s*|(?<=[！？。])\s*-\s*)"
_SEPARATORS = re.compile(_SEP)
_LABEL_SEPARATORS = re.compile(r"\s+[|–—·-]\s+|\s*[|｜]\s*|(?<=[！？。])\s*-\s*")
_AUTHOR_PREFIX = re.compile(
    r"^(?:by|von|par|por|door|di|de|autor(?:in)?|auteur|author|redacción|text|texto|view all posts by|"
    r"posted by|written by|责任编辑|編集|作者)\s*[:：]?\s+|^(?:责任编辑|作者)\s*[:：]\s*",
    re.I,
)
# trafilatura's output vocabulary: elements that stand on their own line, and those that hold running text.
_BLOCK_TAGS = {"p", "head", "item", "quote", "code", "cell", "list", "table", "row", "div", "section", "article"}
_TEXT_TAGS = {"p", "head", "item", "quote", "cell", "hi", "ref", "del", "span"}


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


def _is_block(el: Any) -> bool:
    """A line of its own: trafilatura's block elements, and <code> unless it sits in running text."""
    if el.tag != "code":
        return el.tag in _BLOCK_TAGS
    parent = el.getparent()
    if parent is not None and parent.tag in _TEXT_TAGS:
        return False
    prev = el.getprevious()
    before = (prev.tail if prev is not None else parent.text if parent is not None else None) or ""
    return not (before.strip() or (el.tail or "").strip())


def _flat_text(el: Any) -> str:
    """An element's text with every descendant and tail, a line break read as a space (table cells)."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            parts.append(" " if child.tag == "lb" else _flat_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _lines_from_body(body: Any) -> list[Line]:
    """trafilatura's XML body tree -> lines; <head> is a heading, everything else a paragraph.

    Every text node and every tail is read exactly once: a block element (p, head, item, quote, list,
    table, block <code>) ends the line before it and starts its own; inline elements (hi, ref, inline
    <code>, del) join the line they are in; <lb/> breaks the line; a table row is one line, cells joined
    by " | ". Text beside a block (a <head>'s tail, an <item>'s text after its nested <p>) is its own line.
    """
    lines: list[Line] = []
    buf: list[str] = []

    def flush(kind: str) -> None:
        text = clean_line("".join(buf))
        buf.clear()
        if text:
            lines.append(Line(text, "heading" if kind == "head" else "paragraph"))

    def walk(el: Any, kind: str) -> None:
        buf.append(el.text or "")
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else None  # None: comment or processing instruction
            if tag == "lb":
                flush(kind)
            elif tag == "row":
                flush(kind)
                cells = [clean_line(_flat_text(c)) for c in child if isinstance(c.tag, str)]
                buf.append(" | ".join(c for c in cells if c))
                flush("row")
            elif tag is not None and _is_block(child):
                flush(kind)
                walk(child, tag)
                flush(tag)
            elif tag is not None:
                walk(child, kind)  # inline: same line, same kind
            buf.append(child.tail or "")

    walk(body, "body")
    flush("body")
    return lines


def _strip_site(title: str, site_names: list[str], host: str = "") -> str:
    """'Title - Site' / 'Site | Title' -> 'Title' when a part is the site's name (or host) or clearly a short label."""
    for site in sorted({s.strip() for s in site_names if s and s.strip()}, key=len, reverse=True):
        # The whole site name at either end ("Headline | AOC media - Analyse Opinion Critique").
        name = re.escape(site)
        m = re.fullmatch(rf"(.+?){_SEP}{name}", title, re.I | re.S) or re.fullmatch(rf"{name}{_SEP}(.+)", title, re.I | re.S)
        if m and _fold(m.group(1)):
            title = m.group(1).strip()
            break
    parts = [p.strip() for p in _SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    sites = {_fold(s) for s in site_names if s}
    kept = [p for p in parts if not _is_site_name(p, sites, host) and not any(
            s and s in _fold(p).replace(" ", "") for s in {x.replace(" ", "") for x in sites} if len(_fold(p)) < 40 and len(s) > 3)]
    if kept and len(kept) < len(parts):
        return _join_kept(title, kept)
    # An unknown short label beside a much longer part; a colon is not such a separator, it belongs to
    # headlines ("Deux ans et demi en Macronie : une condamnation…").
    parts = [p.strip() for p in _LABEL_SEPARATORS.split(title) if p.strip()]
    longest = max(parts, key=len)
    if len(parts) > 1 and len(longest) >= 2 * sum(len(p) for p in parts if p is not longest):
        return longest
    return title


def _join_kept(title: str, kept: list[str]) -> str:
    if len(kept) == 1:
        return kept[0]
    start, end = title.find(kept[0]), title.rfind(kept[-1])
    return title[start : end + len(kept[-1])] if 0 <= start <= end else kept[0]


def _is_site_name(text: str, sites: set[str], host: str) -> bool:
    """The page's own name: og:site_name/publisher/trafilatura's site name, or its host ("regards.fr")."""
    folded = _fold(text)
    compact = folded.replace(" ", "")
    labels = host.split(".")
    return folded in sites or (bool(compact) and (compact == host.replace(".", "") or compact in labels))


def choose_title(meta: PageMeta, traf_title: str | None, site_names: list[str], url: str | None = None) -> str | None:
    """The headline: an <h1> confirmed by the page's <title>/og:title, else trafilatura's title, then og:title…
    with the site's name stripped.

    The <h1> wins because it is the headline without the site suffix, but only when it is not the site's
    name (a logo <h1> linking home, or equal to og:site_name or the host) and it is the headline part of
    the title: most of it, or its leading part ("Headline | A Longer Site Name", the common order). So a
    known site's name never wins over a longer headline beside it ("Example News" in "Storm hits the coast
    - Example News"); an unknown one only when it leads its title and its logo does not link home.
    """
    stated = [t for t in (meta.titles.get(k) for k in ("og", "jsonld", "twitter", "html_title")) if t]
    metas = [traf_title, *stated] if traf_title else stated
    site_names = [*site_names, *meta.logos]
    sites = {_fold(s) for s in site_names if s}
    host = (urlsplit(url).hostname or "").removeprefix("www.") if url else ""
    for h in meta.h1:
        fh = _fold(h)
        if len(fh) < 4 or _is_site_name(h, sites, host):
            continue
        for t in stated:  # the page's own statements: trafilatura's title may be this very <h1>
            ft = _fold(t)
            leading = re.match(rf"\s*{re.escape(h)}{_SEP}", t, re.I) is not None
            if fh in ft and (len(ft) - len(fh) < len(fh) or leading):
                return h
    stripped = [_strip_site(t, site_names, host) for t in metas]
    for t in stripped:  # trafilatura's title first; a candidate that is only the site's name is no headline
        if not _is_site_name(t, sites, host):
            return t
    if stripped:
        return stripped[0]
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
    title = choose_title(meta, doc.title if doc else None, site_names, url)
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
