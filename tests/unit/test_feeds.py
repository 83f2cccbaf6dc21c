"""Feed documents -> RawArticles (pure): mapping, dedup keys, entity refusal, gzip bodies, corpus counts."""

from __future__ import annotations

import gzip
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.producer.feedentries import (
    FeedInfo,
    FeedRefused,
    entry_key,
    entry_to_article,
    parse_feed,
    refuse_entities,
    unseen,
)

NOW = datetime(2025, 4, 7, 14, 39, tzinfo=UTC)
FEED = FeedInfo(url="https://news.example.org/rss", title="Example News", language="en")

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Example News</title><language>de</language>
<item><title>Streik bei der Bahn</title><link>https://news.example.org/a/1</link><guid>urn:x:1</guid>
<pubDate>Mon, 07 Apr 2025 10:00:00 +0200</pubDate><description>Kurz.</description>
<content:encoded><![CDATA[<p>Die Gewerkschaft <b>streikt</b> am Montag.</p>]]></content:encoded></item>
<item><title>Nur Text</title><link>https://news.example.org/a/2</link><description>Plain summary text</description></item>
<item><title>Nur Titel</title><link>https://news.example.org/a/3</link></item>
<item><link>https://news.example.org/a/4</link></item>
<item><title>Doppelt</title><guid>urn:x:1</guid><description>same guid again</description></item>
</channel></rss>"""


def _billion_laughs(one_line: bool = False) -> str:
    decls = "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">\n' for i in range(1, 10))
    doc = f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n{decls}]>\n' \
          '<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>'
    return doc.replace("\n<!ENTITY", "<!ENTITY") if one_line else doc


def test_entries_map_to_raw_articles() -> None:
    parsed = parse_feed(RSS, headers={"content-type": "application/rss+xml"})
    assert parsed.title == "Example News" and parsed.language == "de" and len(parsed.entries) == 5
    feed = FeedInfo(url=FEED.url, title=parsed.title, language=parsed.language)
    first, second, third, fourth, _ = (entry_to_article(e, feed, fetched_at=NOW) for e in parsed.entries)
    assert first is not None and first.content_type == "text/html" and first.source == "Example News"
    assert first.url == "https://news.example.org/a/1" and first.title == "Streik bei der Bahn"
    assert "<b>streikt</b>" in first.body and "Kurz." not in first.body  # the fuller content wins over the summary
    assert 'content="2025-04-07T08:00:00+00:00"' in first.body  # the date where the HTML extractor reads it
    assert first.metadata["published_at"] == "2025-04-07T08:00:00+00:00"
    assert first.metadata["entry_id"] == "urn:x:1" and first.metadata["feed_url"] == FEED.url
    assert first.metadata["language"] == "de"
    assert second is not None and (second.content_type, second.body) == ("text/plain", "Plain summary text")
    assert third is not None and third.body == "Nur Titel"  # headline-only entry: the headline is the text
    assert fourth is None  # a bare link carries nothing to send


def test_configured_name_wins_as_source() -> None:
    entry = parse_feed(RSS).entries[1]
    article = entry_to_article(entry, FeedInfo(url=FEED.url, title="Feed Title", name="Configured"), fetched_at=NOW)
    assert article is not None and article.source == "Configured"
    nameless = entry_to_article(entry, FeedInfo(url="https://host.example/x"), fetched_at=NOW)
    assert nameless is not None and nameless.source == "host.example"


def test_entry_keys_and_dedup_decisions() -> None:
    entries = parse_feed(RSS).entries
    keys = [entry_key(e) for e in entries]
    assert keys[:2] == ["urn:x:1", "https://news.example.org/a/2"] and keys[4] == "urn:x:1"
    assert entry_key({"title": "T", "summary": "S"}).startswith("sha256:")  # type: ignore[union-attr]
    assert entry_key({}) is None
    fresh = unseen(entries, set())
    assert [k for k, _ in fresh] == ["urn:x:1", "https://news.example.org/a/2", "https://news.example.org/a/3",
                                     "https://news.example.org/a/4"]  # the repeated guid once
    assert [k for k, _ in unseen(entries, {"urn:x:1", "https://news.example.org/a/3"})] == [
        "https://news.example.org/a/2", "https://news.example.org/a/4"]


@pytest.mark.parametrize("one_line", [False, True])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_billion_laughs_is_refused_before_parsing(one_line: bool, encoding: str) -> None:
    data = _billion_laughs(one_line).encode(encoding)
    started = time.perf_counter()
    with pytest.raises(FeedRefused, match="ENTITY"):
        parse_feed(data)
    assert time.perf_counter() - started < 1.0


def test_feedparser_alone_does_not_expand_either() -> None:
    """What we would get without our guard (documented in docs/producers.md): the entities stay unexpanded."""
    import feedparser

    for one_line in (False, True):
        parsed = feedparser.parse(_billion_laughs(one_line).encode())
        assert len(str(parsed.feed.get("title", ""))) < 100


def test_doctype_without_entities_is_fine() -> None:
    refuse_entities(b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
                    b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"/>')
    refuse_entities(b"<rss><channel><description>&lt;!ENTITY is text here</description></channel></rss>")


def test_gzip_body_is_decompressed_within_the_limit() -> None:
    parsed = parse_feed(gzip.compress(RSS))
    assert len(parsed.entries) == 5
    with pytest.raises(FeedRefused, match="gzip"):
        parse_feed(gzip.compress(RSS + b"<!--" + b" " * 200_000 + b"-->"), limit=100_000)


def test_broken_documents_do_not_raise() -> None:
    for data in (b"", b"<rss", b"\xff\xfe\x00garbage", b"<html><body>not a feed</body></html>", RSS[:300]):
        parsed = parse_feed(data)
        assert isinstance(parsed.entries, list)


def _gold_count(path: Path) -> int:
    raw = path.read_bytes()
    try:
        doc = json.loads(raw)
    except UnicodeDecodeError:
        doc = json.loads(raw.decode("latin-1"))  # one gold file is stored in its feed's legacy encoding
    return len(doc["entries"]) if "entries" in doc else len(doc["feed"]["items"])


@pytest.mark.corpus
def test_entry_counts_match_the_gold_parses(shared: Path) -> None:
    corpus = shared / "corpora" / "feeds"
    if not (corpus / "gold").is_dir():
        pytest.skip("feed corpus not found")
    golds = sorted((corpus / "gold").glob("*.gold.json"))
    assert len(golds) >= 20
    for gold in golds:
        doc = corpus / "files" / gold.name.removesuffix(".gold.json")
        parsed = parse_feed(doc.read_bytes(), headers={"content-type": "application/xml"})
        assert len(parsed.entries) == _gold_count(gold), doc.name
