"""The fault suite's wait: bounded by lack of progress, not by a fixed total (on a fake clock)."""

from __future__ import annotations

import pytest

from tests.support import faults
from tests.support.faults import wait_count, wait_progress


class Clock:
    """time.monotonic and time.sleep for the helper: sleeping moves the clock, nothing waits."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(faults, "time", fake)
    return fake


def test_a_count_that_keeps_growing_is_waited_for_far_longer_than_the_stall_window(clock: Clock) -> None:
    def stored() -> int:  # one more every 100 s: slow, never stuck
        return int(clock.now // 100)

    wait_progress(lambda: stored() >= 30, lambda: {"stored": stored()}, "30 stored", stall=120, every=1)
    assert clock.now >= 3000  # 25 stall windows in all: the deadline moved on with the count


def test_no_progress_fails_after_the_stall_window_with_the_counts(clock: Clock) -> None:
    with pytest.raises(AssertionError, match=r"no progress for 120s waiting for 5 stored \(count 3, target 5; 120s in all\)"):
        wait_count(lambda: 3, 5, "5 stored")


def test_a_stall_after_progress_fails_a_stall_window_after_the_last_change(clock: Clock) -> None:
    with pytest.raises(AssertionError, match=r"no progress for 120s .*\(count 50, target 99; 170s in all\)"):
        wait_count(lambda: min(int(clock.now), 50), 99, "99 stored")


def test_wait_count_returns_the_count_reached(clock: Clock) -> None:
    assert wait_count(lambda: 7, 5, "5 stored") == 7
