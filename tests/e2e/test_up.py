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
