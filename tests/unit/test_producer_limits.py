"""Producers: records over the topic's size are rejected once with the limit; dead letters always fit; the
record of sent files; repeated log lines are held back; a producer's start is bounded."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import orjson
import pytest
from aiokafka import AIOKafkaProducer

from schemas import encode
from schemas.models import RawArticle
from services.common.logs import Repeats
from services.producer.files import Rejected, articles_from_file
from services.config import Settings
from services.producer.publish import TRUNCATED_MARK, KafkaUnavailable, Publisher, dead_letter_for, fitting
from services.producer.sentfiles import SentFiles, destination, file_digest


def test_a_record_over_the_topic_limit_is_rejected_with_the_limit(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("Wort " * 400, encoding="utf-8")
    (tmp_path / "small.txt").write_text("Wort " * 10, encoding="utf-8")
    big = list(articles_from_file(tmp_path / "big.txt", source="t", max_record_bytes=1000))
    assert len(big) == 1 and isinstance(big[0], Rejected) and big[0].stage == "produce"
    assert "over the topic's message limit of 1,000 bytes" in big[0].reason
    small = list(articles_from_file(tmp_path / "small.txt", source="t", max_record_bytes=1000))
    assert isinstance(small[0], RawArticle)


def test_a_dead_letter_is_cut_to_fit_and_marked() -> None:
    payload = bytes(range(256)) * 40_000  # 10 MB binary: base64 grows it past the limit
    letter = dead_letter_for(payload, stage="parse", error="not valid UTF-8")
    assert letter.payload_encoding == "base64"
    fitted = fitting(letter, limit=1_000_000)
    assert len(encode(fitted)) <= 1_000_000 and TRUNCATED_MARK in fitted.error
    assert fitting(dead_letter_for(b"short", stage="parse", error="x")).payload == "short"


def test_sent_files_are_remembered_per_destination(tmp_path: Path) -> None:
    sent = SentFiles.for_state_dir(tmp_path / "state")
    digest = file_digest(b"content")
    here, there = destination("cluster-a", "b:9092", "articles.raw", "files"), destination(None, "b:9092", "articles.raw", "files")
    assert not sent.seen(digest, here)
    sent.record(digest, here, tmp_path / "a.txt")
    assert sent.seen(digest, here) and not sent.seen(digest, there)
    assert not sent.seen(file_digest(b"changed"), here)
    sent.close()
    assert SentFiles.for_state_dir(tmp_path / "state").seen(digest, here)  # kept across runs


def test_repeated_log_lines_are_held_back() -> None:
    now = [0.0]
    gate = Repeats(window=60.0, clock=lambda: now[0])

    def record(msg: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord("aiokafka.conn", logging.ERROR, __file__, 1, msg, args, None)

    passed = [gate.filter(record("Unable connect to node %s: %s", 1, "refused")) for _ in range(500)]
    assert passed.count(True) == 1
    assert gate.filter(record("another message")) is True
    now[0] = 61.0
    later = record("Unable connect to node %s: %s", 1, "refused")
    assert gate.filter(later) and "499 more like this held back" in later.getMessage()
    ours = [logging.LogRecord("services.sink.consumer", logging.WARNING, __file__, 1, "retrying in %ss", (d,), None)
            for d in (0.5, 1.0, 2.0)]
    assert all(gate.filter(r) for r in ours)  # newsflow's own lines are never held back


def test_jsonl_file_with_unicode_breaks_is_whole(tmp_path: Path) -> None:
    rec = {"source": "svc", "body": "a\u2028b\u0085c", "fetched_at": "2025-04-07T14:39:00Z"}
    (tmp_path / "x.jsonl").write_bytes(orjson.dumps(rec) + b"\n" + orjson.dumps(rec))
    items = list(articles_from_file(tmp_path / "x.jsonl", source="t"))
    assert [i.body for i in items] == ["a\u2028b\u0085c"] * 2  # type: ignore[union-attr]


def test_a_start_that_never_completes_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """aiokafka can wait for a producer id forever (a broker that listed no brokers, then dropped the
    connection): a Publisher's start gives up after produce_timeout, or with wait_forever starts afresh."""
    starts: list[AIOKafkaProducer] = []

    async def hangs_first(self: AIOKafkaProducer) -> None:
        starts.append(self)
        if len(starts) < 3:
            await asyncio.Event().wait()  # never set: aiokafka's endless wait for a producer id

    async def stops(self: AIOKafkaProducer) -> None:
        return None

    monkeypatch.setattr(AIOKafkaProducer, "start", hangs_first)
    monkeypatch.setattr(AIOKafkaProducer, "stop", stops)
    settings = Settings(kafka_bootstrap_servers="127.0.0.1:9", produce_timeout=0.05)  # type: ignore[call-arg]

    async def enter(wait_forever: bool) -> Publisher:
        async with Publisher(settings, wait_forever=wait_forever) as publisher:
            return publisher

    with pytest.raises(KafkaUnavailable, match="not ready within 0.05 s"):
        asyncio.run(enter(False))
    assert len(starts) == 1
    asyncio.run(enter(True))  # the second start hangs too, the third completes
    assert len(starts) == 3 and len(set(map(id, starts))) == 3
