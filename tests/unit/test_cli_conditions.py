"""Known conditions end with one clear line on stderr and a non-zero status, never a traceback; `--debug`
shows the traceback. Each condition is created for real; none needs a running broker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas.models import EnrichedArticle, Language, Mention
from services.config import Settings
from services.sink.store import open_store
from services.stackstate import StackLock

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 4, 7, 14, 39, tzinfo=UTC)


def newsflow(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSFLOW_", "KAFKA_"))}
    base["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "services.cli", *args], cwd=cwd, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=120)


def assert_one_line(done: subprocess.CompletedProcess[str], *expected: str, status: int = 1) -> str:
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("newsflow: error: ")]
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr and "File \"" not in done.stderr, done.stderr
    assert len(errors) == 1, done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2, done.stderr  # the error, and at most the "using …" line
    for text in expected:
        assert text in errors[0], errors[0]
    return errors[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_kafka_configured_and_no_stack(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Ein Artikel.", encoding="utf-8")
    assert_one_line(newsflow("produce", "a.txt", cwd=tmp_path), "KAFKA_BOOTSTRAP_SERVERS is not set", "newsflow up")
    debug = newsflow("--debug", "produce", "a.txt", cwd=tmp_path)
    assert debug.returncode != 0 and "Traceback" in debug.stderr + debug.stdout


def test_unreachable_broker_fails_fast_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Ein Artikel.", encoding="utf-8")
    port = free_port()  # nobody listens there
    done = newsflow("produce", "a.txt", cwd=tmp_path, env={"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}"})
    assert_one_line(done, f"cannot reach Kafka at 127.0.0.1:{port}")


def test_up_while_another_up_holds_the_folder(tmp_path: Path) -> None:
    state = tmp_path / ".newsflow"
    with StackLock(state) as lock:  # what a running `newsflow up` holds
        lock.publish(Settings(kafka_bootstrap_servers="127.0.0.1:40123", state_dir=state))  # type: ignore[call-arg]
        done = newsflow("up", "--once", cwd=tmp_path)
    assert_one_line(done, "already running", f"pid {os.getpid()}", "127.0.0.1:40123")
    assert not (state / "kafka").exists()  # refused before a second broker was started on the first one's data


def test_bad_feeds_entry_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("feeds:\n  - https://a.example/rss\n  - url: https://b.example/rss\n"
                                         "    interval: soon\n", encoding="utf-8")
    assert_one_line(newsflow("feeds", "feeds.yaml", "--once", cwd=tmp_path),
                    "feeds.yaml:3: feeds[1] (https://b.example/rss): interval")


def test_invalid_setting_names_the_variable(tmp_path: Path) -> None:
    assert_one_line(newsflow("query", cwd=tmp_path, env={"NEWSFLOW_PARTITIONS": "many"}),
                    "invalid configuration: NEWSFLOW_PARTITIONS")


def test_query_never_creates_a_database(tmp_path: Path) -> None:
    assert_one_line(newsflow("query", cwd=tmp_path), "no database at", str(tmp_path / "newsflow.db"))
    assert list(tmp_path.iterdir()) == []


def _stored(tmp_path: Path, n: int) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'newsflow.db'}")
    body = "Die Deutsche Bahn und die Deutschen Bahn-Tochter streiten."
    mentions = [Mention(text="Deutsche Bahn", start=4, end=17, type="ORG"),
                Mention(text="Deutschen Bahn", start=26, end=40, type="ORG")]
    store.upsert([EnrichedArticle(
        id=f"u-{i:032d}", source="s", title="Red Sox win again in a very long headline that does not fit in the cell "
        "of the table at all", body=body, language=Language(code="de" if i % 2 else "nl", confidence=0.9,
                                                             decided_by="body"),
        entities=mentions, content_hash=f"h{i}", fetched_at=NOW, normalized_at=NOW, enriched_at=NOW, published_at=NOW)
        for i in range(n)])
    store.close()


def test_query_options_are_validated(tmp_path: Path) -> None:
    _stored(tmp_path, 3)
    assert_one_line(newsflow("query", "--limit", "-1", cwd=tmp_path), "--limit must be 1 or more", status=2)
    assert_one_line(newsflow("query", "--language", "xx", cwd=tmp_path), "unknown language code 'xx'", status=2)


def test_query_counts_all_and_folds_language_case(tmp_path: Path) -> None:
    _stored(tmp_path, 25)
    done = newsflow("query", "--language", "DE", "--limit", "5", cwd=tmp_path, env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert "showing 5 of 12 stored articles, language de" in done.stdout
    assert "using database sqlite:///newsflow.db" in done.stderr  # which store it read
    everything = newsflow("query", cwd=tmp_path, env={"COLUMNS": "200"})
    assert "showing 20 of 25 stored articles" in everything.stdout
    assert "Deutschen Bahn" not in everything.stdout and "Deutsche Bahn" in everything.stdout  # one name per entity
    assert "Red S " not in everything.stdout and "Red Sox win again" in everything.stdout  # cut at a word boundary


@pytest.mark.parametrize("offset", ["nine", "9-1"])
def test_bad_replay_offset_is_one_line(tmp_path: Path, offset: str) -> None:
    assert_one_line(newsflow("deadletter", "replay", "--offset", offset, cwd=tmp_path), "--offset", status=2)
