"""Cost of routing with 20 subscriptions: per-article route(), the router's throughput, the pipeline's.

    python bench/bench_routing.py [-n 5000] [--pipeline N]

1. In-process: decode an enriched record and decide its topics (`route()`), per article, 20 subscriptions.
2. The router (`newsflow route`, a separate faust worker as `newsflow up --subscriptions` runs it) on a
   real local Kafka: N enriched records already on the topic, time until its group has committed them
   all; articles/s and CPU per article of the router process.
3. With --pipeline N: bench_pipeline's end to end (raw -> stored, processor and sink as processes) on N
   articles, without and then with the router running on the same broker, so the cost of routing on the
   pipeline's throughput shows on this machine (2 cores: the router competes for CPU).
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
    from services.subscriptions.route import route
    from services.subscriptions.spec import parse_subscriptions

    subs = parse_subscriptions(SUBSCRIPTIONS)
    values = [encode(a) for a in articles]
    fanout = sum(len(route(subs, a)) for a in articles) / len(articles)
    runs = []
    for _ in range(5):
        t0 = time.process_time()
        for a in articles:
            route(subs, a)
        runs.append((time.process_time() - t0) / len(articles))
    decode = []
    for _ in range(3):
        t0 = time.process_time()
        for v in values:
            parse_enriched(v)
        decode.append((time.process_time() - t0) / len(values))
    print(f"route() with {len(subs)} subscriptions: {1e6 * statistics.median(runs):.1f} µs/article "
          f"CPU (median of 5 runs over {len(articles)} articles; {fanout:.1f} matching topics per article)")
    print(f"decode of the enriched record (orjson + pydantic): {1e6 * statistics.median(decode):.1f} µs/article CPU "
          f"({sum(map(len, values)) / len(values) / 1024:.1f} KB/record)")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=5000)
    parser.add_argument("--pipeline", type=int, default=0, help="also run the end-to-end pipeline with N articles, "
                                                                "without and with the router")
    args = parser.parse_args()
    articles = enriched_articles(args.n)
    route_cost(articles[:2000])

    from services.common.kafka import ensure_topics
    from services.common.localkafka import LocalKafka
    from services.stack import Stack

    work = Path(tempfile.mkdtemp(prefix="newsflow-bench-routing-"))
    settings = Settings(state_dir=work / "state", database_url=f"sqlite:///{work / 'bench.db'}")
    stack = Stack(settings, log_dir=work / "logs")
    try:
        if not settings.kafka_bootstrap_servers:
            stack.kafka = LocalKafka(work / "kafka", heap_mb=1024).start()
            settings = settings.model_copy(update={"kafka_bootstrap_servers": stack.kafka.bootstrap})
            stack.settings = settings
        asyncio.run(ensure_topics(settings))
        router_throughput(articles, settings, stack, work)
        if args.pipeline:
            for with_router in (False, True):
                run = f"run-{'with' if with_router else 'without'}"
                names = {"topic_raw": f"{run}.raw", "topic_normalized": f"{run}.normalized",
                         "topic_enriched": f"{run}.enriched", "topic_deadletter": f"{run}.deadletter",
                         "processor_id": f"{run}-processor", "sink_group": f"{run}-sink",
                         "database_url": f"sqlite:///{work / (run + '.db')}"}
                run_settings = settings.model_copy(update=names)
                asyncio.run(ensure_topics(run_settings))
                env = {"NEWSFLOW_" + k.upper(): str(v) for k, v in names.items()}
                stack.spawn(f"{run}-processor", "process", env=env)
                stack.spawn(f"{run}-sink", "sink", env=env)
                if with_router:
                    stack.spawn(f"{run}-router", "route", "--subscriptions", str(work / "subs.yaml"),
                                "--group", f"{run}-router", env=env)
                print(f"pipeline {'with' if with_router else 'without'} the router (20 subscriptions):")
                pids = [stack.children[f"{run}-processor"].pid]
                asyncio.run(end_to_end(generate(args.pipeline, seed=11 + with_router), run_settings, pids,
                                       stack.children[f"{run}-sink"].pid))
                if with_router:
                    cpu = cpu_seconds([stack.children[f"{run}-router"].pid])
                    print(f"  router CPU over the run: {cpu:.1f}s")
                for name in [n for n in stack.children if n.startswith(run)]:
                    proc = stack.children.pop(name)
                    proc.terminate()
                    proc.wait(60)
    finally:
        stack.stop()
        print(f"logs in {work}")


if __name__ == "__main__":
    main()
