"""The continuous producers through the real broker: feed poller, folder watcher, HTTP ingest.

Feeds are real documents nobody here wrote (../shared/corpora/feeds, skipped when absent), served by a
local HTTP server with ETag/Last-Modified and 304s. The poller may reach loopback only because these
tests allow 127.0.0.0/8 explicitly (fetch_allowed_networks).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import httpx
import orjson
import pytest

from schemas import DeadLetter, RawArticle, decode
from services.config import Settings
from services.producer.feeds import FeedSpec, PollResult, run_feeds
from services.producer.metrics import ProducerMetrics
from services.producer.watch import run_watch
from tests.conftest import shared_dir
from tests.support.kafka_io import read_topic
from tests.support.processes import service_env

pytestmark = pytest.mark.integration
FEEDS = shared_dir() / "corpora" / "feeds"
LAST_MODIFIED = "Mon, 07 Apr 2025 10:00:00 GMT"
LOOPBACK = ("127.0.0.0/8",)


def _content_type(name: str) -> str:
    if name.endswith(".html"):
        return "text/html"
    return "application/atom+xml" if name.endswith(".atom") else "application/xml"


class FeedServer:
    """Serves documents with validators; answers 304 when the client's validators match (unless told not to)."""

    def __init__(self, docs: dict[str, bytes]) -> None:
        self.docs = dict(docs)
        self.honour_validators = True
        self.log: list[tuple[str, int]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                if path == "/redirect-private":
                    return self._send(302, b"", {"Location": "http://10.20.30.40/feed.xml"})
                if path == "/redirect-metadata":
                    return self._send(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
                if path == "/huge.xml":  # no Content-Length: only streaming can stop it
                    self.send_response(200)
                    self.send_header("Content-Type", "application/xml")
                    self.end_headers()
                    try:
                        self.wfile.write(b"<rss><channel>")
                        for _ in range(400):
                            self.wfile.write(b"<!-- padding -->" * 640)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    server.log.append((path, 200))
                    return None
                body = server.docs.get(path.lstrip("/"))
                if body is None:
                    return self._send(404, b"not found", {})
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED, "Content-Type": _content_type(path)}
                inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
                if server.honour_validators and (inm == etag or (inm is None and ims == LAST_MODIFIED)):
                    return self._send(304, b"", {"ETag": etag})
                return self._send(200, body, validators)

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)
                server.log.append((self.path, status))

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def corpus() -> dict[str, bytes]:
    if not (FEEDS / "files").is_dir():
        pytest.skip(f"feed corpus not found at {FEEDS}")
    return {p.name: p.read_bytes() for p in sorted((FEEDS / "files").iterdir()) if p.is_file()}


@pytest.fixture
def feed_server(corpus: dict[str, bytes]) -> Iterator[FeedServer]:
    server = FeedServer(corpus)
    yield server
    server.stop()


def _settings(make_settings: Callable[..., Settings], **extra: object) -> Settings:
    return make_settings(fetch_allowed_networks=LOOPBACK, feed_host_delay=0.0, fetch_timeout=20.0, **extra)


def _poll_once(specs: list[FeedSpec], settings: Settings, metrics: ProducerMetrics | None = None) -> dict[str, PollResult]:
    results = asyncio.run(run_feeds(specs, settings, asyncio.Event(), once=True, metrics=metrics))
    return {r.url: r for r in results}


def _gold_count(path: Path) -> int:
    raw = path.read_bytes()
    try:
        doc = json.loads(raw)
    except UnicodeDecodeError:
        doc = json.loads(raw.decode("latin-1"))
    return len(doc["entries"]) if "entries" in doc else len(doc["feed"]["items"])


def _sendable(data: bytes) -> int:
    """Entries feedparser itself finds that carry something to send (title or text), once per id/link."""
    if data.startswith(b"\x1f\x8b"):
        data = gzip.decompress(data)
    keys = set()
    for entry in feedparser.parse(data).entries:
        has_text = any(str(entry.get(k) or "").strip() for k in ("title", "summary")) or entry.get("content")
        key = entry.get("id") or entry.get("link") or repr((entry.get("title"), entry.get("summary")))
        if has_text:
            keys.add(key)
    return len(keys)


def test_every_corpus_feed_yields_its_entries(corpus: dict[str, bytes], feed_server: FeedServer,
                                              make_settings: Callable[..., Settings]) -> None:
    settings = _settings(make_settings)
    specs = [FeedSpec(url=feed_server.url(name)) for name in corpus]
    results = _poll_once(specs, settings)
    assert len(results) == len(corpus) == 71  # every document polled, none crashed the poller
    expected = {feed_server.url(name): _sendable(data) for name, data in corpus.items()}
    total = sum(expected.values())
    records = asyncio.run(read_topic(settings, settings.topic_raw, expect=total, timeout=90))
    by_feed = Counter(decode(RawArticle, r.value).metadata["feed_url"] for r in records)
    readable = [url for url, n in expected.items() if n > 0]
    mismatched = {url: (by_feed[url], expected[url]) for url in expected if by_feed[url] != expected[url]}
    assert not mismatched
    assert all(results[url].result == "ok" for url in readable)
    golds = sorted((FEEDS / "gold").glob("*.gold.json"))
    gold_mismatch = {g.name: (results[feed_server.url(g.name.removesuffix(".gold.json"))].entries, _gold_count(g))
                     for g in golds
                     if results[feed_server.url(g.name.removesuffix(".gold.json"))].entries != _gold_count(g)}
    assert not gold_mismatch
    errors = {url.rsplit("/", 1)[1]: r.error for url, r in results.items() if r.result == "error"}
    print(f"\n{len(readable)}/{len(corpus)} feeds yielded {len(records)} records; "
          f"{len(golds)} gold counts matched; {len(errors)} feeds without entries: {errors}")
    assert len(records) == total  # (raw keys repeat where two feeds link the same URL: compressed.xml is iconv.xml)


def test_conditional_get_and_dedup_across_restarts(corpus: dict[str, bytes], feed_server: FeedServer,
                                                   make_settings: Callable[..., Settings]) -> None:
    settings = _settings(make_settings)
    name = "rss-parser__guardian.rss"
    spec = FeedSpec(url=feed_server.url(name), name="The Guardian")
    first = _poll_once([spec], settings)[spec.url]
    assert (first.result, first.sent) == ("ok", 55)
    # A second run of the poller (a restart: new publisher, state reopened) sends a conditional GET.
    second = _poll_once([spec], settings)[spec.url]
    assert (second.result, second.sent) == ("not_modified", 0)
    assert [s for p, s in feed_server.log if p.endswith(name)] == [200, 304]
    # The server forgets validators: the full document comes back, every entry is known already.
    feed_server.honour_validators = False
    third = _poll_once([spec], settings)[spec.url]
    assert (third.result, third.sent, third.duplicates) == ("ok", 0, 55)
    # One new item in the document: exactly that one is sent.
    item = (b"<item><title>Brand new</title><link>https://www.theguardian.com/new/1</link>"
            b"<guid>https://www.theguardian.com/new/1</guid><description>Fresh text.</description></item>")
    feed_server.docs[name] = corpus[name].replace(b"<item>", item + b"<item>", 1)
    fourth = _poll_once([spec], settings)[spec.url]
    assert (fourth.result, fourth.sent, fourth.duplicates) == ("ok", 1, 55)
    records = asyncio.run(read_topic(settings, settings.topic_raw, expect=56, timeout=60))
    articles = [decode(RawArticle, r.value) for r in records]
    assert len(articles) == 56 and {a.source for a in articles} == {"The Guardian"}
    assert sum(a.title == "Brand new" for a in articles) == 1



def test_fetch_pages_sends_the_page_html_or_falls_back_to_the_entry(feed_server: FeedServer,
                                                                    make_settings: Callable[..., Settings]) -> None:
    page = b"<html><head><title>Seite</title></head><body><article><p>Der ganze Artikel.</p></article></body></html>"
    feed_server.docs["page1.html"] = page
    items = [("One", feed_server.url("page1.html")), ("Two", feed_server.url("missing.html")),
             ("Three", "http://10.1.2.3/secret.html")]
    feed_server.docs["pages.xml"] = ("<rss version='2.0'><channel><title>Pages</title>" + "".join(
        f"<item><title>{t}</title><link>{u}</link><description>Teaser {t}</description></item>" for t, u in items)
        + "</channel></rss>").encode()
    settings = _settings(make_settings)
    result = _poll_once([FeedSpec(url=feed_server.url("pages.xml"), fetch_pages=True)], settings)
    assert next(iter(result.values())).sent == 3
    records = asyncio.run(read_topic(settings, settings.topic_raw, expect=3, timeout=30))
    by_title = {a.title: a for a in (decode(RawArticle, r.value) for r in records)}
    assert by_title["One"].body == page.decode() and by_title["One"].metadata["page"] is True
    assert by_title["Two"].body == "Teaser Two" and by_title["Two"].metadata["page_error"].startswith("status 404")
    assert "FetchRefused" in str(by_title["Three"].metadata["page_error"])  # the private link was never fetched

def test_ssrf_guard_and_limits_send_nothing(feed_server: FeedServer, make_settings: Callable[..., Settings]) -> None:
    laughs = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
              + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
              + ']><rss version="2.0"><channel><title>&i;</title><item><title>&i;</title></item></channel></rss>')
    feed_server.docs["laughs.xml"] = laughs.encode()
    refused_by_default = make_settings(feed_host_delay=0.0)  # no allowed networks: loopback is private
    metrics = ProducerMetrics("feeds")
    results = _poll_once([FeedSpec(url=feed_server.url("rss-parser__narro.rss"))], refused_by_default, metrics)
    assert "loopback" in (next(iter(results.values())).error or "")
    settings = _settings(make_settings, topic_raw=refused_by_default.topic_raw, fetch_max_bytes=1_000_000)
    urls = [feed_server.url(p) for p in ("redirect-private", "redirect-metadata", "huge.xml", "laughs.xml")]
    urls.append("http://10.255.255.1/feed.xml")
    results = _poll_once([FeedSpec(url=u) for u in urls], settings, metrics)
    errors = {u.rsplit("/", 1)[1]: results[u].error or "" for u in urls}
    assert errors["redirect-private"].startswith("refused") and "10.20.30.40" in errors["redirect-private"]
    assert errors["redirect-metadata"].startswith("refused") and "link-local" in errors["redirect-metadata"]
    assert errors["huge.xml"] == "fetch: body exceeds 1000000 bytes"  # what happened, in words
    assert errors["laughs.xml"].startswith("parse") and "ENTITY" in errors["laughs.xml"]
    assert errors["feed.xml"].startswith("refused")
    assert all(r.result == "error" and r.sent == 0 for r in results.values())
    assert asyncio.run(read_topic(settings, settings.topic_raw, expect=0, timeout=2)) == []
    assert metrics.tally["failures"] == 6


def test_folder_watcher_publishes_once_and_dead_letters(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings(watch_interval=0.3)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    slow_text = "".join(f"Zeile {i}: Die Bahn streikt weiter.\n" for i in range(12))

    async def scenario() -> list:
        stop = asyncio.Event()
        task = asyncio.create_task(run_watch(inbox, settings, stop, source="drop"))
        (inbox / "nl.txt").write_text("Waterschappen versterken dijken langs de Waal.", encoding="utf-8")
        (inbox / "page.html").write_text("<html><body><h1>Kop</h1><p>Tekst van de pagina.</p></body></html>")
        (inbox / "batch.jsonl").write_text(orjson.dumps({"headline": "H", "text": "T"}).decode() + "\n{broken\n")
        (inbox / "notes.pdf").write_bytes(b"%PDF-1.4")
        (inbox / "upload.part").write_text("ignored until renamed")
        with (inbox / "slow.txt").open("w", encoding="utf-8") as slow:  # written over 1.2 s, 4 polls
            for line in slow_text.splitlines(keepends=True):
                slow.write(line)
                slow.flush()
                await asyncio.sleep(0.1)
        for _ in range(100):
            if len(list((inbox / ".done").rglob("*"))) + len(list((inbox / ".failed").rglob("*"))) >= 5:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.7)  # two more polls: nothing is published twice
        stop.set()
        return await asyncio.wait_for(task, 30)

    outcomes = asyncio.run(scenario())
    assert sorted(p.name for p in (inbox / ".done").iterdir()) == ["nl.txt", "page.html", "slow.txt"]
    assert sorted(p.name for p in (inbox / ".failed").iterdir()) == ["batch.jsonl", "notes.pdf"]
    assert (inbox / "upload.part").exists() and len(outcomes) == 5
    records = asyncio.run(read_topic(settings, settings.topic_raw, expect=4, timeout=30))
    articles = [decode(RawArticle, r.value) for r in records]
    assert len(articles) == 4
    assert [a.body for a in articles if a.body.startswith("Zeile")] == [slow_text]  # whole, once
    dead = [decode(DeadLetter, r.value) for r in asyncio.run(read_topic(settings, settings.topic_deadletter, expect=2))]
    assert sorted(d.stage for d in dead) == ["parse", "parse"] and len(dead) == 2
    assert any("notes.pdf" in d.error for d in dead) and any(d.payload == "{broken" for d in dead)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(args: list[str], settings: Settings, log: Path, **env: str) -> subprocess.Popen[bytes]:
    environ = {**service_env(settings), "COLUMNS": "120", **env}
    return subprocess.Popen([sys.executable, "-m", "services.cli", *args], env=environ, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def test_http_ingest_through_uvicorn_and_the_broker(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings()
    port = _free_port()
    log = tmp_path / "serve.log"
    proc = _command(["serve", "--port", str(port), "--log-level", "warning"], settings, log,
                    NEWSFLOW_INGEST_TOKEN="t0ken", NEWSFLOW_INGEST_MAX_REQUEST_BYTES="20000")
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": "Bearer t0ken"}
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(120):
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None, log.read_text()
                time.sleep(0.25)
            health = client.get("/readyz").json()
            assert health["status"] == "ready" and health["kafka"]["partitions"] == settings.partitions
            one = {"source": "wire", "url": "https://example.org/news/1", "title": "Eins",
                   "body": "Der erste Artikel.", "fetched_at": "2025-04-07T12:00:00Z"}
            r1 = client.post("/articles", json=one, headers=auth)
            assert r1.status_code == 202, r1.text
            batch = b"\n".join(orjson.dumps({"source": "wire", "body": f"Artikel {i}", "content_type": "text/plain"})
                               for i in range(3))
            r2 = client.post("/articles", content=batch, headers={**auth, "Content-Type": "application/x-ndjson"})
            assert r2.status_code == 202 and len(r2.json()["ids"]) == 3
            assert client.post("/articles", json=one).status_code == 401
            assert client.post("/articles", json={"source": "x"}, headers=auth).status_code == 422
            huge = client.post("/articles", json={**one, "body": "x" * 30_000}, headers=auth)
            assert huge.status_code == 413
            assert client.get("/openapi.json").status_code == 401  # the token guards every path but the probes
            assert "/articles" in client.get("/openapi.json", headers=auth).json()["paths"]
            assert 'newsflow_producer_sent_total{producer="http"} 4.0' in client.get("/metrics", headers=auth).text
        ids = r1.json()["keys"] + r2.json()["keys"]
        records = asyncio.run(read_topic(settings, settings.topic_raw, expect=4, timeout=30))
        assert sorted(r.key.decode() for r in records) == sorted(ids)
        first = next(decode(RawArticle, r.value) for r in records if r.key.decode() == ids[0])
        assert first.title == "Eins" and first.fetched_at.isoformat() == "2025-04-07T12:00:00+00:00"
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=30)
    assert rc == 0, log.read_text()  # graceful: lifespan shut the producer down


def test_feeds_command_runs_until_sigterm_and_prints_a_summary(feed_server: FeedServer, tmp_path: Path,
                                                               make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(f"defaults: {{interval: 3600}}\nfeeds:\n  - {feed_server.url('rss-parser__heise.atom')}\n"
                          f"  - url: {feed_server.url('feed-rs__rss_2.0_spiegel.xml')}\n    name: SPIEGEL\n")
    log = tmp_path / "feeds.log"
    metrics_port = _free_port()
    proc = _command(["feeds", str(feeds_file), "--metrics-port", str(metrics_port)], settings, log,
                    NEWSFLOW_FETCH_ALLOWED_NETWORKS=json.dumps(LOOPBACK), NEWSFLOW_FEED_HOST_DELAY="0")
    try:
        records = asyncio.run(read_topic(settings, settings.topic_raw, expect=16, timeout=60))
        assert len(records) == 16, log.read_text()
        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
        assert 'newsflow_producer_sent_total{producer="feeds"} 16.0' in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=30)
    output = log.read_text()
    assert rc == 0, output
    assert "sent" in output and "16" in output


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX only")
def test_watch_command_once(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings(watch_interval=0.2)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("Ein Artikel aus dem Ordner.", encoding="utf-8")
    log = tmp_path / "watch.log"
    proc = _command(["watch", str(inbox), "--once"], settings, log, NEWSFLOW_WATCH_INTERVAL="0.2")
    assert proc.wait(timeout=60) == 0, log.read_text()
    assert (inbox / ".done" / "a.txt").exists()
    assert len(asyncio.run(read_topic(settings, settings.topic_raw, expect=1, timeout=20))) == 1
