"""The faust-streaming worker: a thin adapter that feeds batches to the pure handlers and delivers outcomes.

articles.raw --normalize--> articles.normalized (keyed by content hash) --enrich--> articles.enriched
Anything a step refuses or breaks on goes to articles.deadletter with its stage; the stream goes on.

Per batch (`stream.noack_take`): handle every record (handlers.py, under crash marks: attempts.py),
send every output without waiting on each, await all acknowledgements (delivery.py), and only then
ack the inputs, so faust never commits past an unacknowledged output. If Kafka refuses what an input
needs, the worker exits (EXIT_KAFKA_UNAVAILABLE) without acking; its supervisor restarts it and the
input is read again. "First id per content hash" lives in a compacted topic (firstseen.py says why).
With a subscriptions file (NEWSFLOW_SUBSCRIPTIONS), an enriched record's copies to the matching subscription
topics are outputs of the same outcome: sent in the same batch, acked with it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import faust
from aiokafka.errors import KafkaError, KafkaTimeoutError

from schemas.headers import LANGUAGE
from services.common.kafka import TOPIC_CONFIG, faust_app
from services.common.logs import message_context, record_context
from services.config import Settings
from services.observability.metrics import Metrics
from services.processor.runtime.attempts import Attempts, FileStore, handle_guarded
from services.processor.runtime.delivery import NotTaken, Undeliverable, deliver
from services.processor.runtime.exits import (EXIT_INTERNAL_ERROR, EXIT_KAFKA_UNAVAILABLE, EXIT_REBALANCE_STALL,
                                              EXIT_TEST_CRASH, exit_now)
from services.processor.runtime.firstseen import FirstSeen, FirstSeenLoader, StateUnreadable
from services.processor.runtime.handlers import HandlerConfig, Message, Outcome, Output, crashed, stateful
from services.processor.runtime.related import RelatedRuntime
from services.processor.runtime.stall import RebalanceClock
from services.processor.runtime.watchdog import CommittedOffsets, SkipWatch
from services.subscriptions.live import LiveSubscriptions, follow_file
from services.subscriptions.route import Routes

log = logging.getLogger("newsflow.processor")
# One rebalance lasting longer than this is a hang, not a slow member: the broker's rebalance timeout
# (faust's default, 60 s) has long dropped whoever it waited for.
REBALANCE_STALL_SECONDS = 120.0


def now() -> datetime:
    return datetime.now(UTC)


def _transient(exc: KafkaError) -> bool:
    """Whether a send failed on the cluster's state (a retriable error such as no leader for the partition,
    or the request timeout), not on the record: NotTaken, sent again after a restart."""
    return isinstance(exc, KafkaTimeoutError) or bool(getattr(exc, "retriable", False))


def message_of(event: Any) -> Message:
    m = event.message
    return Message(topic=m.topic, partition=m.partition, offset=m.offset, key=m.key, value=m.value or b"")


def create_app(settings: Settings, metrics: Metrics | None = None,
               subscriptions: LiveSubscriptions | None = None) -> faust.App:
    """`subscriptions` (read and validated at the CLI, its topics created): route enriched articles to them
    in place (handlers.py), reloading the file on change and on SIGHUP (services/subscriptions/live.py)."""
    metrics = metrics or Metrics("processor")  # unserved unless the caller serves it (services.observability)
    # No faust tables, hence no table recovery (firstseen.py says why); no standbys to keep either.
    app = faust_app(settings, settings.processor_id, "faust", table_standby_replicas=0)
    config = HandlerConfig.of(settings)

    def raw_topic(name: str) -> faust.TopicT:
        return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
                         partitions=settings.partitions, config=dict(TOPIC_CONFIG))

    raw, normalized = raw_topic(settings.topic_raw), raw_topic(settings.topic_normalized)
    first_seen_topic = app.topic(config.topics.first_seen, key_type=bytes, value_type=bytes, key_serializer="raw",
                                 value_serializer="raw", partitions=settings.partitions, compacting=True,
                                 config=dict(TOPIC_CONFIG))
    first_seen = FirstSeen()
    loader = FirstSeenLoader(settings, config.topics.first_seen, first_seen)
    # -- near-duplicates and stories (runtime/related.py): a global state every worker follows, and the
    # compacted stories topic (latest record per story id). Retention = the window: the state forgets with it.
    window_ms = str(int(settings.story_window_hours * 3_600_000))
    related_state_topic = app.topic(config.topics.related, key_type=bytes, value_type=bytes, key_serializer="raw",
                                    value_serializer="raw", partitions=settings.partitions,
                                    config={**TOPIC_CONFIG, "cleanup.policy": "compact,delete", "retention.ms": window_ms})
    stories_topic = app.topic(config.topics.stories, key_type=bytes, value_type=bytes, key_serializer="raw",
                              value_serializer="raw", partitions=settings.partitions, compacting=True,
                              config=dict(TOPIC_CONFIG))
    related = RelatedRuntime(settings, config.topics.related)
    # -- end near-duplicates and stories
    routes: Callable[[], Routes | None] = lambda: None
    if subscriptions is not None:
        live = subscriptions
        declared: set[str] = set()

        async def declare(names: Iterable[str]) -> None:  # before a reloaded set is put in force
            for name in names:
                if name not in declared:
                    await raw_topic(name).maybe_declare()
                    declared.add(name)

        follow_file(app, live, declare, f"routing {settings.topic_enriched}")
        routes = lambda: live.routes  # noqa: E731
    handled = stateful(config, first_seen, now, related.state, observe=metrics.observe,  # times language and entities
                       routes=routes)

    def handler(msg: Message) -> Outcome:
        if msg.topic != config.topics.raw:
            outcome = handled(msg)
            for out in outcome.outputs:
                if out.topic == config.topics.enriched:
                    metrics.enriched(dict(out.headers)[LANGUAGE].decode())
            return outcome
        with metrics.stage("normalize"):
            return handled(msg)
    attempts = Attempts(FileStore(settings.state_dir / f"{settings.processor_id}-attempts.json"),
                        settings.processor_crash_attempts)
    crash_marker = settings.processor_test_crash_marker.encode() if settings.processor_test_crash_marker else None
    skips, committed_offsets = SkipWatch(), CommittedOffsets(settings, settings.processor_id)

    def before_each(msg: Message) -> None:
        if crash_marker is not None and crash_marker in msg.value:  # tests: die on this record, as a segfault would
            exit_now(EXIT_TEST_CRASH, f"test crash marker in {msg.where()}")

    async def send(out: Output) -> Awaitable[object]:
        try:
            ack = await app.producer.send(out.topic, out.key, out.value, out.partition, None,
                                          list(out.headers) or None)
        except KafkaError as exc:
            if _transient(exc):
                raise NotTaken(f"not queued: {type(exc).__name__}: {exc}") from exc
            raise
        return acknowledged(ack, out.topic, time.perf_counter())

    async def acknowledged(ack: Awaitable[object], topic: str, sent_at: float) -> object:
        try:
            result = await ack
        except KafkaError as exc:
            if _transient(exc):
                raise NotTaken(f"not acknowledged: {type(exc).__name__}: {exc}") from exc
            raise
        metrics.sent(topic)  # counted once Kafka acknowledged it
        if topic == config.topics.enriched:  # "routing": an enriched record's send until acknowledged
            metrics.observe("routing", time.perf_counter() - sent_at)
        return result

    async def load_first_seen(messages: Sequence[Message]) -> None:
        # After any rebalance, (re)read the entries of every normalized partition this worker now holds, in
        # one pass, before deciding on the first record: another worker may have added to them.
        wanted = {m.partition for m in messages if m.topic == config.topics.normalized}
        if not wanted:
            return
        generation = app.consumer_generation_id
        if not first_seen.stale(generation, wanted):
            return
        assigned = {tp.partition for tp in app.consumer.assignment() if tp.topic == settings.topic_normalized}
        await first_seen_topic.maybe_declare()  # once per rebalance: creates the topic on first use
        await loader.load(generation, assigned | wanted)

    async def follow_related(messages: Sequence[Message]) -> None:
        # Near-duplicates and stories: read the whole state after a rebalance, else fold what was fetched.
        if not any(m.topic == config.topics.normalized for m in messages):
            return
        try:
            await related.sync(app.consumer_generation_id,
                               declare=(related_state_topic.maybe_declare, stories_topic.maybe_declare))
        except Exception as exc:  # the broker, not the record (sync retried): exit uncommitted, as for first-seen
            raise StateUnreadable(f"related state unreadable: {type(exc).__name__}: {exc}") from exc

    async def run_batch(stream: faust.StreamT, events: Sequence[Any]) -> None:
        messages = [message_of(e) for e in events]
        metrics.batch(len(messages))
        for m in messages:
            metrics.received(m.topic)
        skips.handling(app.consumer_generation_id, messages)
        try:
            await load_first_seen(messages)
            await follow_related(messages)
            outcomes = handle_guarded(messages, handler, attempts, lambda m, n: crashed(m, n, now()), before_each)
            for outcome in outcomes:
                for letter in outcome.dead_letters:
                    log.warning("dead-lettered at %s: %s", letter.stage, letter.error[:200], extra=record_context(letter))
                    metrics.dead_lettered(letter)
            delivered = await deliver(outcomes, send, config.topics, now)
            metrics.refused(delivered.refused_outputs)
        except (Undeliverable, StateUnreadable) as exc:
            # Kafka refused what these inputs need: acking would lose them. Exit without committing them;
            # the supervisor restarts the worker, which reads them again.
            exit_now(EXIT_KAFKA_UNAVAILABLE, f"Kafka unavailable ({exc}); exiting so {messages[0].where()} "
                                             f"and the {len(messages) - 1} records after it are processed again")
        except Exception as exc:  # an agent that raises stops consuming while the worker lives on: never that
            first = messages[0]
            log.exception("unexpected error around %s", first.where(),
                          extra=message_context(first.topic, first.partition, first.offset, first.key))
            exit_now(EXIT_INTERNAL_ERROR, f"unexpected {type(exc).__name__}: {exc}; exiting without acking the batch")
        for event in events:
            await stream.ack(event)
        skips.acked(app.consumer_generation_id, messages)

    @app.agent(raw)
    async def normalize_agent(stream: faust.StreamT) -> None:
        async for events in stream.noack_take(settings.processor_batch_size, within=settings.processor_batch_wait):
            await run_batch(stream, events)

    @app.agent(normalized)
    async def enrich_agent(stream: faust.StreamT) -> None:
        async for events in stream.noack_take(settings.processor_batch_size, within=settings.processor_batch_wait):
            await run_batch(stream, events)

    @app.timer(5.0)
    async def resync_skipped_partitions() -> None:
        # faust 0.15.3 can skip records after a rebalance (docs/faults.md, 5): seen from our own bookkeeping
        # (the first offset acked since the rebalance lies above the group's committed offset and nothing is
        # handling the committed one), confirmed over two rounds, repaired by seeking back to the committed offset.
        if app.rebalancing:
            skips.reset()
            return
        if not skips.watching():
            return
        assigned = {(tp.topic, tp.partition) for tp in app.consumer.assignment()}
        committed = await committed_offsets.fetch()
        for (topic, partition), offset in skips.stuck(app.consumer_generation_id, assigned, committed):
            log.warning("%s[%s]: offsets from %s were skipped after a rebalance; reading again from %s",
                        topic, partition, offset, offset)
            await app.consumer.seek(faust.types.TP(topic, partition), offset)

    rebalance_clock = RebalanceClock()

    @app.timer(5.0)
    async def exit_if_rebalance_hangs() -> None:
        lasted = rebalance_clock.observe(app.rebalancing, app.rebalancing_count, time.monotonic())
        if lasted > REBALANCE_STALL_SECONDS:
            # Nothing is lost: no offset is committed past an input whose outputs were not acknowledged.
            exit_now(EXIT_REBALANCE_STALL, f"stuck in rebalance #{app.rebalancing_count} for {lasted:.0f} s; "
                                           "exiting so a fresh worker takes over")

    return app

