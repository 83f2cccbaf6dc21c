"""Which files `newsflow produce` sent already: content hashes per destination, in the state dir.

Re-running `produce` on the same files would publish every article again (harmless downstream, since keys
and ids are stable, but silent and slow); instead an unchanged file is skipped and counted ("3 unchanged,
skipped"), unless --force. A file is recorded only after Kafka acknowledged all its records. The
destination is the Kafka cluster id (else the bootstrap servers), the raw topic and the source name, so the
same file sent to another cluster, topic or under another --source is sent. Kept in SQLite at
NEWSFLOW_STATE_DIR/sent-files.sqlite3 (one row per file version; delete the file to forget).
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

FILE_NAME = "sent-files.sqlite3"


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def destination(cluster: str | None, bootstrap: str, topic: str, source: str) -> str:
    """Where records went, as recorded: `cluster-id/topic/source` (bootstrap servers when the id is unknown)."""
    return f"{cluster or bootstrap}/{topic}/{source}"


class SentFiles:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("CREATE TABLE IF NOT EXISTS sent (digest TEXT NOT NULL, destination TEXT NOT NULL, "
                        "path TEXT NOT NULL, sent_at TEXT NOT NULL, PRIMARY KEY (digest, destination))")

    @classmethod
    def for_state_dir(cls, state_dir: Path) -> SentFiles:
        return cls(Path(state_dir) / FILE_NAME)

    def seen(self, digest: str, destination: str) -> bool:
        row = self.db.execute("SELECT 1 FROM sent WHERE digest = ? AND destination = ?", (digest, destination))
        return row.fetchone() is not None

    def record(self, digest: str, destination: str, path: Path) -> None:
        self.db.execute("INSERT OR REPLACE INTO sent VALUES (?, ?, ?, ?)",
                        (digest, destination, str(path), datetime.now(UTC).isoformat()))

    def close(self) -> None:
        self.db.close()
