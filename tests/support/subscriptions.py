"""Enriched sample articles on a real topic, with headers, for the subscription tests."""

from __future__ import annotations

import threading
import warnings
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaProducer

from schemas import RawArticle, encode
from schemas.models import EnrichedArticle
from services.common.kafka import client_options, ensure_topics
from services.config import DEFAULT_LANGUAGES, Settings
from services.processor.enrich import enrich, normalize_message
from services.subscriptions.headers import enriched_headers
from tests.support.faults import wait_until
from tests.support.processes import Service

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def sample_articles(sources: tuple[str, ...] = ("wire",)) -> list[EnrichedArticle]:
    """The bundled samples (nl, de, en) enriched in-process, once per source (distinct ids)."""
    now = datetime.now(UTC)
    out = []
    for source in sources:
        for path in sorted(SAMPLES.glob("*.txt")):
            raw = RawArticle(source=source, body=path.read_text(encoding="utf-8"), fetched_at=now)
            normalized = normalize_message(encode(raw), now=now, max_body_bytes=10**6)
            out.append(enrich(normalized, now=now, languages=DEFAULT_LANGUAGES))  # type: ignore[arg-type]
    return out


async def send_enriched(settings: Settings, articles: list[EnrichedArticle]) -> None:
    """As the processor sends them: keyed by id, value the record, the enriched headers."""
    await ensure_topics(settings)
    producer = AIOKafkaProducer(**client_options(settings), acks="all")
    await producer.start()
    try:
        for article in articles:
            await producer.send_and_wait(settings.topic_enriched, encode(article), key=article.id.encode(),
                                         headers=enriched_headers(article))
    finally:
        await producer.stop()


class Command(Service):
    """`newsflow <args...>` as a child process (Service runs one bare command)."""

    def __init__(self, args: list[str], settings: Settings, log_dir: Path, name: str) -> None:
        super().__init__(args[0], settings, log_dir, name)
        self.args = args

    def start(self) -> Command:
        import subprocess
        import sys

        from tests.support.processes import service_env

        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "services.cli", *self.args],
                                         env=service_env(self.settings), stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def wait_log(self, text: str, count: int = 1, timeout: float = 60.0) -> bool:
        """Whether the log says `text` `count` times before `timeout` (False at once if the command died)."""
        def said() -> bool:
            return self.log.exists() and self.log.read_text(errors="replace").count(text) >= count

        try:
            wait_until(lambda: said() or not self.alive(), timeout, f"{text!r} in {self.log.name}", every=0.2)
        except AssertionError:
            return False
        return said()


class Supervised(Command):
    """A command restarted when it exits asking for it, as its supervisor (compose, systemd) would: the router
    exits 70 when Kafka has not taken a record within the produce timeout, unacked, so a fresh process reads
    the batch again. At most `max_restarts` times; `restarts` counts them."""

    def __init__(self, args: list[str], settings: Settings, log_dir: Path, name: str, codes: tuple[int, ...] = (70,),
                 max_restarts: int = 3) -> None:
        super().__init__(args, settings, log_dir, name)
        self.codes, self.max_restarts, self.restarts = codes, max_restarts, 0
        self._lock = threading.Lock()
        self._stopping = False
        self._watcher: threading.Thread | None = None

    def start(self) -> Supervised:
        super().start()
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, daemon=True)
            self._watcher.start()
        return self

    def _will_restart(self, code: int | None) -> bool:
        return not self._stopping and code in self.codes and self.restarts < self.max_restarts

    def _watch(self) -> None:
        while True:
            proc = self.proc
            assert proc is not None
            code = proc.wait()
            with self._lock:
                if not self._will_restart(code):
                    return
                self.restarts += 1
                super().start()

    def alive(self) -> bool:
        """Running, or about to be restarted."""
        return super().alive() or (self.proc is not None and self._will_restart(self.proc.poll()))

    def stop(self, timeout: float = 30.0) -> int | None:
        with self._lock:
            self._stopping = True
        code = super().stop(timeout)
        if self._watcher is not None:
            self._watcher.join(timeout)
        if self.restarts:  # passed, but the report says why it needed a restart
            why = [ln for ln in self.log.read_text(errors="replace").splitlines() if "exiting so it is routed again" in ln]
            warnings.warn(f"{self.log.name}: restarted {self.restarts} time(s) after exit {self.codes}: {why}", stacklevel=2)
        return code
