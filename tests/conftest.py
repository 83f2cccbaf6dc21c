"""Fixtures: a real Kafka broker and a real PostgreSQL per test session, isolated topics per test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from services.common.localkafka import LocalKafka
from services.config import Settings
from tests.support.postgres import LocalPostgres, throwaway_postgres

# Property tests draw the same examples on every run: a test passes or fails the same way each time
# (a case a random draw once found is pinned with @example).
hypothesis_settings.register_profile("newsflow", derandomize=True)
hypothesis_settings.load_profile("newsflow")

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    return Path(os.environ.get("NEWSFLOW_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared() -> Path:
    path = shared_dir()
    if not path.is_dir():
        pytest.skip(f"shared material not found at {path}")
    return path


@pytest.fixture(scope="session")
def seeds(shared: Path) -> dict[str, str]:
    """The two seed articles by language: {"nl": text, "de": text}."""
    files = sorted((shared / "seeds").glob("*.txt"))
    if len(files) < 2:
        pytest.skip("seed articles not found")
    return {"nl": files[0].read_text(encoding="utf-8"), "de": files[1].read_text(encoding="utf-8")}


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    broker = LocalKafka(tmp_path_factory.mktemp("kafka")).start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    with throwaway_postgres() as server:
        yield server


@pytest.fixture
def make_settings(kafka: LocalKafka, tmp_path: Path) -> Callable[..., Settings]:
    """Settings with this test's own topics, groups and state, so tests never see each other's records."""
    tag = uuid.uuid4().hex[:8]

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "kafka_bootstrap_servers": kafka.bootstrap,
            "topic_raw": f"t{tag}.raw",
            "topic_normalized": f"t{tag}.normalized",
            "topic_enriched": f"t{tag}.enriched",
            "topic_deadletter": f"t{tag}.deadletter",
            "topic_stories": f"t{tag}.stories",
            "processor_id": f"proc-{tag}",
            "sink_group": f"sink-{tag}",
            "partitions": 2,
            "state_dir": tmp_path / "state",
            "database_url": f"sqlite:///{tmp_path / 'store.db'}",
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture
def run() -> Callable[..., object]:
    """Run a coroutine to completion from a sync test."""
    return lambda coro: asyncio.run(coro)
