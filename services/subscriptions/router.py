"""`newsflow route --subscriptions FILE`: a faust service copying articles.enriched records to the topic of
every subscription they match (route.py decides, live.py reloads the file; this module only moves records).

The processor routes in place when it is given the file (NEWSFLOW_SUBSCRIPTIONS, docs/subscriptions.md),
without reading the enriched records again; this service is for a topic produced elsewhere, or for
subscriptions managed apart from the pipeline.

- At least once, in order per article: a record is sent unchanged (value and key = article id, so one
  article's records stay on one partition of each output topic) to every matching topic, and the input is
  acked (its offset may be committed) only after the broker acknowledged every one of those sends. Records
  are routed in batches (up to BATCH_MAX, waiting at most BATCH_WITHIN to fill): all copies of a batch are
  queued in input order, then awaited together, then the batch is acked. A send the broker refuses, or has
  not acknowledged within NEWSFLOW_PRODUCE_TIMEOUT, ends the process without acking (exit EXIT_UNDELIVERABLE):
  the batch is read again when its supervisor restarts it. A value
  that is not an EnrichedArticle is dead-lettered at stage "route".
- Reloading (live.py): on SIGHUP and when the file changes; the new set replaces the old one between two
  batches and the router's position does not move, so the other subscriptions are not disturbed. (Records
  in flight at a crash are routed again after the restart with the set in force then, as at-least-once
  allows.)
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable
from typing import Any

import faust

from schemas import encode
from schemas.models import DeadLetter
from services.common.kafka import TOPIC_CONFIG, faust_app
from services.config import Settings
from services.common.deadletter import dead_letter_for
from services.subscriptions.follow import parse_enriched
from services.subscriptions.headers import subscription_headers
from services.subscriptions.live import LiveSubscriptions, follow_file

log = logging.getLogger("newsflow.route")
EXIT_UNDELIVERABLE = 70  # EX_SOFTWARE: Kafka refused an output; restart and read the input again
DEFAULT_GROUP = "newsflow-router"
BATCH_MAX = 500  # records routed together: their copies share one wait for the broker's acknowledgements
BATCH_WITHIN = 0.05  # seconds a batch waits to fill: the latency a quiet stream pays


def create_router(settings: Settings, live: LiveSubscriptions, group: str = DEFAULT_GROUP) -> faust.App:
    """The faust app; `live` must already hold the validated subscriptions (read once at the CLI)."""
    # A record the broker has not taken within NEWSFLOW_PRODUCE_TIMEOUT fails (faust's default waits 20 min):
    # the router then exits unacked and is restarted, instead of waiting on it with the whole stream.
    app = faust_app(settings, group, "faust-router", producer_request_timeout=settings.produce_timeout)

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

    async def declare(names: Iterable[str]) -> None:
        for name in names:
            await output(name)

    async def deliver_all(sends: list[tuple[str, str, bytes | None, bytes, list[tuple[str, bytes]]]]) -> None:
        futures = []
        name = ""
        try:
            for name, topic_name, key, value, headers in sends:
                topic = await output(topic_name)
                futures.append((name, await topic.send(key=key, value=value, headers=headers)))
            for name, future in futures:  # all queued first, then each acknowledged
                await future
        except Exception as exc:  # refused, or not taken within the produce timeout
            log.critical("subscription %r: Kafka refused the record (%s: %s); exiting so it is routed again",
                         name, type(exc).__name__, exc)
            logging.shutdown()
            os._exit(EXIT_UNDELIVERABLE)

    def not_routable(msg: Any) -> DeadLetter:
        return dead_letter_for(msg.value or b"", stage="route", error="not an EnrichedArticle",
                               error_type="ValidationError", key=msg.key.decode("utf-8", "replace") if msg.key else None,
                               topic=msg.topic, partition=msg.partition, offset=msg.offset)

    follow_file(app, live, declare, f"routing {settings.topic_enriched}")

    @app.agent(enriched)
    async def route_agent(stream: faust.StreamT) -> None:
        # A batch: every copy of every record in it is queued, then all are awaited; faust acks the batch's
        # inputs only after this body returns (take_events), so nothing is committed past an unacknowledged
        # copy, and one broker round trip serves the whole batch instead of one per record.
        async for events in stream.take_events(BATCH_MAX, BATCH_WITHIN):
            routes = live.routes  # one consistent set per batch, even across a reload
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
                             for s in routes.matching(article))
            delivery = asyncio.ensure_future(deliver_all(sends))
            try:
                await asyncio.shield(delivery)
            except asyncio.CancelledError:
                # Stopping: take_events acks the batch on its way out, so its copies must be acknowledged
                # first (or the process exits unacked inside deliver_all).
                await delivery
                raise

    return app
