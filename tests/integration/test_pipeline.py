"""The pipeline through a real Kafka broker (and PostgreSQL): producer -> processor -> sink."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from schemas import DeadLetter, EnrichedArticle, RawArticle, decode, encode
from services.cli import produce_paths
from services.config import Settings
from services.sink.consumer import run_sink
from services.sink.store import open_store
from tests.support.kafka_io import read_topic, send_values, wait_for
from tests.support.postgres import LocalPostgres
from tests.support.processes import Service

pytestmark = pytest.mark.integration
NOW = datetime(2025, 4, 7, 14, 39, tzinfo=UTC)
NL = ("Waterschappen versterken dijken langs de Waal\n\nHet Waterschap Rivierenland begint dit najaar met de "
      "versterking van twaalf kilometer dijk tussen Nijmegen en Tiel, omdat de rivier vaker hoog staat.")
DE = ("Bahnstreik legt Fernverkehr lahm\n\nDie Gewerkschaft hat am Montag zu einem ganztägigen Streik aufgerufen. "
      "Betroffen sind vor allem Verbindungen zwischen Hamburg, Bremen und Hannover, teilte die Bahn mit.")


def raw_value(body: str, source: str = "test") -> bytes:
    return encode(RawArticle(source=source, body=body, fetched_at=NOW))


def test_producer_publishes_files_onto_raw(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "nl.txt").write_text(NL, encoding="utf-8")
    (tmp_path / "in" / "batch.jsonl").write_text(
        orjson.dumps({"headline": "H", "text": DE}).decode() + "\n{broken\n", encoding="utf-8")
    (tmp_path / "in" / "notes.pdf").write_bytes(b"%PDF")
    counts = asyncio.run(produce_paths([tmp_path / "in"], settings, source="files", progress=False))
    assert counts == {"sent": 2, "skipped": 1, "failed": 1, "unchanged": 0}
    raws = asyncio.run(read_topic(settings, settings.topic_raw, expect=2))
    articles = [decode(RawArticle, r.value) for r in raws]
    assert sorted(a.content_type for a in articles) == ["application/json", "text/plain"]
    assert all(r.key for r in raws)
    dead = asyncio.run(read_topic(settings, settings.topic_deadletter, expect=1))
    assert [decode(DeadLetter, d.value).stage for d in dead] == ["parse"]


def test_processor_enriches_and_dead_letters_without_stopping(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings()
    values = [(b"a", raw_value(NL)), (b"b", b"{this is not json"), (b"c", b"\xff\xfe binary"), (b"d", raw_value(DE))]
    asyncio.run(send_values(settings, settings.topic_raw, values))
    processor = Service("process", settings, tmp_path).start()
    try:
        enriched = asyncio.run(read_topic(settings, settings.topic_enriched, expect=2, timeout=90))
        dead = asyncio.run(read_topic(settings, settings.topic_deadletter, expect=2, timeout=30))
        assert processor.alive(), processor.tail()
    finally:
        processor.stop()
    articles = sorted((decode(EnrichedArticle, r.value) for r in enriched), key=lambda a: a.language.code)
    assert [a.language.code for a in articles] == ["de", "nl"]
    assert all(r.key == a.id.encode() for r, a in zip(sorted(enriched, key=lambda r: decode(EnrichedArticle, r.value).language.code), articles, strict=True))
    letters = [decode(DeadLetter, d.value) for d in dead]
    assert sorted(letter.stage for letter in letters) == ["parse", "parse"]
    assert {letter.topic for letter in letters} == {settings.topic_raw}
    assert any(letter.payload_encoding == "base64" for letter in letters)


def _enriched(n: int) -> list[EnrichedArticle]:
    from services.config import DEFAULT_LANGUAGES
    from services.processor.enrich import enrich, normalize_message

    out = []
    for i in range(n):
        norm = normalize_message(raw_value(f"Artikel {i}\n\n{DE} Nummer {i}."), now=NOW, max_body_bytes=10**6)
        out.append(enrich(norm, now=NOW, languages=DEFAULT_LANGUAGES))  # type: ignore[arg-type]
    return out


async def _sink_until(settings: Settings, count: Callable[[], int], expected: int) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(run_sink(settings, stop))
    try:
        assert await wait_for(lambda: count() >= expected, timeout=60)
        await asyncio.sleep(1.0)  # let a duplicate write show up if there were one
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_sink_stores_idempotently(backend: str, make_settings: Callable[..., Settings], request: pytest.FixtureRequest,
                                  tmp_path: Path) -> None:
    if backend == "postgres":
        pg: LocalPostgres = request.getfixturevalue("postgres")
        settings = make_settings(database_url=pg.url)
    else:
        settings = make_settings()
    store = open_store(settings.database_url)
    before = store.count()
    articles = _enriched(30)
    values = [(a.id.encode(), encode(a)) for a in articles]
    bad = [(b"x", b'{"schema_version": 1, "id": "broken"}')]
    asyncio.run(send_values(settings, settings.topic_enriched, values[:15] + bad + values[15:]))
    asyncio.run(_sink_until(settings, lambda: store.count() - before, 30))
    assert store.count() - before == 30
    # A replay (new consumer group = from the start) writes the same rows again: still 30, no duplicates.
    replay = settings.model_copy(update={"sink_group": settings.sink_group + "-replay"})
    asyncio.run(send_values(settings, settings.topic_enriched, values[:5]))
    asyncio.run(_sink_until(replay, lambda: store.count() - before, 30))
    assert store.count() - before == 30
    ids = {a.id for a in articles}
    stored = {r["id"] for r in store.query(limit=10_000)}
    assert ids <= stored
    dead = asyncio.run(read_topic(settings, settings.topic_deadletter, expect=1))
    assert {decode(DeadLetter, d.value).stage for d in dead} == {"sink"}
    store.close()


def test_whole_pipeline_stores_good_records_around_bad_ones(make_settings: Callable[..., Settings], tmp_path: Path,
                                                            postgres: LocalPostgres) -> None:
    settings = make_settings(database_url=postgres.url)
    store = open_store(settings.database_url)
    before = store.count()
    goods = [raw_value(f"Bericht {i}\n\n{DE} Meldung {i}.", source=f"s{i}") for i in range(20)]
    values: list[tuple[bytes | None, bytes]] = []
    for i, good in enumerate(goods):
        values.append((f"g{i}".encode(), good))
        if i % 5 == 0:
            values.append((f"b{i}".encode(), b'{"source": "x", "body": 1}'))
    asyncio.run(send_values(settings, settings.topic_raw, values))
    processor = Service("process", settings, tmp_path).start()
    sink = Service("sink", settings, tmp_path).start()
    try:
        assert asyncio.run(wait_for(lambda: store.count() - before >= 20, timeout=120)), processor.tail() + sink.tail()
        assert processor.alive() and sink.alive()
    finally:
        processor.stop()
        sink.stop()
    assert store.count() - before == 20
    dead = asyncio.run(read_topic(settings, settings.topic_deadletter, expect=4))
    assert len(dead) == 4 and {decode(DeadLetter, d.value).stage for d in dead} == {"validate"}
    store.close()
