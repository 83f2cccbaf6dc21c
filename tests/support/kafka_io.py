"""Read and write test topics directly with aiokafka (the real broker, no mocks)."""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from services.common.kafka import client_options, ensure_topics
from services.config import Settings


async def send_values(settings: Settings, topic: str, values: list[tuple[bytes | None, bytes]]) -> None:
    await ensure_topics(settings)
    producer = AIOKafkaProducer(**client_options(settings), acks="all", max_request_size=16 * 1024 * 1024)
    await producer.start()
    try:
        for key, value in values:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def read_topic(settings: Settings, topic: str, expect: int, timeout: float = 60.0) -> list[ConsumerRecord]:
    """Everything on `topic` from the start, once at least `expect` records are there (or the timeout)."""
    consumer = AIOKafkaConsumer(topic, **client_options(settings), auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    records: list[ConsumerRecord] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < expect and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            records.extend(r for recs in batch.values() for r in recs)
        # a short grace read: more than expected is a finding too (duplicates)
        batch = await consumer.getmany(timeout_ms=300)
        records.extend(r for recs in batch.values() for r in recs)
    finally:
        await consumer.stop()
    return records


async def wait_for(predicate, timeout: float = 60.0, every: float = 0.5) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return True
        await asyncio.sleep(every)
    return False
