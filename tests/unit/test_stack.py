"""`newsflow up` restarts a child that dies, and gives up on one that keeps dying."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from services.config import Settings
from services.cli_errors import explain
from services.stack import RESTARTS, ChildCrashed, Stack, last_error, may_restart


def test_restart_budget_counts_only_recent_exits() -> None:
    assert may_restart([100.0], now=100.0)
    assert may_restart([float(t) for t in range(RESTARTS)], now=float(RESTARTS - 1))
    assert not may_restart([float(t) for t in range(RESTARTS + 1)], now=float(RESTARTS))
    assert may_restart([0.0] * 50 + [1000.0], now=1000.0, window=300.0)  # old crashes are forgiven


def test_a_dead_child_is_restarted_until_it_keeps_dying(tmp_path: Path) -> None:
    stack = Stack(Settings(kafka_bootstrap_servers="localhost:9", state_dir=tmp_path), log_dir=tmp_path / "logs")
    stack.spawn("broken", "no-such-command")  # exits at once with typer's usage error
    restarts = 0
    with pytest.raises(ChildCrashed, match=rf"the broken keeps crashing \(exit status 2, {RESTARTS + 1} times in 5 min\): "
                                          rf"No such command 'no-such-command'\.; full log: .*broken\.log") as crashed:
        deadline = time.monotonic() + 300  # six interpreter starts on a busy machine
        while time.monotonic() < deadline:
            restarts += len(stack.check_children())
            time.sleep(0.05)
    assert restarts == RESTARTS
    assert "No such command" in (tmp_path / "logs" / "broken.log").read_text()
    stack.stop()
    line, status = explain(crashed.value) or ("", 0)  # what `newsflow up` prints instead of a traceback
    assert status == 1 and "\n" not in line and line.startswith("the broken keeps crashing")


def test_last_error_is_the_exception_of_the_last_traceback() -> None:
    log = ("INFO starting\nTraceback (most recent call last):\n  File \"a.py\", line 1, in <module>\n    boom()\n"
           "ValueError: first\nTraceback (most recent call last):\n  File \"b.py\", line 2, in run\n    x = y()\n"
           "        ^^^\nRuntimeError: the store is gone\nlater noise\n")
    assert last_error(log) == "RuntimeError: the store is gone"
    assert last_error("all fine\nERROR sink: cannot write batch\nbye\n") == "ERROR sink: cannot write batch"
