"""Storage of enriched articles: SQLite (embedded default) or PostgreSQL (psycopg 3), idempotent by article id.

Both keep one row per article (upsert: a replay never duplicates), one row per (article, entity)
for lookups by entity id, and one row per story (the latest record from the `stories` topic; an older
record, with fewer articles, never overwrites a newer one). The schema is created on open by the writer;
columns added since (near_duplicate_of, similarity, story_id) are added to an existing table. A reader
(`open_store(url, create=False)`) never creates a database or a table: StoreMissing says where it looked instead.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import orjson

from schemas.models import EnrichedArticle, Story

ARTICLE_COLUMNS = ("id", "source", "url", "title", "body", "language", "language_confidence", "published_at",
                   "content_hash", "duplicate_of", "entities", "record", "schema_version", "enriched_at",
                   "near_duplicate_of", "similarity", "story_id")
STORY_COLUMNS = ("id", "first_seen", "last_seen", "articles", "languages", "sources", "top_entities", "titles",
                 "record")


def article_row(article: EnrichedArticle) -> dict[str, Any]:
    """The flat row for an article: queryable columns plus the whole record as JSON."""
    return {
        "id": article.id,
        "source": article.source,
        "url": article.url,
        "title": article.title,
        "body": article.body,
        "language": article.language.code,
        "language_confidence": article.language.confidence,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "content_hash": article.content_hash,
        "duplicate_of": article.duplicate_of,
        "entities": orjson.dumps([m.model_dump() for m in article.entities]).decode(),
        "record": orjson.dumps(article.model_dump(mode="json")).decode(),
        "schema_version": article.schema_version,
        "enriched_at": article.enriched_at.isoformat(),
        "near_duplicate_of": article.near_duplicate_of,
        "similarity": article.similarity,
        "story_id": article.story_id,
    }


def story_row(story: Story) -> dict[str, Any]:
    return {
        "id": story.id,
        "first_seen": story.first_seen.isoformat(),
        "last_seen": story.last_seen.isoformat(),
        "articles": story.articles,
        "languages": orjson.dumps(story.languages).decode(),
        "sources": orjson.dumps(story.sources).decode(),
        "top_entities": orjson.dumps([e.model_dump() for e in story.top_entities]).decode(),
        "titles": orjson.dumps(story.titles).decode(),
        "record": orjson.dumps(story.model_dump(mode="json")).decode(),
    }


def story_upsert_sql(placeholder: str, json_cast: str = "") -> str:
    """Latest record wins, except that a story's article count never goes back (records can arrive
    from two workers out of order)."""
    cols = ", ".join(STORY_COLUMNS)
    marks = ", ".join(placeholder.format(c) + (json_cast if c in _STORY_JSON else "") for c in STORY_COLUMNS)
    updates = ", ".join(f"{c}=EXCLUDED.{c}" for c in STORY_COLUMNS if c != "id")
    return (f"INSERT INTO stories ({cols}) VALUES ({marks}) ON CONFLICT (id) DO UPDATE SET {updates} "
            f"WHERE EXCLUDED.articles >= stories.articles")


_STORY_JSON = ("languages", "sources", "top_entities", "titles", "record")


def latest_stories(stories: Sequence[Story]) -> list[Story]:
    return list({s.id: s for s in stories}.values())


def entity_rows(article: EnrichedArticle) -> list[tuple[str, str, str, str, int]]:
    return [(article.id, e.entity_id or f"text:{e.type}:{e.name}", e.name, e.type, e.mentions) for e in article.entity_summary]


def upsert_sql(placeholder: str) -> str:
    """The article upsert for both dialects; `placeholder` formats a named parameter (":{}" or "%({})s")."""
    cols = ", ".join(ARTICLE_COLUMNS)
    marks = ", ".join(placeholder.format(c) for c in ARTICLE_COLUMNS)
    updates = ", ".join(f"{c}=EXCLUDED.{c}" for c in ARTICLE_COLUMNS if c != "id")
    return f"INSERT INTO articles ({cols}) VALUES ({marks}) ON CONFLICT (id) DO UPDATE SET {updates}"


def latest_per_id(articles: Sequence[EnrichedArticle]) -> list[EnrichedArticle]:
    """Within one batch keep the last record per id (Kafka order), so one statement never hits a row twice."""
    return list({a.id: a for a in articles}.values())


class StoreMissing(LookupError):
    """A reader found no newsflow database at the configured URL."""


def _filters(language: str | None, entity_id: str | None, mark: str,
             story_id: str | None = None) -> tuple[str, list[Any]]:
    """FROM/JOIN/WHERE shared by query and count; `mark` is the dialect's placeholder."""
    sql = " FROM articles a"
    args: list[Any] = []
    if entity_id:
        sql += f" JOIN article_entities e ON e.article_id = a.id AND e.entity_id = {mark}"
        args.append(entity_id)
    where = [(c, v) for c, v in (("a.language", language), ("a.story_id", story_id)) if v]
    if where:
        sql += " WHERE " + " AND ".join(f"{c} = {mark}" for c, _ in where)
        args.extend(v for _, v in where)
    return sql, args


class Store(Protocol):
    def upsert(self, articles: Sequence[EnrichedArticle], stories: Sequence[Story] = ()) -> int: ...
    def count(self, *, language: str | None = None, entity_id: str | None = None, story_id: str | None = None) -> int: ...
    def query(self, *, language: str | None = None, entity_id: str | None = None, story_id: str | None = None,
              limit: int = 20) -> list[dict[str, Any]]: ...
    def story(self, story_id: str) -> dict[str, Any] | None: ...
    def page(self, *, languages: Sequence[str] = (), entity_ids: Sequence[str] = (), before: tuple[str, str] | None = None,
             limit: int = 100) -> list[tuple[str, str, dict[str, Any]]]: ...
    def close(self) -> None: ...


_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
  id TEXT PRIMARY KEY, source TEXT NOT NULL, url TEXT, title TEXT, body TEXT NOT NULL,
  language TEXT NOT NULL, language_confidence REAL NOT NULL, published_at TEXT, content_hash TEXT NOT NULL,
  duplicate_of TEXT, entities TEXT NOT NULL, record TEXT NOT NULL, schema_version INTEGER NOT NULL,
  enriched_at TEXT NOT NULL, stored_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  near_duplicate_of TEXT, similarity REAL, story_id TEXT);
CREATE INDEX IF NOT EXISTS articles_language ON articles (language);
CREATE TABLE IF NOT EXISTS article_entities (
  article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE, entity_id TEXT NOT NULL,
  name TEXT NOT NULL, type TEXT NOT NULL, mentions INTEGER NOT NULL, PRIMARY KEY (article_id, entity_id));
CREATE INDEX IF NOT EXISTS article_entities_entity ON article_entities (entity_id);
CREATE TABLE IF NOT EXISTS stories (
  id TEXT PRIMARY KEY, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, articles INTEGER NOT NULL,
  languages TEXT NOT NULL, sources TEXT NOT NULL, top_entities TEXT NOT NULL, titles TEXT NOT NULL,
  record TEXT NOT NULL);
"""
# Columns added after a store was first created: added on open when missing (see _missing_columns).
_ADDED_COLUMNS = (("near_duplicate_of", "TEXT"), ("similarity", "REAL"), ("story_id", "TEXT"))
_STORY_INDEX = "CREATE INDEX IF NOT EXISTS articles_story ON articles (story_id)"

# Two mentions of one linked entity under different summaries add up rather than collide.
_ENTITY_CONFLICT = " ON CONFLICT (article_id, entity_id) DO UPDATE SET mentions = article_entities.mentions + excluded.mentions"
_QUERY_COLUMNS = ("a.id, a.source, a.title, a.language, a.published_at, a.duplicate_of, a.near_duplicate_of, "
                  "a.similarity, a.story_id, a.entities")


def page_sql(mark: str, languages: Sequence[str], entity_ids: Sequence[str], before: bool, cast: str = "") -> str:
    """Keyset page, newest enrichment first: (enriched_at, id) strictly below the cursor. `mark` is the
    dialect's positional placeholder; `cast` turns the cursor's time text into the column's type."""
    sql = "SELECT a.enriched_at, a.id, a.record FROM articles a WHERE 1=1"
    if languages:
        sql += f" AND a.language IN ({', '.join([mark] * len(languages))})"
    if entity_ids:
        sql += (" AND EXISTS (SELECT 1 FROM article_entities e WHERE e.article_id = a.id"
                f" AND e.entity_id IN ({', '.join([mark] * len(entity_ids))}))")
    if before:
        sql += f" AND (a.enriched_at < {mark}{cast} OR (a.enriched_at = {mark}{cast} AND a.id < {mark}))"
    return sql + f" ORDER BY a.enriched_at DESC, a.id DESC LIMIT {mark}"


def page_args(languages: Sequence[str], entity_ids: Sequence[str], before: tuple[str, str] | None, limit: int) -> list[Any]:
    return [*languages, *entity_ids, *((before[0], before[0], before[1]) if before else ()), limit]


class SQLiteStore:
    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = str(path)
        if not create:
            where = Path(self.path).resolve()
            if not where.is_file():
                raise StoreMissing(f"no database at {where} (NEWSFLOW_DATABASE_URL): nothing stored there yet; "
                                   "run `newsflow up` (or `newsflow sink`), or run this in the folder of the running stack")
            self.db = sqlite3.connect(f"{where.as_uri()}?mode=ro", uri=True, timeout=30, check_same_thread=False,
                                      isolation_level=None)
            if self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='articles'").fetchone() is None:
                self.db.close()
                raise StoreMissing(f"{where} is not a newsflow database (no articles table)")
            return
        # The sink calls us from a worker thread (asyncio.to_thread); one thread at a time.
        self.db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(_SQLITE_SCHEMA)
        have = {row[1] for row in self.db.execute("PRAGMA table_info(articles)")}
        for name, kind in _ADDED_COLUMNS:
            if name not in have:
                self.db.execute(f"ALTER TABLE articles ADD COLUMN {name} {kind}")
        self.db.execute(_STORY_INDEX)

    def upsert(self, articles: Sequence[EnrichedArticle], stories: Sequence[Story] = ()) -> int:
        articles = latest_per_id(articles)
        stories = latest_stories(stories)
        if not articles and not stories:
            return 0
        with self.db:  # one transaction: all of the batch or none of it
            self.db.execute("BEGIN")
            self.db.executemany(story_upsert_sql(":{}"), [story_row(s) for s in stories])
            self.db.executemany(upsert_sql(":{}"),
                                [article_row(a) for a in articles])
            self.db.executemany("DELETE FROM article_entities WHERE article_id = ?", [(a.id,) for a in articles])
            self.db.executemany("INSERT INTO article_entities VALUES (?, ?, ?, ?, ?)" + _ENTITY_CONFLICT,
                                [row for a in articles for row in entity_rows(a)])
        return len(articles)

    def count(self, *, language: str | None = None, entity_id: str | None = None, story_id: str | None = None) -> int:
        where, args = _filters(language, entity_id, "?", story_id)
        return int(self.db.execute("SELECT count(*)" + where, args).fetchone()[0])

    def query(self, *, language: str | None = None, entity_id: str | None = None, story_id: str | None = None,
              limit: int = 20) -> list[dict[str, Any]]:
        where, args = _filters(language, entity_id, "?", story_id)
        sql = f"SELECT {_QUERY_COLUMNS}" + where + " ORDER BY a.published_at DESC, a.id LIMIT ?"
        cur = self.db.execute(sql, [*args, limit])
        names = [d[0] for d in cur.description]
        return [_decode_entities(dict(zip(names, row, strict=True))) for row in cur.fetchall()]

    def story(self, story_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT record FROM stories WHERE id = ?", (story_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def page(self, *, languages: Sequence[str] = (), entity_ids: Sequence[str] = (), before: tuple[str, str] | None = None,
             limit: int = 100) -> list[tuple[str, str, dict[str, Any]]]:
        """(enriched_at, id, record) newest first, below the `before` cursor (see page_sql)."""
        rows = self.db.execute(page_sql("?", languages, entity_ids, before is not None),
                               page_args(languages, entity_ids, before, limit)).fetchall()
        return [(at, id_, orjson.loads(record)) for at, id_, record in rows]

    def close(self) -> None:
        self.db.close()


_PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
  id TEXT PRIMARY KEY, source TEXT NOT NULL, url TEXT, title TEXT, body TEXT NOT NULL,
  language TEXT NOT NULL, language_confidence DOUBLE PRECISION NOT NULL, published_at TIMESTAMPTZ,
  content_hash TEXT NOT NULL, duplicate_of TEXT, entities JSONB NOT NULL, record JSONB NOT NULL,
  schema_version INTEGER NOT NULL, enriched_at TIMESTAMPTZ NOT NULL, stored_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  near_duplicate_of TEXT, similarity DOUBLE PRECISION, story_id TEXT);
ALTER TABLE articles ADD COLUMN IF NOT EXISTS near_duplicate_of TEXT;
ALTER TABLE articles ADD COLUMN IF NOT EXISTS similarity DOUBLE PRECISION;
ALTER TABLE articles ADD COLUMN IF NOT EXISTS story_id TEXT;
CREATE INDEX IF NOT EXISTS articles_language ON articles (language);
CREATE INDEX IF NOT EXISTS articles_story ON articles (story_id);
CREATE INDEX IF NOT EXISTS articles_entities_gin ON articles USING GIN (entities jsonb_path_ops);
CREATE TABLE IF NOT EXISTS article_entities (
  article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE, entity_id TEXT NOT NULL,
  name TEXT NOT NULL, type TEXT NOT NULL, mentions INTEGER NOT NULL, PRIMARY KEY (article_id, entity_id));
CREATE INDEX IF NOT EXISTS article_entities_entity ON article_entities (entity_id);
CREATE TABLE IF NOT EXISTS stories (
  id TEXT PRIMARY KEY, first_seen TIMESTAMPTZ NOT NULL, last_seen TIMESTAMPTZ NOT NULL, articles INTEGER NOT NULL,
  languages JSONB NOT NULL, sources JSONB NOT NULL, top_entities JSONB NOT NULL, titles JSONB NOT NULL,
  record JSONB NOT NULL);
"""


class PostgresStore:
    def __init__(self, url: str, *, create: bool = True) -> None:
        import psycopg  # imported here: SQLite users need no libpq

        self._psycopg = psycopg
        self.conn = psycopg.connect(url, autocommit=False, connect_timeout=10)
        if not create:
            with self.conn.transaction():
                found = self.conn.execute("SELECT to_regclass('articles')").fetchone()
            if not found or found[0] is None:
                self.conn.close()
                raise StoreMissing("the PostgreSQL database of NEWSFLOW_DATABASE_URL has no articles table yet: "
                                   "nothing stored there (start `newsflow sink`)")
            return
        with self.conn.transaction():
            # Several sinks may start at once: serialize schema creation.
            self.conn.execute("SELECT pg_advisory_xact_lock(727001)")
            self.conn.execute(_PG_SCHEMA)

    def upsert(self, articles: Sequence[EnrichedArticle], stories: Sequence[Story] = ()) -> int:
        articles = latest_per_id(articles)
        stories = latest_stories(stories)
        if not articles and not stories:
            return 0
        with self.conn.transaction(), self.conn.cursor() as cur:
            if stories:
                cur.executemany(story_upsert_sql("%({})s", "::jsonb"), [story_row(s) for s in stories])
            if not articles:
                return 0
            cur.executemany(upsert_sql("%({})s"),
                            [article_row(a) for a in articles])
            cur.execute("DELETE FROM article_entities WHERE article_id = ANY(%s)", ([a.id for a in articles],))
            rows = [row for a in articles for row in entity_rows(a)]
            if rows:
                cur.executemany("INSERT INTO article_entities VALUES (%s, %s, %s, %s, %s)" + _ENTITY_CONFLICT, rows)
        return len(articles)

    def count(self, *, language: str | None = None, entity_id: str | None = None, story_id: str | None = None) -> int:
        where, args = _filters(language, entity_id, "%s", story_id)
        with self.conn.transaction():
            row = self.conn.execute("SELECT count(*)" + where, args).fetchone()
        return int(row[0]) if row else 0

    def query(self, *, language: str | None = None, entity_id: str | None = None, story_id: str | None = None,
              limit: int = 20) -> list[dict[str, Any]]:
        where, args = _filters(language, entity_id, "%s", story_id)
        sql = f"SELECT {_QUERY_COLUMNS}" + where + " ORDER BY a.published_at DESC NULLS LAST, a.id LIMIT %s"
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(sql, [*args, limit])
            names = [d.name for d in cur.description or []]
            rows = cur.fetchall()
        return [_decode_entities(dict(zip(names, row, strict=True))) for row in rows]

    def story(self, story_id: str) -> dict[str, Any] | None:
        with self.conn.transaction():
            row = self.conn.execute("SELECT record FROM stories WHERE id = %s", (story_id,)).fetchone()
        return dict(row[0]) if row else None

    def page(self, *, languages: Sequence[str] = (), entity_ids: Sequence[str] = (), before: tuple[str, str] | None = None,
             limit: int = 100) -> list[tuple[str, str, dict[str, Any]]]:
        """(enriched_at, id, record) newest first, below the `before` cursor (see page_sql)."""
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(page_sql("%s", languages, entity_ids, before is not None, cast="::timestamptz"),  # type: ignore[arg-type]
                        page_args(languages, entity_ids, before, limit))
            rows = cur.fetchall()
        return [(at.isoformat() if not isinstance(at, str) else at, id_, record if isinstance(record, dict)
                 else orjson.loads(record)) for at, id_, record in rows]

    def close(self) -> None:
        self.conn.close()


def _decode_entities(row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(row.get("entities"), str):
        row["entities"] = orjson.loads(row["entities"])
    if row.get("published_at") is not None and not isinstance(row["published_at"], str):
        row["published_at"] = row["published_at"].isoformat()
    return row


def open_store(url: str, *, create: bool = True) -> Store:
    """sqlite:///relative.db, sqlite:////abs/path.db, or postgresql://user:pass@host:port/db.

    create=False opens for reading: nothing is created (StoreMissing when there is nothing to read)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteStore(path, create=create)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url, create=create)
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://...")
