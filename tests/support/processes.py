"""Run newsflow services as real child processes for integration tests (killable, restartable)."""

from __future__ import annotations

import os
import signal
import subprocess
import warnings
from pathlib import Path

from services.common.processes import child_env, spawn
from services.config import Settings


def service_env(settings: Settings) -> dict[str, str]:
    return child_env(settings)


class Service:
    """`newsflow <command>` in its own process group, logging to a file."""

    def __init__(self, command: str, settings: Settings, log_dir: Path, name: str | None = None) -> None:
        self.command = command
        self.settings = settings
        self.log = log_dir / f"{name or command}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_from = 0  # where this start's lines begin in the (appended) log
        self._joined = False

    def args(self) -> list[str]:
        return [self.command]

    def start(self) -> Service:
        self.log_from = self.log.stat().st_size if self.log.exists() else 0
        self._joined = False
        self.proc = spawn(self.args(), self.settings, self.log)
        return self

    def joined(self) -> bool:
        """Since its last start, the service was given partitions by its consumer group (aiokafka's line,
        the same for a faust worker and the sink)."""
        if not self._joined:
            self._joined = b"Setting newly assigned partitions" in self._log_since_start()
        return self._joined

    def _log_since_start(self) -> bytes:
        """What the service logged since its last start (nothing yet: b"")."""
        try:
            with self.log.open("rb") as f:
                f.seek(self.log_from)
                return f.read()
        except OSError:
            return b""

    def cpu_seconds(self) -> float:
        """CPU time the running process has used (all its threads); 0 when it is not running."""
        if not self.alive():
            return 0.0
        assert self.proc is not None
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

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
            self._report_overdue_stop()
        return self.proc.returncode

    def _report_overdue_stop(self) -> None:
        """A faust worker that hung while stopping exits after its grace with status 0 and says where it waited
        (services/common/faustworker.py): that passes, but the dump reaches the test report as a warning."""
        text = self._log_since_start().decode("utf-8", "replace")
        if "still stopping" in text:
            warnings.warn(f"{self.log.name}: the stop hung in faust and was cut short after the grace:\n"
                          + text[text.index("still stopping") :][:6000], stacklevel=2)

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""
