"""Read-only questions to the article store for status and the live page (SQLite or PostgreSQL).

Never creates a database: a SQLite file that does not exist yet is "nothing stored", and SQLite is opened
read-only. Time windows use the store's own `stored_at` (set by the database when the sink writes).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def _sqlite_time(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"  # the column's own format


class StoreView:
    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite:///")
        self._db: Any = None

    def _connect(self) -> Any:
        if self._db is not None:
            return self._db
        if self.sqlite:
            path = Path(self.url.removeprefix("sqlite:///"))
            if not path.exists():
                return None
            self._db = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=5, check_same_thread=False)
        else:
            import psycopg

            self._db = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
        return self._db

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        db = self._connect()
        if db is None:
            return []
        if not self.sqlite:
            sql = sql.replace("?", "%s")
        try:
            return list(db.execute(sql, args).fetchall())
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):  # the sink has not created its schema yet
                return []
            raise

    def _since(self, seconds: float, now: datetime) -> Any:
        t = now - timedelta(seconds=seconds)
        return _sqlite_time(t) if self.sqlite else t

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def count(self) -> int:
        rows = self._rows("SELECT count(*) FROM articles")
        return int(rows[0][0]) if rows else 0

    def stored_since(self, seconds: float, now: datetime) -> int:
        rows = self._rows("SELECT count(*) FROM articles WHERE stored_at >= ?", [self._since(seconds, now)])
        return int(rows[0][0]) if rows else 0

    def stored_per_second(self, seconds: float, now: datetime) -> dict[str, int]:
        """Articles stored per UTC second ("YYYY-MM-DDTHH:MM:SS") over the last `seconds`."""
        second = "substr(stored_at, 1, 19)" if self.sqlite else \
            "to_char(stored_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        rows = self._rows(f"SELECT {second}, count(*) FROM articles WHERE stored_at >= ? GROUP BY 1",
                          [self._since(seconds, now)])
        return {str(k): int(n) for k, n in rows}

    def languages(self) -> list[tuple[str, int]]:
        rows = self._rows("SELECT language, count(*) FROM articles WHERE duplicate_of IS NULL "
                          "GROUP BY language ORDER BY 2 DESC, 1")
        return [(str(lang), int(n)) for lang, n in rows]

    def top_entities(self, seconds: float, now: datetime, limit: int = 10) -> list[dict[str, Any]]:
        """Linked entities in articles stored in the window, by the number of articles naming them."""
        rows = self._rows(
            "SELECT e.entity_id, max(e.name), max(e.type), count(DISTINCT e.article_id), sum(e.mentions) "
            "FROM article_entities e JOIN articles a ON a.id = e.article_id "
            "WHERE a.stored_at >= ? AND e.entity_id NOT LIKE 'text:%' "
            "GROUP BY e.entity_id ORDER BY 4 DESC, 5 DESC, 2 LIMIT ?", [self._since(seconds, now), limit])
        return [{"id": i, "name": n, "type": t, "articles": int(a), "mentions": int(m)} for i, n, t, a, m in rows]

    def latest(self, limit: int = 10) -> list[dict[str, Any]]:
        rows = self._rows("SELECT id, title, language, source, url, stored_at FROM articles "
                          "ORDER BY stored_at DESC, id LIMIT ?", [limit])
        articles = [{"id": i, "title": t, "language": lang, "source": s, "url": u,
                     "stored_at": st if isinstance(st, str) else st.isoformat(), "entities": []}
                    for i, t, lang, s, u, st in rows]
        if articles:
            marks = ", ".join("?" for _ in articles)
            names = self._rows(f"SELECT article_id, entity_id, name, type FROM article_entities "
                               f"WHERE article_id IN ({marks}) ORDER BY mentions DESC, name", [a["id"] for a in articles])
            by_id = {a["id"]: a for a in articles}
            for article_id, entity_id, name, kind in names:
                linked = not str(entity_id).startswith("text:")
                by_id[article_id]["entities"].append({"id": entity_id if linked else None, "name": name, "type": kind})
        return articles
