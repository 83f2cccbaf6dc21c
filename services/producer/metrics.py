"""Prometheus counters shared by the producers (one registry per running service, not the global one)."""

from __future__ import annotations

from collections import Counter as Tally
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server


class ProducerMetrics:
    """sent / duplicates / failures per producer; `tally` mirrors them for the foreground summary."""

    def __init__(self, producer: str, registry: CollectorRegistry | None = None) -> None:
        self.producer = producer
        self.registry = registry or CollectorRegistry()
        self.tally: Tally[str] = Tally()
        labels = ["producer"]
        self._sent = Counter("newsflow_producer_sent", "Records acknowledged by Kafka on the raw topic",
                             labels, registry=self.registry).labels(producer)
        self._dups = Counter("newsflow_producer_duplicates", "Records not sent because they were sent before",
                             labels, registry=self.registry).labels(producer)
        self._failures = Counter("newsflow_producer_failures", "Inputs that failed (fetch, parse, validation, publish)",
                                 ["producer", "reason"], registry=self.registry)
        self._dead = Counter("newsflow_producer_dead_lettered", "Records sent to the dead-letter topic",
                             labels, registry=self.registry).labels(producer)
        self._polls = Counter("newsflow_feed_polls", "Feed polls by result", ["result"], registry=self.registry)
        self.up = Gauge("newsflow_producer_kafka_up", "1 while the Kafka producer is started", labels,
                        registry=self.registry).labels(producer)

    def sent(self, n: int = 1) -> None:
        self._sent.inc(n)
        self.tally["sent"] += n

    def duplicates(self, n: int = 1) -> None:
        if n:
            self._dups.inc(n)
            self.tally["duplicates"] += n

    def failure(self, reason: str, n: int = 1) -> None:
        self._failures.labels(self.producer, reason).inc(n)
        self.tally["failures"] += n

    def dead_lettered(self, n: int = 1) -> None:
        self._dead.inc(n)
        self.tally["dead_lettered"] += n

    def poll(self, result: str) -> None:
        self._polls.labels(result).inc()
        self.tally[f"polls_{result}"] += 1

    def serve(self, port: int, addr: str = "0.0.0.0") -> Any:
        """Expose /metrics on `port` (feeds, watch); returns the server (call .shutdown() to stop)."""
        server, _thread = start_http_server(port, addr=addr, registry=self.registry)
        return server
