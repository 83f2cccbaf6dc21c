"""`newsflow up --once` on the two seed articles, as separate processes, twice: exactly two rows."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

pytestmark = pytest.mark.e2e


def _up(cwd: Path, seeds: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSFLOW_", "KAFKA_"))}
    return subprocess.run([sys.executable, "-m", "services.cli", "up", "--once", "--timeout", "180", str(seeds)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=400)


@pytest.fixture(scope="module")
def stored(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    cwd = tmp_path_factory.mktemp("up")
    for _ in range(2):  # the second run replays the same input into the same store
        done = _up(cwd, shared / "seeds")
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    db = sqlite3.connect(cwd / "newsflow.db")
    rows = [orjson.loads(r[0]) for r in db.execute("SELECT record FROM articles ORDER BY language DESC")]
    db.close()
    return rows


def test_two_runs_leave_exactly_two_rows(stored: list[dict]) -> None:
    assert len(stored) == 2
    assert [r["language"]["code"] for r in stored] == ["nl", "de"]


def _people(record: dict) -> dict[str, str]:
    return {m["text"]: m["entity_id"] for m in record["entities"] if m["type"] == "PER"}


def test_seed_records_are_right(stored: list[dict]) -> None:
    nl, de = stored
    assert nl["title"] == "Rusland staat open voor economische samenwerking met de VS in kritieke grondstoffen"
    assert nl["title"] not in nl["body"]  # the repeated title line is kept once, as the title
    assert nl["attribution"] == "CNN" and "Rapporten van CNN" not in nl["body"]
    assert de["title"] == "US-Russland-Investitionsgespräche erwartet" and de["title"] not in de["body"]
    assert de["published_at"].startswith("2025-04-07T14:39")  # 16:39 in Berlin
    assert de["source"] == "Welt Nachrichten"
    for record in stored:
        assert "Kommentare (0)" not in record["body"] and "Veröffentlichungsdatum" not in record["body"]
        for m in record["entities"]:
            assert record["body"][m["start"]:m["end"]] == m["text"]


def test_seed_people_share_canonical_ids_across_languages(stored: list[dict]) -> None:
    nl, de = _people(stored[0]), _people(stored[1])
    putin, trump = nl.get("Poetin"), nl.get("Trump")
    assert putin and trump and putin != trump
    assert nl.get("Putin") == putin  # the Dutch text quotes "Putin" once too
    dmitriev = {v for k, v in nl.items() if "Dmitriev" in k} | {v for k, v in de.items() if "Dmitriev" in k}
    assert len(dmitriev) == 1 and None not in dmitriev  # one id for Dmitriev in both languages
