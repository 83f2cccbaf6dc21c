"""The faust-streaming worker: agents that move records between topics around the pure core (enrich.py).

articles.raw --normalize--> articles.normalized (keyed by content hash) --enrich--> articles.enriched
Anything a step refuses or breaks on goes to articles.deadletter with its stage; the stream goes on.
"First id seen per content hash" (for `duplicate_of`) lives on the hash-keyed topic's partitions, so each
worker owns the hashes it sees; a compacted topic keeps it across restarts and moves (firstseen.py).

At least once: an input is acked (so its offset can be committed) only after its output was acknowledged
by the broker. faust itself only logs a send the broker refuses and commits past it, so every send here
is awaited: a refused output (e.g. larger than the topic accepts) becomes a dead letter at stage
"produce"; a dead letter that cannot be written either ends the worker before the input is committed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import time
from datetime import UTC, datetime
from typing import Any

import faust

from schemas import encode
from schemas.models import DeadLetter
from services.common.kafka import MAX_MESSAGE_BYTES, TOPIC_CONFIG
from services.config import Settings, get_settings
from services.deadletter import TRUNCATED_MARK
from services.processor.enrich import enrich_message, normalize_message, parse_normalized
from services.processor.errors import StepError
from services.processor.runtime.firstseen import FirstSeen, read_partitions
from services.processor.runtime.related import RelatedRuntime
from services.processor.runtime.stall import RebalanceClock
from services.producer.publish import dead_letter_for

log = logging.getLogger("newsflow.processor")
# A dead letter too large for its topic keeps this much of the payload (and says so in `error`).
TRUNCATED_PAYLOAD_CHARS = 64 * 1024
# One rebalance lasting longer than this is a hang, not a slow member: the broker's rebalance timeout
# (faust's default, 60 s) has long dropped whoever it waited for.
REBALANCE_STALL_SECONDS = 120.0
EXIT_REBALANCE_STALL = 75  # EX_TEMPFAIL: restart me


class Undeliverable(RuntimeError):
    """The broker did not take a record (too large, or it stayed away longer than the producer waits)."""


def truncated(letter: DeadLetter, reason: str) -> DeadLetter:
    """The same dead letter with a payload short enough for any topic: the failure stays on record."""
    keep = TRUNCATED_PAYLOAD_CHARS - TRUNCATED_PAYLOAD_CHARS % 4  # base64 stays whole quads
    error = f"{letter.error[:2000]} {TRUNCATED_MARK} from {len(letter.payload)} characters; {reason[:500]}"
    return letter.model_copy(update={"payload": letter.payload[:keep], "error": error})


def _credentials(settings: Settings) -> Any:
    protocol = settings.kafka_security_protocol
    context = None
    if protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None)
    if protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None,
            mechanism=settings.kafka_sasl_mechanism or "PLAIN",
            ssl_context=context,
        )
    return faust.SSLCredentials(context) if context else None


def create_app(settings: Settings | None = None) -> faust.App:
    settings = settings or get_settings()
    settings.state_dir.mkdir(parents=True, exist_ok=True)  # faust creates only the last level of its datadir
    app = faust.App(
        settings.processor_id,
        broker=[f"kafka://{server}" for server in settings.bootstrap.split(",")],
        broker_credentials=_credentials(settings),
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        datadir=str(settings.state_dir / "faust"),
        web_enabled=False,
        producer_acks=-1,
        producer_max_request_size=MAX_MESSAGE_BYTES,
        consumer_auto_offset_reset="earliest",
        broker_commit_every=200,
        broker_commit_interval=1.0,
        # A crashed worker's partitions move after this, not after faust's default 60 s: a kill -9
        # otherwise stalls the whole group for a minute (heartbeats run on their own task).
        broker_session_timeout=10.0,
        # No faust tables, hence no table recovery (firstseen.py says why); no standbys to keep either.
        table_standby_replicas=0,
        # Do not wait for in-flight events (and commit) inside the revocation callback: that commit could
        # wait forever on the consumer thread that is itself running the rebalance (seen in CI). Outputs
        # are acknowledged before their input is acked, so an event cut short is simply processed again
        # by the partition's next owner (the upsert and the first-seen state make that harmless).
        stream_wait_empty=False,
    )

    def raw_topic(name: str) -> faust.TopicT:
        return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
                         partitions=settings.partitions, config=dict(TOPIC_CONFIG))

    raw, normalized = raw_topic(settings.topic_raw), raw_topic(settings.topic_normalized)
    enriched, deadletter = raw_topic(settings.topic_enriched), raw_topic(settings.topic_deadletter)
    # Compacted, co-partitioned with `normalized` (entries are sent to the input record's partition number).
    first_seen_topic = app.topic(f"{settings.processor_id}-first-seen", key_type=bytes, value_type=bytes,
                                 key_serializer="raw", value_serializer="raw", partitions=settings.partitions,
                                 compacting=True, config=dict(TOPIC_CONFIG))
    first_seen = FirstSeen()
    # Near-duplicates and stories (runtime/related.py): a global state every worker follows, and the
    # compacted stories topic (latest record per story id). Retention = the window: the state forgets with it.
    window_ms = str(int(settings.story_window_hours * 3_600_000))
    related_topic = app.topic(f"{settings.processor_id}-related", key_type=bytes, value_type=bytes,
                              key_serializer="raw", value_serializer="raw", partitions=settings.partitions,
                              config={**TOPIC_CONFIG, "cleanup.policy": "compact,delete", "retention.ms": window_ms})
    stories = app.topic(settings.topic_stories, key_type=bytes, value_type=bytes, key_serializer="raw",
                        value_serializer="raw", partitions=settings.partitions, compacting=True,
                        config=dict(TOPIC_CONFIG))
    related = RelatedRuntime(settings, related_topic.get_topic_name())

    async def deliver(topic: faust.TopicT, key: bytes | None, value: bytes, partition: int | None = None) -> None:
        try:
            await (await topic.send(key=key, value=value, partition=partition))  # queued, then acknowledged
        except Exception as exc:
            raise Undeliverable(f"{topic.get_topic_name()}: {type(exc).__name__}: {exc}") from exc

    async def dead(letter: DeadLetter) -> None:
        log.warning("dead-lettered at %s: %s", letter.stage, letter.error[:200])
        key = letter.key.encode() if letter.key else None
        try:
            await deliver(deadletter, key, encode(letter))
        except Undeliverable as exc:
            log.error("dead letter refused (%s); sending it without most of its payload", exc)
            await deliver(deadletter, key, encode(truncated(letter, str(exc))))

    async def emit(msg: Any, topic: faust.TopicT, key: bytes, value: bytes) -> None:
        try:
            await deliver(topic, key, value)
        except Undeliverable as exc:
            await dead(dead_letter_for(msg.value or b"", stage="produce", error=str(exc), error_type="Undeliverable",
                                       key=msg.key.decode("utf-8", "replace") if msg.key else None, topic=msg.topic,
                                       partition=msg.partition, offset=msg.offset))

    async def guarded(msg: Any, handle: Any) -> None:
        # Last line of defence: an agent that raises stops consuming while the worker lives on,
        # so whatever escapes the pure core is dead-lettered here and the stream goes on.
        try:
            try:
                await handle(msg)
            except Undeliverable:
                raise
            except Exception as exc:
                log.exception("unexpected error on %s[%s]@%s", msg.topic, msg.partition, msg.offset)
                await dead(dead_letter_for(msg.value or b"", stage="route", error=f"{type(exc).__name__}: {exc}",
                                           error_type=type(exc).__name__, topic=msg.topic, partition=msg.partition,
                                           offset=msg.offset))
        except Undeliverable as exc:
            # Kafka refused what this input needs (its state, or even its dead letter): acking would lose the
            # input. Exit without committing it; the supervisor restarts the worker, which reads it again.
            log.critical("Kafka unavailable (%s); exiting so %s[%s]@%s is processed again",
                         exc, msg.topic, msg.partition, msg.offset)
            logging.shutdown()
            os._exit(70)

    async def load_first_seen(partition: int) -> None:
        # After any rebalance, (re)read the entries of every normalized partition this worker now holds,
        # in one pass, before deciding on the first record: another worker may have added to them.
        generation = app.consumer_generation_id
        if not first_seen.stale(generation, (partition,)):
            return  # the per-record path: nothing else to look up
        assigned = {tp.partition for tp in app.consumer.assignment() if tp.topic == settings.topic_normalized}
        stale = first_seen.stale(generation, assigned | {partition})
        await first_seen_topic.maybe_declare()  # once per rebalance: creates the topic on first use
        for delay in (1.0, 2.0, 4.0, 8.0, 16.0, 0.0):  # the broker may be restarting
            try:
                loaded = await read_partitions(settings, first_seen_topic.get_topic_name(), stale)
                break
            except Exception as exc:  # the broker, not the record: never dead-letter the input for it
                if not delay:
                    raise Undeliverable(f"first-seen state unreadable: {type(exc).__name__}: {exc}") from exc
                log.warning("reading first-seen state failed (%s: %s); retrying in %.0f s", type(exc).__name__, exc, delay)
                await asyncio.sleep(delay)
        for number, entries in loaded.items():
            first_seen.load(number, entries)
        log.info("first-seen state loaded for partitions %s: %d hashes", sorted(stale), len(first_seen))

    async def normalize_one(msg: Any) -> None:
        out = normalize_message(msg.value or b"", now=datetime.now(UTC), max_body_bytes=settings.max_body_bytes,
                                key=msg.key, topic=msg.topic, partition=msg.partition, offset=msg.offset)
        if isinstance(out, DeadLetter):
            await dead(out)
        else:
            await emit(msg, normalized, out.content_hash.encode(), encode(out))

    async def enrich_one(msg: Any) -> None:
        value = msg.value or b""
        try:
            article = parse_normalized(value)
        except StepError as exc:
            await dead(dead_letter_for(value, stage=exc.stage, error=exc.reason, key=None, topic=msg.topic,
                                       partition=msg.partition, offset=msg.offset))
            return
        await load_first_seen(msg.partition)
        decision = first_seen.decide(msg.partition, article.content_hash, article.id)
        if decision.record:  # before the output: a crash in between re-reads the input and decides the same
            await deliver(first_seen_topic, article.content_hash.encode(), article.id.encode(),
                          partition=msg.partition)
            first_seen.recorded(msg.partition, article.content_hash, article.id)
        # -- near-duplicates and stories: state in step, decide (pure, in enrich), persist before the output --
        try:
            await related.sync(app.consumer_generation_id, declare=(related_topic.maybe_declare, stories.maybe_declare))
        except Exception as exc:  # the broker, not the record (sync retried): exit uncommitted, as for first-seen
            raise Undeliverable(f"related state unreadable: {type(exc).__name__}: {exc}") from exc
        out = enrich_message(article, now=datetime.now(UTC), languages=settings.languages,
                             duplicate_of=decision.duplicate_of, value=value, related=related.state,
                             key=msg.key, topic=msg.topic, partition=msg.partition, offset=msg.offset)
        await related.record(out, lambda k, v: deliver(related_topic, k, v), lambda k, v: deliver(stories, k, v))
        if isinstance(out, DeadLetter):
            await dead(out)
        else:
            await emit(msg, enriched, out.id.encode(), encode(out))

    # faust 0.15.3 can lose its place in a partition at a rebalance: a record fetched before the rebalance
    # is delivered after the seek to the committed offsets and marks its offset as read, so the re-fetched
    # records before it are dropped as "already read" (Consumer._drain_messages). They are never processed
    # and the partition's committed offset stays there for good, while later records go on. This watchdog
    # sees exactly that (records acked above a committed offset that nothing is processing, unchanged for
    # two rounds) and seeks the partition back to its committed offset; the re-read records are processed
    # (again, at worst: the sink's upsert makes that harmless) and the commits move on.
    suspects: dict[Any, tuple[int, int]] = {}

    @app.timer(5.0)
    async def resync_stuck_partitions() -> None:
        consumer = app.consumer
        if app.in_recovery or not consumer.flow_active:
            suspects.clear()
            return
        in_flight = {(m.tp, m.offset) for m in list(consumer._unacked_messages)}
        seen: dict[Any, tuple[int, int]] = {}
        for tp in consumer.assignment():
            acked, committed = consumer._acked.get(tp), consumer._committed_offset.get(tp)
            if acked and committed is not None and min(acked) > committed and (tp, committed) not in in_flight:
                seen[tp] = (committed, min(acked))
        for tp, (committed, first_acked) in seen.items():
            if suspects.get(tp) == (committed, first_acked):
                log.warning("%s[%s]: offsets %s..%s were skipped after a rebalance; reading again from %s",
                            tp.topic, tp.partition, committed, first_acked - 1, committed)
                await consumer.seek(tp, committed)
        suspects.clear()
        suspects.update(seen)

    rebalance_clock = RebalanceClock()

    @app.timer(5.0)
    async def exit_if_rebalance_hangs() -> None:
        lasted = rebalance_clock.observe(app.rebalancing, app.rebalancing_count, time.monotonic())
        if lasted > REBALANCE_STALL_SECONDS:
            # Nothing is lost: no offset is committed past an input whose outputs were not acknowledged.
            log.critical("stuck in rebalance #%d for %.0f s; exiting so a fresh worker takes over (exit %d)",
                         app.rebalancing_count, lasted, EXIT_REBALANCE_STALL)
            logging.shutdown()
            os._exit(EXIT_REBALANCE_STALL)

    @app.agent(raw)
    async def normalize_agent(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await guarded(event.message, normalize_one)

    @app.agent(normalized)
    async def enrich_agent(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await guarded(event.message, enrich_one)

    return app


app = create_app() if get_settings().kafka_bootstrap_servers else None
