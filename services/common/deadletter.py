"""Dead letters: the one place that builds them (producers, processor, sink) and marks a truncated one.

A dead letter keeps the original message exactly (UTF-8 text, else base64) with where it came from, so
`newsflow deadletter replay` can send the same bytes back once the cause is fixed.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from schemas.models import DeadLetter, Stage

# In `error` of a letter whose payload was cut to fit its topic: such a letter cannot be replayed.
TRUNCATED_MARK = "[payload truncated: not replayable]"
# A dead letter too large for its topic keeps this much of the payload.
TRUNCATED_PAYLOAD_CHARS = 64 * 1024


def dead_letter_for(payload: bytes | str, *, stage: Stage, error: str, error_type: str = "ValueError",
                    key: str | None = None, topic: str | None = None, partition: int | None = None,
                    offset: int | None = None, failed_at: datetime | None = None) -> DeadLetter:
    """A DeadLetter keeping the payload exactly: as text when it is UTF-8, else base64."""
    if isinstance(payload, bytes):
        try:
            text, encoding = payload.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = base64.b64encode(payload).decode("ascii"), "base64"
    else:
        text, encoding = payload, "utf-8"
    return DeadLetter(stage=stage, error_type=error_type, error=error[:4000], payload=text, payload_encoding=encoding,
                      key=key, topic=topic, partition=partition, offset=offset,
                      failed_at=failed_at or datetime.now(UTC))


def truncated(letter: DeadLetter, reason: str) -> DeadLetter:
    """The same dead letter with a payload short enough for any topic: the failure stays on record."""
    keep = TRUNCATED_PAYLOAD_CHARS - TRUNCATED_PAYLOAD_CHARS % 4  # base64 stays whole quads
    error = f"{letter.error[:2000]} {TRUNCATED_MARK} from {len(letter.payload)} characters; {reason[:500]}"
    return letter.model_copy(update={"payload": letter.payload[:keep], "error": error})
