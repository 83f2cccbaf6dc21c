"""Kafka client options (security from the environment) and topic creation, shared by all services."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
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


def client_options(settings: Settings) -> dict[str, Any]:
    """aiokafka connection options; SASL/TLS only when configured, secrets only from the environment."""
    opts: dict[str, Any] = {"bootstrap_servers": settings.bootstrap, "security_protocol": settings.kafka_security_protocol}
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        opts["ssl_context"] = ssl.create_default_context(cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None)
    if settings.kafka_security_protocol.startswith("SASL"):
        opts["sasl_mechanism"] = settings.kafka_sasl_mechanism or "PLAIN"
        opts["sasl_plain_username"] = settings.kafka_sasl_username
        opts["sasl_plain_password"] = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None
    return opts


def topic_names(settings: Settings) -> list[str]:
    return [settings.topic_raw, settings.topic_normalized, settings.topic_enriched, settings.topic_deadletter]


class KafkaUnreachable(ConnectionError):
    """No broker answered at the configured bootstrap servers within the wait."""


async def ensure_topics(settings: Settings, wait: float = 5.0) -> str | None:
    """Create the pipeline's topics with the configured partitions (idempotent); returns the cluster id.

    Connecting is retried for `wait` seconds (a broker that is still starting), then KafkaUnreachable: a
    wrong address or a stopped broker is said in one line within seconds, not after a long silence. Once
    connected, creating topics takes the client's usual request timeout (a busy broker is slow, not gone)."""
    deadline = time.monotonic() + wait
    while True:
        admin = AIOKafkaAdminClient(**client_options(settings))
        try:
            await asyncio.wait_for(admin.start(), max(1.0, deadline - time.monotonic()))
            existing = set(await admin.list_topics())
            missing = [t for t in topic_names(settings) if t not in existing]
            if missing:
                try:
                    await admin.create_topics([NewTopic(t, settings.partitions, 1, topic_configs=TOPIC_CONFIG)
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
