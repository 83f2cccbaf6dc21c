"""Routing in the processor, without a broker: the handler's subscription outputs and the in-memory runner."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from schemas import encode
from schemas import headers as h
from schemas.models import EnrichedArticle
from services.processor.runtime.delivery import Undeliverable
from services.processor.runtime.firstseen import FirstSeen
from services.processor.runtime.handlers import Message, handle
from services.processor.runtime.memory import MemoryBroker, MemoryWorker
from services.subscriptions.filters import matches
from services.subscriptions.headers import header_map
from services.subscriptions.route import Routes
from services.subscriptions.spec import parse_subscriptions
from tests.unit.test_runtime import CONFIG, NOW, TOPICS, article, enriched, feed, letters, run, worker

SUBS = parse_subscriptions("""\
subscriptions:
  - {name: bahn, filter: {keywords: [Bahn, Die Bahn]}}
  - {name: german, topic: custom.german, filter: {languages: [de]}}
  - {name: odd, filter: {keywords: [Deich, Markt], duplicates: exclude}}
  - {name: nothing, filter: {languages: [nl]}}
""")


def loaded() -> FirstSeen:
    state = FirstSeen()
    state.load(0, {})
    return state


def normalized_message(i: int) -> Message:
    """Article i as the enrich step receives it (handled by the normalize step first)."""
    raw = handle(Message(TOPICS.raw, 0, i, b"k", encode(article(i))), now=NOW, config=CONFIG, first_seen=FirstSeen())
    [out] = raw.outputs
    return Message(TOPICS.normalized, 0, i, out.key, out.value)


def test_the_enriched_record_is_copied_to_every_matching_subscription_topic_in_file_order() -> None:
    msg = normalized_message(4)  # "Bahn"
    outcome = handle(msg, now=NOW, config=CONFIG, first_seen=loaded(), routes=Routes(SUBS))
    first, *copies = outcome.outputs
    assert first.topic == TOPICS.enriched
    assert [c.topic for c in copies] == ["articles.sub.bahn", "custom.german"]
    for copy, name in zip(copies, ("bahn", "german"), strict=True):
        assert copy.value is first.value  # encoded once, the same bytes
        assert copy.key == first.key and copy.partition is None  # by article id, as articles.enriched
        assert copy.headers == (*first.headers, (h.SUBSCRIPTION, name.encode()))
    # Without subscriptions (or an empty set): the enriched record alone, as before.
    for routes in (None, Routes()):
        plain = handle(msg, now=NOW, config=CONFIG, first_seen=loaded(), routes=routes)
        assert plain.outputs == (first,)


def test_a_dead_letter_is_not_routed() -> None:
    bad = Message(TOPICS.normalized, 0, 1, b"k", b"{not json")
    outcome = handle(bad, now=NOW, config=CONFIG, first_seen=loaded(), routes=Routes(SUBS))
    assert outcome.outputs == () and len(outcome.dead_letters) == 1


def _ids(broker: MemoryBroker, topic: str) -> list[str]:
    return [r.key.decode() for r in broker.records(topic) if r.key]


def test_each_subscription_topic_gets_exactly_the_matching_articles_in_order_per_partition() -> None:
    broker = MemoryBroker(partitions=3)
    body = "Ein Deich bricht bei Bremen. Die Feuerwehr ist vor Ort und sichert die Straßen."
    feed(broker, [article(i) for i in range(40)] + [article(90, body), article(91, body)])  # 91 duplicates 90
    run(worker(broker, batch_size=7, routes=Routes(SUBS)))
    out = enriched(broker)
    assert len(out) == 42 and broker.lag(TOPICS.normalized) == 0
    assert sum(1 for a in out if a.duplicate_of) == 1
    for sub in SUBS:
        wanted = [a.id for a in out if matches(sub.filter, a)]
        assert sorted(_ids(broker, sub.output_topic)) == sorted(wanted), sub.name
        # per partition, a subscription topic holds its articles in the order of articles.enriched
        for p in range(broker.partitions):
            enriched_order = [r.key for r in broker.topic(TOPICS.enriched)[p]]
            copied = [r.key for r in broker.topic(sub.output_topic)[p]]
            assert copied == [k for k in enriched_order if k in set(copied)]
        for record in broker.records(sub.output_topic):
            assert header_map(record.headers)[h.SUBSCRIPTION] == sub.name
            assert EnrichedArticle.model_validate(orjson.loads(record.value)).id == record.key.decode()  # type: ignore[union-attr]
    assert len(_ids(broker, "articles.sub.odd")) == 11  # Deich or Markt (10 + article 90), not the duplicate 91
    assert _ids(broker, "articles.sub.nothing") == []


def test_a_refused_copy_is_a_produce_dead_letter_and_the_input_is_still_acked() -> None:
    broker = MemoryBroker(partitions=1)
    broker.refuse = lambda out: "TopicAuthorizationFailed" if out.topic == "custom.german" else None
    feed(broker, [article(4)])
    run(worker(broker, routes=Routes(SUBS)))
    assert len(enriched(broker)) == 1 and len(_ids(broker, "articles.sub.bahn")) == 1
    [dl] = letters(broker)
    assert dl.stage == "produce" and "custom.german" in dl.error and dl.topic == TOPICS.normalized
    assert broker.lag(TOPICS.normalized) == 0


def test_inputs_are_committed_only_after_every_copy_is_acknowledged() -> None:
    # A refused first-seen entry stops the batch before its commit: the copies already sent are sent again
    # by the restarted worker (at least once), none is lost.
    broker = MemoryBroker(partitions=1)
    broker.refuse = lambda out: "NotEnoughReplicas" if out.topic == TOPICS.first_seen else None
    feed(broker, [article(4)])
    with pytest.raises(Undeliverable, match="first-seen"):  # the real worker exits here
        run(worker(broker, routes=Routes(SUBS)))
    assert broker.lag(TOPICS.normalized) == 1
    broker.refuse = lambda out: None
    run(worker(broker, routes=Routes(SUBS)))
    assert broker.lag(TOPICS.normalized) == 0
    assert len(set(_ids(broker, "articles.sub.bahn"))) == 1 and len(_ids(broker, "articles.sub.bahn")) >= 1


def test_a_reload_between_batches_starts_the_new_subscription_and_disturbs_no_other() -> None:
    broker = MemoryBroker(partitions=2)
    before = parse_subscriptions("subscriptions:\n  - {name: first, filter: {languages: [de]}}\n"
                                 "  - {name: gone, filter: {languages: [de]}}\n")
    after = parse_subscriptions("subscriptions:\n  - {name: first, filter: {languages: [de]}}\n"
                                "  - {name: added, filter: {keywords: [Bahn]}}\n")
    w = worker(broker, routes=Routes(before))
    feed(broker, [article(i) for i in range(10)])
    run(w)
    ids_1 = [a.id for a in enriched(broker)]
    w.routes = Routes(after)  # what a reload does between two batches
    broker.produce(TOPICS.raw, b"more", encode(article(12)))
    for i in range(13, 20):
        broker.produce(TOPICS.raw, f"more{i}".encode(), encode(article(i)))
    run(w)
    ids_2 = [a.id for a in enriched(broker) if a.id not in ids_1]
    assert sorted(_ids(broker, "articles.sub.first")) == sorted(ids_1 + ids_2)  # nothing re-sent or skipped
    assert sorted(_ids(broker, "articles.sub.gone")) == sorted(ids_1)  # stopped at the reload
    bahn_2 = [a.id for a in enriched(broker) if a.id in ids_2 and "Bahn" in a.body]
    assert bahn_2 and sorted(_ids(broker, "articles.sub.added")) == sorted(bahn_2)  # from the reload on


def test_memory_worker_without_routes_writes_no_subscription_topic() -> None:
    broker = MemoryBroker(partitions=1)
    feed(broker, [article(4)])
    asyncio.run(MemoryWorker(broker, CONFIG, clock=lambda: NOW).run_until_idle())
    assert set(broker.topics) == {TOPICS.raw, TOPICS.normalized, TOPICS.enriched, TOPICS.first_seen}


def test_the_workers_partitioner_places_keys_as_kafkas_default_does() -> None:
    import random

    from aiokafka.partitioner import DefaultPartitioner

    from services.common.kafka import KeyHashPartitioner

    ours, default, rng = KeyHashPartitioner(remember=50), DefaultPartitioner(), random.Random(3)
    keys = [rng.randbytes(rng.randrange(0, 40)) for _ in range(300)]
    for key in keys + keys[:100]:  # hashes remembered, then forgotten and computed again
        for n in (1, 2, 4, 7):
            parts = list(range(n))
            assert ours(key, parts, parts) == default(key, parts, parts)
    assert ours(None, [0, 1], [1]) == 1
