"""The sink's stories table and the story columns of articles (SQLite here; PostgreSQL in integration)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from schemas.models import Story, StoryEntity
from services.sink.store import open_store
from tests.unit.test_store import article

NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)


def story(articles: int, title: str = "EZB senkt Leitzins") -> Story:
    return Story(id="st-1", first_seen=NOW, last_seen=NOW + timedelta(minutes=articles), articles=articles,
                 languages=["de", "en"], sources=["a", "b"], titles={"de": title},
                 top_entities=[StoryEntity(entity_id="Q1", name="ECB", articles=articles)])


def test_stories_are_stored_and_never_replaced_by_an_older_record(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    store.upsert([], [story(2)])
    store.upsert([], [story(3, title="newer")])
    store.upsert([], [story(1, title="late, older record")])  # from another worker, out of order
    record = store.story("st-1")
    assert record is not None and record["articles"] == 3 and record["titles"] == {"de": "newer"}
    assert store.story("st-unknown") is None


def test_articles_are_found_by_story(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    a = article("a").model_copy(update={"story_id": "st-1"})
    b = article("b").model_copy(update={"story_id": "st-1", "near_duplicate_of": "a", "similarity": 0.8})
    store.upsert([a, b, article("c")], [story(2)])
    rows = {r["id"]: r for r in store.query(story_id="st-1")}
    assert set(rows) == {"a", "b"}
    assert rows["b"]["near_duplicate_of"] == "a" and rows["b"]["similarity"] == 0.8
    assert [r["id"] for r in store.query(story_id="st-1", language="de")] == []


def test_a_store_made_before_stories_gains_the_columns(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE articles (id TEXT PRIMARY KEY, source TEXT NOT NULL, url TEXT, title TEXT, "
               "body TEXT NOT NULL, language TEXT NOT NULL, language_confidence REAL NOT NULL, published_at TEXT, "
               "content_hash TEXT NOT NULL, duplicate_of TEXT, entities TEXT NOT NULL, record TEXT NOT NULL, "
               "schema_version INTEGER NOT NULL, enriched_at TEXT NOT NULL, stored_at TEXT)")
    db.commit()
    db.close()
    store = open_store(f"sqlite:///{path}")
    store.upsert([article("a").model_copy(update={"story_id": "st-9"})])
    assert [r["id"] for r in store.query(story_id="st-9")] == ["a"]
