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
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from services.common.kafka import client_options
from services.common.localkafka import LocalKafka
from services.common.processes import spawn
from services.config import Settings

log = logging.getLogger("newsflow.up")
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


# A child that dies is restarted (it resumes from its committed offsets, so nothing is lost), unless it
# keeps dying: then something is wrong that a restart will not fix, and `up` stops with its log's path.
RESTARTS = 5
RESTART_WINDOW = 300.0


class ChildCrashed(RuntimeError):
    """A child of `newsflow up` kept exiting: a restart will not fix it."""


_BOX = "│╭╮╰╯─"  # rich's panels around click's usage errors


def last_error(log_text: str) -> str | None:
    """The line of a child's log that says why it died: the exception line of its last traceback (the
    first unindented line after the header), else the last line mentioning an error. Pure."""
    lines = [ln.rstrip() for ln in (raw.strip(_BOX).rstrip() for raw in log_text.splitlines()) if ln.strip()]
    starts = [i for i, ln in enumerate(lines) if ln.startswith("Traceback (most recent call last)")]
    if starts:
        for ln in lines[starts[-1] + 1:]:
            if not ln[:1].isspace():
                return ln[:300]
    for ln in reversed(lines):
        if ("error" in ln.lower() or "exception" in ln.lower()) and len(ln.split()) > 1:
            return ln.strip()[:300]
    return lines[-1].strip()[:300] if lines else None


def may_restart(exits: list[float], now: float, limit: int = RESTARTS, window: float = RESTART_WINDOW) -> bool:
    """Whether a child that exited at the times `exits` (the last one now) may be started once more."""
    return sum(1 for t in exits if now - t <= window) <= limit


def worker_count(settings: Settings) -> int:
    """Processor workers for the local stack: as configured, else one per core (more could not share a partition)."""
    wanted = settings.processor_workers or os.cpu_count() or 1
    return max(1, min(wanted, settings.partitions))


@dataclass
class Stack:
    settings: Settings
    log_dir: Path
    kafka: LocalKafka | None = None
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    commands: dict[str, tuple[str, ...]] = field(default_factory=dict)
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    exits: dict[str, list[float]] = field(default_factory=dict)

    def spawn(self, name: str, *args: str, env: dict[str, str] | None = None) -> None:
        self.commands[name], self.overrides[name] = args, dict(env or {})
        self.children[name] = spawn(args, self.settings, self.log_dir / f"{name}.log", self.overrides[name])

    def spawn_processors(self) -> list[str]:
        """The processor workers, each with its own state dir (faust's data, crash marks)."""
        names = []
        for i in range(worker_count(self.settings)):
            name = "processor" if i == 0 else f"processor-{i}"
            self.spawn(name, "process", env={"NEWSFLOW_STATE_DIR": str(self.settings.state_dir / name),
                                             "NEWSFLOW_SERVICES_DIR": str(self.settings.registry_dir)})
            names.append(name)
        return names

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
                try:
                    why = last_error(where.read_text(errors="replace")[-20_000:])
                except OSError:
                    why = None
                raise ChildCrashed(f"the {name} keeps crashing (exit status {proc.returncode}, "
                                   f"{len(self.exits[name])} times in {RESTART_WINDOW / 60:.0f} min)"
                                   + (f": {why}" if why else "") + f"; full log: {where}")
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
