"""SASL to Kafka with credentials from the environment only: a broker with a SASL_PLAINTEXT (PLAIN)
listener; producer -> processor -> sink -> store works through it, a wrong password is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from schemas import encode
from services.common.kafka import client_options, ensure_topics
from services.common.localkafka import LocalKafka
from services.config import Settings
from services.producer.publish import Publisher
from services.sink.store import open_store
from tests.support.faults import Pipeline, expected_id, wait_until
from tests.support.faults import articles as make_articles

pytestmark = pytest.mark.integration
USER, PASSWORD = "newsflow", "n0t-in-the-repo-7Qx"


@pytest.fixture(scope="module")
def sasl_kafka(tmp_path_factory: pytest.TempPathFactory) -> LocalKafka:
    broker = LocalKafka(tmp_path_factory.mktemp("kafka-sasl"), sasl_users={USER: PASSWORD, "other": "x-other-pw"})
    broker.start()
    yield broker  # type: ignore[misc]
    broker.stop()


def sasl_env(monkeypatch: pytest.MonkeyPatch, broker: LocalKafka, password: str, tag: str) -> Settings:
    """Everything, secrets included, only through the environment, as a deployment would set it."""
    for name, value in {
        "KAFKA_BOOTSTRAP_SERVERS": broker.sasl_bootstrap,
        "NEWSFLOW_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "NEWSFLOW_KAFKA_SASL_MECHANISM": "PLAIN",
        "NEWSFLOW_KAFKA_SASL_USERNAME": USER,
        "NEWSFLOW_KAFKA_SASL_PASSWORD": password,
        "NEWSFLOW_TOPIC_RAW": f"{tag}.raw", "NEWSFLOW_TOPIC_NORMALIZED": f"{tag}.normalized",
        "NEWSFLOW_TOPIC_ENRICHED": f"{tag}.enriched", "NEWSFLOW_TOPIC_DEADLETTER": f"{tag}.deadletter",
        "NEWSFLOW_PROCESSOR_ID": f"proc-{tag}", "NEWSFLOW_SINK_GROUP": f"sink-{tag}", "NEWSFLOW_PARTITIONS": "2",
    }.items():
        monkeypatch.setenv(name, value)
    return Settings()


def test_pipeline_through_sasl_with_credentials_from_the_environment(sasl_kafka: LocalKafka, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    settings = sasl_env(monkeypatch, sasl_kafka, PASSWORD, "sec")
    settings = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'store.db'}"})
    assert settings.kafka_sasl_password is not None and PASSWORD not in repr(settings)  # never printed
    assert client_options(settings)["sasl_plain_password"] == PASSWORD
    items = make_articles(20, "sasl")

    async def produce_and_read() -> list[bytes]:
        await ensure_topics(settings)
        async with Publisher(settings) as publisher:
            await publisher.send_many(items)
        consumer = AIOKafkaConsumer(settings.topic_raw, **client_options(settings), group_id=None,
                                    auto_offset_reset="earliest")
        await consumer.start()
        try:
            got: list[bytes] = []
            for _ in range(30):
                batch = await consumer.getmany(timeout_ms=500)
                got += [r.value for recs in batch.values() for r in recs]
                if len(got) >= len(items):
                    break
            return got
        finally:
            await consumer.stop()

    raw = asyncio.run(produce_and_read())
    assert sorted(raw) == sorted(encode(a) for a in items)
    # The faust processor (faust_credentials) and the sink (client_options) over the same SASL listener.
    pipe = Pipeline(settings, tmp_path / "logs")
    try:
        pipe.processor()
        pipe.sink()
        store = open_store(settings.database_url)
        try:
            wait_until(lambda: store.count() >= len(items), 120, "stored through SASL", pipe.services.values())
            assert {r["id"] for r in store.query(limit=100)} == {expected_id(a) for a in items}
        finally:
            store.close()
        assert pipe.all_alive()
    finally:
        pipe.stop()
    print(f"\nsecurity: sent {len(items)} over SASL_PLAINTEXT/PLAIN, read back {len(raw)}, stored {len(items)}")


@pytest.mark.parametrize("password", ["wrong-password", "x-other-pw"])
def test_wrong_password_is_refused(sasl_kafka: LocalKafka, monkeypatch: pytest.MonkeyPatch, password: str) -> None:
    settings = sasl_env(monkeypatch, sasl_kafka, password, "bad")

    async def connect() -> None:
        publisher = Publisher(settings)
        try:
            await asyncio.wait_for(publisher.__aenter__(), 30)
            await asyncio.wait_for(publisher.send_bytes(settings.topic_raw, b"x"), 30)
        finally:
            await publisher.__aexit__(None, None, None)

    with pytest.raises((KafkaError, TimeoutError)) as failure:
        asyncio.run(connect())
    print(f"\nsecurity: password {password!r} for {USER!r} refused: {type(failure.value).__name__}")


def test_no_credentials_on_the_sasl_listener_is_refused(sasl_kafka: LocalKafka) -> None:
    plain = Settings(kafka_bootstrap_servers=sasl_kafka.sasl_bootstrap)  # PLAINTEXT client on the SASL port

    async def connect() -> None:
        consumer = AIOKafkaConsumer(**client_options(plain), group_id=None, request_timeout_ms=5000)
        try:
            await asyncio.wait_for(consumer.start(), 20)
            await asyncio.wait_for(consumer.topics(), 10)
        finally:
            await consumer.stop()

    with pytest.raises((KafkaError, TimeoutError)):
        asyncio.run(connect())
