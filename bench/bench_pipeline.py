"""End-to-end throughput: N generated seed-sized articles through broker, processor and sink into SQLite.

    NEWSFLOW_SHARED=/work/shared python bench/bench_pipeline.py [-n 3000] [--partitions 4] [--workers 1,2]
        [--stage-sample N] [--rate 200 --rate-n 2000] [--stages-only]

First each stage's per-article CPU cost in-process (parse+normalize, language, entities, and the
near-duplicate/story decision the worker also makes), over the same articles the runs send (all N unless
--stage-sample), each stage over all articles in turn; then the worker's handlers in-process, both hops
record by record as a worker runs them (the stages interleaved, with (de)serialisation and state entries).
Then, against one local Kafka (or KAFKA_BOOTSTRAP_SERVERS), one run per worker count in --workers (default:
1 and the count `newsflow up` starts, e.g. "1,2" on 2 cores), each on fresh topics, processor id, sink
group and store, with the processor worker(s) and the sink as separate processes exactly as `newsflow up`
starts them: articles/s end to end (first send to last row stored, after one warm-up article went
through), the processor CPU time per article and its ratio to the in-process stage cost and to the
handlers' (the latter is what Kafka and faust add). With --rate, the last run then sends --rate-n more
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
from services.stack import Stack, worker_count  # noqa: E402

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


def stage_costs(articles: list[RawArticle], settings: Settings) -> float:
    """Per-article CPU of each stage in-process, in the order a worker runs them; returns the total."""
    from services.processor.dedup import features_of
    from services.processor.enrich import normalize_message
    from services.processor.entities import summarize, tag_entities
    from services.processor.language import detect_article, detect_text, warm_up
    from services.processor.runtime.related import related_for

    languages = tuple(settings.languages)
    warm_up(languages)
    related = related_for(settings)
    values = [encode(a) for a in articles]
    tag_entities("Warm up the tagger with Vladimir Putin in Moskou.", "nl")
    now = datetime.now(UTC)
    t0 = time.process_time()
    normalized = [normalize_message(v, now=now, max_body_bytes=1_000_000) for v in values]
    t1 = time.process_time()
    langs = [(detect_article(n.body, n.title, languages), detect_text(n.title, languages) if n.title else None)  # type: ignore[union-attr]
             for n in normalized]
    t2 = time.process_time()
    summaries = []
    for n, (lang, _) in zip(normalized, langs, strict=True):
        summaries.append(summarize(tag_entities(n.body, lang.code)))  # type: ignore[union-attr]
    t3 = time.process_time()
    for n, (lang, _), summary in zip(normalized, langs, summaries, strict=True):
        related.decide(features_of(article_id=n.id, source=n.source, title=n.title, body=n.body,  # type: ignore[union-attr]
                                   language=lang.code, entities=[(e.entity_id, e.name, e.mentions)
                                                                 for e in summary if e.entity_id]), now.timestamp())
        related.take_entries()
    t4 = time.process_time()
    n = len(values)
    mean_len = sum(len(a.body) for a in articles) / n
    print(f"per-article CPU, in-process, {n} articles of {mean_len:.0f} chars:")
    for name, cost in (("parse+normalize", t1 - t0), ("detect language", t2 - t1), ("tag entities", t3 - t2),
                       ("near-dup/story", t4 - t3)):
        print(f"  {name:<16} {cost / n * 1000:7.3f} ms")
    print(f"  {'total':<16} {(t4 - t0) / n * 1000:7.3f} ms  (≈ {n / (t4 - t0):.0f} articles/s on one core)", flush=True)
    return (t4 - t0) / n


def handler_cost(articles: list[RawArticle], settings: Settings, stage_cost: float) -> float:
    """Per-article CPU of the worker's handlers in-process, both hops (raw → normalized → enriched) record by
    record as a worker runs them: the stages interleaved, (de)serialisation, first-seen and related entries
    and headers, no broker. Returns it; the gap to a worker's CPU is what Kafka and faust cost."""
    from services.processor.runtime.firstseen import FirstSeen
    from services.processor.runtime.handlers import HandlerConfig, Message, stateful
    from services.processor.runtime.related import related_for

    config = HandlerConfig.of(settings)
    first_seen = FirstSeen()
    first_seen.stale(0, range(settings.partitions))
    for p in range(settings.partitions):
        first_seen.load(p, {})
    handle = stateful(config, first_seen, lambda: datetime.now(UTC), related_for(settings))
    raw = [Message(config.topics.raw, i % settings.partitions, i, None, encode(a)) for i, a in enumerate(articles)]
    t0 = time.process_time()
    normalized = [handle(m).outputs[0] for m in raw]
    enriched = [handle(Message(config.topics.normalized, i % settings.partitions, i, o.key, o.value))
                for i, o in enumerate(normalized)]
    cost = (time.process_time() - t0) / len(articles)
    assert all(o.outputs for o in enriched)
    print(f"  {'handlers':<16} {cost * 1000:7.3f} ms  (both hops record by record, no broker: "
          f"{cost / stage_cost:.2f}× the stages)", flush=True)
    return cost


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time consumed so far by these processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def end_to_end(articles: list[RawArticle], settings: Settings, processors: list[int], sink: int,
                     stage_cost: float | None = None, broker: int | None = None,
                     handlers: float | None = None) -> tuple[float, float, float, float]:
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
    versus += f", {proc_cpu / len(articles) / handlers:.2f}× the in-process handlers" if handlers else ""
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


async def wait_for_leaders(settings: Settings, timeout: float = 120.0) -> None:
    """Until every partition of the run's topics has a leader: sends to a topic created a moment ago are
    otherwise refused (NotLeaderForPartition) and retried with backoff, which the timing would count."""
    from aiokafka.admin import AIOKafkaAdminClient

    from services.common.kafka import client_options, topic_names

    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            described = await admin.describe_topics(topic_names(settings))
            if all(d.get("partitions") and all(p.get("leader", -1) >= 0 for p in d["partitions"]) for d in described):
                return
            await asyncio.sleep(0.5)
        raise SystemExit(f"topics of {settings.processor_id} have no leaders after {timeout:.0f} s")
    finally:
        await admin.close()


def fresh(settings: Settings, work: Path, run: str) -> Settings:
    """Own topics, processor id, sink group and store per run: no state carried from one run to the next."""
    topics = {name: f"{getattr(settings, name)}.{run}" for name in
              ("topic_raw", "topic_normalized", "topic_enriched", "topic_deadletter", "topic_stories")}
    return settings.model_copy(update={**topics, "processor_id": f"{settings.processor_id}-{run}",
                                       "sink_group": f"{settings.sink_group}-{run}",
                                       "state_dir": work / run / "state",
                                       "database_url": f"sqlite:///{work / run / 'bench.db'}"})


def stop_children(stack: Stack) -> None:
    """Stack.stop without stopping the broker: the next run uses it."""
    kafka, stack.kafka = stack.kafka, None
    try:
        stack.stop()
    finally:
        stack.kafka = kafka


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=3000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--stage-sample", type=int, default=0, help="articles for the in-process costs (default: all)")
    parser.add_argument("--stages-only", action="store_true")
    parser.add_argument("--workers", default="", help="processor worker counts, one run each (default: 1 and as `up`)")
    parser.add_argument("--rate", "--latency-rate", dest="rate", type=float, default=0.0,
                        help="then send paced at this rate (articles/s) and print the produce→stored latency")
    parser.add_argument("--rate-n", "--latency-n", dest="rate_n", type=int, default=2000)
    args = parser.parse_args()

    articles = generate(args.n)
    settings = Settings(partitions=args.partitions)
    counts = [int(w) for w in args.workers.split(",") if w.strip()] or sorted({1, worker_count(settings)})
    stage_cost = stage_costs(articles[: args.stage_sample or None], settings)
    handlers = handler_cost(articles[: args.stage_sample or None], settings, stage_cost)
    if args.stages_only:
        return

    from services.common.kafka import ensure_topics
    from services.common.localkafka import LocalKafka

    work = Path(tempfile.mkdtemp(prefix="newsflow-bench-"))
    stack = Stack(settings, log_dir=work / "logs")
    try:
        if not settings.kafka_bootstrap_servers:
            stack.kafka = LocalKafka(work / "kafka", heap_mb=1024).start(timeout=300)
            settings = settings.model_copy(update={"kafka_bootstrap_servers": stack.kafka.bootstrap})
        for i, count in enumerate(counts):
            run = fresh(settings.model_copy(update={"processor_workers": count}), work, f"w{count}-{i}")
            stack.settings, stack.log_dir = run, work / f"w{count}-{i}" / "logs"
            asyncio.run(ensure_topics(run))
            asyncio.run(wait_for_leaders(run))
            stack.spawn_processors()
            stack.spawn("sink", "sink")
            processors = [p.pid for name, p in stack.children.items() if name.startswith("processor")]
            asyncio.run(end_to_end(articles, run, processors, stack.children["sink"].pid, stage_cost, handlers=handlers))
            if args.rate and i == len(counts) - 1:
                paced = [a.model_copy(update={"url": f"https://bench.example/lat-{j}", "title": f"{a.title} lat"})
                         for j, a in enumerate(generate(args.rate_n, seed=11))]
                asyncio.run(latency(paced, run, args.rate))
            stop_children(stack)
    finally:
        stack.stop()
        print(f"logs and stores in {work}")


if __name__ == "__main__":
    main()
