"""Resumable positions in articles.enriched: the next offset to read on every partition. Pure.

Text form (an SSE event id, a cursor): `partition:offset` pairs joined by `,`, e.g. `0:15,1:7,2:3,3:0`.
A stream's position after a record is the offset after it on that record's partition and, on every other
partition, the offset after the last record it has read (delivered or filtered out) there. Starting from
a position therefore re-reads nothing that was delivered before it and skips nothing after it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

Positions = dict[int, int]
_PAIR = re.compile(r"(\d{1,6}):(\d{1,19})")


class BadPosition(ValueError):
    pass


def encode_positions(positions: Mapping[int, int]) -> str:
    return ",".join(f"{p}:{o}" for p, o in sorted(positions.items()))


def decode_positions(text: str) -> Positions:
    """Parse `encode_positions`' form. Raises BadPosition."""
    out: Positions = {}
    for part in text.strip().split(","):
        found = _PAIR.fullmatch(part.strip())
        if not found:
            raise BadPosition(f"{text[:200]!r} is not a position (expected partition:offset pairs joined by ',')")
        out[int(found.group(1))] = int(found.group(2))
    return out


def advanced(positions: Mapping[int, int], partition: int, offset: int) -> Positions:
    """The positions after reading `offset` on `partition`."""
    return {**positions, partition: offset + 1}
