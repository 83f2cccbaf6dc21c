"""`newsflow deadletter list|replay`: inspect articles.deadletter and send letters back once the cause is fixed.

A dead letter keeps the original message (payload, key, origin topic/partition/offset), so a replay sends
exactly the bytes that failed back to the topic they came from, and the pipeline runs them again (the
sink's upsert and the first-seen state make a replay of something already stored harmless).

What was replayed is recorded as the offsets of the consumer group `newsflow-deadletter-replay` on the
dead-letter topic: per partition, the committed offset says "everything below was replayed" and the
commit's metadata lists replayed offsets above it ("12-40,57"), so a replay filtered by stage never
marks letters it skipped. A second replay sends nothing again unless `--all`.

Pure core first (decoding, filtering, progress bookkeeping), then the Kafka shell, then the CLI.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
import typer
from pydantic import ValidationError

from schemas.models import DeadLetter
from services.common.deadletter import TRUNCATED_MARK  # set where a dead letter's payload had to be cut
from services.config import Settings

__all__ = ["TRUNCATED_MARK", "app", "replay"]

REPLAY_GROUP = "newsflow-deadletter-replay"
METADATA_LIMIT = 4000  # Kafka keeps at most offset.metadata.max.bytes (4096) per committed offset


# ---- pure core -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One record on the dead-letter topic: its position there, and the letter (None if unreadable)."""

    partition: int
    offset: int
    timestamp_ms: int | None
    letter: DeadLetter | None
    problem: str | None = None


def parse_entry(partition: int, offset: int, timestamp_ms: int | None, value: bytes | None) -> Entry:
    try:
        return Entry(partition, offset, timestamp_ms, DeadLetter.model_validate(orjson.loads(value or b"")))
    except (orjson.JSONDecodeError, ValidationError) as exc:
        return Entry(partition, offset, timestamp_ms, None, f"not a DeadLetter: {str(exc)[:200]}")


def payload_bytes(letter: DeadLetter) -> bytes:
    """The original message value, byte for byte."""
    if letter.payload_encoding == "base64":
        return base64.b64decode(letter.payload, validate=True)
    return letter.payload.encode("utf-8", "surrogatepass")


def key_bytes(letter: DeadLetter) -> bytes | None:
    return letter.key.encode("utf-8", "surrogatepass") if letter.key is not None else None


def unreplayable(entry: Entry) -> str | None:
    """Why this entry cannot be replayed, or None if it can."""
    letter = entry.letter
    if letter is None:
        return entry.problem or "unreadable"
    if not letter.topic:
        return "no origin topic (rejected before it reached Kafka)"
    if TRUNCATED_MARK in letter.error:
        return "payload was truncated"
    try:
        payload_bytes(letter)
    except ValueError as exc:
        return f"payload does not decode: {exc}"
    return None


Positions = dict[int | None, list[tuple[int, int]]]  # partition (None: any) -> inclusive offset ranges
_POSITION = re.compile(r"^(?:(\d+):)?(\d+)(?:-(\d+))?$")


def parse_positions(specs: Iterable[str]) -> Positions:
    """`--offset` values: "17" (offset 17 in any partition), "0:17" (partition 0), "0:10-20", "10-20"."""
    out: Positions = {}
    for spec in specs:
        for part in spec.split(","):
            m = _POSITION.match(part.strip())
            if not m:
                raise ValueError(f"bad offset {part!r}: use OFFSET, FIRST-LAST, PARTITION:OFFSET or PARTITION:FIRST-LAST")
            first = int(m[2])
            last = int(m[3]) if m[3] else first
            if last < first:
                raise ValueError(f"bad offset range {part!r}")
            out.setdefault(int(m[1]) if m[1] else None, []).append((first, last))
    return out


def at_position(entry: Entry, positions: Positions) -> bool:
    ranges = positions.get(entry.partition, []) + positions.get(None, [])
    return any(first <= entry.offset <= last for first, last in ranges)


def select(entries: Iterable[Entry], *, stages: Sequence[str] = (), topic: str | None = None,
           positions: Positions | None = None) -> list[Entry]:
    """Entries matching every given filter (stage, origin topic, position on the dead-letter topic)."""
    chosen = []
    for entry in entries:
        letter = entry.letter
        if stages and (letter is None or letter.stage not in stages):
            continue
        if topic and (letter is None or letter.topic != topic):
            continue
        if positions and not at_position(entry, positions):
            continue
        chosen.append(entry)
    return chosen


@dataclass(frozen=True)
class Progress:
    """Replayed offsets of one partition: all below `below`, plus `above` (sparse, all >= below)."""

    below: int = 0
    above: frozenset[int] = frozenset()

    def __contains__(self, offset: int) -> bool:
        return offset < self.below or offset in self.above

    @classmethod
    def decode(cls, offset: int | None, metadata: str | None) -> Progress:
        above: set[int] = set()
        for part in (metadata or "").split(","):
            if part.strip():
                first, _, last = part.partition("-")
                above.update(range(int(first), int(last or first) + 1))
        below = max(offset or 0, 0)
        return cls(below, frozenset(o for o in above if o >= below))

    def add(self, offsets: Iterable[int], log_start: int = 0) -> Progress:
        """With more replayed offsets; offsets below the log start no longer exist and count as done."""
        done = set(self.above) | set(offsets)
        below = max(self.below, log_start)
        while below in done:
            below += 1
        return Progress(below, frozenset(o for o in done if o > below))

    def encode(self) -> tuple[int, str]:
        """(committed offset, metadata) for Kafka: ranges "a-b,c" of the sparse part."""
        parts: list[str] = []
        run: list[int] = []
        for o in sorted(self.above):
            if run and o == run[-1] + 1:
                run.append(o)
                continue
            if run:
                parts.append(_range(run))
            run = [o]
        if run:
            parts.append(_range(run))
        return self.below, ",".join(parts)


def filter_words(stages: Sequence[str], topic: str | None, offsets: Sequence[str]) -> str:
    """The filters of a replay as words ("--stage parse --offset 9:999"), empty when none. Pure."""
    parts = [f"--stage {s}" for s in stages] + ([f"--topic {topic}"] if topic else []) + [f"--offset {o}" for o in offsets]
    return " ".join(parts)


def _range(run: list[int]) -> str:
    return str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}"


def row(entry: Entry, replayed: bool | None = None) -> dict[str, Any]:
    """One entry as plain data (for --json and the table)."""
    letter = entry.letter
    out: dict[str, Any] = {"partition": entry.partition, "offset": entry.offset,
                           "timestamp": _iso(entry.timestamp_ms), "replayed": replayed}
    if letter is None:
        return out | {"stage": None, "error": entry.problem}
    return out | {
        "stage": letter.stage, "error_type": letter.error_type, "error": letter.error,
        "failed_at": letter.failed_at.isoformat(), "origin_topic": letter.topic, "origin_partition": letter.partition,
        "origin_offset": letter.offset, "key": letter.key, "payload_encoding": letter.payload_encoding,
        "payload_chars": len(letter.payload), "replayable": unreplayable(entry) is None,
    }


def _iso(ms: int | None) -> str | None:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat() if ms is not None else None


# ---- Kafka shell -----------------------------------------------------------------------------------

async def read_entries(settings: Settings) -> tuple[list[Entry], dict[int, int]]:
    """Everything on the dead-letter topic now, and each partition's log start offset."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from services.common.kafka import MAX_MESSAGE_BYTES, client_options

    topic = settings.topic_deadletter
    probe = AIOKafkaConsumer(**client_options(settings), group_id=None)
    await probe.start()
    try:
        if topic not in await probe.topics():  # subscribing to a missing topic could auto-create it
            return [], {}
    finally:
        await probe.stop()
    consumer = AIOKafkaConsumer(topic, **client_options(settings), group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest", max_partition_fetch_bytes=2 * MAX_MESSAGE_BYTES,
                                fetch_max_bytes=4 * MAX_MESSAGE_BYTES)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not tps:
            return [], {}
        starts = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        entries: list[Entry] = []
        position = dict(starts)
        idle = 0
        while any(position[tp] < ends[tp] for tp in tps) and idle < 5:  # idle: only markers left (transactions)
            batch = await consumer.getmany(timeout_ms=1000)
            idle = 0 if batch else idle + 1
            for tp, records in batch.items():
                for rec in records:
                    if rec.offset < ends[tp]:
                        entries.append(parse_entry(rec.partition, rec.offset, rec.timestamp, rec.value))
                if records:
                    position[tp] = records[-1].offset + 1
        return entries, {tp.partition: starts[tp] for tp in tps}
    finally:
        await consumer.stop()


async def read_progress(settings: Settings, group: str = REPLAY_GROUP) -> dict[int, Progress]:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.errors import GroupCoordinatorNotAvailableError

    from services.common.kafka import client_options

    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    except GroupCoordinatorNotAvailableError:
        return {}
    finally:
        await admin.close()
    return {tp.partition: Progress.decode(meta.offset, meta.metadata)
            for tp, meta in offsets.items() if tp.topic == settings.topic_deadletter}


async def commit_progress(settings: Settings, progress: dict[int, Progress], group: str = REPLAY_GROUP) -> None:
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.structs import OffsetAndMetadata

    from services.common.kafka import client_options

    offsets = {}
    for partition, prog in progress.items():
        offset, metadata = prog.encode()
        if len(metadata) > METADATA_LIMIT:  # too sparse to record: keep the contiguous part (may resend some)
            metadata = ""
        offsets[TopicPartition(settings.topic_deadletter, partition)] = OffsetAndMetadata(offset, metadata)
    if not offsets:
        return
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(offsets)
    finally:
        await consumer.stop()


@dataclass
class ReplayResult:
    replayed: list[Entry]
    already: list[Entry]
    unreplayable: list[tuple[Entry, str]]
    on_topic: int = 0  # dead letters on the topic, matching or not

    @property
    def matched(self) -> int:
        return len(self.replayed) + len(self.already) + len(self.unreplayable)


def plan(entries: Sequence[Entry], progress: dict[int, Progress], replay_all: bool) -> ReplayResult:
    """Split chosen entries into: to send, already replayed, cannot be replayed. Pure."""
    result = ReplayResult([], [], [])
    for entry in entries:
        reason = unreplayable(entry)
        if reason:
            result.unreplayable.append((entry, reason))
        elif not replay_all and entry.offset in progress.get(entry.partition, Progress()):
            result.already.append(entry)
        else:
            result.replayed.append(entry)
    return result


async def replay(settings: Settings, *, stages: Sequence[str] = (), topic: str | None = None,
                 positions: Positions | None = None, replay_all: bool = False, dry_run: bool = False,
                 group: str = REPLAY_GROUP) -> ReplayResult:
    """Send chosen letters' payloads back to their origin topics (with their keys); record them as replayed."""
    from services.producer.publish import Publisher

    entries, starts = await read_entries(settings)
    progress = await read_progress(settings, group)
    result = plan(select(entries, stages=stages, topic=topic, positions=positions), progress, replay_all)
    result.on_topic = len(entries)
    if dry_run or not result.replayed:
        return result
    sent: dict[int, list[int]] = {}
    try:
        async with Publisher(settings) as publisher:
            for entry in result.replayed:
                letter = entry.letter
                assert letter is not None and letter.topic
                await publisher.send_bytes(letter.topic, payload_bytes(letter), key=key_bytes(letter))
                sent.setdefault(entry.partition, []).append(entry.offset)
    finally:  # record what was sent even if a later send failed
        updated = {p: progress.get(p, Progress()).add(offs, starts.get(p, 0)) for p, offs in sent.items()}
        await commit_progress(settings, updated, group)
    return result


# ---- CLI ---------------------------------------------------------------------------------------------

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Inspect the dead-letter topic and replay letters once their cause is fixed.")

StageOpt = Annotated[list[str] | None, typer.Option("--stage", help="Only letters from this stage (repeatable).")]
TopicOpt = Annotated[str | None, typer.Option("--topic", help="Only letters that came from this topic.")]


@app.command("list")
def list_letters(
    stage: StageOpt = None,
    topic: TopicOpt = None,
    limit: Annotated[int, typer.Option(help="Show at most this many, the most recent.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Show dead letters: where they sit, stage, error, time, origin topic/offset, whether replayed."""
    import sys

    from rich.console import Console
    from rich.table import Table

    from services.cli_context import settings_here

    settings = settings_here(kafka=True)

    async def load() -> tuple[list[Entry], dict[int, Progress]]:
        entries, _ = await read_entries(settings)
        return entries, await read_progress(settings)

    entries, progress = asyncio.run(load())
    chosen = select(entries, stages=stage or (), topic=topic)
    chosen.sort(key=lambda e: (e.timestamp_ms or 0, e.partition, e.offset))
    shown = chosen[-limit:] if limit > 0 else chosen
    rows = [row(e, e.offset in progress.get(e.partition, Progress())) for e in shown]
    if as_json:
        for r in rows:
            sys.stdout.write(orjson.dumps(r).decode() + "\n")
        return
    table = Table(title=f"{len(shown)} of {len(chosen)} dead letters on {settings.topic_deadletter}")
    for col in ("at", "stage", "error", "failed at", "origin", "key", "replayed"):
        table.add_column(col, overflow="fold")
    for r in rows:
        origin = f"{r.get('origin_topic')}[{r.get('origin_partition')}]@{r.get('origin_offset')}" if r.get("origin_topic") else "-"
        error = f"{r.get('error_type', '')}: {r.get('error') or ''}"
        table.add_row(f"{r['partition']}:{r['offset']}", str(r["stage"]), error[:120], (r.get("failed_at") or "")[:19],
                      origin, (r.get("key") or "")[:24], "yes" if r["replayed"] else ("no" if r.get("replayable") else "n/a"))
    Console().print(table)


@app.command("replay")
def replay_letters(
    stage: StageOpt = None,
    topic: TopicOpt = None,
    offset: Annotated[list[str] | None, typer.Option(
        "--offset", help="Only these positions on the dead-letter topic: 17, 10-20, 0:17, 0:10-20 (repeatable).")] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Also letters that were replayed before.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be sent; send and record nothing.")] = False,
) -> None:
    """Send dead letters' original payloads back to their origin topics, with their keys."""
    from rich.console import Console

    from services.cli_context import settings_here
    from services.cli_errors import UsageError, UserError

    try:
        positions = parse_positions(offset or [])
    except ValueError as exc:
        raise UsageError(f"--offset: {exc}") from exc
    settings = settings_here(kafka=True)
    result = asyncio.run(replay(settings, stages=stage or (), topic=topic, positions=positions or None,
                                replay_all=replay_all, dry_run=dry_run))
    if not result.matched:
        filters = filter_words(stage or (), topic, offset or [])
        where = f"{result.on_topic} dead letters on {settings.topic_deadletter}"
        if filters:
            raise UserError(f"nothing matched {filters} among the {where}; `newsflow deadletter list` shows them")
        Console().print(f"nothing to replay: {where}")
        return
    console = Console()
    verb = "would replay" if dry_run else "replayed"
    for entry in result.replayed:
        letter = entry.letter
        assert letter is not None
        console.print(f"{verb} {entry.partition}:{entry.offset} ({letter.stage}) -> {letter.topic} key={letter.key}")
    for entry, reason in result.unreplayable:
        console.print(f"[yellow]cannot replay[/] {entry.partition}:{entry.offset}: {reason}")
    console.print(f"{verb} {len(result.replayed)}, already replayed {len(result.already)} (use --all to resend), "
                  f"cannot replay {len(result.unreplayable)}")
