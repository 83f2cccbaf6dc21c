"""`newsflow serve` with the broker gone: 503 + Retry-After within the producer's timeout, /readyz false,
a log that does not flood, and SIGTERM still ends the process (it used to hang forever)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from services.common.localkafka import LocalKafka
from services.config import Settings
from tests.support.processes import service_env

pytestmark = pytest.mark.integration
PRODUCE_TIMEOUT = 3.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _until(client: httpx.Client, path: str, status: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if client.get(path).status_code == status:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{path} never answered {status}:\n{log.read_text()[-3000:]}")


def test_serve_with_the_broker_down(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    broker = LocalKafka(tmp_path / "kafka").start()  # our own: this test stops it
    settings = make_settings(kafka_bootstrap_servers=broker.bootstrap)
    port, log = _free_port(), tmp_path / "serve.log"
    env = {**service_env(settings), "NEWSFLOW_PRODUCE_TIMEOUT": str(PRODUCE_TIMEOUT)}
    proc = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "--port", str(port), "--log-level", "warning"],
                            env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    article = {"source": "wire", "title": "Eins", "body": "Der erste Artikel."}
    try:
        # the client waits far longer than the server may: a hang fails here instead of passing slowly
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=PRODUCE_TIMEOUT + 60) as client:
            _until(client, "/readyz", 200, proc, log)
            assert client.post("/articles", json=article).status_code == 202
            broker.stop()
            _until(client, "/readyz", 503, proc, log)
            assert client.get("/healthz").status_code == 200  # alive, just not ready
            lines_before = len(log.read_text().splitlines())
            for i in range(3):
                answer = client.post("/articles", json={**article, "title": f"Ausfall {i}"})
                assert answer.status_code == 503, answer.text
                assert answer.headers["retry-after"] == "5"
                assert "did not acknowledge" in answer.json()["detail"]
            grown = len(log.read_text().splitlines()) - lines_before
            print(f"\n{grown} log lines during three refused posts")
            assert grown < 60, log.read_text()[-3000:]  # before: ~30 lines a second from the Kafka client
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)  # a hang detector; the design bound is 5 s + 3 s
        print(f"\nserve exited {time.monotonic() - started:.1f} s after SIGTERM with the broker down")
        assert rc == 0, log.read_text()[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        broker.stop()
