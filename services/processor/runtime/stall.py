"""How long the worker has been stuck in one rebalance: the pure part of the processor's last-resort watchdog.

faust 0.15.3 can hang inside a rebalance callback (seen: the revocation waited on an offset commit that
never finished, and the worker was dropped from the group while still holding up its own rebalance). A
worker in that state processes nothing and never recovers by itself; exiting lets its supervisor
(compose's restart policy, `newsflow up`) start a fresh one, which resumes from the committed offsets.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RebalanceClock:
    """Fed every few seconds with faust's (rebalancing, rebalancing_count); says how long this one has lasted."""

    _count: int | None = None
    _since: float = 0.0

    def observe(self, rebalancing: bool, count: int, now: float) -> float:
        if not rebalancing:
            self._count = None
            return 0.0
        if count != self._count:  # a new rebalance started (or the first we see)
            self._count, self._since = count, now
        return now - self._since
