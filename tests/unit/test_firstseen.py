"""The first-seen state behind `duplicate_of`: which article was first, per partition and generation."""

from __future__ import annotations

import pytest

from services.processor.runtime.firstseen import Decision, FirstSeen, apply


def loaded(generation: int = 1, **partitions: dict[str, str]) -> FirstSeen:
    state = FirstSeen()
    numbers = {int(name[1:]) for name in partitions}
    assert state.stale(generation, numbers) == numbers
    for name, entries in partitions.items():
        state.load(int(name[1:]), entries)
    return state


def test_first_article_is_recorded_and_its_copies_point_to_it() -> None:
    state = loaded(p0={})
    assert state.decide(0, "h1", "a") == Decision(duplicate_of=None, record=True)
    state.recorded(0, "h1", "a")
    assert state.decide(0, "h1", "b") == Decision(duplicate_of="a", record=False)
    # the original itself, read again after a crash, is not its own duplicate and is not recorded twice
    assert state.decide(0, "h1", "a") == Decision(duplicate_of=None, record=False)


def test_loaded_entries_are_used_and_partitions_are_separate() -> None:
    state = loaded(p0={"h1": "a"}, p1={})
    assert state.decide(0, "h1", "x").duplicate_of == "a"
    assert state.decide(1, "h1", "x").record  # a hash lives on one partition; p1 has not seen it
    assert len(state) == 1


def test_a_new_generation_makes_every_partition_stale() -> None:
    state = loaded(generation=3, p0={"h1": "a"}, p2={})
    assert state.stale(3, {0, 2}) == set()
    assert state.stale(3, {0, 1, 2}) == {1}
    # after a rebalance another worker may have owned p0 and recorded hashes this one never saw
    assert state.stale(4, {0}) == {0}
    with pytest.raises(KeyError):
        state.decide(0, "h1", "x")


def test_records_fold_like_compaction_later_wins_tombstone_deletes() -> None:
    entries: dict[str, str] = {}
    apply(entries, b"h1", b"a")
    apply(entries, b"h2", b"b")
    apply(entries, b"h1", b"c")
    apply(entries, None, b"ignored")
    apply(entries, b"h2", None)
    assert entries == {"h1": "c"}
