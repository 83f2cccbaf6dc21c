"""What metrics cost the processor: the per-article metric updates alone, and articles/s through the
processor's pure core (normalize + language + entities) with and without them, on one core.

    python bench/bench_metrics.py [-n 600] [--rounds 5] [--calls 200000]

The per-article updates are exactly the ones the worker makes (services/processor/runtime/agents.py):
2 records in, 3 records out (normalized, first-seen, enriched), 4 stage observations, 1 language count.
Rounds alternate off/on so machine load hits both alike; the median round is reported.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_pipeline import generate  # noqa: E402

from schemas import encode  # noqa: E402
from services.config import DEFAULT_LANGUAGES  # noqa: E402
from services.observability.metrics import Metrics  # noqa: E402


def per_article_updates(metrics: Metrics, language: str) -> None:
    metrics.received("articles.raw")
    with metrics.stage("normalize"):
        pass
    metrics.sent("articles.normalized")
    metrics.received("articles.normalized")
    metrics.observe("language", 0.001)
    metrics.observe("entities", 0.001)
    metrics.enriched(language)
    with metrics.stage("routing"):
        metrics.sent("processor-first-seen")
        metrics.sent("articles.enriched")


def micro(calls: int) -> float:
    metrics = Metrics("processor")
    langs = ("nl", "de", "en")
    t0 = time.process_time()  # CPU time: on a shared machine wall time counts the neighbours' work too
    for i in range(calls):
        per_article_updates(metrics, langs[i % 3])
    return (time.process_time() - t0) / calls


def core(values: list[bytes], metrics: Metrics | None) -> float:
    """CPU seconds to take every value through normalize and enrich, with the worker's metric updates or none."""
    from services.processor.enrich import enrich_message, normalize_message
    from services.processor.runtime.firstseen import FirstSeen  # noqa: F401 - the worker's import cost, not timed

    now = datetime.now(UTC)
    t0 = time.process_time()
    for value in values:
        if metrics is None:
            out = normalize_message(value, now=now, max_body_bytes=1_000_000)
            enriched = enrich_message(out, now=now, languages=DEFAULT_LANGUAGES, duplicate_of=None, value=value)  # type: ignore[arg-type]
        else:
            metrics.received("articles.raw")
            with metrics.stage("normalize"):
                out = normalize_message(value, now=now, max_body_bytes=1_000_000)
            metrics.sent("articles.normalized")
            metrics.received("articles.normalized")
            enriched = enrich_message(out, now=now, languages=DEFAULT_LANGUAGES, duplicate_of=None, value=value,  # type: ignore[arg-type]
                                      observe=metrics.observe)
            metrics.enriched(enriched.language.code)  # type: ignore[union-attr]
            with metrics.stage("routing"):
                metrics.sent("processor-first-seen")
                metrics.sent("articles.enriched")
    return time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=600, help="articles per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200_000, help="iterations of the micro-benchmark")
    args = parser.parse_args()

    cost = micro(args.calls)
    print(f"metric updates per article (2 in, 3 out, 4 stage observations, 1 language): {cost * 1e6:.2f} µs")

    from services.processor import entities, language

    language.warm_up(DEFAULT_LANGUAGES)
    entities.warm_up()
    values = [encode(a) for a in generate(args.n)]
    core(values[:50], None)  # warm caches
    off, on = [], []
    metrics = Metrics("processor")
    for _ in range(args.rounds):
        off.append(core(values, None))
        on.append(core(values, metrics))
    t_off, t_on = statistics.median(off), statistics.median(on)
    n = len(values)
    print(f"processor core, {n} seed-sized articles, median of {args.rounds} rounds (CPU time, one core):")
    print(f"  metrics off  {t_off / n * 1000:7.3f} ms/article  {n / t_off:7.0f} articles/s")
    print(f"  metrics on   {t_on / n * 1000:7.3f} ms/article  {n / t_on:7.0f} articles/s")
    print(f"  overhead     {(t_on - t_off) / n * 1e6:+7.1f} µs/article  {100 * (t_on - t_off) / t_off:+.2f}% "
          f"(micro-benchmark: {100 * cost / (t_off / n):.2f}%)")


if __name__ == "__main__":
    main()
