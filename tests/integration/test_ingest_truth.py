"""Issue 12 through the real broker: nothing accepted is lost, every refusal is said once and clearly.

- Unicode line breaks inside JSON strings survive `produce` and `watch` (`up PATH` feeds through produce_paths).
- `watch`: a record over the topic's size is dead-lettered once with the limit and moved to .failed/; a symlink
  leaving the folder and a broken one are refused (link to .failed/, the target never read); an empty file is
  said once and left to be written.
- `produce` skips files it sent unchanged, unless --force.
- `serve` answers with the ids the processor stores the articles under.
- `feeds --once` fails when every feed failed; `deadletter replay` says when nothing matched.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from schemas import DeadLetter, RawArticle, decode
from services.cli import produce_paths
from services.common.kafka import MAX_VALUE_BYTES
from services.config import Settings
from services.producer.http_ingest import create_app
from services.producer.watch import FileOutcome, run_watch
from services.sink.store import open_store
from tests.support.kafka_io import read_topic, wait_for
from tests.support.processes import Service, service_env

pytestmark = pytest.mark.integration
BREAKS = "\u2028\u2029\u0085"


def unicode_records() -> list[dict[str, str]]:
    return [{"source": "svc", "content_type": "text/plain", "fetched_at": "2025-04-07T14:39:00Z",
             "body": f"Absatz eins{ch}Absatz zwei, Datensatz {i}."} for i, ch in enumerate(BREAKS * 3)]


def test_unicode_line_breaks_survive_produce_and_watch(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings(watch_interval=0.2)
    records = unicode_records()
    data = b"\n".join(orjson.dumps(r) for r in records) + b"\n"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "breaks.jsonl").write_bytes(data)
    counts = asyncio.run(produce_paths([tmp_path / "in"], settings, source="files", progress=False))
    assert counts["sent"] == len(records) and counts["failed"] == 0
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "breaks.jsonl").write_bytes(data)
    outcomes = asyncio.run(run_watch(inbox, settings, asyncio.Event(), once=True))
    assert [(o.sent, o.dead_lettered) for o in outcomes] == [(len(records), 0)]
    raw = asyncio.run(read_topic(settings, settings.topic_raw, expect=2 * len(records)))
    bodies = sorted(decode(RawArticle, r.value).body for r in raw)
    assert bodies == sorted([r["body"] for r in records] * 2)  # before: 18 of these became 36 dead letters
    assert asyncio.run(read_topic(settings, settings.topic_deadletter, expect=0, timeout=2)) == []


def test_watch_refuses_once_and_says_so(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings(watch_interval=0.2)
    inbox, outside = tmp_path / "inbox", tmp_path / "elsewhere"
    inbox.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("Nicht für die Pipeline bestimmt.", encoding="utf-8")
    (inbox / "link.txt").symlink_to(outside / "secret.txt")
    (inbox / "broken.txt").symlink_to(tmp_path / "gone.txt")
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "good.txt").write_text("Ein guter Artikel.", encoding="utf-8")
    with (inbox / "big.txt").open("w", encoding="utf-8") as big:  # over the topic's message size
        for _ in range(MAX_VALUE_BYTES // 1_000_000 + 1):
            big.write("Wort " * 200_000)
    seen: list[FileOutcome] = []
    outcomes = asyncio.run(run_watch(inbox, settings, asyncio.Event(), once=True, on_file=seen.append))
    assert sorted(p.name for p in (inbox / ".done").iterdir()) == ["good.txt"]
    assert sorted(p.name for p in (inbox / ".failed").iterdir()) == ["big.txt", "broken.txt", "link.txt"]
    assert (inbox / ".failed" / "link.txt").is_symlink() and (outside / "secret.txt").exists()
    assert (inbox / "empty.txt").exists()
    notes = [o.note for o in outcomes if o.note]
    assert notes.count("empty file: waiting for content") == 1
    assert any("outside the watched folder" in n for n in notes) and any("broken symlink" in n for n in notes)
    dead = [decode(DeadLetter, r.value) for r in asyncio.run(read_topic(settings, settings.topic_deadletter, expect=3))]
    assert len(dead) == 3  # once each; before: big.txt was retried every poll forever, the links went unnoticed
    big_letter = next(d for d in dead if "big.txt" in d.error)
    assert f"message limit of {MAX_VALUE_BYTES:,} bytes" in big_letter.error
    raw = [decode(RawArticle, r.value) for r in asyncio.run(read_topic(settings, settings.topic_raw, expect=1))]
    assert [a.body for a in raw] == ["Ein guter Artikel."]  # nothing from outside the folder


def test_produce_skips_unchanged_files_unless_forced(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings()
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.txt").write_text(f"Artikel {name}.", encoding="utf-8")
    paths = [tmp_path / f"{n}.txt" for n in "abc"]
    first = asyncio.run(produce_paths(paths, settings, "files", progress=False, remember=True))
    again = asyncio.run(produce_paths(paths, settings, "files", progress=False, remember=True))
    (tmp_path / "c.txt").write_text("Artikel c, geändert.", encoding="utf-8")
    changed = asyncio.run(produce_paths(paths, settings, "files", progress=False, remember=True))
    forced = asyncio.run(produce_paths(paths, settings, "files", progress=False, remember=True, force=True))
    assert (first["sent"], first["unchanged"]) == (3, 0)
    assert (again["sent"], again["unchanged"]) == (0, 3)
    assert (changed["sent"], changed["unchanged"]) == (1, 2)
    assert (forced["sent"], forced["unchanged"]) == (3, 0)
    assert len(asyncio.run(read_topic(settings, settings.topic_raw, expect=7))) == 7


def test_serve_answers_with_the_ids_the_articles_are_stored_under(make_settings: Callable[..., Settings],
                                                                   tmp_path: Path) -> None:
    settings = make_settings()
    records = [{"source": "wire", "url": "https://example.org/a/1?utm_source=x", "title": "Eins",
                "body": "Der erste Artikel über die Bahn."},
               {"source": "wire", "title": "Zwei", "body": "Der zweite Artikel, ohne Adresse."},
               {"source": "wire", "content_type": "application/json",
                "body": json.dumps({"headline": "Drei", "text": "Der dritte Artikel als JSON.", "site": "Kurier"})},
               {"source": "wire", "url": "javascript:alert(1)", "body": "Der vierte Artikel mit falscher Adresse."}]
    with TestClient(create_app(settings)) as client:  # the real publisher, the real broker
        answer = client.post("/articles", content=b"\n".join(orjson.dumps(r) for r in records),
                             headers={"Content-Type": "application/x-ndjson"})
    assert answer.status_code == 202, answer.text
    ids = answer.json()["ids"]
    processor = Service("process", settings, tmp_path).start()
    sink = Service("sink", settings, tmp_path).start()
    try:
        store = open_store(settings.database_url)
        assert asyncio.run(wait_for(lambda: store.count() >= len(records), timeout=180)), processor.tail() + sink.tail()
        stored = {r["id"] for r in store.query(limit=100)}
        store.close()
    finally:
        processor.stop()
        sink.stop()
    assert stored == set(ids)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _newsflow(args: list[str], settings: Settings, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "services.cli", *args], env={**service_env(settings), **env},
                          capture_output=True, text=True, timeout=300)


def test_feeds_once_fails_when_every_feed_failed(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings()
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n" + "".join(f"  - http://127.0.0.1:{_closed_port()}/feed{i}.xml\n" for i in range(2)),
                     encoding="utf-8")
    done = _newsflow(["feeds", str(feeds), "--once"], settings, NEWSFLOW_FETCH_ALLOWED_NETWORKS='["127.0.0.0/8"]',
                     COLUMNS="200")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "newsflow: error: every feed failed (2 of 2)" in done.stderr and "Traceback" not in done.stderr
    assert "cannot connect" in done.stderr  # what happened to each feed, in words


def test_replay_says_when_nothing_matched(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    done = _newsflow(["deadletter", "replay", "--offset", "9:999"], settings)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"nothing matched --offset 9:999 among the 0 dead letters on {settings.topic_deadletter}" in done.stderr
    plain = _newsflow(["deadletter", "replay"], settings)
    assert plain.returncode == 0 and "nothing to replay" in plain.stdout + plain.stderr
