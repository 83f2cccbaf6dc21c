"""`newsflow deadletter list|replay` against the real pipeline: a record refused for a cause that is then
fixed is replayed, stored exactly once, and a second replay does not send it again."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from schemas import encode
from schemas.models import RawArticle
from services.config import Settings
from tests.support.faults import (NOW, Pipeline, drained, expected_id, fresh_database, stored_count, stored_ids,
                                  topic_values, wait_count)
from tests.support.faults import articles as make_articles
from tests.support.kafka_io import send_values
from tests.support.postgres import LocalPostgres
from tests.support.processes import service_env

pytestmark = pytest.mark.integration


def newsflow(settings: Settings, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "services.cli", *args], env=service_env(settings),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def letters(settings: Settings) -> list[dict]:
    return [orjson.loads(line) for line in newsflow(settings, "deadletter", "list", "--json", "--limit", "0").splitlines()]


def test_replay_after_the_cause_is_fixed_stores_once(make_settings: Callable[..., Settings], tmp_path: Path,
                                                     postgres: LocalPostgres) -> None:
    url = fresh_database(postgres)
    settings = make_settings(database_url=url, partitions=2, max_body_bytes=2_000)
    goods = make_articles(10, tmp_path.name)
    big = RawArticle(source="replay", url=f"https://example.org/{tmp_path.name}/long", title="Lange Meldung",
                     body="Der Rat der Stadt Hamburg tagt am Montag über die Brücke. " * 100, fetched_at=NOW)
    values = [(f"g{i}".encode(), encode(a)) for i, a in enumerate(goods)]
    values += [(b"big", encode(big)), (b"junk", b"{not json")]
    asyncio.run(send_values(settings, settings.topic_raw, values))
    pipe = Pipeline(settings, tmp_path / "logs")
    try:
        pipe.processor()
        pipe.sink()
        wait_count(lambda: stored_count(url), 10, "10 stored", pipe)
        wait_count(lambda: len(letters(settings)), 2, "2 dead letters", pipe)
        listed = {row["key"]: row for row in letters(settings)}
        assert listed["big"]["stage"] == "normalize" and "over NEWSFLOW_MAX_BODY_BYTES=2,000 by" in listed["big"]["error"]
        assert listed["big"]["origin_topic"] == settings.topic_raw and listed["big"]["origin_offset"] is not None
        assert listed["junk"]["stage"] == "parse" and listed["big"]["replayed"] is False
        table = newsflow(settings, "deadletter", "list", "--stage", "normalize")
        assert "normalize" in table and "parse" not in table and "1 of 1 dead letters" in table

        # The cause is fixed: the processor restarts with a larger limit.
        pipe.services["processor"].stop()
        pipe.processor(max_body_bytes=1_000_000)
        raw_before = len(asyncio.run(topic_values(settings, settings.topic_raw)))
        dry = newsflow(settings, "deadletter", "replay", "--stage", "normalize", "--dry-run")
        assert "would replay 1" in dry
        assert len(asyncio.run(topic_values(settings, settings.topic_raw))) == raw_before  # a dry run sends nothing
        out = newsflow(settings, "deadletter", "replay", "--stage", "normalize")
        assert "replayed 1," in out
        wait_count(lambda: stored_count(url), 11, "the replayed article stored", pipe)
        again = newsflow(settings, "deadletter", "replay", "--stage", "normalize")
        assert "replayed 0, already replayed 1" in again
        drained(settings, pipe)
        assert pipe.all_alive()
    finally:
        pipe.stop()
    ids = stored_ids(url)
    assert sorted(ids) == sorted({expected_id(a) for a in goods} | {expected_id(big)})
    enriched = [orjson.loads(v)["id"] for _, _, v in asyncio.run(topic_values(settings, settings.topic_enriched))]
    assert enriched.count(expected_id(big)) == 1, "the replayed record went through exactly once"
    raw_after = asyncio.run(topic_values(settings, settings.topic_raw))
    assert len(raw_after) == raw_before + 1
    final = {row["key"]: row for row in letters(settings)}
    assert final["big"]["replayed"] is True and final["junk"]["replayed"] is False
    print(f"\nreplay: sent {len(values)}, dead-lettered 2, replayed 1 (twice asked), stored {len(ids)}, "
          f"enriched records for the replayed id {enriched.count(expected_id(big))}")
