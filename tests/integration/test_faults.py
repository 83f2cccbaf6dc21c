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
from tests.support.faults import (Pipeline, accepts_connections, committed, drained, duplicates, expected_id,
                                  fresh_database, group_members, stored_count, stored_ids, topic_values, wait_count,
                                  wait_members, wait_progress, wait_until)
from tests.support.faults import articles as make_articles
from tests.support.postgres import LocalPostgres, throwaway_postgres

pytestmark = pytest.mark.integration


class Feeder(threading.Thread):
    """Publishes the articles in paced chunks from its own thread and event loop, so the test can
    kill processes while the stream is still flowing. A failed send is retried until it goes through (the
    broker may be away) or the test abandons the feeder.

    `hold_after`: stop after that many until finish(), so a fault injected before finish() always finds
    articles still to come, however fast the pipeline runs on the day. A test raises it (`release`) to let
    a further part of the stream go once the state it tests exists, so that progress is always measured
    against a backlog that was sent after that state began."""

    def __init__(self, settings: Settings, items: list[RawArticle], chunk: int = 250, pause: float = 0.4,
                 hold_after: int | None = None) -> None:
        super().__init__(daemon=True)
        self.settings, self.items, self.chunk, self.pause, self.hold_after = settings, items, chunk, pause, hold_after
        self.sent = 0
        self.retries = 0
        self.attempts = 0  # chunks whose send was started
        self.sending = False  # inside a chunk's send (it may be blocked on an absent broker)
        self.wake = threading.Event()  # set whenever one of the signals below is, or the hold point moves
        self.go = _Signal(self.wake)  # the first chunk goes at once, the rest once the test says so
        self.unheld = _Signal(self.wake)  # set by finish(): the held-back rest may go
        self.abandoned = _Signal(self.wake)  # the test is over (failed): stop sending and retrying
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as exc:  # surfaced by finish()
            self.error = exc

    def held(self) -> bool:
        return self.hold_after is not None and self.sent >= self.hold_after and not self.unheld.is_set()

    def release(self, n: int) -> None:
        """Let `n` more articles go past the hold point."""
        assert self.hold_after is not None
        self.hold_after += n
        self.wake.set()

    def _may_send(self) -> bool:
        return self.abandoned.is_set() or (self.go.is_set() and not self.held())

    def _until_signalled(self) -> None:
        """Until the test lets the next chunk go (or gives up): a signal sets `wake` after it changed
        what _may_send reads, so clearing first loses none."""
        while True:
            self.wake.clear()
            if self._may_send():
                return
            self.wake.wait()

    def _until_broker_back(self) -> None:
        """Until the broker accepts connections again (or the test gives up): a failed send is retried then."""
        wait_until(lambda: self.abandoned.is_set() or accepts_connections(self.settings.bootstrap), 600,
                   "the broker to accept connections")

    async def _run(self) -> None:
        from services.common.kafka import ensure_topics

        await ensure_topics(self.settings)
        for start in range(0, len(self.items), self.chunk):
            part = self.items[start:start + self.chunk]
            self.attempts += 1
            self.sending = True
            while True:
                try:
                    async with Publisher(self.settings) as publisher:
                        await publisher.send_many(part)
                    break
                except Exception:
                    if self.abandoned.is_set():
                        raise
                    self.retries += 1  # resending a chunk may duplicate on raw: the pipeline must absorb that
                    await asyncio.to_thread(self._until_broker_back)
            self.sent += len(part)
            self.sending = False
            await asyncio.to_thread(self._until_signalled)
            # The stream's pace, so that faults meet it mid-flow (a rate of the workload, not a wait for
            # the pipeline); it ends at once when the test gives up.
            if await asyncio.to_thread(self.abandoned.wait, self.pause):
                return

    def at_hold(self, pipe: Pipeline) -> None:
        """Until the feeder has sent everything up to its hold point."""
        target = self.hold_after or len(self.items)
        wait_count(lambda: self.sent, target, "the feeder at its hold point", pipe)

    def finish(self) -> int:
        """Send the rest; returns how many were sent. Waits while the feeder gets somewhere."""
        self.go.set()
        self.unheld.set()
        wait_progress(lambda: not self.is_alive(), lambda: {"sent": self.sent, "chunks started": self.attempts},
                      "the feeder to send the rest")
        if self.error is not None:
            raise self.error
        return self.sent

    def abandon(self) -> None:
        self.abandoned.set()


class _Signal(threading.Event):
    """A threading.Event whose set() also sets `wake`: the feeder waits on one event for all its signals."""

    def __init__(self, wake: threading.Event) -> None:
        super().__init__()
        self._wake = wake

    def set(self) -> None:
        super().set()
        self._wake.set()


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
    wait_count(count, 1, "the pipeline to run", pipe)
    feeder.go.set()
    wait_count(count, stored, f"{stored:,} stored", pipe, sent=lambda: feeder.sent)
    assert feeder.is_alive(), f"the stream should still be flowing at the fault ({feeder.sent} sent, {feeder.error!r})"
    return count


@pytest.fixture
def pg_url(postgres: LocalPostgres) -> str:
    return fresh_database(postgres)


def test_kill_9_processor_and_sink_mid_stream(make_settings: Callable[..., Settings], tmp_path: Path, pg_url: str) -> None:
    """SIGKILL processor and sink together mid-stream, restart both, then the processor alone once more.

    2,500 articles: the first kill at 400 stored, 500 more released after the restart (so the progress
    that shows the restarted pair works is measured against articles sent after the kill), the second kill
    with 1,000 still held back. More articles would only make the run longer, not the check stronger."""
    settings = make_settings(database_url=pg_url, partitions=4)
    items = make_articles(2_500, tmp_path.name)
    expected = {expected_id(a) for a in items}
    assert len(expected) == len(items)
    pipe = Pipeline(settings, tmp_path / "logs")
    feeder = Feeder(settings, items, hold_after=1_000)
    feeder.start()
    try:
        pipe.processor()
        pipe.sink()
        count = flowing(pipe, feeder, pg_url, 400)
        # Crash both at once, mid-stream: nothing flushed, nothing committed on the way out.
        pipe.services["processor"].kill()
        pipe.services["sink"].kill()
        at_first_kill = count()
        pipe.processor()
        pipe.sink()
        feeder.release(500)  # at_first_kill <= the hold point: these 500 are still to come
        wait_count(count, at_first_kill + 500, "progress after restart", pipe, sent=lambda: feeder.sent)
        # And the processor alone once more, while the sink keeps writing.
        pipe.services["processor"].kill()
        at_second_kill = count()
        assert at_second_kill < len(items), "the stream should still be flowing at the second kill"
        pipe.processor()
        sent = feeder.finish()
        wait_count(count, len(items), "all stored", pipe)
        drained(settings, pipe)  # both groups committed everything, twice in a row: no write is still coming
        assert pipe.all_alive()
    finally:
        feeder.abandon()
        pipe.stop()
    result = check_complete(pg_url, expected)
    dup = enriched_duplicates(settings)
    print(f"\nkill -9: sent {sent}, stored {result['stored']}, duplicate rows {result['duplicate_rows']}, "
          f"killed at {at_first_kill} and {at_second_kill} stored, re-sent on articles.enriched {dup}")
    assert sent == len(items)


def test_broker_restart_mid_stream(make_settings: Callable[..., Settings], tmp_path: Path, pg_url: str) -> None:
    """The broker stopped and started on the same data and port while the stream flows; the rest of the
    stream is sent into the outage. 1,500 articles: the stop at 300 stored, the last chunk (150) sent
    into the outage."""
    broker = LocalKafka(tmp_path / "kafka").start()  # our own broker: the session's serves other tests
    try:
        settings = make_settings(kafka_bootstrap_servers=broker.bootstrap, database_url=pg_url, partitions=4)
        items = make_articles(1_500, tmp_path.name)
        expected = {expected_id(a) for a in items}
        pipe = Pipeline(settings, tmp_path / "logs")
        feeder = Feeder(settings, items, chunk=150, hold_after=1_350)
        feeder.start()
        try:
            pipe.processor()
            pipe.sink()
            count = flowing(pipe, feeder, pg_url, 300)
            broker.stop()  # data and port stay: the same broker comes back
            at_stop = count()
            feeder.unheld.set()  # the held-back rest is sent into the outage: the producer must retry
            # Either a chunk was mid-send when the broker stopped, or the released rest starts one now.
            wait_progress(lambda: feeder.sending, lambda: {"sent": feeder.sent, "chunks started": feeder.attempts},
                          "the feeder to send into the outage", services=pipe.services.values())
            unsent_in_outage = len(items) - feeder.sent  # waiting in the producer (its retries) or ours
            broker.start()
            sent = feeder.finish()
            assert unsent_in_outage > 0, "the feeder never met the outage"
            wait_count(count, len(items), "all stored", pipe)
            drained(settings, pipe)
            assert pipe.all_alive(), "a service died with the broker"
        finally:
            feeder.abandon()
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
    """PostgreSQL stopped mid-stream for at least 20 s and until the sink has backed off five times
    (0.5 … 8 s); the rest of the stream is released into the outage, so the sink always has a batch it
    cannot write. From the sink's first failed write on, its committed offsets must not move. 1,500
    articles, the stop at 300 stored."""
    pg_url = own_postgres.url
    settings = make_settings(database_url=pg_url, partitions=4)
    items = make_articles(1_500, tmp_path.name)
    expected = {expected_id(a) for a in items}
    pipe = Pipeline(settings, tmp_path / "logs")
    feeder = Feeder(settings, items, chunk=150, hold_after=1_350)
    feeder.start()
    commits: list[int] = []

    def backoff() -> list[float]:
        return [float(d) for d in re.findall(r"retrying in ([0-9.]+)s", sink.log.read_text(errors="replace"))]

    def committed_sum() -> int:
        return sum(asyncio.run(committed(settings, settings.sink_group, settings.topic_enriched)).values())

    try:
        pipe.processor()
        sink = pipe.sink()
        count = flowing(pipe, feeder, pg_url, 300)
        own_postgres.stop()
        down_at = time.monotonic()
        feeder.unheld.set()  # enriched records keep coming: the sink meets the outage with a batch to write
        # Its first failed write: it holds that batch from here on, and may have committed the one before.
        wait_progress(lambda: bool(backoff()), lambda: {"sent": feeder.sent}, "the sink's first failed write",
                      services=pipe.services.values())
        commits.append(committed_sum())
        # Down until the backoff reached 8 s (and 20 s at least), sampling the committed offsets meanwhile.
        def outage_over() -> bool:
            commits.append(committed_sum())
            assert sink.alive(), sink.tail()
            return len(backoff()) >= 5 and time.monotonic() - down_at >= 20

        wait_progress(outage_over, lambda: {"failed writes": len(backoff())}, "the sink to back off five times",
                      services=pipe.services.values(), every=1.0)
        commits.append(committed_sum())
        assert len(set(commits)) == 1, f"the sink committed while the database was down: {commits}"
        # Freeze the sink before the database returns, then check: every committed offset was written.
        sink.kill()
        own_postgres.start()
        offsets = asyncio.run(committed(settings, settings.sink_group, settings.topic_enriched))
        import orjson

        below = {orjson.loads(v)["id"] for _, _, v in asyncio.run(topic_values(settings, settings.topic_enriched, upto=offsets))}
        stored_at_outage = set(stored_ids(pg_url))
        assert below <= stored_at_outage, f"{len(below - stored_at_outage)} committed but never written"
        delays = backoff()
        assert delays[:5] == [0.5, 1.0, 2.0, 4.0, 8.0], delays  # backoff, capped at 10 s
        pipe.sink()
        sent = feeder.finish()
        wait_count(count, len(items), "all stored", pipe)
        drained(settings, pipe)
        assert pipe.all_alive()
    finally:
        feeder.abandon()
        pipe.stop()
    result = check_complete(pg_url, expected)
    print(f"\npostgres down: sent {sent}, stored {result['stored']}, duplicate rows {result['duplicate_rows']}, "
          f"stored when it went down {len(stored_at_outage)}, committed-and-written {len(below)}, "
          f"committed offset sum while down {sorted(set(commits))}, backoff {delays}")


def test_two_workers_and_two_sinks_share_and_rebalance(make_settings: Callable[..., Settings], tmp_path: Path,
                                                       pg_url: str) -> None:
    """Two workers and two sinks share the stream; one of each stops mid-stream. 2,000 articles: the
    stream goes once both groups are stable with two members, the stop at 500 stored with 1,000 held
    back; then 40 content copies of the first articles, which the first-seen state must recognise also
    for the hashes whose partitions moved to the surviving worker."""
    settings = make_settings(database_url=pg_url, partitions=4)
    items = make_articles(2_000, tmp_path.name)
    copies = [a.model_copy(update={"url": f"{a.url}/copy", "title": f"{a.title} (copy)"}) for a in items[:40]]
    expected = {expected_id(a) for a in items + copies}
    original_of = {expected_id(c): expected_id(a) for a, c in zip(items[:40], copies, strict=True)}
    pipe = Pipeline(settings, tmp_path / "logs")
    feeder = Feeder(settings, items, chunk=100, pause=0.5, hold_after=1_000)
    feeder.start()
    try:
        pipe.processor("processor-a")
        pipe.processor("processor-b")  # same app id, own state dir (faust's datadir is per worker)
        pipe.sink("sink-a")
        pipe.sink("sink-b")
        count = lambda: stored_count(pg_url)  # noqa: E731
        wait_count(count, 1, "the pipeline to run", pipe)
        wait_members(settings, settings.processor_id, 2, "both workers in their group", pipe)
        wait_members(settings, settings.sink_group, 2, "both sinks in their group", pipe)
        feeder.go.set()
        wait_count(count, 500, "500 stored", pipe, sent=lambda: feeder.sent)
        at_stop = count()
        assert at_stop < len(items), "the stream should still be flowing when a worker leaves"
        assert pipe.services["processor-b"].stop() is not None and pipe.services["sink-b"].stop() is not None
        sent = feeder.finish()
        from schemas import encode
        from tests.support.kafka_io import send_values

        asyncio.run(send_values(settings, settings.topic_raw, [(c.url.encode(), encode(c)) for c in copies]))  # type: ignore[union-attr]
        wait_count(count, len(expected), "all stored", pipe)
        drained(settings, pipe)
        assert pipe.services["processor-a"].alive() and pipe.services["sink-a"].alive()
        assert group_members(settings, settings.processor_id) == 1 and group_members(settings, settings.sink_group) == 1
    finally:
        feeder.abandon()
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
    while the first one keeps working. Both directions of a rebalance are where faust hung before.

    Each cycle releases 500 more articles only once the group is stable with the new worker in it, so
    progress with both workers (100 more stored) is measured against a backlog that exists, however fast
    the pipeline stored what came before. 3,000 articles: 500 before the storm, 4 × 500 during it, 500
    held back until it is over, so the stream is still flowing through the whole storm."""
    settings = make_settings(database_url=pg_url, partitions=4)
    items = make_articles(3_000, tmp_path.name)
    expected = {expected_id(a) for a in items}
    pipe = Pipeline(settings, tmp_path / "logs")
    feeder = Feeder(settings, items, chunk=100, pause=0.5, hold_after=500)
    feeder.start()
    count = lambda: stored_count(pg_url)  # noqa: E731
    cycles: list[tuple[int, str]] = []
    try:
        pipe.processor("processor-a")
        pipe.sink()
        wait_count(count, 1, "the pipeline to run", pipe)
        feeder.go.set()
        for cycle, how in enumerate(["stop", "kill", "stop", "kill"]):
            name = f"processor-b{cycle}"
            pipe.processor(name)
            wait_members(settings, settings.processor_id, 2, f"{name} in the group", pipe)
            feeder.at_hold(pipe)
            before = count()
            feeder.release(500)
            wait_count(count, before + 100, f"progress with {name} in the group", pipe,
                       sent=lambda: feeder.sent, hold=lambda: feeder.hold_after or 0)
            pipe.services[name].kill() if how == "kill" else pipe.services[name].stop()
            wait_members(settings, settings.processor_id, 1, f"{name} out of the group", pipe)
            cycles.append((count(), how))
        assert cycles[-1][0] < len(items), f"the stream should still be flowing through the whole storm: {cycles}"
        sent = feeder.finish()
        wait_count(count, len(expected), "all stored", pipe)
        drained(settings, pipe)
        assert pipe.services["processor-a"].alive() and pipe.services["sink"].alive()
    finally:
        feeder.abandon()
        pipe.stop()
    result = check_complete(pg_url, expected)
    print(f"\nrebalance storm: sent {sent}, stored {result['stored']}, duplicate rows {result['duplicate_rows']}, "
          f"second worker left at {cycles}, re-sent on enriched {enriched_duplicates(settings)}")
