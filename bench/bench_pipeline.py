"""End-to-end throughput: N generated seed-sized articles through broker, processor and sink into SQLite.

    NEWSFLOW_SHARED=/work/shared python bench/bench_pipeline.py [-n 10000] [--partitions 4] [--workers N]
        [--stage-sample 500] [--latency-rate 200 --latency-n 2000]

Prints each stage's per-article CPU cost in-process, then articles/s end to end (first send to last
row stored, after one warm-up article went through) through a real local Kafka (or
KAFKA_BOOTSTRAP_SERVERS) with the processor worker(s) and the sink as separate processes, exactly as
`newsflow up` starts them (by default as many workers as `up` would), the CPU time each spent per
article and its ratio to the in-process stage cost. With --latency-rate, then sends --latency-n more
articles paced at that rate and prints the produce→stored latency (p50, p95, max).
Articles are the seeds (`$NEWSFLOW_SHARED/seeds`, ~3 KB each) varied per article; samples/ without them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from schemas import RawArticle, encode  # noqa: E402
from services.config import Settings  # noqa: E402

SEEDS = Path(os.environ.get("NEWSFLOW_SHARED", REPO.parent / "shared")) / "seeds"


def templates() -> list[str]:
    folder = SEEDS if SEEDS.is_dir() else REPO / "samples"
    return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]


def generate(n: int, seed: int = 7) -> list[RawArticle]:
    """Seed-sized, distinct articles: a template with its title and a sentence varied per article."""
    rng = random.Random(seed)
    bases = templates()
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        base = bases[i % len(bases)]
        title, _, rest = base.partition("\n")
        body = f"{title} ({i})\n{rest}\n\nArticle {i} of the benchmark, variant {rng.randrange(10**9)}."
        out.append(RawArticle(source=f"bench-{i % 17}", url=f"https://bench.example/{i}", body=body, fetched_at=now))
    return out


def stage_costs(articles: list[RawArticle], languages: tuple[str, ...]) -> float:
    from services.processor.enrich import normalize_message
    from services.processor.entities import summarize, tag_entities
    from services.processor.language import detect_article, warm_up

    warm_up(languages)
    values = [encode(a) for a in articles]
    tag_entities("Warm up the tagger with Vladimir Putin in Moskou.", "nl")
    now = datetime.now(UTC)
    t0 = time.process_time()
    normalized = [normalize_message(v, now=now, max_body_bytes=1_000_000) for v in values]
    t1 = time.process_time()
    langs = [detect_article(n.body, n.title, languages) for n in normalized]  # type: ignore[union-attr]
    t2 = time.process_time()
    mentions = [tag_entities(n.body, lang.code) for n, lang in zip(normalized, langs, strict=True)]  # type: ignore[union-attr]
    for m in mentions:
        summarize(m)
    t3 = time.process_time()
    n = len(values)
    mean_len = sum(len(a.body) for a in articles) / n
    print(f"per-article CPU, in-process, {n} articles of {mean_len:.0f} chars:")
    for name, cost in (("parse+normalize", t1 - t0), ("detect language", t2 - t1), ("tag entities", t3 - t2)):
        print(f"  {name:<16} {cost / n * 1000:7.3f} ms")
    print(f"  {'total':<16} {(t3 - t0) / n * 1000:7.3f} ms  (≈ {n / (t3 - t0):.0f} articles/s on one core)")
    return (t3 - t0) / n


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time consumed so far by these processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def end_to_end(articles: list[RawArticle], settings: Settings, processors: list[int], sink: int,
                     stage_cost: float | None = None, broker: int | None = None) -> tuple[float, float, float, float]:
    """Prints and returns articles/s, then processor, sink and broker (when its pid is given; else 0) CPU
    seconds per article."""
    from services.producer.publish import Publisher
    from services.sink.store import open_store

    store = open_store(settings.database_url)
    # One article through the whole pipeline first: the timing below starts with workers joined and warm.
    warm = generate(1, seed=99)[0].model_copy(update={"url": "https://bench.example/warm-up"})
    async with Publisher(settings) as publisher:
        await publisher.send(warm)
    deadline = time.perf_counter() + 180
    while store.count() < 1:
        if time.perf_counter() > deadline:
            raise SystemExit("the warm-up article was not stored within 180 s")
        await asyncio.sleep(0.2)
    brokers = [broker] if broker is not None else []
    cpu0 = cpu_seconds(processors), cpu_seconds([sink]), cpu_seconds(brokers)
    async with Publisher(settings) as publisher:
        t0 = time.perf_counter()
        for start in range(0, len(articles), 500):
            await publisher.send_many(articles[start:start + 500])
        sent = time.perf_counter() - t0
    print(f"produced {len(articles)} in {sent:.1f}s ({len(articles) / sent:.0f}/s)")
    target = len(articles) + 1
    last, last_change, last_print = -1, time.perf_counter(), 0.0
    while True:
        stored = store.count()
        now = time.perf_counter()
        if stored >= target:
            break
        if stored != last:
            last, last_change = stored, now
        elif now - last_change > 120:
            raise SystemExit(f"stalled at {stored - 1}/{len(articles)}")
        if now - last_print >= 10:
            last_print = now
            print(f"  stored {stored - 1}/{len(articles)} after {now - t0:.0f}s", flush=True)
        await asyncio.sleep(0.5)
    total = time.perf_counter() - t0
    proc_cpu, sink_cpu = cpu_seconds(processors) - cpu0[0], cpu_seconds([sink]) - cpu0[1]
    broker_cpu = cpu_seconds(brokers) - cpu0[2]
    print(f"end to end: {len(articles)} articles stored in {total:.1f}s = {len(articles) / total:.0f} articles/s "
          f"({len(processors)} processor worker(s), {settings.partitions} partitions)")
    versus = f", {proc_cpu / len(articles) / stage_cost:.2f}× the in-process stage cost" if stage_cost else ""
    print(f"CPU per article: processor {1000 * proc_cpu / len(articles):.2f} ms "
          f"({100 * proc_cpu / total:.0f}% of one core{versus}), sink {1000 * sink_cpu / len(articles):.2f} ms"
          + (f", broker {1000 * broker_cpu / len(articles):.2f} ms" if brokers else ""))
    store.close()
    return len(articles) / total, proc_cpu / len(articles), sink_cpu / len(articles), broker_cpu / len(articles)


async def latency(articles: list[RawArticle], settings: Settings, rate: float) -> None:
    """Send at `rate` articles/s in small paced chunks; produce→stored latency from the store's stored_at."""
    import sqlite3

    from services.producer.publish import Publisher

    chunk = max(1, int(rate / 20))  # 20 sends per second
    sent_at: dict[str, float] = {}
    async with Publisher(settings) as publisher:
        start = time.time()
        for i in range(0, len(articles), chunk):
            part = articles[i:i + chunk]
            due = start + i / rate
            if due > time.time():
                await asyncio.sleep(due - time.time())
            now = time.time()
            await publisher.send_many(part)
            sent_at.update({a.url: now for a in part if a.url})
    path = settings.database_url.removeprefix("sqlite:///")
    deadline = time.time() + 300
    while True:
        with sqlite3.connect(path) as db:
            rows = db.execute("SELECT url, stored_at FROM articles WHERE url LIKE 'https://bench.example/lat-%'").fetchall()
        if len(rows) >= len(articles) or time.time() > deadline:
            break
        await asyncio.sleep(0.5)
    lat = sorted(datetime.fromisoformat(stored.replace("Z", "+00:00")).timestamp() - sent_at[url]
                 for url, stored in rows if url in sent_at)
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
    print(f"latency at {rate:.0f} articles/s ({len(lat)} of {len(articles)} stored): produce→stored "
          f"p50 {1000 * pick(0.5):.0f} ms, p95 {1000 * pick(0.95):.0f} ms, max {1000 * lat[-1]:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--stage-sample", type=int, default=500)
    parser.add_argument("--stages-only", action="store_true")
    parser.add_argument("--workers", type=int, default=0, help="processor workers (default: as many as `up` starts)")
    parser.add_argument("--latency-rate", type=float, default=0.0, help="then send paced at this rate; print latency")
    parser.add_argument("--latency-n", type=int, default=2000)
    args = parser.parse_args()

    articles = generate(args.n)
    settings = Settings(partitions=args.partitions, processor_workers=args.workers)
    stage_cost = stage_costs(articles[: args.stage_sample], settings.languages)
    if args.stages_only:
        return

    from services.common.kafka import ensure_topics
    from services.common.localkafka import LocalKafka
    from services.stack import Stack

    work = Path(tempfile.mkdtemp(prefix="newsflow-bench-"))
    settings = settings.model_copy(update={"state_dir": work / "state", "database_url": f"sqlite:///{work / 'bench.db'}"})
    stack = Stack(settings, log_dir=work / "logs")
    try:
        if not settings.kafka_bootstrap_servers:
            stack.kafka = LocalKafka(work / "kafka", heap_mb=1024).start(timeout=300)
            settings = settings.model_copy(update={"kafka_bootstrap_servers": stack.kafka.bootstrap})
            stack.settings = settings
        asyncio.run(ensure_topics(settings))
        stack.spawn_processors()
        stack.spawn("sink", "sink")
        processors = [p.pid for name, p in stack.children.items() if name.startswith("processor")]
        asyncio.run(end_to_end(articles, settings, processors, stack.children["sink"].pid, stage_cost))
        if args.latency_rate:
            paced = [a.model_copy(update={"url": f"https://bench.example/lat-{i}", "title": f"{a.title} lat"})
                     for i, a in enumerate(generate(args.latency_n, seed=11))]
            asyncio.run(latency(paced, settings, args.latency_rate))
    finally:
        stack.stop()
        print(f"logs and store in {work}")


if __name__ == "__main__":
    main()
