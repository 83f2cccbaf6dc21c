"""One call that gives a service its metrics, readiness checks, health server and broker sampler."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from services.config import Settings
from services.observability.metrics import Metrics
from services.observability.sampler import BrokerSampler
from services.observability.server import HealthServer, Readiness


@dataclass
class Observed:
    metrics: Metrics
    readiness: Readiness
    server: HealthServer
    sampler: BrokerSampler

    def close(self) -> None:
        self.sampler.stop()
        self.server.stop()


def observe(service: str, settings: Settings, *, group: str | None = None, topics: tuple[str, ...] = (),
            registry: CollectorRegistry | None = None, port: int | None = None) -> Observed:
    """Start serving /metrics, /healthz and /readyz for `service` (on settings.metrics_port unless `port`),
    register it in the stack state, and sample the broker (and `group`'s lag on `topics`) in the background."""
    metrics = Metrics(service, registry=registry, restarts=settings.service_restarts)
    readiness = Readiness()
    server = HealthServer(service, metrics, readiness, host=settings.metrics_host,
                          port=settings.metrics_port if port is None else port, registry=settings.registry_dir,
                          bootstrap=settings.kafka_bootstrap_servers).start()
    sampler = BrokerSampler(settings, metrics, readiness, group=group, topics=topics).start()
    return Observed(metrics, readiness, server, sampler)


def faust_joined(app: object) -> tuple[bool, str]:
    """Readiness of a faust worker: it joined its consumer group (has a generation) and is not rebalancing.
    Reads only faust's public App attributes."""
    generation = int(getattr(app, "consumer_generation_id", 0) or 0)
    if getattr(app, "rebalancing", False):
        return False, f"rebalancing (generation {generation})"
    return (generation > 0, f"generation {generation}" if generation > 0 else "not joined yet")
