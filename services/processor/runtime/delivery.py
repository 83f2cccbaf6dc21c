"""The ack policy: send a batch's outcomes without waiting on each, and say when its inputs may be acked.

At least once, nothing committed past an unacknowledged output:
* every record of the batch is queued first, then all acknowledgements are awaited together;
* an output the broker refuses (e.g. larger than the topic takes) becomes a dead letter at stage
  "produce"; a dead letter it refuses is sent again with its payload truncated (and marked);
* a record Kafka did not take (`NotTaken`: a retriable error such as no leader for its partition, or the
  request timeout) was not refused: it raises `Undeliverable`, so the input is retried, not dead-lettered;
* a first-seen or related-state entry (or story record) it refuses, or a truncated dead letter it still
  refuses, raises `Undeliverable`:
  the caller must stop without acking (the worker exits; its inputs are read again after a restart).

Used unchanged by the faust adapter (agents.py) and the in-memory runner (memory.py); only `send` differs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from schemas.models import DeadLetter
from services.common.deadletter import dead_letter_for, truncated
from services.processor.runtime.handlers import (Outcome, Output, Topics, dead_letter_output, first_seen_output)

# Queue one record for sending; the awaitable it returns resolves when the broker acknowledged it
# (or raises when it refused). Raising at once means refused before it was even queued.
Send = Callable[[Output], Awaitable[Awaitable[object]]]


class Undeliverable(RuntimeError):
    """Kafka did not take what an input needs (its state, or even its dead letter): do not ack the input."""


class NotTaken(RuntimeError):
    """A send that failed on a passing state of the cluster (no leader for the partition, a request timed
    out), not on the record: the record is sent again after a restart instead of dead-lettered."""


@dataclass(frozen=True)
class Delivered:
    """What a delivered batch sent: records acknowledged, and how many outputs became `produce` dead letters."""

    records: int
    refused_outputs: int
    truncated_letters: int


@dataclass(frozen=True)
class _Item:
    outcome: Outcome
    output: Output
    kind: str  # "first_seen" | "related" | "output" | "dead"
    letter: DeadLetter | None = None
    truncated: bool = False


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


async def _send_all(items: Sequence[_Item], send: Send) -> list[BaseException | None]:
    """Queue all, then await all; one result per item (None: acknowledged)."""
    pending: list[Awaitable[object] | BaseException] = []
    for item in items:
        try:
            pending.append(await send(item.output))
        except Exception as exc:  # refused before it was queued
            pending.append(exc)

    async def settle(p: Awaitable[object] | BaseException) -> BaseException | None:
        if isinstance(p, BaseException):
            return p
        try:
            await p
        except Exception as exc:
            return exc
        return None

    return list(await asyncio.gather(*(settle(p) for p in pending)))


def _items(outcomes: Sequence[Outcome], topics: Topics) -> list[_Item]:
    # Per input: its state entries (first-seen, related) before its output, so a crash in between decides
    # the same again.
    items: list[_Item] = []
    for o in outcomes:
        items += [_Item(o, first_seen_output(w, topics.first_seen), "first_seen") for w in o.first_seen]
        items += [_Item(o, out, "related") for out in o.related]
        items += [_Item(o, out, "output") for out in o.outputs]
        items += [_Item(o, dead_letter_output(d, topics.deadletter), "dead", d) for d in o.dead_letters]
    return items


def _letter_item(outcome: Outcome, letter: DeadLetter, topics: Topics, is_truncated: bool = False) -> _Item:
    return _Item(outcome, dead_letter_output(letter, topics.deadletter), "dead", letter, is_truncated)


async def deliver(outcomes: Sequence[Outcome], send: Send, topics: Topics, now: Callable[[], datetime]) -> Delivered:
    """Send everything the outcomes hold; return once all of it was acknowledged (then ack the inputs)."""
    items = _items(outcomes, topics)
    records = refused_outputs = truncated_letters = 0
    while items:
        results = await _send_all(items, send)
        again: list[_Item] = []
        for item, error in zip(items, results, strict=True):
            if error is None:
                records += 1
                continue
            where = f"{item.output.topic}: {_describe(error)}"
            if isinstance(error, NotTaken):
                raise Undeliverable(f"not taken, the cluster's state ({where})") from error
            if item.kind == "first_seen":
                raise Undeliverable(f"first-seen entry refused ({where})") from error
            if item.kind == "related":
                raise Undeliverable(f"related-state entry refused ({where})") from error
            if item.kind == "output":
                refused_outputs += 1
                msg = item.outcome.message
                letter = dead_letter_for(msg.value, stage="produce", error=where, error_type="Undeliverable",
                                         key=msg.key.decode("utf-8", "replace") if msg.key else None,
                                         topic=msg.topic, partition=msg.partition, offset=msg.offset, failed_at=now())
                again.append(_letter_item(item.outcome, letter, topics))
            elif item.truncated or item.letter is None:
                raise Undeliverable(f"dead letter refused even truncated ({where})") from error
            else:
                truncated_letters += 1
                again.append(_letter_item(item.outcome, truncated(item.letter, where), topics, is_truncated=True))
        items = again
    return Delivered(records, refused_outputs, truncated_letters)
