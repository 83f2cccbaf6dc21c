"""`newsflow up`: the local stack (broker, processor, sink) as processes, fed with sample input.

The processor and the sink run as child processes exactly as they would in production
(`newsflow process`, `newsflow sink`); this module only starts, watches and stops them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from services.common.kafka import client_options
from services.common.localkafka import LocalKafka
from services.config import Settings

log = logging.getLogger("newsflow.up")
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


# A child that dies is restarted (it resumes from its committed offsets, so nothing is lost), unless it
# keeps dying: then something is wrong that a restart will not fix, and `up` stops with its log's path.
RESTARTS = 5
RESTART_WINDOW = 300.0


def may_restart(exits: list[float], now: float, limit: int = RESTARTS, window: float = RESTART_WINDOW) -> bool:
    """Whether a child that exited at the times `exits` (the last one now) may be started once more."""
    return sum(1 for t in exits if now - t <= window) <= limit


@dataclass
class Stack:
    settings: Settings
    log_dir: Path
    kafka: LocalKafka | None = None
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    commands: dict[str, tuple[str, ...]] = field(default_factory=dict)
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    exits: dict[str, list[float]] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["KAFKA_BOOTSTRAP_SERVERS"] = self.settings.bootstrap
        env["NEWSFLOW_DATABASE_URL"] = self.settings.database_url
        env["NEWSFLOW_STATE_DIR"] = str(self.settings.state_dir)
        env["NEWSFLOW_PARTITIONS"] = str(self.settings.partitions)
        return env

    def spawn(self, name: str, *args: str, env: dict[str, str] | None = None) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.commands[name], self.overrides[name] = args, dict(env or {})
        with (self.log_dir / f"{name}.log").open("ab") as log:
            self.children[name] = subprocess.Popen([sys.executable, "-m", "services.cli", *args],
                                                   env=self.env() | self.overrides[name],
                                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def check_children(self) -> list[str]:
        """Restart the children that exited (returns their names); raise when one keeps exiting."""
        restarted = []
        for name, proc in list(self.children.items()):
            if proc.poll() is None:
                continue
            now = time.monotonic()
            self.exits.setdefault(name, []).append(now)
            where = self.log_dir / f"{name}.log"
            if not may_restart(self.exits[name], now):
                raise RuntimeError(f"{name} exited with {proc.returncode} {len(self.exits[name])} times; see {where}")
            log.warning("%s exited with %s; restarting it (log: %s)", name, proc.returncode, where)
            # The child's restarts_total metric starts from here (its counters die with the old process).
            self.overrides[name]["NEWSFLOW_SERVICE_RESTARTS"] = str(len(self.exits[name]))
            self.spawn(name, *self.commands[name], env=self.overrides[name])
            restarted.append(name)
        return restarted

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM every child, wait for them, then stop the broker (last, so they can commit)."""
        for proc in self.children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.children.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.children.clear()
        if self.kafka is not None:
            self.kafka.stop()


async def lag(settings: Settings, group: str, topics: list[str]) -> int:
    """Messages on `topics` that `group` has not committed yet (all partitions)."""
    opts = client_options(settings)
    admin = AIOKafkaAdminClient(**opts)
    consumer = AIOKafkaConsumer(**opts, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        described = await admin.describe_topics(topics)
        tps = [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]
        if not tps:
            return 0
        ends = await consumer.end_offsets(tps)
        committed = await admin.list_consumer_group_offsets(group)
        return sum(max(0, end - (committed[tp].offset if tp in committed else 0)) for tp, end in ends.items())
    finally:
        await consumer.stop()
        await admin.close()


async def wait_drained(settings: Settings, stack: Stack | None = None, timeout: float = 300.0) -> None:
    """Until the processor and the sink have committed everything on their input topics."""
    deadline = time.monotonic() + timeout
    stages = [(settings.processor_id, [settings.topic_raw, settings.topic_normalized]),
              (settings.sink_group, [settings.topic_enriched])]
    quiet = 0
    while time.monotonic() < deadline:
        if stack is not None:
            stack.check_children()
        pending = 0
        try:
            for group, topics in stages:
                pending += await lag(settings, group, topics)
        except KafkaError as exc:  # e.g. the group coordinator is still being elected: ask again
            log.info("lag not known yet: %s", exc)
            pending = -1
        quiet = quiet + 1 if pending == 0 else 0
        if quiet >= 2:  # twice in a row: nothing in flight between the two stages either
            return
        await asyncio.sleep(0.5)
    raise TimeoutError(f"the pipeline did not drain within {timeout:.0f}s")
