"""The processor's handlers and ack policy, driven by the in-memory runner (no broker)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from schemas import RawArticle, encode
from schemas.models import DeadLetter, EnrichedArticle
from services.common.deadletter import TRUNCATED_MARK
from services.config import DEFAULT_LANGUAGES
from services.processor.runtime.attempts import Attempts, FileStore, MemoryStore
from services.processor.runtime.delivery import Undeliverable
from services.processor.runtime.handlers import HandlerConfig, Message, Output, Topics
from services.processor.runtime.memory import MemoryBroker, MemoryWorker, WorkerDied
from services.processor.runtime.watchdog import SkipWatch

NOW = datetime(2025, 4, 7, 14, 39, tzinfo=UTC)
TOPICS = Topics("raw", "normalized", "enriched", "deadletter", "first-seen")
CONFIG = HandlerConfig(TOPICS, max_body_bytes=1_000_000, languages=DEFAULT_LANGUAGES)
WORDS = ("Rat", "Hafen", "Deich", "Schule", "Bahn", "Markt", "Brücke", "Wetter")


def article(i: int, body: str | None = None, url: str | None = None) -> RawArticle:
    return RawArticle(source="test", url=url or f"https://example.org/{i}", title=f"Meldung {i}",
                      body=body or f"Meldung {i}: {WORDS[i % len(WORDS)]} {i * 7919 % 10007} wird in Bremen gemeldet.",
                      fetched_at=NOW)


def feed(broker: MemoryBroker, items: list[RawArticle | bytes]) -> None:
    for i, item in enumerate(items):
        value = encode(item) if isinstance(item, RawArticle) else item
        broker.produce(TOPICS.raw, f"k{i}".encode(), value)


def worker(broker: MemoryBroker, **kw: object) -> MemoryWorker:
    return MemoryWorker(broker, CONFIG, clock=lambda: NOW, **kw)  # type: ignore[arg-type]


def run(w: MemoryWorker) -> int:
    return asyncio.run(w.run_until_idle())


def enriched(broker: MemoryBroker) -> list[EnrichedArticle]:
    return [EnrichedArticle.model_validate(orjson.loads(r.value)) for r in broker.records(TOPICS.enriched)]


def letters(broker: MemoryBroker) -> list[DeadLetter]:
    return [DeadLetter.model_validate(orjson.loads(r.value)) for r in broker.records(TOPICS.deadletter)]


def test_every_article_enriched_once_in_input_order_per_partition() -> None:
    broker = MemoryBroker(partitions=3)
    items = [article(i) for i in range(60)]
    feed(broker, items)
    run(worker(broker, batch_size=7))
    out = enriched(broker)
    assert len(out) == 60 and len({a.id for a in out}) == 60
    assert broker.lag(TOPICS.raw) == 0 and broker.lag(TOPICS.normalized) == 0
    # Keys: normalized by content hash, enriched by id; order per raw partition is kept through both stages.
    assert all(r.key == orjson.loads(r.value)["content_hash"].encode() for r in broker.records(TOPICS.normalized))
    assert all(r.key == orjson.loads(r.value)["id"].encode() for r in broker.records(TOPICS.enriched))
    # Order: what one input partition sends to one output partition keeps the input's offset order.
    for source, target in ((TOPICS.raw, TOPICS.normalized), (TOPICS.normalized, TOPICS.enriched)):
        at = {orjson.loads(r.value)["url"]: (r.partition, r.offset) for r in broker.records(source)}
        for part in broker.topic(target):
            origins = [at[orjson.loads(r.value)["url"]] for r in part]
            for p in {p for p, _ in origins}:
                offsets = [o for q, o in origins if q == p]
                assert offsets == sorted(offsets), (source, target, p)


def test_bad_input_is_dead_lettered_with_its_origin_and_the_stream_goes_on() -> None:
    broker = MemoryBroker(partitions=2)
    bad = {b"{not json": "parse", orjson.dumps({"source": "x"}): "validate",
           encode(article(99, body="x" * 2_000_001)): "normalize"}
    feed(broker, [article(0), *bad, article(1)])
    run(worker(broker))
    assert len(enriched(broker)) == 2
    got = {dl.payload.encode(): dl for dl in letters(broker)}
    assert set(got) == set(bad)
    for value, stage in bad.items():
        dl = got[value]
        assert dl.stage == stage and dl.error and dl.topic == TOPICS.raw and dl.key and dl.offset is not None


def test_duplicates_marked_within_a_batch_across_batches_and_after_a_restart() -> None:
    broker = MemoryBroker(partitions=2)
    body = "Ein Deich bricht bei Bremen. Die Feuerwehr ist vor Ort und sichert die Straßen."
    feed(broker, [article(0, body), article(1, body), article(2)])
    run(worker(broker, batch_size=1))
    feed(broker, [article(3, body)])
    run(worker(broker))  # a fresh worker: reads the first-seen topic
    out = {a.url: a for a in enriched(broker)}
    first = out["https://example.org/0"]
    assert first.duplicate_of is None
    assert out["https://example.org/1"].duplicate_of == first.id
    assert out["https://example.org/3"].duplicate_of == first.id
    assert out["https://example.org/2"].duplicate_of is None
    assert len(broker.records(TOPICS.first_seen)) == 2  # one entry per content hash


def test_refused_output_becomes_a_produce_dead_letter_and_the_input_is_acked() -> None:
    broker = MemoryBroker(partitions=1)
    broker.refuse = lambda out: "RecordTooLarge" if out.topic == TOPICS.enriched and b"Meldung 1:" in out.value else None
    feed(broker, [article(0), article(1), article(2)])
    run(worker(broker))
    assert sorted(a.url for a in enriched(broker)) == ["https://example.org/0", "https://example.org/2"]
    [dl] = letters(broker)
    assert dl.stage == "produce" and "RecordTooLarge" in dl.error and dl.topic == TOPICS.normalized
    assert broker.lag(TOPICS.normalized) == 0


def test_refused_dead_letter_is_sent_truncated() -> None:
    broker = MemoryBroker(partitions=1)
    broker.refuse = lambda out: "too large" if out.topic == TOPICS.deadletter and len(out.value) > 100_000 else None
    feed(broker, [b"{" + b"x" * 200_000])
    run(worker(broker))
    [dl] = letters(broker)
    assert dl.stage == "parse" and TRUNCATED_MARK in dl.error and len(dl.payload) <= 64 * 1024
    assert broker.lag(TOPICS.raw) == 0


@pytest.mark.parametrize("refused", [TOPICS.first_seen, TOPICS.deadletter])
def test_what_an_input_needs_refused_means_exit_without_ack(refused: str) -> None:
    broker = MemoryBroker(partitions=1)
    feed(broker, [article(0), b"not json"])
    run(worker(broker, batch_size=1) if False else worker(broker))  # both through once: the topics exist
    before = dict(broker.committed)
    feed(broker, [article(5), b"not json either"])
    broker.refuse = lambda out: "broker away" if out.topic in (refused, TOPICS.enriched) else None
    with pytest.raises(Undeliverable):
        run(worker(broker))
    normalized_committed = broker.committed.get((TOPICS.normalized, 0))
    assert normalized_committed == before[(TOPICS.normalized, 0)] or refused == TOPICS.deadletter
    # After the broker is back, a restarted worker processes what was not acked, nothing is lost.
    broker.refuse = lambda out: None
    run(worker(broker))
    assert {"https://example.org/0", "https://example.org/5"} <= {a.url for a in enriched(broker)}
    assert broker.lag(TOPICS.raw) == 0 and broker.lag(TOPICS.normalized) == 0


def test_an_output_kafka_did_not_take_is_retried_after_a_restart_not_dead_lettered() -> None:
    broker = MemoryBroker(partitions=1)
    feed(broker, [article(0), article(1)])
    broker.unanswered = lambda out: out.topic == TOPICS.enriched and b"Meldung 1:" in out.value
    with pytest.raises(Undeliverable, match="not taken"):
        run(worker(broker))
    assert letters(broker) == [] and broker.lag(TOPICS.normalized) > 0
    broker.unanswered = lambda out: False  # the partition's leader is known again
    run(worker(broker))
    assert {"https://example.org/0", "https://example.org/1"} <= {a.url for a in enriched(broker)}
    assert letters(broker) == [] and broker.lag(TOPICS.normalized) == 0


def test_a_record_that_kills_the_worker_three_times_is_dead_lettered_at_stage_crash() -> None:
    broker = MemoryBroker(partitions=2)
    items: list[RawArticle | bytes] = [article(i) for i in range(40)]
    items[17] = article(17, body="Diese Meldung bringt den Worker um: POISON-PILL im Text.")
    feed(broker, items)
    store = MemoryStore()
    deaths = 0
    while True:
        try:
            run(worker(broker, store=store, batch_size=8, dies_on=lambda m: b"POISON-PILL" in m.value))
            break
        except WorkerDied:
            deaths += 1
            assert deaths < 10, "the pill was never dead-lettered"
    assert deaths == 3
    [dl] = letters(broker)
    assert dl.stage == "crash" and "3 times" in dl.error and b"POISON-PILL" in dl.payload.encode()
    assert dl.topic == TOPICS.raw and dl.offset is not None
    assert len({a.url for a in enriched(broker)}) == 39  # every other article, none dead-lettered with it
    assert broker.lag(TOPICS.raw) == 0 and broker.lag(TOPICS.normalized) == 0


def test_crash_limit_is_a_setting() -> None:
    broker = MemoryBroker(partitions=1)
    feed(broker, [article(0, body="POISON-PILL hier"), article(1)])
    store, deaths = MemoryStore(), 0
    while True:
        try:
            run(worker(broker, store=store, crash_limit=1, dies_on=lambda m: b"POISON-PILL" in m.value))
            break
        except WorkerDied:
            deaths += 1
    # died with its batch-mate (who is never condemned with it), then alone: dead-lettered
    assert deaths == 2 and [dl.stage for dl in letters(broker)] == ["crash"]
    assert [a.url for a in enriched(broker)] == ["https://example.org/1"]


def test_attempt_marks_survive_in_a_file_and_count_only_what_was_being_handled(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "attempts.json")
    msgs = [Message("raw", 0, o, None, b"x") for o in range(3)]
    first = Attempts(store, limit=3)
    first.begin(msgs[:2])  # ... and the process dies here
    second = Attempts(FileStore(tmp_path / "attempts.json"), limit=3)
    assert [second.count(m) for m in msgs] == [1, 1, 0]
    steps = second.plan(msgs)
    assert [len(s.messages) for s in steps] == [1, 1, 1] and not any(s.crashed for s in steps)
    second.begin(msgs[:1])
    second.end(msgs[:1])  # handled fine: forgotten
    assert [second.count(m) for m in msgs] == [0, 1, 0]
    second.begin(msgs[1:2])  # dies alone on it, twice
    assert Attempts(FileStore(tmp_path / "attempts.json"), limit=3).plan(msgs[1:2])[0].crashed is False
    third = Attempts(FileStore(tmp_path / "attempts.json"), limit=3)
    third.begin(msgs[1:2])
    assert Attempts(FileStore(tmp_path / "attempts.json"), limit=3).plan(msgs[1:2])[0].crashed is True
    for slot in FileStore(tmp_path / "attempts.json").slots():
        slot.write_text("{broken")
    assert Attempts(FileStore(tmp_path / "attempts.json"), limit=3).crashes == {}


def test_attempt_marks_written_in_turn_a_torn_write_leaves_the_previous_version(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "attempts.json")
    msgs = [Message("raw", 0, o, None, b"x") for o in range(300)]
    attempts = Attempts(store, limit=3)
    attempts.begin(msgs)  # a long mark, then a short one in the other slot: each is padded, never truncated
    attempts.end(msgs)
    attempts.begin(msgs[:1])
    assert FileStore(tmp_path / "attempts.json").load()["attempting"] == [["raw", 0, 0]]
    newest = max(store.slots(), key=lambda p: orjson.loads(p.read_bytes())["seq"])
    newest.write_bytes(newest.read_bytes()[:20])  # the process died mid-write
    assert FileStore(tmp_path / "attempts.json").load()["attempting"] == []  # the end() before it
    store.close()


def test_skip_watch_reports_a_partition_read_past_its_committed_offset_twice_in_a_row() -> None:
    watch = SkipWatch()
    tp = ("raw", 1)
    ok = [Message("raw", 0, o, None, b"") for o in range(10, 20)]
    skipped = [Message("raw", 1, o, None, b"") for o in range(50, 60)]
    watch.handling(1, ok + skipped)
    watch.acked(1, ok + skipped)
    committed = {("raw", 0): 10, tp: 40}
    assert watch.stuck(1, [("raw", 0), tp], committed) == []  # first look: a suspect only
    assert watch.stuck(1, [("raw", 0), tp], committed) == [(tp, 40)]
    assert watch.stuck(1, [("raw", 0), tp], committed) == []  # measured afresh after the seek
    watch.acked(1, skipped)
    watch.stuck(1, [tp], committed)
    assert watch.stuck(2, [tp], committed) == []  # a new generation forgets everything


def output_of(out: Output) -> tuple[str, int | None]:
    return out.topic, out.partition


def test_handlers_are_pure_same_input_same_outcome() -> None:
    from services.processor.runtime.firstseen import FirstSeen
    from services.processor.runtime.handlers import handle

    msg = Message(TOPICS.raw, 0, 5, b"k", encode(article(3)))
    a = handle(msg, now=NOW, config=CONFIG, first_seen=FirstSeen())
    b = handle(msg, now=NOW, config=CONFIG, first_seen=FirstSeen())
    assert a == b and [output_of(o) for o in a.outputs] == [(TOPICS.normalized, None)]


CrashHook = Callable[[Message], bool]


def test_related_state_is_written_with_the_outcome_and_followed_after_a_restart() -> None:
    # Near-duplicates and stories: the entries travel in the Outcome; a restarted worker folds them back.
    from services.processor.dedup import Related

    body = ("Der Senat hat am Dienstag beschlossen, die Weserbrücke in Bremen bis zum Sommer für den Autoverkehr "
            "zu sperren, weil Gutachter Risse in den Pfeilern gefunden haben. Busse fahren eine Umleitung.")
    broker = MemoryBroker(partitions=2)
    feed(broker, [article(1, body=body)])
    run(worker(broker, related=Related()))
    assert [r.key for r in broker.records(TOPICS.related)] == [enriched(broker)[0].id.encode()]
    story = enriched(broker)[0].story_id
    assert story and [r.key for r in broker.records(TOPICS.stories)] == [story.encode()]
    feed(broker, [article(2, body=body + " Die Polizei rät, die Innenstadt zu meiden.")])
    run(worker(broker, related=Related()))  # a fresh state: only what the topic holds
    by_url = {a.url: a for a in enriched(broker)}
    copy, original = by_url["https://example.org/2"], by_url["https://example.org/1"]
    assert copy.near_duplicate_of == original.id and copy.story_id == story
