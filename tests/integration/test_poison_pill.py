"""A record that kills the worker is dead-lettered (stage `crash`) after N deaths and the stream goes on.

The real `newsflow process` is made to die (os._exit, as a segfault would end it) on one chosen record
through the test-only NEWSFLOW_PROCESSOR_TEST_CRASH_MARKER; the test restarts it whenever it dies, as
`newsflow up` or compose would. See docs/faults.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from schemas import encode
from schemas.models import RawArticle
from services.config import Settings
from services.deadletter import read_entries
from services.processor.runtime.exits import EXIT_TEST_CRASH
from tests.support.faults import NOW, Pipeline, expected_id, wait_progress
from tests.support.faults import articles as make_articles
from tests.support.kafka_io import send_values

pytestmark = pytest.mark.integration
MARKER = "POISON-PILL-7f3a"


def test_a_record_that_kills_the_worker_is_dead_lettered_after_three_deaths(
        make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings(partitions=2, processor_test_crash_marker=MARKER)
    goods = make_articles(40, tmp_path.name)
    pill = RawArticle(source="faults", url=f"https://example.org/{tmp_path.name}/pill", title="Gift",
                      body=f"Diese Meldung bringt den Worker um: {MARKER}.", fetched_at=NOW)
    items = goods[:20] + [pill] + goods[20:]
    asyncio.run(send_values(settings, settings.topic_raw, [(a.url.encode(), encode(a)) for a in items]))  # type: ignore[union-attr]
    expected = {expected_id(a) for a in goods}
    store_url = settings.database_url.removeprefix("sqlite:///")
    pipe = Pipeline(settings, tmp_path / "logs")
    exits: list[int | None] = []

    def crash_letters() -> list[dict]:
        entries, _ = asyncio.run(read_entries(settings))
        return [e.letter.model_dump() for e in entries if e.letter is not None and e.letter.stage == "crash"]

    def stored() -> set[str]:
        return set(stored_ids_sqlite(store_url))

    try:
        pipe.processor()
        pipe.sink()

        def done_restarting_the_dead() -> bool:
            worker = pipe.services["processor"]
            if not worker.alive():
                assert worker.proc is not None
                exits.append(worker.proc.returncode)
                assert len(exits) <= 5, f"the worker keeps dying: {exits}\n{worker.tail()}"
                pipe.processor()  # what `newsflow up` does: restart it (same state dir)
            return expected <= stored() and bool(crash_letters())

        wait_progress(done_restarting_the_dead, lambda: {"stored": len(stored()), "worker exits": len(exits),
                                                         "cpu s of starting services": pipe.starting_cpu()},
                      "the good articles stored and the pill dead-lettered", services=pipe.services.values())
        # The stream goes on after the pill: more articles go through the surviving worker.
        later = make_articles(45, tmp_path.name)[40:]
        asyncio.run(send_values(settings, settings.topic_raw, [(a.url.encode(), encode(a)) for a in later]))  # type: ignore[union-attr]
        more = {expected_id(a) for a in later}
        wait_progress(lambda: more <= stored(), lambda: {"stored": len(stored())}, "the articles after the pill stored",
                      services=pipe.services.values())
        assert pipe.services["processor"].alive()
    finally:
        pipe.stop()
    assert exits == [EXIT_TEST_CRASH] * 3, exits
    [letter] = crash_letters()
    assert letter["topic"] == settings.topic_raw and letter["offset"] is not None
    assert orjson.loads(letter["payload"])["url"] == pill.url and "3 times" in letter["error"]
    assert stored() == expected | more  # every other article, none lost with the pill
    print(f"\npoison pill: worker exits {exits}, dead letter {letter['stage']}: {letter['error']}")


def stored_ids_sqlite(path: str) -> list[str]:
    import sqlite3

    if not Path(path).exists():
        return []
    with sqlite3.connect(path) as conn:
        try:
            return [row[0] for row in conn.execute("SELECT id FROM articles")]
        except sqlite3.OperationalError:  # the sink has not created the table yet
            return []
