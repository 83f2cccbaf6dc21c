"""The first-seen state is read back from its compacted topic through the real broker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from services.common.kafka import client_options
from services.config import Settings
from services.processor.runtime.firstseen import read_partitions

pytestmark = pytest.mark.integration


def test_read_partitions_returns_each_partitions_entries_up_to_its_end(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    topic = f"{settings.processor_id}-first-seen"

    async def scenario() -> tuple[dict[int, dict[str, str]], dict[int, dict[str, str]]]:
        admin = AIOKafkaAdminClient(**client_options(settings))
        await admin.start()
        try:
            await admin.create_topics([NewTopic(topic, 3, 1, topic_configs={"cleanup.policy": "compact"})])
        finally:
            await admin.close()
        producer = AIOKafkaProducer(**client_options(settings), acks="all")
        await producer.start()
        try:
            for i in range(500):
                await producer.send(topic, f"id-{i}".encode(), key=f"h{i}".encode(), partition=i % 2)
            await producer.send_and_wait(topic, b"id-later", key=b"h0", partition=0)  # later record wins
            await producer.send_and_wait(topic, None, key=b"h1", partition=1)  # tombstone
        finally:
            await producer.stop()
        return (await read_partitions(settings, topic, [0, 1, 2]), await read_partitions(settings, topic, [1]))

    every, one = asyncio.run(scenario())
    assert set(every) == {0, 1, 2} and every[2] == {}
    assert len(every[0]) == 250 and every[0]["h0"] == "id-later" and every[0]["h2"] == "id-2"
    assert len(every[1]) == 249 and "h1" not in every[1] and every[1]["h3"] == "id-3"
    assert one == {1: every[1]}
