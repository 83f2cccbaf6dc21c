"""The dead-letter tool's pure core: payload decoding, filters, replay bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas import encode
from schemas.models import DeadLetter
from services.common.deadletter import TRUNCATED_MARK
from services.deadletter import (Entry, Progress, key_bytes, parse_entry, parse_positions,
                                 payload_bytes, plan, row, select, unreplayable)
from services.common.deadletter import dead_letter_for

AT = datetime(2025, 4, 7, 14, 39, tzinfo=UTC)


def entry(offset: int, stage: str = "normalize", topic: str | None = "articles.raw", partition: int = 0,
          payload: bytes = b'{"x": 1}', error: str = "too big") -> Entry:
    letter = dead_letter_for(payload, stage=stage, error=error, key="k1", topic=topic, partition=3, offset=offset * 10)  # type: ignore[arg-type]
    return Entry(partition, offset, 1_700_000_000_000, letter)


@given(st.binary(max_size=300))
def test_payload_round_trips_any_bytes(payload: bytes) -> None:
    letter = dead_letter_for(payload, stage="parse", error="e")
    assert payload_bytes(letter) == payload
    again = parse_entry(0, 0, None, encode(letter)).letter
    assert again is not None and payload_bytes(again) == payload


def test_binary_payload_is_base64_and_text_stays_text() -> None:
    assert dead_letter_for(b"\xff\x00", stage="parse", error="e").payload_encoding == "base64"
    text = dead_letter_for("Grüße".encode(), stage="parse", error="e")
    assert (text.payload_encoding, text.payload) == ("utf-8", "Grüße")
    assert key_bytes(text) is None
    assert key_bytes(entry(0).letter) == b"k1"  # type: ignore[arg-type]


def test_unreadable_record_on_the_topic_is_an_entry_with_a_problem() -> None:
    bad = parse_entry(1, 7, None, b"{nope")
    assert bad.letter is None and bad.problem and unreplayable(bad)
    assert row(bad)["stage"] is None


def test_select_by_stage_topic_and_position() -> None:
    entries = [entry(0, "parse"), entry(1, "normalize"), entry(2, "normalize", topic="other"), entry(5, "sink", partition=1)]
    assert [e.offset for e in select(entries, stages=["normalize"])] == [1, 2]
    assert [e.offset for e in select(entries, stages=["normalize"], topic="articles.raw")] == [1]
    assert [e.offset for e in select(entries, positions=parse_positions(["1-2"]))] == [1, 2]
    assert [e.offset for e in select(entries, positions=parse_positions(["1:5"]))] == [5]
    assert [e.offset for e in select(entries, positions=parse_positions(["0:5"]))] == []
    assert [e.offset for e in select(entries, positions=parse_positions(["0,5"]))] == [0, 5]


@pytest.mark.parametrize("spec", ["x", "1:", "5-3", "-1", "1:2:3"])
def test_bad_positions_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_positions([spec])


def test_unreplayable_letters() -> None:
    assert unreplayable(entry(0)) is None
    assert "origin" in (unreplayable(entry(0, topic=None)) or "")
    assert "truncated" in (unreplayable(entry(0, error=f"big {TRUNCATED_MARK}")) or "")
    broken = DeadLetter(stage="parse", error_type="E", error="e", payload="%%%", payload_encoding="base64", topic="t",
                        failed_at=AT)
    assert unreplayable(Entry(0, 0, None, broken))


def test_progress_encodes_contiguous_prefix_and_sparse_ranges() -> None:
    prog = Progress().add([0, 1, 2, 5, 6, 7, 9])
    assert prog.encode() == (3, "5-7,9")
    assert 2 in prog and 3 not in prog and 6 in prog and 8 not in prog
    assert Progress.decode(*prog.encode()) == prog
    filled = prog.add([3, 4, 8])
    assert filled.encode() == (10, "")
    # Offsets deleted by retention count as done.
    assert Progress().add([12], log_start=10).encode() == (10, "12")
    assert Progress().add([10, 11], log_start=10).encode() == (12, "")


@given(st.sets(st.integers(0, 200)), st.sets(st.integers(0, 200)))
def test_progress_is_the_union_of_what_was_added(first: set[int], second: set[int]) -> None:
    prog = Progress.decode(*Progress().add(first).encode())
    prog = Progress.decode(*prog.add(second).encode())
    assert {o for o in range(202) if o in prog} == first | second


def test_plan_skips_replayed_unless_all() -> None:
    entries = [entry(0), entry(1), entry(2, topic=None)]
    progress = {0: Progress().add([0])}
    result = plan(entries, progress, replay_all=False)
    assert [e.offset for e in result.replayed] == [1]
    assert [e.offset for e in result.already] == [0]
    assert [e.offset for e, _ in result.unreplayable] == [2]
    assert [e.offset for e in plan(entries, progress, replay_all=True).replayed] == [0, 1]


def test_row_has_what_list_shows() -> None:
    r = row(entry(4), replayed=True)
    assert r["stage"] == "normalize" and r["error"] == "too big" and r["origin_topic"] == "articles.raw"
    assert (r["origin_offset"], r["partition"], r["offset"], r["replayed"]) == (40, 0, 4, True)
    assert r["timestamp"].startswith("2023-11-14") and r["failed_at"]
