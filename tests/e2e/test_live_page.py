"""The stack as a person uses it: `newsflow up` on the samples, the live page in headless Chromium,
`newsflow status`, and the processor's and sink's /metrics against what was stored and dead-lettered.

One stack for the module (started as a process, stopped with SIGTERM as Ctrl-C would). One record that
is not JSON is put on articles.raw next to the samples, so there is exactly one dead letter to see.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import orjson
import pytest
from lxml import html as lxml_html
from prometheus_client.parser import text_string_to_metric_families

from services.stack import SAMPLES
from tests.support.faults import wait_for as poll

pytestmark = pytest.mark.e2e
T = TypeVar("T")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SAMPLE_LANGUAGES = {"nl", "de", "en"}
SAMPLE_ENTITIES = {"Berlin", "Rotterdam", "Hamburg", "China", "India", "United Kingdom"}


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 240.0, every: float = 0.5) -> T:
    """Poll `probe` until it returns something truthy (that is returned) or fail after `timeout`."""
    return poll(probe, timeout, what, every=every)


@dataclass
class Running:
    cwd: Path
    proc: subprocess.Popen[bytes]
    page: str
    bootstrap: str

    def services(self) -> dict[str, list[str]]:
        """Registered services: name -> URLs (`up` runs a processor worker per core, all named "processor")."""
        found: dict[str, list[str]] = {}
        for path in sorted((self.cwd / ".newsflow" / "services").glob("*.json")):
            entry = orjson.loads(path.read_bytes())
            found.setdefault(entry["service"], []).append(entry["url"])
        return found

    def stored(self) -> int:
        db = sqlite3.connect(self.cwd / "newsflow.db")
        try:
            return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            db.close()

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "services.cli", *args], cwd=self.cwd, env=clean_env(),
                              capture_output=True, text=True, timeout=120)


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSFLOW_", "KAFKA_"))}
    env["NEWSFLOW_DASHBOARD_PORT"] = "0"  # never collide with a page someone has open on the default port
    return env


async def put_garbage(bootstrap: str) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait("articles.raw", b"this is not a RawArticle", key=b"garbage-1")
    finally:
        await producer.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    cwd = tmp_path_factory.mktemp("live")
    err = (cwd / "up.err").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "services.cli", "up", str(SAMPLES)], cwd=cwd, env=clean_env(),
                            stdout=(cwd / "up.out").open("wb"), stderr=err, start_new_session=True)

    def said(pattern: str) -> str | None:
        if proc.poll() is not None:
            raise AssertionError(f"newsflow up exited with {proc.returncode}:\n{(cwd / 'up.err').read_text()[-3000:]}")
        found = re.search(pattern, (cwd / "up.err").read_text(errors="replace"))
        return found.group(1) if found else None

    try:
        page = wait_for("the live page's URL", lambda: said(r"live page: (http://\S+)"))
        bootstrap = wait_for("the broker's address", lambda: said(r"Kafka on (\S+)"))
        wait_for("the samples to be stored", lambda: said(r"(running); in another shell"), timeout=420)  # two workers start
        asyncio.run(put_garbage(bootstrap))
        yield Running(cwd, proc, page, bootstrap)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # as Ctrl-C: up stops its children and the broker
            try:
                proc.wait(90)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        err.close()


def metric(texts: list[str], name: str, **labels: str) -> float:
    """The sum of a metric's samples with these labels over the scrapes of every worker of a service."""
    total = 0.0
    for text in texts:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                    total += sample.value
    return total


def test_metrics_match_what_was_stored_and_dead_lettered(stack: Running) -> None:
    urls = wait_for("processor and sink to register", lambda: (s := stack.services()) and
                    {"processor", "sink", "dashboard"} <= set(s) and s)
    scrape = lambda service: [httpx.get(f"{url}/metrics", timeout=10).text for url in urls[service]]  # noqa: E731
    wait_for("the bad record to be dead-lettered",
             lambda: metric(scrape("processor"), "newsflow_dead_letters_total") >= 1)
    processor, sink = scrape("processor"), scrape("sink")
    stored = stack.stored()
    assert stored == 3
    # At least once: a rebalance while the workers join can hand one a record another already enriched
    # (its offset not yet committed), so the counters may exceed what was stored, never fall short of it;
    # the sink stores each article once.
    assert metric(processor, "newsflow_records_in_total", topic="articles.raw") >= stored + 1
    assert metric(processor, "newsflow_records_out_total", topic="articles.enriched") >= stored
    assert metric(processor, "newsflow_dead_letters_total") == 1
    assert metric(processor, "newsflow_dead_letters_total", stage="parse", reason="not_json") == 1
    assert metric(processor, "newsflow_articles_enriched_total") >= stored
    assert all(metric(processor, "newsflow_articles_enriched_total", language=lang) >= 1 for lang in SAMPLE_LANGUAGES)
    for stage in ("normalize", "language", "entities", "routing"):
        assert metric(processor, "newsflow_stage_seconds_count", stage=stage) >= stored, stage
    assert metric(sink, "newsflow_records_in_total", topic="articles.enriched") >= stored
    assert metric(sink, "newsflow_articles_stored_total") >= stored
    assert metric(sink, "newsflow_dead_letters_total") == 0
    assert metric(sink, "newsflow_stage_seconds_count", stage="store") >= 1
    # The warning about the bad record says which record it was, on one line.
    logs = sorted((stack.cwd / ".newsflow" / "logs").glob("processor*.log"))
    [line] = [x for log in logs for x in log.read_text(errors="replace").splitlines() if "dead-lettered at parse" in x]
    assert re.search(r"\[topic=articles\.raw partition=\d offset=\d+ article_id=garbage-1 stage=parse reason=not_json\]$",
                     line), line
    for url in urls["processor"] + urls["sink"]:
        assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200
        # Ready once its group has settled: a worker that joined last may still be in its first rebalance
        # ("rebalancing (generation 0)") after the others stored the samples, the more so on a loaded machine.
        wait_for(f"{url} to be ready", lambda url=url: httpx.get(f"{url}/readyz", timeout=10).status_code == 200)


def test_status_shows_the_stack(stack: Running) -> None:
    def settled() -> dict | None:
        done = stack.cli("status", "--json")
        snap = orjson.loads(done.stdout) if done.stdout.strip() else {}
        ok = done.returncode == 0 and snap.get("dead_letters_last_hour") == {"parse": 1} and snap.get("stored") == 3 \
            and all(g["lag"] == 0 for g in snap["groups"] if g["group"].startswith("newsflow-"))
        return snap if ok else None

    snap = wait_for("status to show the samples stored and the dead letter", settled, timeout=120, every=2)
    assert {s["service"] for s in snap["services"]} >= {"processor", "sink", "dashboard"}
    assert all(s["ready"] for s in snap["services"])
    assert {t["name"]: t["partitions"] for t in snap["topics"]}["articles.raw"] == 4
    table = stack.cli("status")
    assert table.returncode == 0 and "every service is ready" in table.stdout and "articles.enriched" in table.stdout


def dom(url: str, profile: Path) -> str:
    assert CHROMIUM is not None
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                           "--virtual-time-budget=4000", "--dump-dom", url],
                          capture_output=True, text=True, timeout=120)
    return done.stdout


def cells(page: str, table: str, column: int) -> list[str]:
    tree = lxml_html.fromstring(page)
    return [" ".join(row[column].text_content().split()) for row in tree.xpath(f'//table[@id="{table}"]/tbody/tr')
            if len(row) > column]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/install.sh installs it)")
def test_the_live_page_shows_the_samples(stack: Running, tmp_path: Path) -> None:
    profile = tmp_path / "chromium-profile"

    def shown() -> str | None:
        page = dom(stack.page, profile)
        languages = {c.split()[0] for c in cells(page, "t-languages", 0) if c}
        dead = cells(page, "t-dead", 0)
        return page if languages >= SAMPLE_LANGUAGES and "parse" in dead else None

    page = wait_for("the page to show the samples' languages and the dead letter", shown, timeout=180, every=1)
    tree = lxml_html.fromstring(page)
    # Real structure for assistive technology: one h1, section headings, header cells with scope.
    assert [h.text_content().split()[0] for h in tree.xpath("//h1")] == ["newsflow"]
    assert {"Languages", "Latest articles"} <= {h.text_content() for h in tree.xpath("//h2")}
    assert all(th.get("scope") in ("col", "row") for th in tree.xpath("//table//th"))
    assert tree.xpath('//*[@aria-live="polite"]')
    entities = set(cells(page, "t-entities", 0))
    assert entities & SAMPLE_ENTITIES, entities
    titles = cells(page, "t-latest", 0)
    assert "Waterschappen versterken dijken langs de Waal" in titles
    assert {c.split()[0] for c in cells(page, "t-latest", 1)} == SAMPLE_LANGUAGES
    assert cells(page, "t-dead", 1)[cells(page, "t-dead", 0).index("parse")] == "1"
    static = Path(__file__).resolve().parents[2] / "services" / "observability" / "static"
    for asset in static.iterdir():  # works offline: nothing is loaded from elsewhere
        assert not re.search(r"""(src|href)=["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import""", asset.read_text()), asset

    shot = tmp_path / "live-page.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                    "--hide-scrollbars", "--window-size=1366,1400", "--virtual-time-budget=4000",
                    f"--screenshot={shot}", stack.page], capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
