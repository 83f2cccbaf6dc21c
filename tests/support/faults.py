"""Helpers for the fault-injection tests: distinct articles with known ids, a database per test,
the pipeline's processes, and the checks every fault test ends with (complete, no duplicates)."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import psycopg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import GroupCoordinatorNotAvailableError, KafkaError

from schemas import encode
from schemas.models import NormalizedArticle, RawArticle
from services.common.kafka import client_options
from services.config import Settings
from services.processor.enrich import normalize_message
from tests.support.postgres import LocalPostgres
from tests.support.processes import Service

T = TypeVar("T")

NOW = datetime(2025, 4, 7, 14, 39, tzinfo=UTC)
_WORDS = ("Rat", "Hafen", "Deich", "Schule", "Bahn", "Markt", "Brücke", "Wetter", "Feuerwehr", "Museum")


def articles(n: int, run: str) -> list[RawArticle]:
    """n small, distinct articles (own URL, own body, so own id and own content hash)."""
    return [RawArticle(source="faults", url=f"https://example.org/{run}/{i}", title=f"Meldung {i}",
                       body=f"Meldung {i} aus dem Lauf {run}: {_WORDS[i % len(_WORDS)]} {i * 7919 % 10007} wird gemeldet.",
                       fetched_at=NOW)
            for i in range(n)]


def expected_id(article: RawArticle) -> str:
    """The id the processor will give the article (the same pure step it runs)."""
    out = normalize_message(encode(article), now=NOW, max_body_bytes=10**7)
    assert isinstance(out, NormalizedArticle), out
    return out.id


def fresh_database(pg: LocalPostgres) -> str:
    """A new, empty database on `pg`: counts in it are this test's alone."""
    name = f"nf_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg.url.rsplit("/", 1)[0] + "/" + name


def stored_ids(url: str) -> list[str]:
    """Every stored article id, one entry per row (an id twice would show up twice)."""
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            return [row[0] for row in conn.execute("SELECT id FROM articles")]
    except psycopg.errors.UndefinedTable:
        return []


def stored_count(url: str) -> int:
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute("SELECT count(*) FROM articles").fetchone()
            return int(row[0]) if row else 0
    except (psycopg.errors.UndefinedTable, psycopg.OperationalError):
        return 0


def duplicates(ids: Iterable[str]) -> dict[str, int]:
    return {i: n for i, n in Counter(ids).items() if n > 1}


async def committed(settings: Settings, group: str, topic: str) -> dict[int, int]:
    """The group's committed offset per partition of `topic`."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    except GroupCoordinatorNotAvailableError:  # the group has not committed anything yet
        return {}
    finally:
        await admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}


async def topic_values(settings: Settings, topic: str, upto: dict[int, int] | None = None) -> list[tuple[int, int, bytes]]:
    """(partition, offset, value) of everything on `topic` now (or below `upto` per partition)."""
    consumer = AIOKafkaConsumer(topic, **client_options(settings), enable_auto_commit=False, group_id=None,
                                auto_offset_reset="earliest", max_partition_fetch_bytes=32 * 1024 * 1024,
                                fetch_max_bytes=64 * 1024 * 1024)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        ends = await consumer.end_offsets(tps) if tps else {}
        stop = {tp: min(end, upto.get(tp.partition, 0)) if upto is not None else end for tp, end in ends.items()}
        position = {tp: 0 for tp in tps}
        out: list[tuple[int, int, bytes]] = []
        while any(position[tp] < stop[tp] for tp in tps):
            batch = await consumer.getmany(timeout_ms=1000)
            for tp, recs in batch.items():
                out.extend((r.partition, r.offset, r.value or b"") for r in recs if r.offset < stop[tp])
                if recs:
                    position[tp] = recs[-1].offset + 1
        return out
    finally:
        await consumer.stop()


def accepts_connections(bootstrap: str) -> bool:
    """Whether every host:port of a bootstrap list accepts a TCP connection now."""
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            socket.create_connection((host.strip("[]") or "localhost", int(port)), timeout=1.0).close()
        except OSError:
            return False
    return True


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, services: Iterable[Service] = (),
               every: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    tails = "\n".join(f"--- {s.log.name}\n{s.tail(60)}" for s in services)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{tails}")


def wait_for(probe: Callable[[], T | None], timeout: float, what: str, services: Iterable[Service] = (),
             every: float = 0.5) -> T:
    """wait_until for a probe that returns what it found: its first truthy answer."""
    found: list[T] = []

    def ready() -> bool:
        value = probe()
        if value:
            found.append(value)
        return bool(value)

    wait_until(ready, timeout, what, services, every)
    return found[0]


# A wait gives up after this long without progress, never after a fixed total: a run on a machine loaded
# by other work (or a CPU hog) is slower, not stuck, and its counts keep moving.
STALL = 120.0
# CPU seconds a starting service may use before joining its group and still count as getting somewhere
# (several times what a worker needs to load its models): beyond that it is a service that cannot join.
START_CPU_BUDGET = 120


def wait_progress(done: Callable[[], bool], position: Callable[[], dict[str, int]], what: str, *,
                  services: Iterable[Service] = (), stall: float = STALL, every: float = 0.5) -> None:
    """Wait until `done()`. The deadline moves on each time `position()` changes; the wait fails only
    after `stall` seconds with the same position, and says what the counts were. A position is made of
    bounded counts that only grow (rows stored, records sent, CPU seconds of starting services up to
    START_CPU_BUDGET…), so that a wait that gets nowhere always ends."""
    started = time.monotonic()
    while not done():
        last = position()
        try:  # one round: until done or the position moves, at most `stall` seconds
            wait_until(lambda: done() or position() != last, stall, what, every=every)
        except AssertionError:
            counts = ", ".join(f"{k} {v:,}" for k, v in position().items())
            tails = "\n".join(f"--- {s.log.name}\n{s.tail(60)}" for s in services)
            raise AssertionError(f"no progress for {stall:.0f}s waiting for {what} ({counts}; "
                                 f"{time.monotonic() - started:.0f}s in all)\n{tails}") from None


def wait_count(count: Callable[[], int], target: int, what: str, pipe: Pipeline | None = None,
               **also: Callable[[], int]) -> int:
    """Until `count()` reaches `target`; progress is the count growing (and `also`'s counts, and the CPU
    time of the pipeline's services that are still starting). Returns the count reached."""
    seen = [0]

    def done() -> bool:
        seen[0] = count()
        return seen[0] >= target

    def position() -> dict[str, int]:
        here = {"count": seen[0], "target": target} | {name: f() for name, f in also.items()}
        return here | ({"cpu s of starting services": pipe.starting_cpu()} if pipe is not None else {})

    wait_progress(done, position, what, services=pipe.services.values() if pipe is not None else ())
    return seen[0]


def group_members(settings: Settings, group: str) -> int | None:
    """Members of a consumer group that is stable (None while it rebalances or is not known yet)."""

    async def members() -> int | None:
        admin = AIOKafkaAdminClient(**client_options(settings))
        await admin.start()
        try:
            described = await admin.describe_consumer_groups([group])
        finally:
            await admin.close()
        groups = described[0].groups if described else []
        if not groups:
            return None
        _error, _id, state, _protocol_type, _protocol, members_, *_ = groups[0]
        return len(members_) if state == "Stable" else (0 if state == "Empty" else None)

    try:
        return asyncio.run(members())
    except KafkaError:  # the coordinator is moving or still loading: ask again
        return None


def wait_members(settings: Settings, group: str, n: int, what: str, pipe: Pipeline) -> None:
    """Until `group` is stable with `n` members; progress is the CPU time of services still starting (a
    worker loading its models). A member leaving needs no progress: the broker ends its session (10 s)."""
    wait_progress(lambda: group_members(settings, group) == n,
                  lambda: {"cpu s of starting services": pipe.starting_cpu()}, what, services=pipe.services.values())


class InfoService(Service):
    """A Service whose faust worker logs at info level (rebalances, recovery), for diagnosing failures."""

    def args(self) -> list[str]:
        return [self.command, "--log-level", "info"] if self.command == "process" else [self.command]


@dataclass
class Pipeline:
    """Processor workers and sinks as real `newsflow` processes (each worker with its own state dir)."""

    settings: Settings
    log_dir: Path
    services: dict[str, Service] = field(default_factory=dict)

    def processor(self, name: str = "processor", **overrides: object) -> Service:
        settings = self.settings.model_copy(update={"state_dir": self.log_dir / f"state-{name}", **overrides})
        self.services[name] = InfoService("process", settings, self.log_dir, name=name).start()
        return self.services[name]

    def sink(self, name: str = "sink", **overrides: object) -> Service:
        settings = self.settings.model_copy(update=overrides)
        self.services[name] = Service("sink", settings, self.log_dir, name=name).start()
        return self.services[name]

    def starting_cpu(self) -> int:
        """Whole CPU seconds used by running services that have not joined their group yet: a worker
        loading its models shows no other sign of getting somewhere."""
        return int(sum(min(s.cpu_seconds(), START_CPU_BUDGET) for s in self.services.values()
                       if s.alive() and not s.joined()))

    def all_alive(self) -> bool:
        return all(s.alive() for s in self.services.values())

    def stop(self) -> None:
        for service in self.services.values():
            service.stop(timeout=20)


def drained(settings: Settings, pipe: Pipeline | None = None) -> None:
    """Until the processor and the sink have committed everything on their input topics, twice in a row
    (nothing in flight between the stages either); progress is a new lowest lag."""
    from services.stack import lag

    async def pending() -> int:
        return (await lag(settings, settings.processor_id, [settings.topic_raw, settings.topic_normalized])
                + await lag(settings, settings.sink_group, [settings.topic_enriched]))

    lowest: list[int] = []
    zeros = [0]

    def done() -> bool:
        try:
            now = asyncio.run(pending())
        except KafkaError:  # e.g. the group coordinator is still being elected: ask again
            return False
        lowest[:] = [min(lowest + [now])]
        zeros[0] = zeros[0] + 1 if now == 0 else 0
        return zeros[0] >= 2

    wait_progress(done, lambda: {"lowest lag": lowest[0] if lowest else -1}, "both groups to commit everything",
                  services=pipe.services.values() if pipe is not None else ())
