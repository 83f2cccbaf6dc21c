"""Nothing lost, nothing doubled: crashes, restarts and outages through the real processes.

Every test streams distinct small articles through `newsflow process` and `newsflow sink` (child
processes) into a PostgreSQL database of its own, injects one fault mid-stream, and ends with the same
check: the store holds exactly the articles sent, each id once. See docs/faults.md.
"""

from __future__ import annotations

import asyncio
import tempfile
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
from tests.support.postgres import LocalPostgres

pytestmark = pytest.mark.integration
N = 5_000


class Feeder(threading.Thread):
    """Publishes the articles in paced chunks from its own thread and event loop, so the test can
    kill processes while the stream is still flowing. Failed sends are retried (the broker may be away)."""

    def __init__(self, settings: Settings, items: list[RawArticle], chunk: int = 250, pause: float = 0.4) -> None:
        super().__init__(daemon=True)
        self.settings, self.items, self.chunk, self.pause = settings, items, chunk, pause
        self.sent = 0
        self.retries = 0
        self.go = threading.Event()  # the first chunk goes at once, the rest once the test says so
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
            for attempt in range(10):
                try:
                    async with Publisher(self.settings) as publisher:
                        await publisher.send_many(part)
                    break
                except Exception:
                    if attempt == 9:
                        raise
                    self.retries += 1  # resending a chunk may duplicate on raw: the pipeline must absorb that
                    await asyncio.sleep(1.0)
            self.sent += len(part)
            while not self.go.is_set():
                await asyncio.sleep(0.1)
            await asyncio.sleep(self.pause)

    def finish(self, timeout: float = 180.0) -> int:
        self.go.set()
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


@pytest.fixture
def pg_url(postgres: LocalPostgres) -> str:
    return fresh_database(postgres)


def test_kill_9_processor_and_sink_mid_stream(make_settings: Callable[..., Settings], tmp_path: Path, pg_url: str) -> None:
    settings = make_settings(database_url=pg_url, partitions=4)
    items = make_articles(N, tmp_path.name)
    expected = {expected_id(a) for a in items}
    assert len(expected) == N
    pipe = Pipeline(settings, tmp_path / "logs")
    feeder = Feeder(settings, items)
    feeder.start()
    try:
        pipe.processor()
        pipe.sink()
        count = lambda: stored_count(pg_url)  # noqa: E731
        wait_until(lambda: count() > 0, 120, "the pipeline to run", pipe.services.values())
        feeder.go.set()
        wait_until(lambda: count() >= 1_000, 120, "1,000 stored", pipe.services.values())
        assert feeder.is_alive(), f"the stream should still be flowing when we crash it ({feeder.sent} sent, {feeder.error!r})"
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
        drained(settings)
        time.sleep(2.0)  # a late duplicate write would show up now
        assert pipe.all_alive()
    finally:
        pipe.stop()
    result = check_complete(pg_url, expected)
    dup = enriched_duplicates(settings)
    print(f"\nkill -9: sent {sent}, stored {result['stored']}, duplicate rows {result['duplicate_rows']}, "
          f"killed at {at_first_kill} and {at_second_kill} stored, re-sent on articles.enriched {dup}")
    assert sent == N
