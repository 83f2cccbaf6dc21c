"""Figures for issue 12 (ingest that tells the truth), printed, not asserted.

    .venv/bin/python bench/bench_ingest_truth.py                 # this checkout
    .venv/bin/python bench/bench_ingest_truth.py --repo /tmp/old # another checkout (e.g. `git archive e9c1987`)

1. a 616 KB NDJSON batch of 2,000 invalid records: size of the 422 answer;
2. `newsflow produce` with no broker configured / an unreachable one: stderr lines and seconds;
3. `newsflow serve` with its broker stopped for --seconds: how POST /articles answers and after how long,
   /healthz and /readyz, log lines written, seconds from SIGTERM to exit.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent.parent
BAD = {"source": "", "body": 1, "title": ["x" * 50], "smuggled": "y" * 200, "url": 5}


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSFLOW_", "KAFKA_"))}
    return {**env, **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bad_batch(repo: Path) -> None:
    code = f"""
import sys; sys.path.insert(0, {str(repo)!r})
from contextlib import asynccontextmanager
import orjson
from fastapi.testclient import TestClient
from services.config import Settings
from services.producer.http_ingest import create_app
@asynccontextmanager
async def factory(_s):
    class Recorder:
        async def send_many(self, articles): return []
    yield Recorder()
batch = b"\\n".join(orjson.dumps({BAD!r}) for _ in range(2000))
with TestClient(create_app(Settings(), publisher_factory=factory)) as client:
    r = client.post("/articles", content=batch, headers={{"Content-Type": "application/x-ndjson"}})
print(f"422 for a {{len(batch):,}}-byte batch of 2,000 invalid records: status {{r.status_code}}, body {{len(r.content):,}} bytes")
"""
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], cwd=repo, env=clean_env(), capture_output=True,
                          text=True)
    print(done.stdout.strip() or done.stderr[-500:])


def cli_failures(repo: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a.txt").write_text("Ein Artikel.", encoding="utf-8")
        for name, env in (("no broker configured", clean_env()),
                          ("unreachable broker", clean_env(KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{free_port()}"))):
            code = f"import sys; sys.path.insert(0, {str(repo)!r}); sys.argv = ['newsflow', 'produce', 'a.txt']; " \
                   "from services.cli import main; main()"
            started = time.monotonic()
            done = subprocess.run([sys.executable, "-c", code], cwd=tmp, env=env, capture_output=True, text=True)
            print(f"produce, {name}: status {done.returncode}, {len(done.stderr.splitlines())} stderr lines, "
                  f"{time.monotonic() - started:.1f} s (interpreter start included)")


def serve_outage(repo: Path, seconds: float) -> None:
    sys.path.insert(0, str(repo))
    from services.common.localkafka import LocalKafka

    tmp = Path(tempfile.mkdtemp())
    broker = LocalKafka(tmp / "kafka").start()
    port, log = free_port(), tmp / "serve.log"
    env = clean_env(KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap, NEWSFLOW_STATE_DIR=str(tmp / "state"))
    proc = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "--port", str(port)], cwd=repo, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=100) as client:
            for _ in range(800):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.25)
            print("serve, broker up: POST", client.post("/articles", json={"source": "s", "body": "Ein Text."}).status_code)
            broker.stop()
            before, started = len(log.read_text().splitlines()), time.monotonic()
            try:
                status: object = client.post("/articles", json={"source": "s", "body": "Zwei Texte."}).status_code
            except httpx.TimeoutException:
                status = "no answer"
            print(f"serve, broker stopped: POST answered {status} after {time.monotonic() - started:.1f} s "
                  "(client gives up at 100 s)")
            for path in ("/healthz", "/readyz"):
                try:
                    print(f"serve, broker stopped: {path} {client.get(path).status_code}")
                except httpx.TimeoutException:
                    print(f"serve, broker stopped: {path} no answer")
            while time.monotonic() - started < seconds:
                time.sleep(1.0)
            print(f"serve, broker stopped: {len(log.read_text().splitlines()) - before} log lines in {seconds:.0f} s")
        stopped = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
            print(f"serve, broker stopped: exit {proc.returncode} {time.monotonic() - stopped:.1f} s after SIGTERM")
        except subprocess.TimeoutExpired:
            print("serve, broker stopped: still running 30 s after SIGTERM (killed)")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=HERE, help="the checkout to measure")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long serve runs with its broker stopped")
    args = parser.parse_args()
    repo = args.repo.resolve()
    bad_batch(repo)
    cli_failures(repo)
    serve_outage(repo, args.seconds)


if __name__ == "__main__":
    main()
