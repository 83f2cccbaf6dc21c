"""The health server every long-running service runs: GET /metrics, /healthz (alive), /readyz (ready).

A threaded WSGI server in its own daemon thread, so it answers while the service's event loop is busy
(a worker deep in a batch is alive, not dead). Readiness is a set of named checks the service updates
from its own loop (`Readiness.set`) or that the server evaluates on request (`Readiness.probe`); probes
must be quick and must not block. The bound address is registered in the stack state (registry.py).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.observability.metrics import Metrics
from services.observability.registry import ServiceEntry, register

log = logging.getLogger("newsflow.health")


class Readiness:
    """Named readiness checks: each ok or not, with a short detail. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checks: dict[str, tuple[bool, str]] = {}
        self._probes: dict[str, Callable[[], tuple[bool, str]]] = {}

    def set(self, check: str, ok: bool, detail: str = "") -> None:
        with self._lock:
            self._checks[check] = (ok, detail)

    def probe(self, check: str, fn: Callable[[], tuple[bool, str]]) -> None:
        with self._lock:
            self._probes[check] = fn

    def state(self) -> dict[str, tuple[bool, str]]:
        with self._lock:
            checks, probes = dict(self._checks), dict(self._probes)
        for name, fn in probes.items():
            try:
                checks[name] = fn()
            except Exception as exc:  # noqa: BLE001 - a probe that fails says "not ready", never crashes the server
                checks[name] = (False, f"{type(exc).__name__}: {exc}")
        return checks


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - one line per scrape is noise
        pass


def health_app(service: str, metrics: Metrics, readiness: Readiness) -> Callable[..., Iterable[bytes]]:
    """The WSGI app: /metrics (Prometheus text), /healthz (200 while the process runs), /readyz (200 or 503)."""
    started = time.time()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/metrics":
            body, status, ctype = generate_latest(metrics.registry), "200 OK", CONTENT_TYPE_LATEST
        elif path == "/healthz":
            body = orjson.dumps({"service": service, "pid": os.getpid(), "alive": True, "uptime_seconds": time.time() - started})
            status, ctype = "200 OK", "application/json"
        elif path == "/readyz":
            checks = readiness.state()
            for name, (ok, _detail) in checks.items():
                metrics.ready.labels(service, name).set(1 if ok else 0)
            ready = bool(checks) and all(ok for ok, _ in checks.values())
            body = orjson.dumps({"service": service, "ready": ready,
                                 "checks": {k: {"ok": ok, "detail": d} for k, (ok, d) in sorted(checks.items())}})
            status, ctype = ("200 OK" if ready else "503 Service Unavailable"), "application/json"
        else:
            body, status, ctype = b"not found: /metrics, /healthz, /readyz\n", "404 Not Found", "text/plain"
        start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")])
        return [body]

    return app


def serve_wsgi(app: Callable[..., Iterable[bytes]], host: str, port: int, name: str) -> tuple[WSGIServer, threading.Thread]:
    """Serve `app` on host:port (0 = a free port) from a daemon thread; returns the server and its thread."""
    server = make_server(host, port, app, server_class=_Server, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.5}, name=name, daemon=True)
    thread.start()
    return server, thread


class HealthServer:
    """Start with `.start()`; `.url` is where it listens; `.stop()` unregisters and closes it."""

    def __init__(self, service: str, metrics: Metrics, readiness: Readiness, *, host: str, port: int,
                 registry: Path | None, bootstrap: str | None = None) -> None:
        self.service, self.metrics, self.readiness, self.bootstrap = service, metrics, readiness, bootstrap
        self.host, self.port, self.registry = host, port, registry
        self._server: WSGIServer | None = None
        self._entry: Path | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        return f"http://{host}:{self._server.server_port}"

    def start(self) -> HealthServer:
        self._server, _ = serve_wsgi(health_app(self.service, self.metrics, self.readiness), self.host, self.port,
                                     f"{self.service}-health")
        if self.registry is not None:
            self._entry = register(self.registry, ServiceEntry(service=self.service, pid=os.getpid(), url=self.url,
                                                                started_at=time.time(), bootstrap=self.bootstrap))
        log.info("%s: metrics and health on %s", self.service, self.url)
        return self

    def stop(self) -> None:
        if self._entry is not None:
            self._entry.unlink(missing_ok=True)
            self._entry = None
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
