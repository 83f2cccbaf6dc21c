"""Metrics, health endpoints, the service registry, the page's series and the store view, without Kafka."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from schemas.models import DeadLetter
from services.observability.dashboard import rate_series
from services.common.logs import JsonFormatter, TextFormatter, dict_config, record_context
from services.observability.metrics import REASON_CLASSES, Metrics, reason_class
from services.observability.registry import ServiceEntry, register, running
from services.observability.server import HealthServer, Readiness
from services.observability.service import faust_joined
from services.observability.snapshot import _redacted, locate
from services.observability.storeview import StoreView
from services.config import Settings
from services.sink.store import open_store
from tests.unit.test_store import article

NOW = datetime(2025, 4, 7, 14, 39, tzinfo=UTC)


def letter(stage: str, error: str, error_type: str = "ValueError") -> DeadLetter:
    return DeadLetter(stage=stage, error_type=error_type, error=error, payload="x", key="k1", topic="articles.raw",
                      partition=2, offset=40, failed_at=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(("stage", "error", "kind", "expected"), [
    ("parse", "empty message", "StepError", "empty"),
    ("parse", "not JSON: unexpected character", "StepError", "not_json"),
    ("validate", "not a RawArticle: [...]", "StepError", "invalid"),
    ("normalize", "body is 2000000 bytes, larger than the limit of 1000000", "StepError", "too_large"),
    ("produce", "articles.enriched: MessageSizeTooLargeError", "Undeliverable", "undeliverable"),
    ("sink", "1 validation error for EnrichedArticle", "ValidationError", "invalid"),
    ("route", "KeyError: 'x'", "KeyError", "unexpected"),
])
def test_reason_classes_are_few_and_stable(stage: str, error: str, kind: str, expected: str) -> None:
    assert reason_class(letter(stage, error, kind)) == expected
    assert expected in REASON_CLASSES


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    from prometheus_client import generate_latest

    out = {}
    for family in text_string_to_metric_families(generate_latest(metrics.registry).decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metric_names_follow_prometheus_conventions() -> None:
    m = Metrics("processor", restarts=2)
    m.received("articles.raw")
    m.received("articles.raw")
    m.sent("articles.normalized")
    m.dead_lettered(letter("parse", "empty message"))
    m.observe("normalize", 0.002)
    m.enriched("nl")
    m.wrote(3, 0.01)
    m.batch(3)
    m.set_lag("g", {("articles.raw", 0): 5})
    got = samples(m)
    assert got[("newsflow_records_in_total", (("service", "processor"), ("topic", "articles.raw")))] == 2
    assert got[("newsflow_records_out_total", (("service", "processor"), ("topic", "articles.normalized")))] == 1
    assert got[("newsflow_dead_letters_total", (("reason", "empty"), ("service", "processor"), ("stage", "parse")))] == 1
    assert got[("newsflow_stage_seconds_count", (("stage", "normalize"),))] == 1
    assert got[("newsflow_stage_seconds_count", (("stage", "store"),))] == 1
    assert got[("newsflow_articles_enriched_total", (("language", "nl"),))] == 1
    assert got[("newsflow_articles_stored_total", ())] == 3
    assert got[("newsflow_consumer_lag_records", (("group", "g"), ("partition", "0"), ("topic", "articles.raw")))] == 5
    assert got[("newsflow_restarts_total", (("service", "processor"),))] == 2
    names = {name for name, _ in got}
    for name in names:
        assert name.startswith(("newsflow_", "process_")), name
    counters = [n for n in names if n.startswith("newsflow_") and not n.endswith(("_bucket", "_count", "_sum", "_created"))
                and "lag" not in n and "ready" not in n]
    assert all(n.endswith("_total") for n in counters), counters


def test_health_server_answers_alive_ready_and_metrics(tmp_path: Path) -> None:
    metrics, readiness = Metrics("sink"), Readiness()
    readiness.set("store", True, "opened")
    readiness.set("group", False, "joining")
    server = HealthServer("sink", metrics, readiness, host="127.0.0.1", port=0, registry=tmp_path,
                          bootstrap="localhost:1").start()
    try:
        assert httpx.get(f"{server.url}/healthz").json()["alive"] is True
        answer = httpx.get(f"{server.url}/readyz")
        assert answer.status_code == 503 and answer.json()["checks"]["group"] == {"ok": False, "detail": "joining"}
        readiness.set("group", True, "4 partitions")
        assert httpx.get(f"{server.url}/readyz").status_code == 200
        text = httpx.get(f"{server.url}/metrics").text
        assert 'newsflow_ready{check="group",service="sink"} 1.0' in text
        [entry] = running(tmp_path)
        assert entry.url == server.url and entry.pid == os.getpid() and entry.bootstrap == "localhost:1"
    finally:
        server.stop()
    assert running(tmp_path) == []


def test_a_probe_that_raises_means_not_ready() -> None:
    readiness = Readiness()
    readiness.probe("group", lambda: 1 / 0)  # type: ignore[arg-type,return-value]
    ok, detail = readiness.state()["group"]
    assert not ok and "ZeroDivisionError" in detail


def test_stale_registrations_are_dropped(tmp_path: Path) -> None:
    register(tmp_path, ServiceEntry(service="sink", pid=2**22 + 12345, url="http://127.0.0.1:1", started_at=0))
    assert running(tmp_path) == []
    assert not list(tmp_path.glob("*.json"))


def test_faust_readiness_reads_generation_and_rebalancing() -> None:
    class App:
        consumer_generation_id = 0
        rebalancing = False

    app = App()
    assert faust_joined(app)[0] is False
    app.consumer_generation_id = 3
    assert faust_joined(app) == (True, "generation 3")
    app.rebalancing = True
    assert faust_joined(app)[0] is False


def test_status_finds_the_stack_from_what_services_registered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("NEWSFLOW_DATABASE_URL", raising=False)
    settings = Settings(state_dir=tmp_path, kafka_bootstrap_servers=None)
    assert locate(settings).kafka_bootstrap_servers is None
    register(settings.registry_dir, ServiceEntry(service="sink", pid=os.getpid(), url="http://x", started_at=0,
                                                 bootstrap="h:9"))
    assert locate(settings).kafka_bootstrap_servers == "h:9"
    (tmp_path / "stack.json").write_bytes(orjson.dumps({"bootstrap_servers": "s:1", "database_url": "sqlite:///y.db"}))
    found = locate(settings)
    assert (found.kafka_bootstrap_servers, found.database_url) == ("s:1", "sqlite:///y.db")
    assert locate(settings.model_copy(update={"kafka_bootstrap_servers": "env:2"})).kafka_bootstrap_servers == "env:2"


def test_database_passwords_are_not_shown() -> None:
    assert _redacted("postgresql://newsflow:secret@db:5432/n") == "postgresql://newsflow:***@db:5432/n"
    assert _redacted("sqlite:///newsflow.db") == "sqlite:///newsflow.db"


def test_rate_series_bins_the_last_ten_minutes() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    stamp = lambda s: (now - timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S")  # noqa: E731
    series = rate_series({stamp(0): 20, stamp(5): 10, stamp(15): 30, stamp(700): 99}, now)
    assert len(series) == 60 and series[-1]["t"] == now.isoformat()
    assert series[-1]["value"] == 3.0 and series[-2]["value"] == 3.0 and sum(p["value"] for p in series) == 6.0


def test_store_view_reads_without_creating(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'n.db'}"
    view = StoreView(url)
    assert view.count() == 0 and not (tmp_path / "n.db").exists()
    store = open_store(url)
    store.upsert([article("a", lang="nl"), article("b", lang="de"), article("c", lang="nl")])
    store.close()
    view = StoreView(url)
    now = datetime.now(UTC)
    assert view.count() == 3 and view.stored_since(60, now) == 3
    assert view.languages() == [("nl", 2), ("de", 1)]
    assert view.top_entities(3600, now) == [{"id": "Q7747", "name": "Vladimir Putin", "type": "PER", "articles": 3,
                                             "mentions": 3}]
    latest = view.latest(2)
    assert len(latest) == 2 and latest[0]["entities"] == [{"id": "Q7747", "name": "Vladimir Putin", "type": "PER"}]
    assert sum(view.stored_per_second(60, now).values()) == 3
    view.close()


def test_log_lines_carry_the_record(capsys: pytest.CaptureFixture[str]) -> None:
    record = logging.LogRecord("newsflow.processor", logging.WARNING, __file__, 1, "dead-lettered at %s", ("parse",), None)
    for key, value in record_context(letter("parse", "empty message")).items():
        setattr(record, key, value)
    doc = orjson.loads(JsonFormatter().format(record))
    assert doc["message"] == "dead-lettered at parse" and doc["level"] == "warning"
    assert (doc["topic"], doc["partition"], doc["offset"], doc["article_id"], doc["reason"]) == (
        "articles.raw", 2, 40, "k1", "empty")
    assert TextFormatter().format(record).endswith(
        "[topic=articles.raw partition=2 offset=40 article_id=k1 stage=parse reason=empty]")
    config = dict_config("info", "json")
    assert config["loggers"]["aiokafka"]["level"] == logging.WARNING and config["root"]["level"] == logging.INFO
    assert dict_config("debug")["loggers"]["faust"]["level"] == logging.DEBUG
    with pytest.raises(ValueError, match="unknown log format"):
        dict_config("info", "xml")


def test_status_without_a_stack_says_so_and_fails(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSFLOW_", "KAFKA_"))}
    done = subprocess.run([sys.executable, "-m", "services.cli", "status", "--json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    snap = orjson.loads(done.stdout)
    assert any("KAFKA_BOOTSTRAP_SERVERS is not set" in p for p in snap["problems"])
    assert any("processor is not running" in p for p in snap["problems"])
    assert not (tmp_path / "newsflow.db").exists()  # a read never creates a database


def test_status_table_lists_what_is_wrong() -> None:
    from rich.console import Console

    from services.observability.snapshot import GroupState, ServiceState, Snapshot, TopicState
    from services.observability.status import print_status

    snap = Snapshot(taken_at=NOW, bootstrap="b:1", database="sqlite:///n.db", broker_ok=True,
                    topics=[TopicState(name="articles.raw", partitions=2, end_offsets=[3, 4], records=7)],
                    groups=[GroupState(group="newsflow-sink", lag=5, partitions={"articles.enriched[1]": 5})],
                    stored=2, articles_per_second=0.5, dead_letters_last_hour={"parse": 1},
                    services=[ServiceState(service="sink", pid=9, url="http://x", ready=False,
                                           checks={"store": {"ok": False, "detail": "down"}})],
                    problems=["sink (pid 9) is not ready: store: down"])
    console = Console(record=True, width=140)
    print_status(snap, console)
    text = console.export_text()
    for expected in ("articles.raw", "3 4", "articles.enriched[1]=5", "parse 1", "not ready", "store NOT OK",
                     "sink (pid 9) is not ready: store: down"):
        assert expected in text, expected
    assert not snap.ok
