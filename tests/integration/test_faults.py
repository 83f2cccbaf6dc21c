"""Nothing lost, nothing doubled: crashes, restarts and outages through the real processes.

Every test streams distinct small articles through `newsflow process` and `newsflow sink` (child
processes) into a PostgreSQL database of its own, injects one fault mid-stream, and ends with the same
check: the store holds exactly the articles sent, each id once. See docs/faults.md.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from schemas.models import RawArticle
from services.common.localkafka import LocalKafka
from services.config import Settings
from services.producer.publish import Publisher
from tests.support.faults import (Pipeline, committed, drained, duplicates, expected_id, fresh_database, stored_count,
                                  stored_ids, topic_values, wait_until)
from tests.support.faults import articles as make_articles
from tests.support.postgres import LocalPostgres, throwaway_postgres

pytestmark = pytest.mark.integration
N = 5_000


class Feeder(threading.Thread):
    """Publishes the articles in paced chunks from its own thread and event loop, so the test can
    kill processes while the stream is still flowing. Failed sends are retried (the broker may be away).

    `hold_after`: stop after that many until finish(), so a fault injected before finish() always finds
    articles still to come, however fast the pipeline runs on the day (CI once drained it all first)."""

    def __init__(self, settings: Settings, items: list[RawArticle], chunk: int = 250, pause: float = 0.4,
                 hold_after: int | None = None) -> None:
        super().__init__(daemon=True)
        self.settings, self.items, self.chunk, self.pause, self.hold_after = settings, items, chunk, pause, hold_after
        self.sent = 0
        self.retries = 0
        self.attempts = 0  # chunks whose send was started
        self.sending = False  # inside a chunk's send (it may be blocked on an absent broker)
        self.go = threading.Event()  # the first chunk goes at once, the rest once the test says so
        self.release = threading.Event()  # set by finish(): the held-back rest may go
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as exc:  # surfaced by finish()
            self.error = exc

    async def _run(self) -> None:
        from services.common.kafka import ensure_topics

        await ensure_topics(self.settings)
        for start in range(0, len(self.items), self.chunk):
            part = self.items[start:start + self.chunk]
            self.attempts += 1
            self.sending = True
            deadline = time.monotonic() + 180  # a broker restart on a loaded machine takes a while
            while True:
                try:
                    async with Publisher(self.settings) as publisher:
                        await publisher.send_many(part)
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    self.retries += 1  # resending a chunk may duplicate on raw: the pipeline must absorb that
                    await asyncio.sleep(1.0)
            self.sent += len(part)
            self.sending = False
            while not self.go.is_set() or (self.hold_after is not None and self.sent >= self.hold_after
                                           and not self.release.is_set()):
                await asyncio.sleep(0.1)
            await asyncio.sleep(self.pause)

    def finish(self, timeout: float = 180.0) -> int:
        self.go.set()
        self.release.set()
        self.join(timeout)
        assert not self.is_alive(), "the feeder did not finish"
        if self.error is not None:
            raise self.error
        return self.sent


def check_complete(url: str, expected: set[str]) -> dict[str, int]:
    ids = stored_ids(url)
    dups = duplicates(ids)
    assert not dups, f"ids stored more than once: {list(dups.items())[:5]}"
    assert set(ids) == expected, f"missing {len(expected - set(ids))}, unexpected {len(set(ids) - expected)}"
    assert len(ids) == len(expected)
    return {"stored": len(ids), "duplicate_rows": len(dups)}


def enriched_duplicates(settings: Settings) -> int:
    """Records on articles.enriched beyond one per id: what at-least-once resent and the upsert absorbed."""
    import orjson

    values = asyncio.run(topic_values(settings, settings.topic_enriched))
    ids = [orjson.loads(v)["id"] for _, _, v in values]
    return len(ids) - len(set(ids))


def flowing(pipe: Pipeline, feeder: Feeder, url: str, stored: int) -> Callable[[], int]:
    """Once the pipeline runs, let the feeder go and wait for `stored` rows, the stream still coming.
    Returns the row counter."""
    count = lambda: stored_count(url)  # noqa: E731
    wait_until(lambda: count() > 0, 300, "the pipeline to run", pipe.services.values())
    feeder.go.set()
    wait_until(lambda: count() >= stored, 120, f"{stored:,} stored", pipe.services.values())
    assert feeder.is_alive(), f"the stream should still be flowing at the fault ({feeder.sent} sent, {feeder.error!r})"
    return count


@pytest.fixture
def pg_url(postgres: LocalPostgres) -> str:
    return fresh_database(postgres)


def test_kill_9_processor_and_sink_mid_stream(make_settings: Callable[..., Settings], tmp_path: Path, pg_url: str) -> None:
    settings = make_settings(database_url=pg_url, partitions=4)
    items = make_articles(N, tmp_path.name)
    expected = {expected_id(a) for a in items}
    assert len(expected) == N
    pipe = Pipeline(settings, tmp_path / "logs")
    feeder = Feeder(settings, items, hold_after=3_500)
    feeder.start()
    try:
        pipe.processor()
        pipe.sink()
        count = flowing(pipe, feeder, pg_url, 1_000)
        # Crash both at once, mid-stream: nothing flushed, nothing committed on the way out.
        pipe.services["processor"].kill()
        pipe.services["sink"].kill()
        at_first_kill = count()
        pipe.processor()
        pipe.sink()
        wait_until(lambda: count() >= at_first_kill + 1_000, 120, "progress after restart", pipe.services.values())
        # And the processor alone once more, while the sink keeps writing.
        pipe.services["processor"].kill()
        at_second_kill = count()
        pipe.processor()
        sent = feeder.finish()
        wait_until(lambda: count() >= N, 180, f"{N} stored", pipe.services.values())
        drained(settings)  # both groups committed everything, twice in a row: no write is still coming
        assert pipe.all_alive()
    finally:
        pipe.stop()
    result = check_complete(pg_url, expected)
    dup = enriched_duplicates(settings)
    print(f"\nkill -9: sent {sent}, stored {result['stored']}, duplicate rows {result['duplicate_rows']}, "
          f"killed at {at_first_kill} and {at_second_kill} stored, re-sent on articles.enriched {dup}")
    assert sent == N


def test_broker_restart_mid_stream(make_settings: Callable[..., Settings], tmp_path: Path, pg_url: str) -> None:
    broker = LocalKafka(tmp_path / "kafka").start()  # our own broker: the session's serves other tests
    try:
        settings = make_settings(kafka_bootstrap_servers=broker.bootstrap, database_url=pg_url, partitions=4)
        items = make_articles(3_000, tmp_path.name)
        expected = {expected_id(a) for a in items}
        pipe = Pipeline(settings, tmp_path / "logs")
        feeder = Feeder(settings, items, chunk=150, hold_after=2_850)
        feeder.start()
        try:
            pipe.processor()
            pipe.sink()
            count = flowing(pipe, feeder, pg_url, 600)
            broker.stop()  # data and port stay: the same broker comes back
            at_stop = count()
            feeder.release.set()  # the held-back rest is sent into the outage: the producer must retry
            # Either a chunk was mid-send when the broker stopped, or the released rest starts one now.
            wait_until(lambda: feeder.sending, 60, "the feeder to send into the outage", pipe.services.values())
            unsent_in_outage = len(items) - feeder.sent  # waiting in the producer (its retries) or ours
            broker.start()
            sent = feeder.finish()
            assert unsent_in_outage > 0, "the feeder never met the outage"
            wait_until(lambda: count() >= len(items), 180, "all stored", pipe.services.values())
            drained(settings)
            assert pipe.all_alive(), "a service died with the broker"
        finally:
            pipe.stop()
        result = check_complete(pg_url, expected)
        dup = enriched_duplicates(settings)
        print(f"\nbroker restart: sent {sent}, stored {result['stored']}, duplicate rows {result['duplicate_rows']}, "
              f"broker stopped at {at_stop} stored, {unsent_in_outage} sent into the outage (chunks re-sent "
              f"{feeder.retries}), re-sent on enriched {dup}")
        assert sent == len(items)
    finally:
        broker.stop()


@pytest.fixture
def own_postgres() -> Iterator[LocalPostgres]:
    with throwaway_postgres("newsflow-pg-fault-") as server:
        yield server


def test_postgres_down_20s_sink_waits_and_commits_nothing_unwritten(make_settings: Callable[..., Settings], tmp_path: Path,
                                                                   own_postgres: LocalPostgres) -> None:
    pg_url = own_postgres.url
    settings = make_settings(database_url=pg_url, partitions=4)
    items = make_articles(3_000, tmp_path.name)
    expected = {expected_id(a) for a in items}
    pipe = Pipeline(settings, tmp_path / "logs")
    feeder = Feeder(settings, items, chunk=150, hold_after=2_850)
    feeder.start()
    commits: list[int] = []
    try:
        pipe.processor()
        sink = pipe.sink()
        count = flowing(pipe, feeder, pg_url, 600)
        own_postgres.stop()
        down_at = time.monotonic()
        # Down for 20 s: the sink may finish committing the batch it wrote before the stop, then nothing moves.
        while time.monotonic() - down_at < 20:
            commits.append(sum(asyncio.run(committed(settings, settings.sink_group, settings.topic_enriched)).values()))
            time.sleep(1.0)
        assert len(set(commits[3:])) == 1, f"the sink committed while the database was down: {commits}"
        assert sink.alive(), sink.tail()
        # Freeze the sink before the database returns, then check: every committed offset was written.
        sink.kill()
        own_postgres.start()
        offsets = asyncio.run(committed(settings, settings.sink_group, settings.topic_enriched))
        import orjson

        below = {orjson.loads(v)["id"] for _, _, v in asyncio.run(topic_values(settings, settings.topic_enriched, upto=offsets))}
        stored_at_outage = set(stored_ids(pg_url))
        assert below <= stored_at_outage, f"{len(below - stored_at_outage)} committed but never written"
        log = sink.log.read_text(errors="replace")
        delays = [float(d) for d in re.findall(r"retrying in ([0-9.]+)s", log)]
        assert delays[:5] == [0.5, 1.0, 2.0, 4.0, 8.0], delays  # backoff, capped at 10 s
        pipe.sink()
        sent = feeder.finish()
        wait_until(lambda: count() >= len(items), 180, "all stored", pipe.services.values())
        drained(settings)
        assert pipe.all_alive()
    finally:
        pipe.stop()
    result = check_complete(pg_url, expected)
    print(f"\npostgres down 20 s: sent {sent}, stored {result['stored']}, duplicate rows {result['duplicate_rows']}, "
          f"stored when it went down {len(stored_at_outage)}, committed-and-written {len(below)}, "
          f"committed offset sum while down {sorted(set(commits))}, backoff {delays}")


def test_two_workers_and_two_sinks_share_and_rebalance(make_settings: Callable[..., Settings], tmp_path: Path,
                                                       pg_url: str) -> None:
    settings = make_settings(database_url=pg_url, partitions=4)
    items = make_articles(4_000, tmp_path.name)
    # Copies of the first 40 (same body, new URL), sent after a worker left: the first-seen state must
    # still know every original, also for the hashes whose partitions moved to the other worker.
    copies = [a.model_copy(update={"url": f"{a.url}/copy", "title": f"{a.title} (copy)"}) for a in items[:40]]
    expected = {expected_id(a) for a in items + copies}
    original_of = {expected_id(c): expected_id(a) for a, c in zip(items[:40], copies, strict=True)}
    pipe = Pipeline(settings, tmp_path / "logs")
    feeder = Feeder(settings, items, chunk=200, pause=1.0, hold_after=3_000)
    feeder.start()
    try:
        pipe.processor("processor-a")
        pipe.processor("processor-b")  # same app id, own state dir (faust's datadir is per worker)
        pipe.sink("sink-a")
        pipe.sink("sink-b")
        count = lambda: stored_count(pg_url)  # noqa: E731
        wait_until(lambda: count() > 0, 300, "the pipeline to run", pipe.services.values())
        wait_until(lambda: group_members(settings, settings.processor_id) == 2
                   and group_members(settings, settings.sink_group) == 2, 90, "both workers and sinks in their groups",
                   pipe.services.values())
        feeder.go.set()
        wait_until(lambda: count() >= 1_200, 120, "1,200 stored", pipe.services.values())
        at_stop = count()
        assert at_stop < len(items), "the stream should still be flowing when a worker leaves"
        assert pipe.services["processor-b"].stop() is not None and pipe.services["sink-b"].stop() is not None
        sent = feeder.finish()
        from tests.support.kafka_io import send_values
        from schemas import encode

        asyncio.run(send_values(settings, settings.topic_raw, [(c.url.encode(), encode(c)) for c in copies]))  # type: ignore[union-attr]
        wait_until(lambda: count() >= len(expected), 90, "all stored", pipe.services.values())
        drained(settings)
        assert pipe.services["processor-a"].alive() and pipe.services["sink-a"].alive()
        assert group_members(settings, settings.processor_id) == 1 and group_members(settings, settings.sink_group) == 1
    finally:
        pipe.stop()
    result = check_complete(pg_url, expected)
    import psycopg

    with psycopg.connect(pg_url) as conn:
        marked = dict(conn.execute("SELECT id, duplicate_of FROM articles WHERE duplicate_of IS NOT NULL").fetchall())
    assert marked == original_of, f"{len(marked)} marked duplicates, expected {len(original_of)}"
    sink_logs = [(tmp_path / "logs" / f"{name}.log").read_text() for name in ("sink-a", "sink-b")]
    assert all("Setting newly assigned partitions" in log for log in sink_logs)
    print(f"\ntwo workers: sent {sent + len(copies)}, stored {result['stored']}, duplicate rows {result['duplicate_rows']}, "
          f"second worker and sink stopped at {at_stop} stored, content duplicates marked {len(marked)}/{len(copies)}, "
          f"re-sent on enriched {enriched_duplicates(settings)}")


def test_workers_joining_and_leaving_repeatedly(make_settings: Callable[..., Settings], tmp_path: Path,
                                                pg_url: str) -> None:
    """A rebalance storm: a second worker joins and leaves four times (twice cleanly, twice by SIGKILL)
    while the first one keeps working. Both directions of a rebalance are where faust hung before."""
    settings = make_settings(database_url=pg_url, partitions=4)
    items = make_articles(8_000, tmp_path.name)
    expected = {expected_id(a) for a in items}
    pipe = Pipeline(settings, tmp_path / "logs")
    feeder = Feeder(settings, items, chunk=100, pause=0.5, hold_after=1_500)  # 1,500 more per cycle
    feeder.start()
    members = lambda: group_members(settings, settings.processor_id)  # noqa: E731
    count = lambda: stored_count(pg_url)  # noqa: E731
    cycles: list[tuple[int, str]] = []
    try:
        pipe.processor("processor-a")
        pipe.sink()
        wait_until(lambda: count() > 0, 300, "the pipeline to run", pipe.services.values())
        feeder.go.set()
        for cycle, how in enumerate(["stop", "kill", "stop", "kill"]):
            name = f"processor-b{cycle}"
            pipe.processor(name)
            # Deadlines, not timings: a worker starting on a loaded machine may take minutes to load its models.
            wait_until(lambda: members() == 2, 300, f"{name} in the group", pipe.services.values())
            # Only now release 1,500 fresh articles: whatever the pipeline stored before, a backlog exists
            # from here on, so progress is possible with both workers in the group however fast it runs.
            wait_until(lambda: feeder.sent >= (feeder.hold_after or 0), 90, "the feeder at its hold point")
            before = count()
            feeder.hold_after = feeder.sent + 1_500
            wait_until(lambda: count() >= before + 100, 300,
                       f"progress with {name} in the group (stored {count()}, sent {feeder.sent}, hold {feeder.hold_after})",
                       pipe.services.values())
            pipe.services[name].kill() if how == "kill" else pipe.services[name].stop()
            wait_until(lambda: members() == 1, 300, f"{name} out of the group", pipe.services.values())
            cycles.append((count(), how))
        assert cycles[-1][0] < len(items), f"the stream should still be flowing through the whole storm: {cycles}"
        sent = feeder.finish()
        wait_until(lambda: count() >= len(expected), 180, "all stored", pipe.services.values())
        drained(settings)
        assert pipe.services["processor-a"].alive() and pipe.services["sink"].alive()
    finally:
        pipe.stop()
    result = check_complete(pg_url, expected)
    print(f"\nrebalance storm: sent {sent}, stored {result['stored']}, duplicate rows {result['duplicate_rows']}, "
          f"second worker left at {cycles}, re-sent on enriched {enriched_duplicates(settings)}")


def group_members(settings: Settings, group: str) -> int:
    from aiokafka.admin import AIOKafkaAdminClient

    from services.common.kafka import client_options

    async def members() -> int:
        admin = AIOKafkaAdminClient(**client_options(settings))
        await admin.start()
        try:
            described = await admin.describe_consumer_groups([group])
        finally:
            await admin.close()
        groups = described[0].groups if described else []
        return len(groups[0][5]) if groups else 0

    return asyncio.run(members())
