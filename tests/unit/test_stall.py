"""The rebalance clock behind the processor's stall watchdog."""

from __future__ import annotations

from services.processor.runtime.stall import RebalanceClock


def test_one_long_rebalance_accumulates_and_a_new_one_starts_from_zero() -> None:
    clock = RebalanceClock()
    assert clock.observe(False, 0, now=0.0) == 0.0
    assert clock.observe(True, 1, now=10.0) == 0.0
    assert clock.observe(True, 1, now=95.0) == 85.0
    assert clock.observe(True, 2, now=100.0) == 0.0  # rebalances in a row are each given their time
    assert clock.observe(False, 2, now=105.0) == 0.0
    assert clock.observe(True, 2, now=110.0) == 0.0  # after a pause the clock starts again
