"""Run newsflow services as real child processes for integration tests (killable, restartable)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from services.config import Settings


def service_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap,
        "NEWSFLOW_DATABASE_URL": settings.database_url,
        "NEWSFLOW_TOPIC_RAW": settings.topic_raw,
        "NEWSFLOW_TOPIC_NORMALIZED": settings.topic_normalized,
        "NEWSFLOW_TOPIC_ENRICHED": settings.topic_enriched,
        "NEWSFLOW_TOPIC_DEADLETTER": settings.topic_deadletter,
        "NEWSFLOW_PARTITIONS": str(settings.partitions),
        "NEWSFLOW_PROCESSOR_ID": settings.processor_id,
        "NEWSFLOW_SINK_GROUP": settings.sink_group,
        "NEWSFLOW_STATE_DIR": str(settings.state_dir),
        "NEWSFLOW_MAX_BODY_BYTES": str(settings.max_body_bytes),
        "NEWSFLOW_TOPIC_STORIES": settings.topic_stories,
        "NEWSFLOW_NEAR_DUPLICATE_THRESHOLD": str(settings.near_duplicate_threshold),
        "NEWSFLOW_STORY_THRESHOLD": str(settings.story_threshold),
        "NEWSFLOW_STORY_WINDOW_HOURS": str(settings.story_window_hours),
    })
    return env


class Service:
    """`newsflow <command>` in its own process group, logging to a file."""

    def __init__(self, command: str, settings: Settings, log_dir: Path, name: str | None = None) -> None:
        self.command = command
        self.settings = settings
        self.log = log_dir / f"{name or command}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "services.cli", self.command],
                                         env=service_env(self.settings), stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group: a crash, nothing flushed."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""
