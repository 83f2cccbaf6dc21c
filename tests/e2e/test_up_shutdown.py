"""`newsflow up` keeps running until Ctrl-C, then stops processor, sink and broker cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.faults import wait_until

pytestmark = pytest.mark.e2e


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                seen = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
                if text in seen.decode(errors="replace"):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def _running_up(tmp_path: Path) -> subprocess.Popen[str]:
    """`newsflow up` on the bundled samples, once it says it is running."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSFLOW_", "KAFKA_"))}
    env["NEWSFLOW_STATE_DIR"] = str(tmp_path / "state")
    # started as a shell starts a background job, with SIGINT ignored: `up` must still stop on it
    up = subprocess.Popen([sys.executable, "-m", "services.cli", "up"], cwd=tmp_path, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert up.stderr is not None
    deadline = time.monotonic() + 180
    seen = []
    for line in up.stderr:  # samples/ are fed and stored before it says it is running
        seen.append(line)
        if line.startswith("running;") or time.monotonic() > deadline:
            break
    assert any(line.startswith("running;") for line in seen), "".join(seen)
    # up itself, the broker (its data dir), the processor and the sink (their environment)
    assert len(_processes_mentioning(str(tmp_path / "state"))) >= 4
    return up


def test_ctrl_c_stops_everything(tmp_path: Path) -> None:
    up = _running_up(tmp_path)
    up.send_signal(signal.SIGINT)
    out, _ = up.communicate(timeout=90)
    assert up.returncode == 0
    assert "3 articles" in out  # the bundled samples were stored and shown
    wait_until(lambda: _processes_mentioning(str(tmp_path / "state")) == [], 30, "broker, processor and sink to be gone")


def test_a_closed_terminal_stops_everything(tmp_path: Path) -> None:
    """A terminal that closes sends SIGHUP and takes the output with it: `up` still stops its children."""
    up = _running_up(tmp_path)
    assert up.stdout is not None and up.stderr is not None
    up.stdout.close()
    up.stderr.close()
    up.send_signal(signal.SIGHUP)
    up.wait(timeout=90)
    wait_until(lambda: _processes_mentioning(str(tmp_path / "state")) == [], 30, "broker, processor and sink to be gone")
