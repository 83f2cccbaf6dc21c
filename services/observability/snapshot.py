"""The state of a running stack in one model: what `newsflow status` prints and the live page shows.

`locate` finds the stack the way every command does (environment, then the stack state in the state
folder, then what the running services registered); `collect` asks the broker, the store and each
service's /readyz, and turns every failure into a named problem rather than an exception.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from pydantic import BaseModel, Field

from services.config import Settings
from services.observability.kafkaview import Cluster, DeadLetterWindow
from services.observability.registry import ServiceEntry, running
from services.observability.storeview import StoreView

EXPECTED = ("processor", "sink")  # without these nothing moves: status is not ok when one is missing
HOUR = 3600.0


class TopicState(BaseModel):
    name: str
    partitions: int
    end_offsets: list[int]
    records: int  # sum of end offsets: records ever written (what retention keeps may be less)


class GroupState(BaseModel):
    group: str
    lag: int
    partitions: dict[str, int] = Field(default_factory=dict)  # "topic[partition]" -> lag


class ServiceState(BaseModel):
    service: str
    pid: int
    url: str
    ready: bool
    checks: dict[str, Any] = Field(default_factory=dict)


class Snapshot(BaseModel):
    taken_at: datetime
    bootstrap: str | None
    database: str
    broker_ok: bool
    topics: list[TopicState] = Field(default_factory=list)
    groups: list[GroupState] = Field(default_factory=list)
    stored: int = 0
    articles_per_second: float = 0.0  # over the last minute, from the store's timestamps
    dead_letters_last_hour: dict[str, int] = Field(default_factory=dict)  # by stage
    services: list[ServiceState] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    # The live page only:
    languages: list[tuple[str, int]] = Field(default_factory=list)
    top_entities: list[dict[str, Any]] = Field(default_factory=list)
    latest: list[dict[str, Any]] = Field(default_factory=list)
    stored_per_second: dict[str, int] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _redacted(url: str) -> str:
    """A database URL without its password, for display."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url


def stack_state(state_dir: Path) -> dict[str, Any]:
    """`<state_dir>/stack.json` as written by `newsflow up`, or {} when there is none."""
    try:
        data = orjson.loads((state_dir / "stack.json").read_bytes())
        return data if isinstance(data, dict) else {}
    except (OSError, orjson.JSONDecodeError):
        return {}


def locate(settings: Settings) -> Settings:
    """Settings pointing at the running stack: KAFKA_BOOTSTRAP_SERVERS if set, else the stack state file,
    else the brokers a running service registered; the database URL likewise (else the default)."""
    update: dict[str, Any] = {}
    state = stack_state(settings.state_dir)
    if not settings.kafka_bootstrap_servers:
        bootstrap = next((state[k] for k in ("kafka_bootstrap_servers", "bootstrap_servers", "bootstrap")
                          if isinstance(state.get(k), str)), None)
        bootstrap = bootstrap or next((e.bootstrap for e in running(settings.registry_dir) if e.bootstrap), None)
        if bootstrap:
            update["kafka_bootstrap_servers"] = bootstrap
    if "NEWSFLOW_DATABASE_URL" not in os.environ and isinstance(state.get("database_url"), str):
        update["database_url"] = state["database_url"]
    return settings.model_copy(update=update) if update else settings


async def readiness(entries: list[ServiceEntry], timeout: float = 3.0) -> list[ServiceState]:
    async with httpx.AsyncClient(timeout=timeout) as client:
        async def one(entry: ServiceEntry) -> ServiceState:
            try:
                answer = await client.get(f"{entry.url}/readyz")
                body = answer.json()
                return ServiceState(service=entry.service, pid=entry.pid, url=entry.url,
                                    ready=answer.status_code == 200 and bool(body.get("ready")),
                                    checks=body.get("checks", {}))
            except (httpx.HTTPError, ValueError) as exc:
                return ServiceState(service=entry.service, pid=entry.pid, url=entry.url, ready=False,
                                    checks={"reachable": {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:200]}})

        return list(await asyncio.gather(*(one(e) for e in entries)))


class Collector:
    """Collects snapshots; kept by the live page between refreshes (the dead-letter window reads only
    what is new), used once by `newsflow status`."""

    def __init__(self, settings: Settings, *, page: bool = False) -> None:
        self.settings = settings
        self.page = page
        self.window = DeadLetterWindow(settings.topic_deadletter, HOUR)
        self.store = StoreView(settings.database_url)
        self.cluster: Cluster | None = None

    async def close(self) -> None:
        if self.cluster is not None:
            await self.cluster.close()
            self.cluster = None
        self.store.close()

    async def collect(self) -> Snapshot:
        s = self.settings
        now = datetime.now(UTC)
        snap = Snapshot(taken_at=now, bootstrap=s.kafka_bootstrap_servers, database=_redacted(s.database_url),
                        broker_ok=False)
        entries = running(s.registry_dir) + [ServiceEntry(service=name, pid=0, url=url.rstrip("/"), started_at=0.0)
                                          for name, url in sorted(s.service_urls.items())]
        snap.services = await readiness(entries)
        await self._kafka(snap)
        await asyncio.to_thread(self._store, snap, now)
        present = {e.service for e in entries}
        snap.problems += [f"{name} is not running (no {name} registered in {s.registry_dir})"
                          for name in EXPECTED if name not in present]
        snap.problems += [f"{st.service} (pid {st.pid}) is not ready: " + ", ".join(
            f"{k}: {v.get('detail', '')}" for k, v in st.checks.items() if not v.get("ok")) for st in snap.services
            if not st.ready]
        return snap

    async def _kafka(self, snap: Snapshot) -> None:
        if not self.settings.kafka_bootstrap_servers:
            snap.problems.append("no Kafka to ask: KAFKA_BOOTSTRAP_SERVERS is not set and no running stack was "
                                 f"found in {self.settings.state_dir} (start one with `newsflow up`)")
            return
        try:
            if self.cluster is None:
                self.cluster = await asyncio.wait_for(Cluster(self.settings).__aenter__(), 15)
            cluster = self.cluster
            tps = await cluster.partitions()
            ends = await cluster.end_offsets(tps)
            by_topic: dict[str, list[int]] = {}
            for tp in tps:
                by_topic.setdefault(tp.topic, []).append(ends.get(tp, 0))
            snap.topics = [TopicState(name=t, partitions=len(v), end_offsets=v, records=sum(v))
                           for t, v in sorted(by_topic.items())]
            for group in await cluster.groups():
                lags = await cluster.group_lag(group)
                snap.groups.append(GroupState(group=group, lag=sum(lags.values()), partitions={
                    f"{tp.topic}[{tp.partition}]": lag for tp, lag in sorted(lags.items())}))
            if self.settings.topic_deadletter in by_topic:
                counts: Counter[str] = await self.window.update(cluster)
                snap.dead_letters_last_hour = dict(counts.most_common())
            snap.broker_ok = True
        except Exception as exc:  # noqa: BLE001 - any broker failure is reported as a problem, not raised
            snap.problems.append(f"Kafka at {self.settings.kafka_bootstrap_servers} did not answer: "
                                 f"{type(exc).__name__}: {exc}"[:300])
            if self.cluster is not None:
                await self.cluster.close()
                self.cluster = None

    def _store(self, snap: Snapshot, now: datetime) -> None:
        try:
            snap.stored = self.store.count()
            snap.articles_per_second = round(self.store.stored_since(60, now) / 60.0, 2)
            if self.page:
                snap.languages = self.store.languages()
                snap.top_entities = self.store.top_entities(HOUR, now, limit=12)
                snap.latest = self.store.latest(limit=12)
                snap.stored_per_second = self.store.stored_per_second(600, now)
        except Exception as exc:  # noqa: BLE001
            snap.problems.append(f"store {snap.database} did not answer: {type(exc).__name__}: {exc}"[:300])
            self.store.close()


async def collect_once(settings: Settings, page: bool = False) -> Snapshot:
    collector = Collector(settings, page=page)
    try:
        return await collector.collect()
    finally:
        await collector.close()
