"""The one error type the pure steps raise for input they refuse; the agents dead-letter it."""

from __future__ import annotations

from schemas.models import Stage


class StepError(ValueError):
    def __init__(self, stage: Stage, reason: str) -> None:
        super().__init__(reason)
        self.stage: Stage = stage
        self.reason = reason
