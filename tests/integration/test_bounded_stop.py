"""A faust worker whose stop hangs inside faust still ends, on its own, soon after the signal (docs/faults.md, 10)."""
from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from services.common.processes import child_env
from services.config import Settings
from tests.support.faults import wait_until
from tests.support.kafka_io import send_values

pytestmark = pytest.mark.integration


def test_a_stop_that_hangs_in_faust_ends_after_the_grace(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings(stop_grace=3.0)
    log = tmp_path / "stuck.log"
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tests.support.stuck_worker"], env=child_env(settings),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        asyncio.run(send_values(settings, settings.topic_raw, [(b"k", b"a record")]))
        wait_until(lambda: "holding a record" in log.read_text(errors="replace") or proc.poll() is not None, 120,
                   "the stuck worker holding a record")
        assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        proc.send_signal(signal.SIGTERM)
        wait_until(lambda: proc.poll() is not None, 120, "the stuck worker ending after its grace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = log.read_text(errors="replace")
    assert proc.returncode == 0, out[-3000:]
    assert "still stopping 3 s after the signal" in out
    assert "stubborn" in out  # where it waited: the agent that ignored its cancellation
