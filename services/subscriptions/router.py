"""`newsflow route --subscriptions FILE`: a faust service copying articles.enriched records to the topic of
every subscription they match (route.py decides; this module only moves records and reloads the file).

- At least once, in order per article: a record is sent unchanged (value and key = article id, so one
  article's records stay on one partition of each output topic) to every matching topic, and the input is
  acked (its offset may be committed) only after the broker acknowledged every one of those sends. Records
  are routed in batches (up to BATCH_MAX, waiting at most BATCH_WITHIN to fill): all copies of a batch are
  queued in input order, then awaited together, then the batch is acked. A send the broker refuses ends
  the process without acking (exit EXIT_UNDELIVERABLE): the batch is read again after a restart. A value
  that is not an EnrichedArticle is dead-lettered at stage "route".
- Reloading: on SIGHUP, and when the file's content changes (checked every RELOAD_CHECK_SECONDS), the file
  is read again and the new set replaces the old one between two batches. The router's position in
  articles.enriched does not move, so a new subscription receives the records processed from then on
  ("from now"), a removed one receives nothing more, and every other subscription goes on exactly where it
  was: nothing is re-sent and nothing skipped. A file that fails validation is reported and the set in
  force is kept. (Records in flight at a crash are processed again after the restart with the set in force
  then, as at-least-once allows.)
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faust

from schemas import encode
from schemas.models import DeadLetter
from services.common.kafka import TOPIC_CONFIG, faust_app
from services.config import Settings
from services.common.deadletter import dead_letter_for
from services.subscriptions.follow import parse_enriched
from services.subscriptions.headers import subscription_headers
from services.subscriptions.route import matching
from services.subscriptions.spec import Subscription, SubscriptionsError, load_subscriptions, reserved_conflicts

log = logging.getLogger("newsflow.route")
RELOAD_CHECK_SECONDS = 1.0
EXIT_UNDELIVERABLE = 70  # EX_SOFTWARE: Kafka refused an output; restart and read the input again
DEFAULT_GROUP = "newsflow-router"
BATCH_MAX = 500  # records routed together: their copies share one wait for the broker's acknowledgements
BATCH_WITHIN = 0.05  # seconds a batch waits to fill: the latency a quiet stream pays


@dataclass
class LiveSubscriptions:
    """The subscriptions in force, replaced whole by `reload` (the agent reads them once per record)."""

    path: Path
    reserved: tuple[str, ...] = ()
    subscriptions: tuple[Subscription, ...] = ()
    digest: str = ""

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
        """Swap in `subs`; returns the names added and removed."""
        old = {s.name: s for s in self.subscriptions}
        new = {s.name: s for s in subs}
        self.subscriptions, self.digest = subs, digest
        return sorted(new.keys() - old.keys()), sorted(old.keys() - new.keys())


def create_router(settings: Settings, live: LiveSubscriptions, group: str = DEFAULT_GROUP) -> faust.App:
    """The faust app; `live` must already hold the validated subscriptions (read once at the CLI)."""
    app = faust_app(settings, group, "faust-router")

    def raw_topic(name: str) -> faust.TopicT:
        return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
                         partitions=settings.partitions, config=dict(TOPIC_CONFIG))

    enriched, deadletter = raw_topic(settings.topic_enriched), raw_topic(settings.topic_deadletter)
    outputs: dict[str, faust.TopicT] = {}

    async def output(name: str) -> faust.TopicT:
        if name not in outputs:
            topic = raw_topic(name)
            await topic.maybe_declare()  # created on first use, with the pipeline's partitions
            outputs[name] = topic
        return outputs[name]

    async def declare_all() -> None:
        for sub in live.subscriptions:
            await output(sub.output_topic)

    def reload(reason: str) -> None:
        try:
            subs, digest = live.read()
        except SubscriptionsError as exc:
            live.digest = hashlib.sha256(live.path.read_bytes()).hexdigest() if live.path.exists() else live.digest
            log.error("subscriptions not reloaded (%s), keeping the %d in force:\n%s", reason,
                      len(live.subscriptions), exc)
            return
        added, removed = live.apply(subs, digest)
        log.warning("subscriptions reloaded (%s): %d in force; added %s, removed %s", reason, len(subs),
                    added or "none", removed or "none")

    async def deliver_all(sends: list[tuple[str, str, bytes | None, bytes, list[tuple[str, bytes]]]]) -> None:
        futures = []
        for name, topic_name, key, value, headers in sends:
            topic = await output(topic_name)
            futures.append((name, await topic.send(key=key, value=value, headers=headers)))
        for name, future in futures:  # all queued first, then each acknowledged
            try:
                await future
            except Exception as exc:
                log.critical("subscription %r: Kafka refused the record (%s: %s); exiting so it is routed again",
                             name, type(exc).__name__, exc)
                logging.shutdown()
                os._exit(EXIT_UNDELIVERABLE)

    def not_routable(msg: Any) -> DeadLetter:
        return dead_letter_for(msg.value or b"", stage="route", error="not an EnrichedArticle",
                               error_type="ValidationError", key=msg.key.decode("utf-8", "replace") if msg.key else None,
                               topic=msg.topic, partition=msg.partition, offset=msg.offset)

    @app.task
    async def on_start() -> None:
        await declare_all()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, lambda: reload("SIGHUP"))
        log.warning("routing %s to %d subscriptions from %s", settings.topic_enriched, len(live.subscriptions), live.path)

    @app.timer(RELOAD_CHECK_SECONDS)
    async def watch_file() -> None:
        if live.changed():
            reload("file changed")
            await declare_all()

    @app.agent(enriched)
    async def route_agent(stream: faust.StreamT) -> None:
        # A batch: every copy of every record in it is queued, then all are awaited; faust acks the batch's
        # inputs only after this body returns (take_events), so nothing is committed past an unacknowledged
        # copy, and one broker round trip serves the whole batch instead of one per record.
        async for events in stream.take_events(BATCH_MAX, BATCH_WITHIN):
            subs_in_force = live.subscriptions  # one consistent set per batch, even across a reload
            sends: list[tuple[str, str, bytes | None, bytes, list[tuple[str, bytes]]]] = []
            for event in events:
                msg = event.message
                article = parse_enriched(msg.value)
                if article is None:
                    sends.append(("(dead letters)", deadletter.get_topic_name(), msg.key,
                                  encode(not_routable(msg)), []))
                    continue
                sends.extend((s.name, s.output_topic, msg.key, msg.value,
                              subscription_headers(msg.headers or (), article, s.name))
                             for s in matching(subs_in_force, article))
            delivery = asyncio.ensure_future(deliver_all(sends))
            try:
                await asyncio.shield(delivery)
            except asyncio.CancelledError:
                # Stopping: take_events acks the batch on its way out, so its copies must be acknowledged
                # first (or the process exits unacked inside deliver_all).
                await delivery
                raise

    return app
