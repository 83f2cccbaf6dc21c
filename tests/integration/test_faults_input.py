"""Bad input never stops the stream: thousands of fuzzed records plus a hand-picked set, mixed with good
articles, through the real processor and sink. Every bad record lands on articles.deadletter once, with
its stage, a reason and its exact payload; every good record is stored; no worker dies."""

from __future__ import annotations

import asyncio
import base64
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from schemas import decode, encode
from schemas.models import DeadLetter, RawArticle
from services.config import Settings
from tests.support.faults import (NOW, Pipeline, drained, duplicates, expected_id, fresh_database, stored_count,
                                  stored_ids, topic_values, wait_count)
from tests.support.faults import articles as make_articles
from tests.support.kafka_io import send_values
from tests.support.postgres import LocalPostgres

pytestmark = pytest.mark.integration
SEED = 20250407
FUZZED = 3_000
GOOD = 1_000
TEN_MB = 10 * 1024 * 1024


def _raw(**fields: object) -> dict[str, object]:
    return {"source": "fuzz", "body": "Der Rat tagt in Hamburg.", "fetched_at": NOW.isoformat()} | fields


def _nested(depth: int, leaf: object = 1) -> object:
    for _ in range(depth):
        leaf = {"a": leaf}
    return leaf


def _deep_raw(depth: int) -> bytes:
    """A RawArticle whose metadata nests `depth` levels (written by hand: JSON writers stop earlier)."""
    doc = orjson.dumps(_raw(metadata={"tree": 0}))
    return doc.replace(b'"tree":0', b'"tree":' + b'{"a":' * depth + b"1" + b"}" * depth)


def fuzzed(rng: random.Random) -> tuple[str, bytes]:
    """One bad record and the stage that must refuse it. Deterministic for a given rng state."""
    kind = rng.choice(["json", "json", "schema", "schema", "schema", "utf8", "binary", "nested", "body", "empty"])
    if kind == "json":
        text = orjson.dumps(_raw(title=f"t{rng.randrange(10**6)}"))
        cut = rng.randrange(1, len(text) - 1)
        value = rng.choice([text[:cut], text[:cut] + b"}" * rng.randrange(3), text.replace(b'"', b"'", 1 + rng.randrange(3)),
                            b"{" + bytes(rng.choice(b"abc:,[]{}\"'0123 ") for _ in range(rng.randrange(1, 60)))])
        try:
            orjson.loads(value)
        except orjson.JSONDecodeError:
            return "parse", value
        return "parse", b"{" + value  # mutation happened to stay valid: break it for sure
    if kind == "schema":
        field, bad = rng.choice([
            ("source", ""), ("source", None), ("source", 7), ("body", 12), ("body", None), ("body", ["a"]),
            ("fetched_at", "yesterday"), ("fetched_at", "2025-04-07T14:39:00"), ("fetched_at", None),
            ("content_type", "application/pdf"), ("schema_version", 2), ("url", "x" * 5000),
            ("title", "t" * 2001), ("metadata", [1, 2]), ("smuggled", "field"), ("source", "s" * 501),
        ])
        doc: object = _raw(**{field: bad})
        doc = rng.choice([doc, doc, doc, [doc], rng.randrange(-9, 9), "article", None, {}, {"body": "only"}])
        return "validate", orjson.dumps(doc)
    if kind == "utf8":
        text = orjson.dumps(_raw(title=f"Titel {rng.randrange(10**6)}"))
        at = text.index(b"Titel") + 5
        junk = rng.choice([b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80\x80"])
        return "parse", text[:at] + junk + text[at:]
    if kind == "binary":
        value = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
        try:
            orjson.loads(value)
            value = b"\x00" + value  # random bytes that happen to be JSON: make them binary again
        except orjson.JSONDecodeError:
            pass
        return "parse", value
    if kind == "nested":
        depth = rng.randrange(1025, 6000)
        value = rng.choice([b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth, _deep_raw(depth)])
        if rng.random() < 0.3:  # deep enough to refuse, shallow enough to parse: the schema refuses it
            return "validate", _deep_raw(rng.randrange(300, 1000))
        return "parse", value
    if kind == "body":
        body = rng.choice(["abc\x00def " * rng.randrange(1, 50), "".join(chr(rng.randrange(1, 8)) for _ in range(200)),
                           " \n\t " * rng.randrange(1, 20), ""])
        return "normalize", orjson.dumps(_raw(body=body, content_type=rng.choice(["text/plain", "text/html"])))
    return "parse", b""


def hand_picked() -> list[tuple[str, str, bytes]]:
    """(name, stage, value) of the bad records we care about by name."""
    return [
        ("empty", "parse", b""),
        ("not-json", "parse", b"{this is not json"),
        ("binary-png", "parse", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8),
        ("latin-1", "parse", '{"source": "x", "body": "Gr\u00fc\u00dfe", "fetched_at": "2025-04-07T14:39:00Z"}'.encode("latin-1")),
        ("lone-surrogate", "parse", b'{"source":"x","body":"\\ud800 abc","fetched_at":"2025-04-07T14:39:00+00:00"}'),
        ("array-5000-deep", "parse", b"[" * 5000 + b"]" * 5000),
        ("metadata-600-deep", "validate", _deep_raw(600)),
        ("wrong-type", "validate", b'{"source": "x", "body": 1, "fetched_at": "2025-04-07T14:39:00Z"}'),
        ("naive-time", "validate", orjson.dumps(_raw(fetched_at="2025-04-07T14:39:00"))),
        ("extra-field", "validate", orjson.dumps(_raw(password="hunter2"))),
        ("ten-mb-text", "normalize", orjson.dumps(_raw(body="Wort " * (TEN_MB // 5)))),
        ("ten-mb-html", "normalize", orjson.dumps(_raw(content_type="text/html",
                                                         body="<p>" + "Satz. " * (TEN_MB // 6) + "</p>"))),
        ("nul-body", "normalize", orjson.dumps(_raw(body="abc\x00def"))),
        ("whitespace-body", "normalize", orjson.dumps(_raw(body=" \n\n \t"))),
    ]


SCRIPT_HTML = ("<html><head><title>Brücke wird saniert</title><script>alert('head')</script></head><body><article>"
               "<h1>Brücke wird saniert</h1><p>Der Rat der Stadt Hamburg hat am Montag beschlossen, die Brücke zu "
               "sanieren. Die Arbeiten beginnen im Mai.</p><script>document.write('evil')</script>"
               "<p onclick=\"steal()\">Die Kosten liegen bei zwei Millionen Euro, teilte die Stadt mit.</p>"
               "</article></body></html>")


def good_specials(run: str) -> list[RawArticle]:
    """Unusual but good: stored, not dead-lettered."""
    return [
        RawArticle(source="fuzz", url=f"https://example.org/{run}/html-script", content_type="text/html", body=SCRIPT_HTML,
                   fetched_at=NOW),
        # ~700 KB of text: its normalized (1.4 MB) and enriched (~4 MB) records exceed Kafka's 1 MB default.
        RawArticle(source="fuzz", url=f"https://example.org/{run}/big", body="Der Rat tagt heute in Hamburg. " * 23_000,
                   fetched_at=NOW),
        RawArticle(source="fuzz", url=f"https://example.org/{run}/deep-meta", body="Der Rat tagt in Hamburg am Montag.",
                   metadata={"tree": _nested(200)}, fetched_at=NOW),  # type: ignore[dict-item]
        RawArticle(source="fuzz", url=f"https://example.org/{run}/unicode", title="Ünïcödé 🚀 مرحبا",
                   body="Ein Artikel mit Emoji 🚀, Arabisch مرحبا بالعالم und Zeichen wie \u200b und \u00ad.", fetched_at=NOW),
    ]


def payload_bytes(letter: DeadLetter) -> bytes:
    return base64.b64decode(letter.payload) if letter.payload_encoding == "base64" else letter.payload.encode("utf-8")


def test_bad_input_is_dead_lettered_and_good_input_stored(make_settings: Callable[..., Settings], tmp_path: Path,
                                                          postgres: LocalPostgres) -> None:
    url = fresh_database(postgres)
    settings = make_settings(database_url=url, partitions=4)
    rng = random.Random(SEED)
    bad: dict[bytes, tuple[str, bytes]] = {}
    for i in range(FUZZED):
        bad[f"fuzz-{i:05d}".encode()] = fuzzed(rng)
    for name, stage, value in hand_picked():
        bad[f"hand-{name}".encode()] = (stage, value)
    goods = make_articles(GOOD, tmp_path.name) + good_specials(tmp_path.name)
    expected = {expected_id(a) for a in goods}
    # Interleave: a good record between every few bad ones, so each bad one has good neighbours.
    values: list[tuple[bytes | None, bytes]] = []
    bad_items = list(bad.items())
    per_good = len(bad_items) // len(goods) + 1
    for g, article in enumerate(goods):
        values.append((f"good-{g}".encode(), encode(article)))
        values.extend((key, value) for key, (_, value) in bad_items[g * per_good:(g + 1) * per_good])
    # Malformed records straight onto articles.enriched: the sink's own refusals.
    sink_bad = {b"sink-0": b"{broken", b"sink-1": b'{"id": "x"}', b"sink-2": b"\xff\xfe"}
    pipe = Pipeline(settings, tmp_path / "logs")
    try:
        asyncio.run(send_values(settings, settings.topic_raw, values))
        asyncio.run(send_values(settings, settings.topic_enriched, list(sink_bad.items())))
        pipe.processor()
        pipe.sink()
        wait_count(lambda: stored_count(url), len(expected), f"{len(expected)} stored", pipe)
        drained(settings, pipe)
        assert pipe.all_alive(), "a worker died"
    finally:
        pipe.stop()

    ids = stored_ids(url)
    assert not duplicates(ids) and set(ids) == expected and len(ids) == len(expected)
    letters = [(p, o, decode(DeadLetter, v)) for p, o, v in asyncio.run(topic_values(settings, settings.topic_deadletter))]
    by_key: dict[bytes, list[DeadLetter]] = {}
    for _, _, letter in letters:
        by_key.setdefault((letter.key or "").encode(), []).append(letter)
    assert not [k for k in by_key if k.startswith(b"good-")], "a good record was dead-lettered"
    for key, (stage, value) in bad.items():
        got = by_key.get(key, [])
        assert len(got) == 1, f"{key!r}: {len(got)} dead letters"
        letter = got[0]
        assert (letter.stage, key) == (stage, key), letter.error[:300]
        assert letter.error and letter.error_type
        assert letter.topic == settings.topic_raw and letter.offset is not None
        assert payload_bytes(letter) == value, f"{key!r}: payload not kept exactly"
    for key, value in sink_bad.items():
        got = by_key.get(key, [])
        assert len(got) == 1 and got[0].stage == "sink" and payload_bytes(got[0]) == value
        assert got[0].topic == settings.topic_enriched
    assert len(letters) == len(bad) + len(sink_bad)

    # HTML with scripts is good input: stored, with no script left in the body.
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT body, title FROM articles WHERE url = %s",
                           (f"https://example.org/{tmp_path.name}/html-script",)).fetchone()
    assert row is not None
    body, title = row
    assert "Brücke zu sanieren" in body and "zwei Millionen Euro" in body
    for trace in ("alert", "document.write", "evil", "<script", "steal()", "onclick"):
        assert trace not in body, trace
    stages = Counter(letter.stage for _, _, letter in letters)
    print(f"\nbad input: sent {len(values) + len(sink_bad)} ({len(goods)} good, {len(bad)} bad on raw, {len(sink_bad)} bad on"
          f" enriched), stored {len(ids)}, duplicate rows {len(duplicates(ids))}, dead-lettered {len(letters)} {dict(stages)}")
