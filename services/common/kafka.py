"""Kafka client options (security from the environment) and topic creation, shared by all services."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

from services.config import Settings

log = logging.getLogger(__name__)

# Kafka's default record limit is ~1 MB; a normalized article carries its body twice (body + blocks) and an
# enriched one adds its mentions, so a body near max_body_bytes would be refused. The pipeline's topics take
# records up to 16 MiB (the producers' max_request_size); larger raw bodies are refused by the producer.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
TOPIC_CONFIG = {"max.message.bytes": str(MAX_MESSAGE_BYTES)}
# Room for a record's key, headers and batch framing next to its value within max.message.bytes: a value
# larger than this is refused by the producer (MessageSizeTooLargeError) however often it is retried.
MAX_VALUE_BYTES = MAX_MESSAGE_BYTES - 4096


@dataclass(frozen=True)
class Security:
    """The connection's security as configured: one builder for aiokafka and faust alike."""

    protocol: str
    ssl_context: ssl.SSLContext | None
    sasl_mechanism: str | None
    username: str | None
    password: str | None


def security(settings: Settings) -> Security:
    """TLS context and SASL credentials only when the protocol asks for them; secrets only from Settings."""
    protocol = settings.kafka_security_protocol
    context = None
    if protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None)
    sasl = protocol.startswith("SASL")
    password = settings.kafka_sasl_password.get_secret_value() if sasl and settings.kafka_sasl_password else None
    return Security(protocol, context, (settings.kafka_sasl_mechanism or "PLAIN") if sasl else None,
                    settings.kafka_sasl_username if sasl else None, password)


def client_options(settings: Settings) -> dict[str, Any]:
    """aiokafka connection options; SASL/TLS only when configured, secrets only from the environment."""
    sec = security(settings)
    opts: dict[str, Any] = {"bootstrap_servers": settings.bootstrap, "security_protocol": sec.protocol}
    if sec.ssl_context is not None:
        opts["ssl_context"] = sec.ssl_context
    if sec.sasl_mechanism is not None:
        opts["sasl_mechanism"] = sec.sasl_mechanism
        opts["sasl_plain_username"] = sec.username
        opts["sasl_plain_password"] = sec.password
    return opts


def faust_credentials(settings: Settings) -> Any:
    """The same security as faust's broker_credentials (None: plaintext)."""
    import faust

    sec = security(settings)
    if sec.sasl_mechanism is not None:
        return faust.SASLCredentials(username=sec.username, password=sec.password, mechanism=sec.sasl_mechanism,
                                     ssl_context=sec.ssl_context)
    return faust.SSLCredentials(sec.ssl_context) if sec.ssl_context is not None else None


class KeyHashPartitioner:
    """Kafka's default partitioning (murmur2 of the key, as the Java client and aiokafka's DefaultPartitioner),
    remembering the hashes of the last keys: aiokafka's murmur2 is pure Python, and the processor sends one
    article's record to articles.enriched and to every subscription it matches under the same key."""

    def __init__(self, remember: int = 4096) -> None:
        self._hashes: dict[bytes, int] = {}
        self._remember = remember

    def __call__(self, key: bytes | None, all_partitions: list[int], available: list[int]) -> int:
        from aiokafka.partitioner import DefaultPartitioner, murmur2

        if key is None:
            return int(DefaultPartitioner()(key, all_partitions, available))
        hashed = self._hashes.get(key)
        if hashed is None:
            if len(self._hashes) >= self._remember:
                self._hashes.clear()
            hashed = self._hashes[key] = murmur2(key) & 0x7FFFFFFF
        return all_partitions[hashed % len(all_partitions)]


def faust_app(settings: Settings, app_id: str, datadir: str, **overrides: Any) -> Any:
    """A faust App on the configured broker with the settings every newsflow worker shares: acks from all
    replicas, 16 MiB records, the retained log for a new group, commits every 200 records or 1 s."""
    import faust

    from services.common.faustworker import bounded_worker

    settings.state_dir.mkdir(parents=True, exist_ok=True)  # faust creates only the last level of its datadir
    options: dict[str, Any] = dict(
        broker=[f"kafka://{server}" for server in settings.bootstrap.split(",")],
        broker_credentials=faust_credentials(settings),
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        datadir=str(settings.state_dir / datadir),
        web_enabled=False,
        producer_acks=-1,
        producer_max_request_size=MAX_MESSAGE_BYTES,
        # A batch's outputs are all queued before any is awaited: with faust's 16 KB batches, 200 enriched
        # records to one partition took a dozen produce requests in a row; one 1 MiB batch per partition
        # and request takes one. The 5 ms linger gathers the records queued by one batch's handling.
        producer_max_batch_size=1 << 20,
        producer_linger=0.005,
        consumer_auto_offset_reset="earliest",  # a new group reads the retained log, then resumes from its offsets
        broker_commit_every=200,
        broker_commit_interval=1.0,
        # A crashed worker's partitions move after this, not after faust's default 60 s: a kill -9
        # otherwise stalls the whole group for a minute (heartbeats run on their own task).
        broker_session_timeout=10.0,
        # Do not wait for in-flight events (and commit) inside the revocation callback: that commit could
        # wait forever on the consumer thread that is itself running the rebalance (docs/faults.md, 7).
        # Inputs are acked only after their outputs were acknowledged, so a batch cut short is simply
        # processed again by the partition's next owner.
        stream_wait_empty=False,
        producer_partitioner=KeyHashPartitioner(),
        Worker=bounded_worker(settings.stop_grace),  # a stop that hangs in faust ends anyway (docs/faults.md, 10)
    )
    options.update(overrides)
    return faust.App(app_id, **options)


def topic_names(settings: Settings) -> list[str]:
    return [settings.topic_raw, settings.topic_normalized, settings.topic_enriched, settings.topic_deadletter,
            settings.topic_stories]


def topic_config(settings: Settings, topic: str) -> dict[str, str]:
    """Creation config: `stories` keeps the latest record per story id (compacted)."""
    if topic == settings.topic_stories:
        return {**TOPIC_CONFIG, "cleanup.policy": "compact"}
    return dict(TOPIC_CONFIG)


class KafkaUnreachable(ConnectionError):
    """No broker answered at the configured bootstrap servers within the wait."""


async def ensure_topics(settings: Settings, wait: float = 5.0, extra: Iterable[str] = ()) -> str | None:
    """Create the pipeline's topics (and `extra` ones, e.g. subscription topics) with the configured
    partitions (idempotent); returns the cluster id.

    Connecting is retried for `wait` seconds (a broker that is still starting), then KafkaUnreachable: a
    wrong address or a stopped broker is said in one line within seconds, not after a long silence. Once
    connected, creating topics takes the client's usual request timeout (a busy broker is slow, not gone)."""
    deadline = time.monotonic() + wait
    while True:
        admin = AIOKafkaAdminClient(**client_options(settings))
        try:
            await asyncio.wait_for(admin.start(), max(1.0, deadline - time.monotonic()))
            existing = set(await admin.list_topics())
            missing = [t for t in dict.fromkeys([*topic_names(settings), *extra]) if t not in existing]
            if missing:
                try:
                    await admin.create_topics([NewTopic(t, settings.partitions, 1, topic_configs=topic_config(settings, t))
                                               for t in missing])
                except TopicAlreadyExistsError:
                    pass
            try:
                return str((await admin.describe_cluster()).get("cluster_id") or "") or None
            except Exception:  # noqa: BLE001 - the id only labels what was sent where; the topics are there
                return None
        except (KafkaConnectionError, asyncio.TimeoutError) as exc:
            if time.monotonic() >= deadline:
                raise KafkaUnreachable(f"cannot reach Kafka at {settings.bootstrap}: no broker answered "
                                       f"within {wait:g} s") from exc
            log.info("broker not ready (%s), retrying", exc)
            await asyncio.sleep(1.0)
        finally:
            await admin.close()
