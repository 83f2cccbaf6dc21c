"""The faust API the processor's adapter (services/processor/runtime/agents.py) relies on, all public:
a faust upgrade that changes any of it fails here, not in production."""

from __future__ import annotations

import inspect
from pathlib import Path

import faust
from faust.transport.drivers.aiokafka import Producer

from services.config import Settings
from services.processor.runtime.agents import create_app


def test_batches_without_acks_and_explicit_ack() -> None:
    assert list(inspect.signature(faust.Stream.noack_take).parameters)[:3] == ["self", "max_", "within"]
    assert list(inspect.signature(faust.Stream.ack).parameters) == ["self", "event"]
    # noack_take must leave acking to us: its source never acks a buffered event.
    source = inspect.getsource(faust.Stream.noack_take)
    assert "await self.ack(" not in source.replace("#     await self.ack(event)", "")


def test_producer_send_returns_a_future_per_record() -> None:
    params = list(inspect.signature(Producer.send).parameters)
    assert params[:7] == ["self", "topic", "key", "value", "partition", "timestamp", "headers"]


def test_app_state_read_by_the_watchdogs(tmp_path: Path) -> None:
    app = create_app(Settings(kafka_bootstrap_servers="localhost:9", state_dir=tmp_path))
    assert isinstance(app.consumer_generation_id, int)
    assert isinstance(app.rebalancing, bool) and isinstance(app.rebalancing_count, int)
    assert callable(getattr(type(app), "consumer").fget)  # type: ignore[union-attr]
