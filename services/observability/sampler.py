"""A service's view of the broker, refreshed in the background: consumer lag per partition (gauges) and
the readiness check "broker" (the last admin request answered recently).

It runs its own event loop in a daemon thread with its own clients, so it neither competes with the
service's loop nor depends on the service's client internals; one admin round trip every `interval`.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from aiokafka import TopicPartition

from services.config import Settings
from services.observability.kafkaview import Cluster
from services.observability.metrics import Metrics
from services.observability.server import Readiness

log = logging.getLogger("newsflow.health")


class BrokerSampler:
    def __init__(self, settings: Settings, metrics: Metrics, readiness: Readiness, *,
                 group: str | None = None, topics: tuple[str, ...] = (), interval: float = 10.0) -> None:
        self.settings, self.metrics, self.readiness = settings, metrics, readiness
        self.group, self.topics, self.interval = group, list(topics), interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="broker-sampler", daemon=True)
        readiness.set("broker", False, "not checked yet")

    def start(self) -> BrokerSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.run(self._loop())

    async def _loop(self) -> None:
        cluster: Cluster | None = None
        while not self._stop.is_set():
            try:
                if cluster is None:
                    cluster = await Cluster(self.settings).__aenter__()
                await self.sample(cluster)
                self.readiness.set("broker", True, self.settings.bootstrap)
            except Exception as exc:  # noqa: BLE001 - the broker away is a state to report, not a crash
                self.readiness.set("broker", False, f"{type(exc).__name__}: {exc}"[:200])
                log.debug("broker sample failed: %s", exc)
                if cluster is not None:
                    await cluster.close()
                    cluster = None
            await asyncio.to_thread(self._stop.wait, self.interval)
        if cluster is not None:
            await cluster.close()

    async def sample(self, cluster: Cluster) -> None:
        assert cluster.admin is not None
        if self.group is None:
            await cluster.admin.list_topics()  # reachability only
            return
        tps: list[TopicPartition] = await cluster.partitions(self.topics)
        lags = await cluster.group_lag(self.group, tps)
        self.metrics.set_lag(self.group, {(tp.topic, tp.partition): lag for tp, lag in lags.items()})
