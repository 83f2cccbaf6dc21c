"""Feed poller state: conditional-GET validators, backoff, entry ids already published.

Decisions are pure functions over `FeedState`; `FeedStateStore` only keeps them in SQLite at
settings.state_dir/feedstate.sqlite3. Why SQLite and not a compacted Kafka topic: the poller asks
"was this entry id published?" for every entry of every poll, and a restart must not replay a topic to
answer it; the file lives on the poller's own volume (one poller per state_dir, see docs/producers.md).
An entry id is recorded only after Kafka acknowledged its record, and new validators (ETag,
Last-Modified) only after every new entry of that document was acknowledged, so a crash can repeat a
record (at-least-once; keys are stable, the processor dedups) but never lose one.
"""

from __future__ import annotations

import email.utils
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

RETRY_BASE = 60.0  # first retry after a failure, doubled per consecutive failure


@dataclass(frozen=True)
class FeedState:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    next_poll: float = 0.0  # unix time
    last_result: str | None = None


def conditional_headers(state: FeedState) -> dict[str, str]:
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def backoff_delay(failures: int, *, cap: float, base: float = RETRY_BASE) -> float:
    """Seconds to wait after `failures` consecutive failures: base, 2*base, 4*base ... at most cap."""
    if failures <= 0:
        return 0.0
    return min(cap, base * 2.0 ** min(failures - 1, 30))


def retry_after(value: str | None, now: float) -> float | None:
    """A Retry-After header (seconds or HTTP date) as seconds from now; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def after_fetch(state: FeedState, headers: Mapping[str, str], *, now: float, interval: float) -> FeedState:
    """A document was fetched and all its new entries were published: keep its validators."""
    return replace(state, etag=headers.get("etag") or None, last_modified=headers.get("last-modified") or None,
                   failures=0, next_poll=now + interval, last_result="ok")


def after_not_modified(state: FeedState, *, now: float, interval: float) -> FeedState:
    return replace(state, failures=0, next_poll=now + interval, last_result="not_modified")


def after_failure(state: FeedState, reason: str, *, now: float, cap: float,
                  wait: float | None = None, keep_validators: bool = True) -> FeedState:
    """Back off exponentially (RETRY_BASE doubling up to cap), and never sooner than a Retry-After.

    keep_validators=False when entries of the last document may be unpublished: the next poll must
    then get the full document, not a 304.
    """
    failures = state.failures + 1
    delay = max(backoff_delay(failures, cap=cap), min(wait or 0.0, cap))
    changed = replace(state, failures=failures, next_poll=now + delay, last_result=reason[:500])
    return changed if keep_validators else replace(changed, etag=None, last_modified=None)


class FeedStateStore:
    """SQLite: one row per feed (validators, schedule) and one per published entry id."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript("""
            CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT,
                failures INTEGER NOT NULL DEFAULT 0, next_poll REAL NOT NULL DEFAULT 0, last_result TEXT);
            CREATE TABLE IF NOT EXISTS seen (feed_url TEXT NOT NULL, entry_key TEXT NOT NULL,
                first_seen REAL NOT NULL, last_seen REAL NOT NULL, PRIMARY KEY (feed_url, entry_key));
        """)

    @classmethod
    def for_state_dir(cls, state_dir: Path) -> FeedStateStore:
        return cls(Path(state_dir) / "feedstate.sqlite3")

    def close(self) -> None:
        self._db.close()

    def load(self, url: str) -> FeedState:
        row = self._db.execute("SELECT etag, last_modified, failures, next_poll, last_result FROM feeds WHERE url = ?",
                               (url,)).fetchone()
        return FeedState(url) if row is None else FeedState(url, *row)

    def save(self, state: FeedState) -> None:
        self._db.execute(
            "INSERT INTO feeds (url, etag, last_modified, failures, next_poll, last_result) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified, "
            "failures=excluded.failures, next_poll=excluded.next_poll, last_result=excluded.last_result",
            (state.url, state.etag, state.last_modified, state.failures, state.next_poll, state.last_result))

    def seen_keys(self, url: str, keys: Iterable[str]) -> set[str]:
        """Which of `keys` were published before for this feed (and refresh their last_seen)."""
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        now = time.time()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(k for (k,) in self._db.execute(
                f"SELECT entry_key FROM seen WHERE feed_url = ? AND entry_key IN ({marks})", (url, *chunk)))
            self._db.execute(f"UPDATE seen SET last_seen = ? WHERE feed_url = ? AND entry_key IN ({marks})",
                             (now, url, *chunk))
        return found

    def mark_seen(self, url: str, keys: Iterable[str]) -> None:
        now = time.time()
        self._db.execute("BEGIN")
        try:
            self._db.executemany("INSERT OR IGNORE INTO seen (feed_url, entry_key, first_seen, last_seen) VALUES (?, ?, ?, ?)",
                                 [(url, k, now, now) for k in keys])
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def prune(self, older_than_days: float = 180.0) -> int:
        """Forget entry ids not present in their feed for a long time (keeps the table bounded)."""
        cutoff = time.time() - older_than_days * 86400
        return self._db.execute("DELETE FROM seen WHERE last_seen < ?", (cutoff,)).rowcount
