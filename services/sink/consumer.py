"""The sink service: articles.enriched -> storage in batches; offsets are committed only after the
database transaction commits, so a crash at any point replays (idempotently) instead of losing."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from pydantic import ValidationError

from schemas.models import EnrichedArticle, Story
from services.common.deadletter import dead_letter_for
from services.common.kafka import client_options, ensure_topics
from services.common.logs import record_context
from services.config import Settings
from services.observability.metrics import Metrics
from services.observability.server import Readiness
from services.producer.publish import Publisher
from services.sink.store import Store, open_store

log = logging.getLogger("newsflow.sink")


def split_batch(records: list[ConsumerRecord], stories_topic: str = "stories"
                ) -> tuple[list[EnrichedArticle], list[tuple[ConsumerRecord, Exception]], list[Story]]:
    """Articles, records that are neither valid articles nor valid stories, and stories (by topic)."""
    good: list[EnrichedArticle] = []
    bad: list[tuple[ConsumerRecord, Exception]] = []
    stories: list[Story] = []
    for rec in records:
        try:
            if rec.topic == stories_topic:
                if rec.value is not None:  # a tombstone deletes nothing here: the store keeps its history
                    stories.append(Story.model_validate(orjson.loads(rec.value)))
            else:
                good.append(EnrichedArticle.model_validate(orjson.loads(rec.value or b"")))
        except (orjson.JSONDecodeError, ValidationError) as exc:
            bad.append((rec, exc))
    return good, bad, stories


async def write_with_retry(store_factory: Callable[[], Store], store: Store | None, articles: list[EnrichedArticle],
                           stop: asyncio.Event, max_backoff: float = 10.0, stories: list[Story] | None = None,
                           metrics: Metrics | None = None, readiness: Readiness | None = None) -> Store | None:
    """Write one batch, retrying with backoff (reconnecting) while the database is away.
    Returns the (possibly new) store, or None if asked to stop before the write succeeded."""
    delay = 0.5
    while True:
        try:
            if store is None:
                store = await asyncio.to_thread(store_factory)
            t0 = time.perf_counter()
            await asyncio.to_thread(store.upsert, articles, stories or [])
            if metrics is not None:
                metrics.wrote(len(articles), time.perf_counter() - t0)
            if readiness is not None:
                readiness.set("store", True, "last write succeeded")
            return store
        except Exception as exc:  # the database is down or broken: keep the batch, retry, commit nothing
            if metrics is not None:
                metrics.store_retries.inc()
            if readiness is not None:
                readiness.set("store", False, f"{type(exc).__name__}: {exc}"[:200])
            log.warning("storage write failed (%s: %s); retrying in %.1fs", type(exc).__name__, exc, delay)
            if store is not None:
                try:
                    await asyncio.to_thread(store.close)
                except Exception:
                    pass
                store = None
            try:
                await asyncio.wait_for(stop.wait(), delay)
                return None
            except TimeoutError:
                delay = min(delay * 2, max_backoff)


async def run_sink(settings: Settings, stop: asyncio.Event | None = None,
                   on_batch: Callable[[int], None] | None = None, metrics: Metrics | None = None,
                   readiness: Readiness | None = None) -> None:
    stop = stop or asyncio.Event()
    metrics = metrics or Metrics("sink")
    readiness = readiness or Readiness()
    readiness.set("group", False, f"joining {settings.sink_group}")
    await ensure_topics(settings)  # the stories topic may not exist yet: a subscription would not see it for minutes
    consumer = AIOKafkaConsumer(
        settings.topic_enriched,
        settings.topic_stories,
        **client_options(settings),
        group_id=settings.sink_group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_interval_ms=600_000,
    )
    factory = lambda: open_store(settings.database_url)  # noqa: E731
    store: Store | None = await asyncio.to_thread(factory)
    readiness.set("store", True, "opened")
    await consumer.start()
    try:
        async with Publisher(settings, wait_forever=True) as publisher:  # nothing commits meanwhile
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=500, max_records=settings.sink_batch_size)
                assigned = consumer.assignment()
                readiness.set("group", bool(assigned), f"{settings.sink_group}: {len(assigned)} partitions")
                records = [rec for recs in batches.values() for rec in recs]
                if not records:
                    continue
                for topic in {rec.topic for rec in records}:  # articles and story records
                    metrics.received(topic, sum(rec.topic == topic for rec in records))
                metrics.batch(len(records))
                good, bad, stories = split_batch(records, settings.topic_stories)
                for rec, exc in bad:
                    letter = dead_letter_for(
                        rec.value or b"", stage="sink", error=str(exc), error_type=type(exc).__name__,
                        key=rec.key.decode("utf-8", "replace") if rec.key else None,
                        topic=rec.topic, partition=rec.partition, offset=rec.offset)
                    log.warning("dead-lettered at sink: %s", letter.error[:200], extra=record_context(letter))
                    await publisher.dead_letter(letter)
                    metrics.dead_lettered(letter)
                    metrics.sent(settings.topic_deadletter)
                store = await write_with_retry(factory, store, good, stop, stories=stories, metrics=metrics, readiness=readiness)
                if store is None:
                    break  # stopped mid-outage: nothing committed, the batch is replayed on restart
                try:
                    await consumer.commit({TopicPartition(tp.topic, tp.partition): recs[-1].offset + 1
                                           for tp, recs in batches.items() if recs})
                except (CommitFailedError, IllegalStateError) as exc:
                    # Partitions moved to another sink mid-batch: it replays them; the upsert makes that harmless.
                    log.warning("offset commit skipped after a rebalance: %s", exc)
                if on_batch:
                    on_batch(len(good))
    finally:
        await consumer.stop()
        if store is not None:
            store.close()
