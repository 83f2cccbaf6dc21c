from datetime import UTC, datetime
from pathlib import Path

from schemas.models import EnrichedArticle, EntitySummary, Language, Mention
from services.sink.store import SQLiteStore, latest_per_id, open_store

NOW = datetime(2025, 4, 7, 14, 39, tzinfo=UTC)


def article(ident: str, title: str = "t", lang: str = "nl") -> EnrichedArticle:
    body = "Poetin sprak met Trump."
    return EnrichedArticle(
        id=ident, source="s", title=title, body=body, language=Language(code=lang, confidence=0.99, decided_by="body"),
        entities=[Mention(text="Poetin", start=0, end=6, type="PER", entity_id="Q7747", canonical_name="Vladimir Putin")],
        entity_summary=[EntitySummary(entity_id="Q7747", name="Vladimir Putin", type="PER", mentions=1)],
        content_hash="h" + ident, fetched_at=NOW, normalized_at=NOW, enriched_at=NOW, published_at=NOW,
    )


def test_upsert_is_idempotent_and_last_write_wins(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    assert isinstance(store, SQLiteStore)
    store.upsert([article("a"), article("b")])
    store.upsert([article("a", title="new"), article("b")])
    assert store.count() == 2
    assert {r["title"] for r in store.query()} == {"new", "t"}


def test_query_by_language_and_entity(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    store.upsert([article("a", lang="nl"), article("b", lang="de")])
    assert [r["id"] for r in store.query(language="de")] == ["b"]
    assert sorted(r["id"] for r in store.query(entity_id="Q7747")) == ["a", "b"]
    assert store.query(entity_id="Q1") == []
    assert store.query(language="nl")[0]["entities"][0]["entity_id"] == "Q7747"


def test_a_batch_with_the_same_id_twice_keeps_the_last() -> None:
    assert [a.title for a in latest_per_id([article("a", title="1"), article("a", title="2")])] == ["2"]


def test_failed_batch_writes_nothing(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    store.db.execute("CREATE TRIGGER boom BEFORE INSERT ON article_entities WHEN NEW.article_id = 'bad' "
                     "BEGIN SELECT RAISE(ABORT, 'boom'); END")  # type: ignore[attr-defined]
    try:
        store.upsert([article("ok"), article("bad")])
    except Exception:
        pass
    assert store.count() == 0
