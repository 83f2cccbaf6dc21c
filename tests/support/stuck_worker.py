"""A faust worker built like newsflow's (services.common.kafka.faust_app) whose agent, once it holds a record,
ignores its cancellation: its stop hangs inside faust. For the bounded-stop test (docs/faults.md, 10).

    python -m tests.support.stuck_worker    (settings from the environment, as for `newsflow`)
"""

from __future__ import annotations

import asyncio
import sys

import faust

from services.common.kafka import faust_app
from services.config import Settings


def main() -> None:
    settings = Settings()
    app = faust_app(settings, f"{settings.processor_id}-stuck", "faust-stuck")
    raw = app.topic(settings.topic_raw, value_type=bytes, value_serializer="raw")

    @app.agent(raw)
    async def stubborn(stream: faust.StreamT) -> None:
        async for _ in stream:
            print("holding a record", flush=True)
            never = asyncio.Event()  # nothing sets it: the agent holds the record until killed
            while True:
                try:
                    await never.wait()
                except asyncio.CancelledError:
                    continue  # what a library that swallows cancellation does

    sys.argv = ["stuck-worker", "worker", "--loglevel", "warn", "--without-web"]
    app.main()


if __name__ == "__main__":
    main()
