"""Cost of routing with 20 subscriptions: per-article route(), and what it costs the pipeline end to end.

    python bench/bench_routing.py [-n 2000] [--pipeline 3000] [--rounds 1] [--router]

1. In-process: decide an enriched article's topics (`Routes.matching`, 20 subscriptions), per article;
   and, for comparison, decoding an enriched record (what a separate router pays first).
2. --pipeline N (default 3000; 0 skips it): bench_pipeline's end to end (raw -> stored, the processor
   workers and the sink as processes, as `newsflow up` starts them) on N articles, with 0 subscriptions
   and then with the 20 below configured in the processor (NEWSFLOW_SUBSCRIPTIONS), on one broker, each
   run on its own topics. Prints articles/s and processor CPU per article for each, and the ratios.
   --rounds 2 runs without, with, with, without (so a drift of the shared machine weighs on both).
3. --router: the separate router (`newsflow route`) alone on N records already on articles.enriched:
   articles/s and its CPU per article (the cost routing in the processor avoids).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_pipeline import cpu_seconds, end_to_end, generate  # noqa: E402

from schemas import encode  # noqa: E402
from schemas.models import EnrichedArticle  # noqa: E402
from services.config import Settings  # noqa: E402
from services.subscriptions.spec import parse_subscriptions  # noqa: E402

SUBSCRIPTIONS = """\
subscriptions:
  - {name: nl, filter: {languages: [nl]}}
  - {name: de, filter: {languages: [de]}}
  - {name: en, filter: {languages: [en]}}
  - {name: fr-es-it, filter: {languages: [fr, es, it]}}
  - {name: putin, filter: {entity_ids: [Q7747]}}
  - {name: berlin-hamburg, filter: {entity_ids: [Q64, Q1055]}}
  - {name: netherlands, filter: {entity_ids: [Q55, Q727, Q34370]}}
  - {name: people, filter: {entity_types: [PER]}}
  - {name: orgs-de, filter: {entity_types: [ORG], languages: [de]}}
  - {name: bench-3, filter: {sources: [bench-3]}}
  - {name: bench-odd, filter: {sources: [bench-1, bench-5, bench-7, bench-9, bench-11]}}
  - {name: strike, filter: {keywords: [Streik, staking, strike]}}
  - {name: dikes, filter: {keywords: [dijk, dijken, Deich, dike]}}
  - {name: port, filter: {keywords: [Rotterdam, haven, port], duplicates: exclude}}
  - {name: unique, filter: {duplicates: exclude}}
  - {name: dups, filter: {duplicates: only}}
  - {name: recent, filter: {published_after: "2020-01-01T00:00:00Z"}}
  - {name: nl-places, filter: {languages: [nl], entity_types: [LOC], keywords: [Nijmegen, Tiel, Waal]}}
  - {name: rail, filter: {keywords: [Bahn, Fernverkehr, trein, spoor, railway], duplicates: exclude}}
  - {name: everything, filter: {}}
"""


def enriched_articles(n: int) -> list[EnrichedArticle]:
    """n bench articles enriched in-process (the first 300 really enriched, the rest copies with new ids)."""
    from services.processor.enrich import enrich, normalize_message
    from services.processor.language import warm_up

    settings = Settings()
    warm_up(settings.languages)
    now = datetime.now(UTC)
    raws = generate(min(n, 300))
    base = []
    for raw in raws:
        normalized = normalize_message(encode(raw), now=now, max_body_bytes=10**6)
        base.append(enrich(normalized, now=now, languages=settings.languages))  # type: ignore[arg-type]
    return [base[i % len(base)].model_copy(update={"id": f"bench-{i}", "source": f"bench-{i % 17}"}) for i in range(n)]


def route_cost(articles: list[EnrichedArticle]) -> None:
    from services.subscriptions.follow import parse_enriched
    from services.subscriptions.route import Routes

    routes = Routes(parse_subscriptions(SUBSCRIPTIONS))
    values = [encode(a) for a in articles]
    fanout = sum(len(routes.matching(a)) for a in articles) / len(articles)
    runs = []
    for _ in range(5):
        t0 = time.process_time()
        for a in articles:
            routes.matching(a)
        runs.append((time.process_time() - t0) / len(articles))
    decode = []
    for _ in range(3):
        t0 = time.process_time()
        for v in values:
            parse_enriched(v)
        decode.append((time.process_time() - t0) / len(values))
    print(f"route with {len(routes.subscriptions)} subscriptions: {1e6 * statistics.median(runs):.1f} µs/article "
          f"CPU (median of 5 runs over {len(articles)} articles; {fanout:.1f} matching topics per article)")
    print(f"decode of the enriched record (orjson + pydantic), which routing in the processor does not pay: "
          f"{1e6 * statistics.median(decode):.1f} µs/article CPU ({sum(map(len, values)) / len(values) / 1024:.1f} KB/record)")


async def send_enriched(settings: Settings, articles: list[EnrichedArticle]) -> None:
    from aiokafka import AIOKafkaProducer

    from services.common.kafka import client_options
    from services.subscriptions.headers import enriched_headers

    producer = AIOKafkaProducer(**client_options(settings), acks="all", linger_ms=5, max_request_size=16 * 2**20)
    await producer.start()
    try:
        futures = [await producer.send(settings.topic_enriched, encode(a), key=a.id.encode(),
                                       headers=enriched_headers(a)) for a in articles]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def wait_routed(settings: Settings, group: str, stack: object, timeout: float = 600.0) -> None:
    from services.stack import lag

    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        stack.check_children()  # type: ignore[attr-defined]
        try:
            if await lag(settings, group, [settings.topic_enriched]) == 0:
                return
        except Exception:  # the group is not known yet
            pass
        await asyncio.sleep(0.25)
    raise SystemExit(f"the router did not finish within {timeout:.0f}s")


def router_throughput(articles: list[EnrichedArticle], settings: Settings, stack: object, work: Path) -> None:
    subs_file = work / "subs.yaml"
    subs_file.write_text(SUBSCRIPTIONS, encoding="utf-8")
    group = "bench-router"
    warm = articles[:50]
    asyncio.run(send_enriched(settings, warm))
    stack.spawn("router", "route", "--subscriptions", str(subs_file), "--group", group)  # type: ignore[attr-defined]
    asyncio.run(wait_routed(settings, group, stack))  # joined, topics created, warm
    pid = stack.children["router"].pid  # type: ignore[attr-defined]
    asyncio.run(send_enriched(settings, articles))
    cpu0, t0 = cpu_seconds([pid]), time.perf_counter()
    asyncio.run(wait_routed(settings, group, stack))
    total, cpu = time.perf_counter() - t0, cpu_seconds([pid]) - cpu0
    print(f"router: {len(articles)} records routed to 20 subscriptions in {total:.1f}s = {len(articles) / total:.0f} "
          f"articles/s (records were on the topic already); CPU {1000 * cpu / len(articles):.2f} ms/article "
          f"({100 * cpu / total:.0f}% of one core)")
    router = stack.children.pop("router")  # type: ignore[attr-defined]
    router.terminate()
    router.wait(60)


async def records_on(settings: Settings, topics: list[str]) -> int:
    """How many records these topics hold (end offsets; nothing is deleted during a bench)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from services.common.kafka import client_options

    consumer = AIOKafkaConsumer(**client_options(settings), group_id=None)
    await consumer.start()
    try:
        existing = await consumer.topics()
        # the processor creates them with the pipeline's partitions
        parts = [TopicPartition(t, p) for t in topics if t in existing for p in range(settings.partitions)]
        return sum((await consumer.end_offsets(parts)).values()) if parts else 0
    finally:
        await consumer.stop()


def pipeline_run(settings: Settings, work: Path, run: str, n: int, seed: int, subscriptions: Path | None,
                 broker: int | None) -> tuple[float, float, float, float]:
    """One end-to-end run on its own topics, groups and database; processors as `newsflow up` starts them."""
    from services.common.kafka import ensure_topics
    from services.stack import Stack

    names = {"topic_raw": f"{run}.raw", "topic_normalized": f"{run}.normalized", "topic_enriched": f"{run}.enriched",
             "topic_deadletter": f"{run}.deadletter", "topic_stories": f"{run}.stories",
             "processor_id": f"{run}-processor", "sink_group": f"{run}-sink"}
    run_settings = settings.model_copy(update={**names, "database_url": f"sqlite:///{work / (run + '.db')}",
                                               "state_dir": work / run, "subscriptions": subscriptions})
    asyncio.run(ensure_topics(run_settings))
    stack = Stack(run_settings, log_dir=work / "logs" / run)  # no broker of its own: stopping it stops the children
    try:
        workers = stack.spawn_processors()
        stack.spawn("sink", "sink")
        print(f"{run}: {len(workers)} processor worker(s), {'20' if subscriptions else 'no'} subscriptions")
        pids = [stack.children[w].pid for w in workers]
        topics = [s.output_topic for s in parse_subscriptions(SUBSCRIPTIONS)]
        before = asyncio.run(records_on(settings, topics))
        figures = asyncio.run(end_to_end(generate(n, seed=seed), run_settings, pids, stack.children["sink"].pid,
                                         broker=broker))
        copies = asyncio.run(records_on(settings, topics)) - before
        print(f"  copies on the 20 subscription topics during the run: {copies} ({copies / n:.1f} per article)")
        return figures
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=2000, help="articles for the in-process figures and --router")
    parser.add_argument("--pipeline", type=int, default=3000, help="articles per end-to-end run (0: none)")
    parser.add_argument("--rounds", type=int, default=1, help="1: without, with; 2: without, with, with, without")
    parser.add_argument("--router", action="store_true", help="also time the separate router (newsflow route)")
    args = parser.parse_args()
    articles = enriched_articles(args.n)
    route_cost(articles[:2000])

    from services.common.kafka import ensure_topics
    from services.common.localkafka import LocalKafka
    from services.stack import Stack

    work = Path(tempfile.mkdtemp(prefix="newsflow-bench-routing-"))
    subs_file = work / "subs.yaml"
    subs_file.write_text(SUBSCRIPTIONS, encoding="utf-8")
    settings = Settings(state_dir=work / "state", database_url=f"sqlite:///{work / 'bench.db'}")
    stack = Stack(settings, log_dir=work / "logs")
    try:
        if not settings.kafka_bootstrap_servers:
            stack.kafka = LocalKafka(work / "kafka", heap_mb=1024).start(timeout=300)
            settings = settings.model_copy(update={"kafka_bootstrap_servers": stack.kafka.bootstrap})
            stack.settings = settings
        asyncio.run(ensure_topics(settings))
        if args.router:
            router_throughput(articles, settings, stack, work)
        if args.pipeline:
            order = [False, True] if args.rounds < 2 else [False, True, True, False]
            figures: dict[bool, list[tuple[float, float, float, float]]] = {False: [], True: []}
            broker = stack.kafka.proc.pid if stack.kafka is not None and stack.kafka.proc is not None else None
            for i, with_subs in enumerate(order):
                run = f"run{i}-{'subs' if with_subs else 'plain'}"
                figures[with_subs].append(pipeline_run(settings, work, run, args.pipeline, 11 + i,
                                                       subs_file if with_subs else None, broker))
            plain, subs = (tuple(statistics.mean(f[k] for f in figures[w]) for k in range(4)) for w in (False, True))
            print(f"summary over {len(figures[False])} run(s) each of {args.pipeline} articles:")
            for label, f in (("0 subscriptions: ", plain), ("20 subscriptions:", subs)):
                print(f"  {label} {f[0]:6.1f} articles/s; CPU ms/article: processor {1000 * f[1]:.2f}, sink "
                      f"{1000 * f[2]:.2f}, broker {1000 * f[3]:.2f}, all {1000 * sum(f[1:]):.2f}")
            print(f"  throughput ratio (20/0): {subs[0] / plain[0]:.3f} ({100 * (1 - subs[0] / plain[0]):+.1f}% loss; "
                  f"target <= 10%)")
            print(f"  CPU per article ratio (20/0): processor {subs[1] / plain[1]:.3f}, all three {sum(subs[1:]) / sum(plain[1:]):.3f} "
                  f"(CPU-bound estimate of the loss: {100 * (1 - sum(plain[1:]) / sum(subs[1:])):+.1f}%)")
    finally:
        stack.stop()
        print(f"logs in {work}")


if __name__ == "__main__":
    main()
