"""The live page (`newsflow dashboard`, started by `newsflow up`): the stack's snapshot every few seconds.

GET /                 the page (static/index.html; app.js draws tables and SVG charts, no library, no CDN)
GET /static/<file>    its assets, shipped inside the package
GET /api/snapshot     the latest snapshot + the series for the charts (JSON; the page polls it)
GET /healthz, /readyz alive; ready when the last refresh reached the broker
One background thread refreshes the snapshot (services/observability/snapshot.py) on its own event loop;
the HTTP threads only read the latest one, so a slow broker never blocks the page.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import mimetypes
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import orjson

from services.config import Settings
from services.observability.registry import ServiceEntry, register
from services.observability.server import serve_wsgi
from services.observability.snapshot import Collector, Snapshot

log = logging.getLogger("newsflow.dashboard")
STATIC = resources.files("services.observability") / "static"
ASSETS = {"index.html", "app.js", "style.css", "favicon.svg"}
WINDOW_SECONDS = 600
BUCKET_SECONDS = 10


def rate_series(per_second: dict[str, int], now: datetime, window: int = WINDOW_SECONDS,
                bucket: int = BUCKET_SECONDS) -> list[dict[str, Any]]:
    """Articles stored per second, averaged over `bucket`-second bins ending now, oldest first (pure)."""
    end = now.astimezone(UTC).replace(microsecond=0)
    bins = [0] * (window // bucket)
    for stamp, n in per_second.items():
        try:
            t = datetime.fromisoformat(stamp).replace(tzinfo=UTC)
        except ValueError:
            continue
        age = (end - t).total_seconds()
        if 0 <= age < window:
            bins[len(bins) - 1 - int(age // bucket)] += n
    return [{"t": (end - timedelta(seconds=(len(bins) - 1 - i) * bucket)).isoformat(), "value": round(v / bucket, 2)}
            for i, v in enumerate(bins)]


def pipeline_lag(snap: Snapshot, groups: Iterable[str]) -> int:
    wanted = set(groups)
    return sum(g.lag for g in snap.groups if g.group in wanted)


class Dashboard:
    def __init__(self, settings: Settings, *, host: str, port: int, refresh: float = 2.0) -> None:
        self.settings, self.host, self.port, self.refresh = settings, host, port, refresh
        self.latest: bytes = orjson.dumps({"loading": True})
        self.ready = False
        self.lag_history: deque[tuple[float, int]] = deque()
        self._stop = threading.Event()
        self._server: Any = None
        self._entry: Any = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._loop()), name="dashboard-refresh", daemon=True)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        return f"http://{host}:{self._server.server_port}/"

    def start(self) -> Dashboard:
        try:
            self._server, _ = serve_wsgi(self.app, self.host, self.port, "dashboard-http")
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or self.port == 0:
                raise
            log.warning("port %d is taken; the page listens on a free port instead", self.port)
            self._server, _ = serve_wsgi(self.app, self.host, 0, "dashboard-http")
        self._thread.start()
        self._entry = register(self.settings.registry_dir, ServiceEntry(
            service="dashboard", pid=os.getpid(), url=self.url.rstrip("/"), started_at=time.time(),
            bootstrap=self.settings.kafka_bootstrap_servers))
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._entry is not None:
            self._entry.unlink(missing_ok=True)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._thread.join(timeout=10)

    async def _loop(self) -> None:
        collector = Collector(self.settings, page=True)
        groups = (self.settings.processor_id, self.settings.sink_group)
        try:
            while not self._stop.is_set():
                try:
                    snap = await collector.collect()
                    self.latest = self.document(snap, groups)
                    self.ready = snap.broker_ok
                except Exception:  # noqa: BLE001 - keep the page up; the next refresh tries again
                    log.exception("refreshing the snapshot failed")
                    self.ready = False
                await asyncio.to_thread(self._stop.wait, self.refresh)
        finally:
            await collector.close()

    def document(self, snap: Snapshot, groups: Iterable[str]) -> bytes:
        now = time.time()
        self.lag_history.append((now, pipeline_lag(snap, groups)))
        while self.lag_history and self.lag_history[0][0] < now - WINDOW_SECONDS:
            self.lag_history.popleft()
        doc = snap.model_dump(mode="json", exclude={"stored_per_second"})
        doc["ok"] = snap.ok
        doc["rate_series"] = rate_series(snap.stored_per_second, snap.taken_at)
        doc["lag_series"] = [{"t": datetime.fromtimestamp(t, UTC).isoformat(), "value": v} for t, v in self.lag_history]
        doc["lag"] = pipeline_lag(snap, groups)
        doc["refresh_seconds"] = self.refresh
        return orjson.dumps(doc)

    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        headers = [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
                   ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'")]
        if path in ("/", "/index.html"):
            name: str | None = "index.html"
        elif path.startswith("/static/") and path.removeprefix("/static/") in ASSETS:
            name = path.removeprefix("/static/")
        else:
            name = None
        if name is not None:
            body = (STATIC / name).read_bytes()
            ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype.endswith("javascript"):
                ctype += "; charset=utf-8"
            status = "200 OK"
        elif path == "/api/snapshot":
            body, status, ctype = self.latest, "200 OK", "application/json"
        elif path == "/healthz":
            body, status, ctype = orjson.dumps({"service": "dashboard", "alive": True}), "200 OK", "application/json"
        elif path == "/readyz":
            checks = {"broker": {"ok": self.ready, "detail": "last refresh reached Kafka" if self.ready else "not yet"}}
            body = orjson.dumps({"service": "dashboard", "ready": self.ready, "checks": checks})
            status, ctype = ("200 OK" if self.ready else "503 Service Unavailable"), "application/json"
        else:
            body, status, ctype = b"not found\n", "404 Not Found", "text/plain"
        start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body))), *headers])
        return [body]
