"""The running local stack of `newsflow up`, found by every other command started in the same folder.

`newsflow up` holds an exclusive lock on STATE_DIR/up.lock for as long as it runs, so a second `up` on
the same state dir is refused (instead of a second broker fighting over the first one's log), and writes
STATE_DIR/stack.json once its broker and topics are there:

    {"pid": 4242, "started_at": "2025-04-07T14:39:00+00:00", "state_dir": "/abs/.newsflow",
     "bootstrap_servers": "127.0.0.1:40123", "database_url": "sqlite:////abs/newsflow.db",
     "topics": {"raw": "articles.raw", "enriched": "articles.enriched", ...},
     "settings": {"kafka_bootstrap_servers": ..., "database_url": ..., "topic_raw": ..., ...}}

Other commands (`produce`, `query`, `deadletter`, `examples/subscribe.py`) read it when their environment
does not name a broker; what the environment sets explicitly wins. A file whose lock nobody holds is
stale (its `up` crashed or was killed) and ignored. The format is documented here and in README.md;
adding keys is compatible.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from services.config import Settings

STATE_FILE = "stack.json"
LOCK_FILE = "up.lock"
# What a command in the same folder takes over from the running stack (unless its environment sets it).
SHARED_SETTINGS = ("kafka_bootstrap_servers", "database_url", "topic_raw", "topic_normalized", "topic_enriched",
                   "topic_deadletter", "partitions", "processor_id", "sink_group")


class StackBusy(RuntimeError):
    """Another `newsflow up` holds this state dir."""


@dataclass(frozen=True)
class StackInfo:
    path: Path
    pid: int
    bootstrap_servers: str
    database_url: str
    settings: dict[str, Any]

    def describe(self) -> str:
        return f"the stack of `newsflow up` (pid {self.pid}, {self.path})"


def absolute_database_url(url: str) -> str:
    """sqlite:///relative.db as an absolute sqlite:////… URL, so another folder's command finds the same file."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        return "sqlite:///" + str(Path(url.removeprefix("sqlite:///")).resolve())
    return url


def state_document(settings: Settings, pid: int, now: datetime | None = None) -> dict[str, Any]:
    """The stack.json content for a stack running with `settings`. Pure but for the clock default."""
    shared = {name: getattr(settings, name) for name in SHARED_SETTINGS}
    shared["database_url"] = absolute_database_url(settings.database_url)
    return {
        "pid": pid,
        "started_at": (now or datetime.now(UTC)).isoformat(),
        "state_dir": str(Path(settings.state_dir).resolve()),
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "database_url": shared["database_url"],
        "topics": {"raw": settings.topic_raw, "normalized": settings.topic_normalized,
                   "enriched": settings.topic_enriched, "deadletter": settings.topic_deadletter},
        "settings": shared,
    }


def apply_stack(settings: Settings, info: StackInfo) -> Settings:
    """`settings` with the stack's values for everything its environment did not set explicitly."""
    updates = {k: v for k, v in info.settings.items() if k in SHARED_SETTINGS and k not in settings.model_fields_set}
    return settings.model_copy(update=updates)


def _held(path: Path) -> bool:
    """Whether some process holds the lock file at `path` (a lock dies with its process, even on kill -9)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock we just took
    return False


def read_state(state_dir: Path) -> StackInfo | None:
    """The running stack of this state dir, or None (no file, unreadable, or stale: nobody holds the lock)."""
    path = Path(state_dir) / STATE_FILE
    if not path.is_file() or not _held(Path(state_dir) / LOCK_FILE):
        return None
    try:
        doc = orjson.loads(path.read_bytes())
        return StackInfo(path=path.resolve(), pid=int(doc["pid"]), bootstrap_servers=str(doc["bootstrap_servers"]),
                         database_url=str(doc["database_url"]), settings=dict(doc.get("settings") or {}))
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None


class StackLock:
    """`newsflow up`'s claim on a state dir: exclusive, released on exit (or by the kernel when it dies)."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)
        self._fd: int | None = None

    def acquire(self) -> StackLock:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.state_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            running = read_state(self.state_dir)
            who = running.describe() + f", Kafka {running.bootstrap_servers}" if running else "another `newsflow up`"
            raise StackBusy(f"{who} is already running on {self.state_dir.resolve()}: use it from this folder "
                            "(newsflow produce / query / deadletter find it), stop it with Ctrl-C in its shell, "
                            "or give this one another NEWSFLOW_STATE_DIR") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def publish(self, settings: Settings) -> Path:
        """Write stack.json (atomically) for the other commands of this folder."""
        path = self.state_dir / STATE_FILE
        tmp = path.with_suffix(".json.tmp")
        tmp.write_bytes(orjson.dumps(state_document(settings, os.getpid()), option=orjson.OPT_INDENT_2))
        os.replace(tmp, path)
        return path

    def release(self) -> None:
        if self._fd is None:
            return
        (self.state_dir / STATE_FILE).unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> StackLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
