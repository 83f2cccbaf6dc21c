"""Every newsflow metric, defined once (docs/metrics.md lists them).

One `Metrics` per process, on its own registry (never the global one, so tests and benches can build
several). Names follow Prometheus conventions: counters end in `_total`, durations are `_seconds`,
labels have a small, bounded set of values (topics, stages, reason classes, configured languages).
Hot-path calls reuse labelled children from a cache: a per-record update costs a few microseconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, disable_created_metrics

from schemas.models import DeadLetter

# The `*_created` series (a timestamp per labelled child) double what every scrape carries and no
# dashboard uses them: process_start_time_seconds says when counting began.
disable_created_metrics()

# Per-record stage costs are ~0.1-5 ms; a store write of a batch up to seconds.
STAGE_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
STAGES = ("normalize", "language", "entities", "routing", "store")
REASON_CLASSES = ("empty", "not_json", "invalid", "too_large", "undeliverable", "unsupported", "crash", "unexpected")


def reason_class(letter: DeadLetter) -> str:
    """A dead letter's cause as one of REASON_CLASSES: a label with few values, unlike the free-text error."""
    error, kind = letter.error.lower(), letter.error_type
    if letter.stage == "produce" or kind == "Undeliverable" or "messagesizetoolarge" in error:
        return "undeliverable"
    if "too large" in error or "larger than" in error or "exceeds" in error or "limit" in error:
        return "too_large"
    if "empty" in error:
        return "empty"
    if "not json" in error or "json" in kind.lower() or "invalid json" in error:
        return "not_json"
    if letter.stage in ("parse", "validate", "sink") or "validation" in kind.lower() or "not a " in error:
        return "invalid"
    if "unsupported" in error or "content type" in error:
        return "unsupported"
    if "crash" in error or kind == "Crash":
        return "crash"
    return "unexpected"


class _StageTimer:
    __slots__ = ("_child", "_t0")

    def __init__(self, child: Any) -> None:
        self._child = child
        self._t0 = 0.0

    def __enter__(self) -> None:
        self._t0 = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self._child.observe(time.perf_counter() - self._t0)


class Metrics:
    """The metrics of one service process (`service` is a label value: processor, sink, feeds, watch, serve)."""

    def __init__(self, service: str, registry: CollectorRegistry | None = None, restarts: int = 0) -> None:
        self.service = service
        self.registry = registry or CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)  # process_cpu_seconds_total, process_resident_memory_bytes, process_start_time_seconds
        self.records_in = Counter("newsflow_records_in_total", "Records read from a topic", ["service", "topic"], registry=r)
        self.records_out = Counter("newsflow_records_out_total", "Records written to a topic and acknowledged by Kafka",
                                   ["service", "topic"], registry=r)
        self.dead_letters = Counter("newsflow_dead_letters_total", "Records dead-lettered, by stage and reason class",
                                    ["service", "stage", "reason"], registry=r)
        self.stage_seconds = Histogram("newsflow_stage_seconds", "Time spent in a stage: per record (normalize, "
                                       "language, entities, routing) or per batch write (store)", ["stage"],
                                       buckets=STAGE_BUCKETS, registry=r)
        self.batch_records = Histogram("newsflow_batch_records", "Records per batch handled at once",
                                       ["service"], buckets=BATCH_BUCKETS, registry=r)
        self.lag = Gauge("newsflow_consumer_lag_records", "Records on a partition not yet committed by the group",
                         ["group", "topic", "partition"], registry=r)
        self.store_retries = Counter("newsflow_store_retries_total", "Failed storage writes that were retried",
                                     registry=r)
        self.stored = Counter("newsflow_articles_stored_total", "Articles written (upserted) to storage", registry=r)
        self.by_language = Counter("newsflow_articles_enriched_total", "Articles enriched, by detected language",
                                   ["language"], registry=r)
        self.restarts = Counter("newsflow_restarts_total", "Times the supervisor restarted this service before this "
                                "process started", ["service"], registry=r)
        self.ready = Gauge("newsflow_ready", "1 when a readiness check passes", ["service", "check"], registry=r)
        if restarts:
            self.restarts.labels(service).inc(restarts)
        else:
            self.restarts.labels(service)  # exported as 0 from the start
        self._in: dict[str, Any] = {}
        self._out: dict[str, Any] = {}
        self._stage: dict[str, Any] = {s: self.stage_seconds.labels(s) for s in STAGES}
        self._lang: dict[str, Any] = {}
        self._batch = self.batch_records.labels(service)

    # Hot path: cached children, no label lookups after the first record of a kind.
    def received(self, topic: str, n: int = 1) -> None:
        child = self._in.get(topic)
        if child is None:
            child = self._in[topic] = self.records_in.labels(self.service, topic)
        child.inc(n)

    def sent(self, topic: str, n: int = 1) -> None:
        child = self._out.get(topic)
        if child is None:
            child = self._out[topic] = self.records_out.labels(self.service, topic)
        child.inc(n)

    def dead_lettered(self, letter: DeadLetter) -> None:
        self.dead_letters.labels(self.service, letter.stage, reason_class(letter)).inc()

    def refused(self, n: int) -> None:
        """`n` outputs Kafka refused, dead-lettered at stage "produce" by the sender (delivery.py)."""
        if n:
            self.dead_letters.labels(self.service, "produce", "undeliverable").inc(n)

    def observe(self, stage: str, seconds: float) -> None:
        child = self._stage.get(stage)
        if child is None:
            child = self._stage[stage] = self.stage_seconds.labels(stage)
        child.observe(seconds)

    def stage(self, name: str) -> _StageTimer:
        """`with metrics.stage("normalize"): ...` observes the block's duration (a plain class: a
        generator-based context manager costs several times more per record)."""
        child = self._stage.get(name)
        if child is None:
            child = self._stage[name] = self.stage_seconds.labels(name)
        return _StageTimer(child)

    def batch(self, n: int) -> None:
        self._batch.observe(n)

    def enriched(self, language: str) -> None:
        child = self._lang.get(language)
        if child is None:
            child = self._lang[language] = self.by_language.labels(language)
        child.inc()

    def wrote(self, n: int, seconds: float) -> None:
        self.stored.inc(n)
        self.observe("store", seconds)

    def set_lag(self, group: str, lags: dict[tuple[str, int], int]) -> None:
        for (topic, partition), value in lags.items():
            self.lag.labels(group, topic, str(partition)).set(value)

    def timer(self) -> Callable[[str, float], None]:
        """The `observe` callback for pure code that times its own steps (enrich's language and entities)."""
        return self.observe
