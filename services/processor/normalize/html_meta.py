"""Metadata candidates read from an HTML page's markup: meta tags, JSON-LD, <time>, <h1>, canonical link.

Only collects what the page states; html_extract decides which candidate wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
from lxml import etree
from lxml import html as lxml_html

_TYPES_ARTICLE = re.compile(r"article|posting|report|blog|webpage|recipe|review|creativework", re.I)


@dataclass
class PageMeta:
    titles: dict[str, str] = field(default_factory=dict)  # og, twitter, jsonld, html_title
    h1: list[str] = field(default_factory=list)
    logos: list[str] = field(default_factory=list)  # <h1> texts that link to the site's home page
    dates: dict[str, str] = field(default_factory=dict)  # jsonld, meta, itemprop, time
    authors: dict[str, list[str]] = field(default_factory=dict)  # jsonld, meta, itemprop
    canonical: str | None = None
    site_name: str | None = None
    publisher: str | None = None


def _text(el: Any) -> str:
    return " ".join("".join(el.itertext()).split())


def _names(value: Any) -> list[str]:
    """JSON-LD author: a string, a Person/Organization dict, or a list of those."""
    if isinstance(value, str):
        return [value] if value.strip() and not value.startswith("http") else []
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str) and name.strip():
            return [name]
        return []
    if isinstance(value, list):
        return [n for v in value[:10] for n in _names(v)]
    return []


def _walk_jsonld(node: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node[:50]:
            _walk_jsonld(item, out, depth + 1)
    elif isinstance(node, dict):
        out.append(node)
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in node:
                _walk_jsonld(node[key], out, depth + 1)


def _is_home(href: str | None) -> bool:
    """A link to a site's front page ("/", "https://example.org/"): what a logo links to."""
    if not href or not href.strip():
        return False
    parts = urlsplit(href.strip())
    return parts.path in ("", "/", "./", "/index.html", "/index.php") and not parts.query and not parts.fragment \
        and bool(parts.netloc or parts.path)


def read_meta(tree: Any) -> PageMeta:
    meta = PageMeta()
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = (el.get("content") or "").strip()
        if not key or not content:
            continue
        if key in ("og:title", "twitter:title") and key.split(":")[0] not in meta.titles:
            meta.titles[key.split(":")[0]] = content
        elif key in ("article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
                     "publish-date", "date", "dc.date", "dc.date.issued", "dcterms.date", "dcterms.created",
                     "sailthru.date", "parsely-pub-date", "article.published", "published_time"):
            meta.dates.setdefault("meta", content)
        elif key in ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author", "byl", "dcterms.creator"):
            if not content.startswith("http"):
                meta.authors.setdefault("meta", []).append(content)
        elif key == "og:site_name":
            meta.site_name = meta.site_name or content
    title = tree.find(".//title")
    if title is not None and _text(title):
        meta.titles["html_title"] = _text(title)
    for h in tree.iter("h1"):
        text = _text(h)
        if not text:
            continue
        if len(meta.h1) < 5:
            meta.h1.append(text)
        links = [a for a in (h, *h.iterancestors("a")) if a.tag == "a"] + list(h.iter("a"))
        if any(_is_home(a.get("href")) for a in links):
            meta.logos.append(text)
    for link in tree.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            meta.canonical = link.get("href").strip()
            break
    for el in tree.iter("time"):
        if el.get("datetime"):
            meta.dates.setdefault("time", el.get("datetime").strip())
            break
    for el in tree.xpath('//*[@itemprop="datePublished"]')[:1]:
        value = el.get("content") or el.get("datetime") or _text(el)
        if value:
            meta.dates.setdefault("itemprop", value.strip())
    for el in tree.xpath('//*[@itemprop="author"]')[:3]:
        name = el.xpath('.//*[@itemprop="name"]')
        value = el.get("content") or (_text(name[0]) if name else _text(el))
        if value and len(value) < 100:
            meta.authors.setdefault("itemprop", []).append(value)
    nodes: list[dict[str, Any]] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        raw = (script.text or "").strip()
        if not raw or len(raw) > 500_000:
            continue
        try:
            _walk_jsonld(orjson.loads(raw), nodes)
        except orjson.JSONDecodeError:
            continue
    for node in nodes:
        types = node.get("@type")
        types = " ".join(types) if isinstance(types, list) else str(types or "")
        if not _TYPES_ARTICLE.search(types):
            if "organization" in types.lower() and isinstance(node.get("name"), str):
                meta.publisher = meta.publisher or node["name"]
            continue
        if isinstance(node.get("headline"), str) and "jsonld" not in meta.titles and "webpage" not in types.lower():
            meta.titles["jsonld"] = node["headline"]
        if isinstance(node.get("datePublished"), str) and "jsonld" not in meta.dates:
            meta.dates["jsonld"] = node["datePublished"]
        names = _names(node.get("author"))
        if names and "jsonld" not in meta.authors:
            meta.authors["jsonld"] = names
        pub = node.get("publisher")
        if isinstance(pub, dict) and isinstance(pub.get("name"), str):
            meta.publisher = meta.publisher or pub["name"]
    return meta


# Comments and processing instructions are not text: a tree that keeps them makes trafilatura drop the
# text that follows a comment inside a paragraph. The same options as trafilatura's own loader.
_PARSER = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False,
                               encoding="utf-8")


def parse_html(page: str) -> Any | None:
    """The page's tree without comments or processing instructions; None for empty or unparseable input.

    Parsed from UTF-8 bytes: lxml refuses a str that carries an XML encoding declaration
    (`<?xml version="1.0" encoding="…"?>`, XHTML), and the page is already decoded, so the declaration is moot.
    """
    try:
        return lxml_html.document_fromstring(page.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):  # empty or broken input
        return None
