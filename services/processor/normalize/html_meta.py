"""Metadata candidates read from an HTML page's markup: meta tags, JSON-LD, <time>, <h1>, canonical link.

Only collects what the page states; html_extract decides which candidate wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson
from lxml import etree
from lxml import html as lxml_html

_TYPES_ARTICLE = re.compile(r"article|posting|report|blog|webpage|recipe|review|creativework", re.I)


@dataclass
class PageMeta:
    titles: dict[str, str] = field(default_factory=dict)  # og, twitter, jsonld, html_title
    h1: list[str] = field(default_factory=list)
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
    meta.h1 = [t for t in (_text(h) for h in tree.iter("h1")) if t][:5]
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


def parse_html(page: str) -> Any | None:
    try:
        return lxml_html.document_fromstring(page)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):  # empty or broken input
        return None
