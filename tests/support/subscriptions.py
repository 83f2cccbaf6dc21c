"""Enriched sample articles on a real topic, with headers, for the subscription tests."""

from __future__ import annotations

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
