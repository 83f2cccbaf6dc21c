"""Kafka client options (security from the environment) and topic creation, shared by all services."""

from __future__ import annotations

import asyncio
import logging
import ssl
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
    return [settings.topic_raw, settings.topic_normalized, settings.topic_enriched, settings.topic_deadletter,
            settings.topic_stories]


def topic_config(settings: Settings, topic: str) -> dict[str, str]:
    """Creation config: `stories` keeps the latest record per story id (compacted)."""
    if topic == settings.topic_stories:
        return {**TOPIC_CONFIG, "cleanup.policy": "compact"}
    return dict(TOPIC_CONFIG)


async def ensure_topics(settings: Settings, attempts: int = 30) -> None:
    """Create the pipeline's topics with the configured partitions (idempotent; retries while the broker starts)."""
    for attempt in range(attempts):
        admin = AIOKafkaAdminClient(**client_options(settings))
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [t for t in topic_names(settings) if t not in existing]
            if missing:
                try:
                    await admin.create_topics([NewTopic(t, settings.partitions, 1, topic_configs=topic_config(settings, t))
                                               for t in missing])
                except TopicAlreadyExistsError:
                    pass
            return
        except KafkaConnectionError as exc:
            if attempt == attempts - 1:
                raise
            log.info("broker not ready (%s), retrying", exc)
            await asyncio.sleep(1.0)
        finally:
            await admin.close()
