"""The processor's handlers: one input record (bytes + where it came from) and a clock → an Outcome.

Pure: no Kafka, no awaiting, no global state. The one piece of state, "first id per content hash"
(`FirstSeen`), is read to decide and changed only through the writes an Outcome carries, which
`handle_batch` folds in record by record (a duplicate later in the same batch sees its original).

    articles.raw        --handle_raw-->        articles.normalized (keyed by content hash) | dead letter
    articles.normalized --handle_normalized--> articles.enriched (keyed by id) + first-seen entry | dead letter
                                               (+ related-state entry and story record, with a `Related`)
                                               (+ a copy per matching subscription, with `Routes`)

Near-duplicates and stories: the window's `Related` (services/processor/dedup) is passed in like
`FirstSeen`; the pure enrich step decides against it, and the entries it queued (`take_entries`) travel
in the Outcome's `related` so delivery sends them before the output, as for first-seen.

Subscriptions: the `Routes` in force (services/subscriptions/route.py) are passed in like `Related`; the
enriched record is encoded once and the same bytes go, after it in the same Outcome, to the topic of every
subscription the article matches (key = article id, the enriched headers + the subscription's name). One
Outcome, one ack: the input is acked only once all of them were acknowledged.

Every record sent is built by `output()` (copies by `subscription_outputs()`): the single place to add
headers or count what goes out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from schemas import encode
from schemas.models import DeadLetter, EnrichedArticle, NormalizedArticle
from services.common.deadletter import dead_letter_for
from services.config import FETCH_MAX_BYTES, Settings
from services.processor.enrich import enrich_message, normalize_message, parse_normalized
from services.processor.dedup import Related
from services.processor.errors import StepError
from services.processor.runtime.firstseen import FirstSeen
from services.subscriptions.headers import enriched_headers, subscription_headers
from services.subscriptions.route import Routes

Headers = tuple[tuple[str, bytes], ...]
Observe = Callable[[str, float], None]  # told how long a step took ("language", "entities"): metrics


@dataclass(frozen=True)
class Message:
    """An input record as the handlers see it: value, key and its place in Kafka."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes

    def where(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"


@dataclass(frozen=True)
class Output:
    """One record to send. `partition` None: Kafka's partitioner decides by key."""

    topic: str
    key: bytes | None
    value: bytes
    partition: int | None = None
    headers: Headers = ()


@dataclass(frozen=True)
class FirstSeenWrite:
    """Record `article_id` as the first article with `content_hash` (on the input record's partition)."""

    partition: int
    content_hash: str
    article_id: str


@dataclass(frozen=True)
class Outcome:
    """Everything one input record leads to. The input may be acked once all of it was acknowledged."""

    message: Message
    outputs: tuple[Output, ...] = ()
    dead_letters: tuple[DeadLetter, ...] = ()
    first_seen: tuple[FirstSeenWrite, ...] = ()
    # Near-duplicates and stories: related-state entries and the story's record, sent before `outputs`.
    related: tuple[Output, ...] = ()


@dataclass(frozen=True)
class Topics:
    raw: str
    normalized: str
    enriched: str
    deadletter: str
    first_seen: str
    related: str = "related"
    stories: str = "stories"

    @classmethod
    def of(cls, settings: Settings) -> Topics:
        return cls(settings.topic_raw, settings.topic_normalized, settings.topic_enriched, settings.topic_deadletter,
                   first_seen_topic(settings), related_topic(settings), settings.topic_stories)


def first_seen_topic(settings: Settings) -> str:
    """Compacted, co-partitioned with `normalized`: entries go to the input record's partition number."""
    return f"{settings.processor_id}-first-seen"


def related_topic(settings: Settings) -> str:
    """compact,delete with retention = the story window, any partition (runtime/related.py says why)."""
    return f"{settings.processor_id}-related"


@dataclass(frozen=True)
class HandlerConfig:
    topics: Topics
    max_body_bytes: int
    languages: tuple[str, ...]
    max_markup_chars: int = FETCH_MAX_BYTES

    @classmethod
    def of(cls, settings: Settings) -> HandlerConfig:
        return cls(Topics.of(settings), settings.max_body_bytes, tuple(settings.languages), settings.markup_limit)


def output(topic: str, key: bytes | None, record: BaseModel, partition: int | None = None) -> Output:
    """The record sent for a model: encoded value; an enriched article also carries the contract's
    headers (services/subscriptions/headers.py), so subscribers filter without decoding."""
    headers = tuple(enriched_headers(record)) if isinstance(record, EnrichedArticle) else ()
    return Output(topic=topic, key=key, value=encode(record), partition=partition, headers=headers)


def subscription_outputs(enriched: Output, article: EnrichedArticle, routes: Routes | None) -> tuple[Output, ...]:
    """`enriched` (the record sent for `article`) copied to the topic of every subscription it matches, in
    file order: the same key and value bytes (not encoded again), its headers + the subscription's name."""
    if not routes:
        return ()
    return tuple(Output(topic=s.output_topic, key=enriched.key, value=enriched.value,
                        headers=tuple(subscription_headers(enriched.headers, article, s.name)))
                 for s in routes.matching(article))


def dead_letter_output(letter: DeadLetter, topic: str) -> Output:
    return output(topic, letter.key.encode("utf-8", "surrogatepass") if letter.key else None, letter)


def first_seen_output(write: FirstSeenWrite, topic: str) -> Output:
    return Output(topic=topic, key=write.content_hash.encode(), value=write.article_id.encode(),
                  partition=write.partition)


def _key_text(msg: Message) -> str | None:
    return msg.key.decode("utf-8", "replace") if msg.key else None


def failed(msg: Message, stage: str, error: str, error_type: str, now: datetime) -> Outcome:
    """An outcome that is only a dead letter of the input, byte for byte."""
    letter = dead_letter_for(msg.value, stage=stage, error=error, error_type=error_type,  # type: ignore[arg-type]
                             key=_key_text(msg), topic=msg.topic, partition=msg.partition, offset=msg.offset,
                             failed_at=now)
    return Outcome(msg, dead_letters=(letter,))


def handle_raw(msg: Message, *, now: datetime, config: HandlerConfig) -> Outcome:
    out = normalize_message(msg.value, now=now, max_body_bytes=config.max_body_bytes, key=msg.key,
                            topic=msg.topic, partition=msg.partition, offset=msg.offset,
                            max_markup_chars=config.max_markup_chars)
    if isinstance(out, DeadLetter):
        return Outcome(msg, dead_letters=(out,))
    assert isinstance(out, NormalizedArticle)
    return Outcome(msg, outputs=(output(config.topics.normalized, out.content_hash.encode(), out),))


def related_outputs(out: EnrichedArticle | DeadLetter, related: Related, topics: Topics) -> tuple[Output, ...]:
    """What the decision added to `related` (to persist before the output), then the story's new record."""
    writes = [Output(topics.related, key, value) for key, value in related.take_entries()]
    if isinstance(out, EnrichedArticle) and out.story_id and out.duplicate_of is None:
        aggregate = related.story(out.story_id)
        if aggregate is not None:
            writes.append(output(topics.stories, out.story_id.encode(), aggregate.record()))
    return tuple(writes)


def handle_normalized(msg: Message, *, now: datetime, config: HandlerConfig, first_seen: FirstSeen,
                      related: Related | None = None, observe: Observe | None = None,
                      routes: Routes | None = None) -> Outcome:
    """Enrich; the first article per content hash is recorded, later ones are marked `duplicate_of` it.

    `first_seen` must hold the input's partition (loaded by the caller); it is only read here. `related`
    (optional: near-duplicates and stories) records the decision in memory, idempotently by article id;
    its entries are returned in `Outcome.related`. `routes` (optional: subscriptions) adds, after the
    enriched record, its copy to each matching subscription's topic.
    """
    try:
        article = parse_normalized(msg.value)
    except StepError as exc:
        return failed(msg, exc.stage, exc.reason, "ValueError", now)
    decision = first_seen.decide(msg.partition, article.content_hash, article.id)
    writes = (FirstSeenWrite(msg.partition, article.content_hash, article.id),) if decision.record else ()
    out = enrich_message(article, now=now, languages=config.languages, duplicate_of=decision.duplicate_of,
                         value=msg.value, key=msg.key, topic=msg.topic, partition=msg.partition, offset=msg.offset,
                         related=related, observe=observe)
    state = related_outputs(out, related, config.topics) if related is not None else ()
    if isinstance(out, DeadLetter):
        return Outcome(msg, dead_letters=(out,), first_seen=writes, related=state)
    assert isinstance(out, EnrichedArticle)
    enriched = output(config.topics.enriched, out.id.encode(), out)
    return Outcome(msg, outputs=(enriched, *subscription_outputs(enriched, out, routes)), first_seen=writes,
                   related=state)


def handle(msg: Message, *, now: datetime, config: HandlerConfig, first_seen: FirstSeen,
           related: Related | None = None, observe: Observe | None = None, routes: Routes | None = None) -> Outcome:
    """Route by input topic. Whatever escapes a step is dead-lettered at stage "route": the stream goes on."""
    try:
        if msg.topic == config.topics.normalized:
            return handle_normalized(msg, now=now, config=config, first_seen=first_seen, related=related,
                                     observe=observe, routes=routes)
        return handle_raw(msg, now=now, config=config)
    except Exception as exc:
        return failed(msg, "route", f"{type(exc).__name__}: {exc}", type(exc).__name__, now)


Handler = Callable[[Message], Outcome]


def stateful(config: HandlerConfig, first_seen: FirstSeen, clock: Callable[[], datetime],
             related: Related | None = None, observe: Observe | None = None,
             routes: Callable[[], Routes | None] = lambda: None) -> Handler:
    """`handle` with the first-seen writes of each outcome folded into `first_seen` before the next record
    (`related` records its own decisions as it makes them). `routes` gives the subscriptions in force: a
    reload swaps them between batches (never within one: handling a batch does not await)."""

    def run(msg: Message) -> Outcome:
        outcome = handle(msg, now=clock(), config=config, first_seen=first_seen, related=related, observe=observe,
                         routes=routes())
        for write in outcome.first_seen:
            first_seen.recorded(write.partition, write.content_hash, write.article_id)
        return outcome

    return run


def handle_batch(messages: Iterable[Message], handler: Handler) -> list[Outcome]:
    return [handler(m) for m in messages]


def crashed(msg: Message, crashes: int, now: datetime) -> Outcome:
    """The dead letter of a poison pill: a record the worker died on `crashes` times (attempts.py)."""
    return failed(msg, "crash", f"the worker died {crashes} times while handling this record; not handled again",
                  "WorkerCrash", now)
