"""The subscriptions in force and their reload, shared by the processor (routing in place) and `newsflow route`.

Reloading: on SIGHUP, and when the file's content changes (checked every RELOAD_CHECK_SECONDS), the file is
read again; the new set's topics are declared, then the compiled set (`Routes`) replaces the old one whole,
between two batches. The reader's position in its input does not move, so a new subscription receives the
records handled from then on ("from now"), a removed one receives nothing more, and every other subscription
goes on exactly where it was: nothing re-sent, nothing skipped. A file that fails validation is reported
and the set in force is kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import faust

from services.subscriptions.route import Routes
from services.subscriptions.spec import Subscription, SubscriptionsError, load_subscriptions, reserved_conflicts

log = logging.getLogger("newsflow.subscriptions")
RELOAD_CHECK_SECONDS = 1.0
Declare = Callable[[Iterable[str]], Awaitable[None]]  # make sure these topics exist before anything is sent


@dataclass
class LiveSubscriptions:
    """The subscriptions in force, replaced whole by `apply` (readers take `routes` once per batch)."""

    path: Path
    reserved: tuple[str, ...] = ()
    subscriptions: tuple[Subscription, ...] = ()
    digest: str = ""
    routes: Routes = field(default_factory=Routes)

    def read(self) -> tuple[tuple[Subscription, ...], str]:
        """Parse the file; raises SubscriptionsError (also for topics of the pipeline itself)."""
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise SubscriptionsError([f"{self.path}: cannot read the subscriptions file: {exc}"]) from None
        subs = load_subscriptions(self.path)
        conflicts = reserved_conflicts(subs, self.reserved)
        if conflicts:
            raise SubscriptionsError([f"{self.path}: {c}" for c in conflicts])
        return subs, hashlib.sha256(data).hexdigest()

    def changed(self) -> bool:
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest() != self.digest
        except OSError:
            return False  # a file being replaced: look again next time

    def apply(self, subs: tuple[Subscription, ...], digest: str) -> tuple[list[str], list[str]]:
        """Swap in `subs` (compiled once, here); returns the names added and removed."""
        old = {s.name: s for s in self.subscriptions}
        new = {s.name: s for s in subs}
        self.subscriptions, self.digest, self.routes = subs, digest, Routes(subs)
        return sorted(new.keys() - old.keys()), sorted(old.keys() - new.keys())

    async def reload(self, reason: str, declare: Declare) -> None:
        """Read the file again; declare the new set's topics, then put it in force (or keep the old one)."""
        try:
            subs, digest = self.read()
        except SubscriptionsError as exc:
            self.digest = hashlib.sha256(self.path.read_bytes()).hexdigest() if self.path.exists() else self.digest
            log.error("subscriptions not reloaded (%s), keeping the %d in force:\n%s", reason,
                      len(self.subscriptions), exc)
            return
        await declare(s.output_topic for s in subs)
        added, removed = self.apply(subs, digest)
        log.warning("subscriptions reloaded (%s): %d in force; added %s, removed %s", reason, len(subs),
                    added or "none", removed or "none")


def follow_file(app: faust.App, live: LiveSubscriptions, declare: Declare, what: str) -> None:
    """On `app`: declare the topics in force at start, then reload on SIGHUP and when the file changes."""
    busy = asyncio.Lock()  # one reload at a time (a SIGHUP during a file-change reload waits its turn)
    pending: set[asyncio.Task[None]] = set()  # a SIGHUP's reload, held until done (the loop keeps weak refs)

    def on_hup() -> None:
        task = asyncio.ensure_future(reload("SIGHUP"))
        pending.add(task)
        task.add_done_callback(pending.discard)

    async def reload(reason: str) -> None:
        async with busy:
            await live.reload(reason, declare)

    @app.task
    async def on_start() -> None:
        await declare(live.routes.topics)
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, on_hup)
        log.warning("%s to %d subscriptions from %s", what, len(live.subscriptions), live.path)

    @app.timer(RELOAD_CHECK_SECONDS)
    async def watch_file() -> None:
        if live.changed():
            await reload("file changed")
