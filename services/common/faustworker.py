"""The faust worker of every newsflow faust service, with a stop that cannot outlast its grace period.

faust 0.15.3 can wait forever while it stops (an agent or fetcher that ignores its cancellation, a commit
that never returns: docs/faults.md, 10), and a supervisor then has to SIGKILL it. Here a signal that stops
the worker also starts a clock in a thread of its own (the event loop may be the thing that is stuck): past
`grace` seconds the worker logs that it is cut short, writes where every task and thread waits to its log,
and exits with status 0. Nothing is lost by that: inputs are acked only after their outputs were
acknowledged, so whatever was in flight is read again from the committed offsets.
"""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import logging
import os
import signal
import sys
import threading
from typing import Any

import faust

log = logging.getLogger("newsflow.worker")


def bounded_worker(grace: float) -> type[faust.Worker]:
    """A faust.Worker class (the App's `Worker` setting) whose signalled stop ends within `grace` seconds."""

    class BoundedStopWorker(faust.Worker):
        _stop_clock: threading.Timer | None = None

        def _schedule_shutdown(self, signum: signal.Signals) -> None:  # mode: every signal that stops the worker
            if self._stop_clock is None:
                self._stop_clock = threading.Timer(grace, stop_overdue, args=(self.loop, grace))
                self._stop_clock.daemon = True
                self._stop_clock.start()
            super()._schedule_shutdown(signum)

    return BoundedStopWorker


def stop_overdue(loop: asyncio.AbstractEventLoop, grace: float) -> None:
    """The worker is still stopping `grace` seconds after the signal: say where it waits, then exit."""
    log.warning("still stopping %.0f s after the signal: exiting without waiting for faust (records in flight "
                "are read again from the committed offsets); where it waited:", grace)
    dumped = threading.Event()

    def dump_tasks() -> None:
        try:
            for task in asyncio.all_tasks(loop):
                log.warning("task %s waits in %s", task.get_name(), " > ".join(awaiting(task.get_coro())))
        finally:
            dumped.set()

    try:
        loop.call_soon_threadsafe(dump_tasks)
        dumped.wait(2.0)  # a loop that is itself blocked runs nothing: the thread dump below still shows it
        logging.shutdown()
        # faust replaces sys.stderr by a logger; faulthandler writes to a file descriptor
        faulthandler.dump_traceback(file=sys.__stderr__ or sys.stderr, all_threads=True)
    except Exception:  # the exit below must happen whatever the dump meets (a closed loop or stream)
        pass
    finally:
        os._exit(0)


def awaiting(coro: Any) -> list[str]:
    """Where a coroutine waits, outermost first, one "function (file:line)" per coroutine it awaits in turn
    (a task's own stack shows only its outermost frame)."""
    out = []
    while coro is not None and len(out) < 40:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None) or getattr(coro, "ag_frame", None)
        if frame is not None:
            out.append(f"{frame.f_code.co_name} ({os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno})")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None) or getattr(coro, "ag_await", None)
        if isinstance(coro, asyncio.Task):  # awaiting another task: go on into its coroutine
            coro = coro.get_coro()
        elif type(coro).__name__ == "coroutine_wrapper":  # `await obj` whose __await__ is a coroutine's
            coro = next((c for c in gc.get_referents(coro) if asyncio.iscoroutine(c)), None)
    return out
