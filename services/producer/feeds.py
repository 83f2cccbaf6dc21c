"""`newsflow feeds FEEDS.yaml`: poll RSS/Atom feeds and publish their new entries onto articles.raw.

The service only moves data: fetching is fetch.py (SSRF guard, limits), parsing and mapping are
feedentries.py (pure), conditional GET / backoff / dedup decisions are feedstate.py.
Per-host politeness: one request at a time per host, `feed_host_delay` seconds apart (HostGate);
page fetches (fetch_pages: true) go through the same gate.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas.models import RawArticle
from services.config import Settings
from services.producer.charset import decode_page
from services.producer.feedentries import (
    FeedInfo,
    FeedRefused,
    entry_key,
    entry_to_article,
    page_article,
    parse_feed,
    unseen,
)
from services.producer.feedstate import (
    FeedState,
    FeedStateStore,
    after_failure,
    after_fetch,
    after_not_modified,
    conditional_headers,
    retry_after,
)
from services.producer.fetch import FetchError, FetchPolicy, FetchRefused, fetch, make_client
from services.producer.metrics import ProducerMetrics
from services.producer.publish import Publisher

log = logging.getLogger(__name__)
SEND_CHUNK = 100  # entries per pipelined send; their ids are recorded once the chunk is acknowledged


class FeedSpec(BaseModel):
    """One feed in FEEDS.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    name: str | None = Field(default=None, max_length=500, description="Source name; default: the feed's title.")
    interval: float | None = Field(default=None, gt=0, description="Seconds between polls; default: settings.feed_interval.")
    fetch_pages: bool = Field(default=False, description="Fetch each new entry's page and send its HTML.")
    language: str | None = None

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("feed url must be http or https")
        return value


class FeedsFileError(ValueError):
    """FEEDS.yaml is not usable; the message names the file, the line and the entry."""


_TOP_KEYS = {"feeds", "defaults"}


def _item_lines(text: str) -> list[int]:
    """1-based line of each entry of the `feeds:` list (or of a top-level list), for error messages."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return []
    seq = root
    if isinstance(root, yaml.MappingNode):
        seq = next((v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "feeds"), None)
    return [item.start_mark.line + 1 for item in seq.value] if isinstance(seq, yaml.SequenceNode) else []


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in err["loc"])
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where + ': ' if where else ''}{err['msg']}{more}"


def load_feeds(path: Path) -> list[FeedSpec]:
    """FEEDS.yaml: `feeds:` a list of URLs or {url, name, interval, fetch_pages, language}; `defaults:` for all.

    Raises FeedsFileError with the file, line and entry of the first problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedsFileError(f"{path}: cannot read: {exc}") from None
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        raise FeedsFileError(f"{path}{at}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if isinstance(raw, list):
        raw = {"feeds": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("feeds"), list):
        raise FeedsFileError(f"{path}: expected `feeds:` with a list of feed URLs or {{url: ..., name: ...}} entries")
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise FeedsFileError(f"{path}: unknown top-level key {unknown[0]!r} (expected `feeds:` and `defaults:`)")
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise FeedsFileError(f"{path}: `defaults:` must be a mapping of feed settings")
    lines = _item_lines(text)
    specs: list[FeedSpec] = []
    for index, item in enumerate(raw["feeds"]):
        at = f"{path}:{lines[index]}" if index < len(lines) else str(path)
        if isinstance(item, str):
            item = {"url": item}
        if not isinstance(item, dict):
            raise FeedsFileError(f"{at}: feeds[{index}]: expected a URL or a mapping with `url:`, not {item!r}")
        try:
            specs.append(FeedSpec.model_validate({**defaults, **item}))
        except ValidationError as exc:
            url = item.get("url")
            raise FeedsFileError(f"{at}: feeds[{index}]{f' ({url})' if isinstance(url, str) else ''}: "
                                 f"{_first_error(exc)}") from None
    seen: dict[str, int] = {}
    for index, spec in enumerate(specs):
        if spec.url in seen:
            at = f"{path}:{lines[index]}" if index < len(lines) else str(path)
            raise FeedsFileError(f"{at}: feeds[{index}] ({spec.url}) is listed twice (first as feeds[{seen[spec.url]}])")
        seen[spec.url] = index
    if not specs:
        raise FeedsFileError(f"{path}: the `feeds:` list is empty")
    return specs


def politeness_wait(last: float | None, now: float, delay: float) -> float:
    """Seconds to wait before the next request to a host last contacted at `last`. Pure."""
    return 0.0 if last is None else max(0.0, last + delay - now)


class HostGate:
    """One request at a time per host, and at least `delay` seconds between two requests to it."""

    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.delay, self.clock = delay, clock
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        host = (urlsplit(url).hostname or "").lower()
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            wait = politeness_wait(self._last.get(host), self.clock(), self.delay)
            if wait:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                self._last[host] = self.clock()


@dataclass
class PollResult:
    url: str
    result: str  # ok | not_modified | error
    entries: int = 0  # entries in the document
    sent: int = 0
    duplicates: int = 0
    empty: int = 0  # entries with neither text nor title: nothing to send
    error: str | None = None
    warning: str | None = None  # feedparser's complaint about a document that still had entries


class FeedPoller:
    """Polls one feed at a time on request; all state goes through the store."""

    def __init__(self, settings: Settings, publisher: Publisher, store: FeedStateStore, metrics: ProducerMetrics,
                 client: httpx.AsyncClient, gate: HostGate, clock: Callable[[], float] = time.time) -> None:
        self.settings, self.publisher, self.store, self.metrics = settings, publisher, store, metrics
        self.client, self.gate, self.clock = client, gate, clock
        self.policy = FetchPolicy.from_settings(settings)

    def interval(self, spec: FeedSpec) -> float:
        return spec.interval or self.settings.feed_interval

    def record_failure(self, spec: FeedSpec, state: FeedState, reason: str, detail: str, *, wait: float | None = None,
                       keep_validators: bool = True) -> PollResult:
        self.store.save(after_failure(state, f"{reason}: {detail}", now=self.clock(), cap=self.settings.feed_backoff_max,
                                      wait=wait, keep_validators=keep_validators))
        self.metrics.failure(reason)
        self.metrics.poll("error")
        log.warning("feed %s: %s: %s", spec.url, reason, detail)
        return PollResult(spec.url, "error", error=f"{reason}: {detail}")

    async def poll(self, spec: FeedSpec) -> PollResult:
        state = self.store.load(spec.url)
        try:
            async with self.gate.slot(spec.url):
                response = await fetch(self.client, spec.url, self.policy, headers=conditional_headers(state))
        except FetchRefused as exc:
            return self.record_failure(spec, state, "refused", str(exc))
        except FetchError as exc:
            return self.record_failure(spec, state, "fetch", str(exc) or type(exc).__name__)
        if response.status == 304:
            self.store.save(after_not_modified(state, now=self.clock(), interval=self.interval(spec)))
            self.metrics.poll("not_modified")
            return PollResult(spec.url, "not_modified")
        if not 200 <= response.status < 300:
            wait = retry_after(response.headers.get("retry-after"), self.clock())
            return self.record_failure(spec, state, "http", f"status {response.status}", wait=wait)
        try:
            parsed = parse_feed(response.body, headers=response.headers, url=response.url, limit=self.policy.max_bytes)
        except FeedRefused as exc:
            return self.record_failure(spec, state, "parse", str(exc))
        except Exception as exc:  # noqa: BLE001 - a parser bug on one document must not stop the poller
            return self.record_failure(spec, state, "parse", f"{type(exc).__name__}: {exc}")
        if not parsed.entries and parsed.bozo:
            return self.record_failure(spec, state, "parse", f"not a feed: {parsed.bozo}"[:500])
        if not parsed.entries and not parsed.version:
            return self.record_failure(spec, state, "parse", "not a feed: no RSS or Atom document in the response")
        feed = FeedInfo(url=spec.url, title=parsed.title, name=spec.name, language=spec.language or parsed.language)
        result = PollResult(spec.url, "ok", entries=len(parsed.entries), warning=parsed.bozo)
        keys = [k for k in (entry_key(e) for e in parsed.entries) if k is not None]
        fresh = unseen(parsed.entries, self.store.seen_keys(spec.url, keys))
        result.duplicates = len(keys) - len(fresh)
        result.empty = len(parsed.entries) - len(keys)
        self.metrics.duplicates(result.duplicates)
        try:
            for start in range(0, len(fresh), SEND_CHUNK):
                chunk = fresh[start:start + SEND_CHUNK]
                articles: list[RawArticle] = []
                done: list[str] = []
                for key, entry in chunk:
                    try:
                        article = await self._article(spec, feed, key, entry)
                    except ValueError as exc:  # e.g. a field pydantic refuses: skip that entry for good
                        log.warning("feed %s: entry %s not sendable: %s", spec.url, key, exc)
                        self.metrics.failure("entry")
                        article = None
                    done.append(key)
                    if article is None:
                        result.empty += 1
                    else:
                        articles.append(article)
                if articles:
                    await self.publisher.send_many(articles)
                self.store.mark_seen(spec.url, done)  # only after the broker acknowledged the chunk
                result.sent += len(articles)
                self.metrics.sent(len(articles))
        except Exception as exc:  # Kafka down or a record refused: retry the whole document later
            log.exception("feed %s: publishing failed", spec.url)
            failed = self.record_failure(spec, state, "publish", f"{type(exc).__name__}: {exc}", keep_validators=False)
            failed.sent, failed.duplicates, failed.entries = result.sent, result.duplicates, result.entries
            return failed
        self.store.save(after_fetch(state, response.headers, now=self.clock(), interval=self.interval(spec)))
        self.metrics.poll("ok")
        return result

    async def _article(self, spec: FeedSpec, feed: FeedInfo, key: str, entry: Any) -> RawArticle | None:
        now = datetime.now(UTC)
        article = entry_to_article(entry, feed, fetched_at=now, key=key)
        if not spec.fetch_pages or article is None or not article.url:
            return article
        try:
            async with self.gate.slot(article.url):
                page = await fetch(self.client, article.url, self.policy, headers={"Accept": "text/html,*/*;q=0.5"})
            kind = page.headers.get("content-type", "text/html").split(";")[0].strip().lower()
            if 200 <= page.status < 300 and kind in ("text/html", "application/xhtml+xml"):
                return page_article(decode_page(page.body, page.headers), entry, feed, url=page.url,
                                    fetched_at=datetime.now(UTC), key=key)
            reason = f"status {page.status}, {kind}"
        except FetchError as exc:
            reason = f"{type(exc).__name__}: {exc}"
        self.metrics.failure("page")
        log.info("page of %s not fetched (%s); sending the entry", article.url, reason)
        return article.model_copy(update={"metadata": {**article.metadata, "page_error": reason[:300]}})


async def run_feeds(specs: list[FeedSpec], settings: Settings, stop: asyncio.Event, *, once: bool = False,
                    metrics: ProducerMetrics | None = None,
                    on_result: Callable[[FeedSpec, PollResult], None] | None = None) -> list[PollResult]:
    """Poll every feed on its own schedule until `stop` (or one round with once=True)."""
    from services.common.kafka import ensure_topics

    metrics = metrics or ProducerMetrics("feeds")
    results: list[PollResult] = []
    await ensure_topics(settings)
    store = FeedStateStore.for_state_dir(settings.state_dir)
    store.prune()
    policy = FetchPolicy.from_settings(settings)
    try:
        async with Publisher(settings) as publisher, make_client(policy) as client:
            metrics.up.set(1)
            poller = FeedPoller(settings, publisher, store, metrics, client, HostGate(settings.feed_host_delay))

            async def one_feed(spec: FeedSpec) -> None:
                while not stop.is_set():
                    if not once:
                        delay = store.load(spec.url).next_poll - time.time()
                        if delay > 0:
                            try:
                                await asyncio.wait_for(stop.wait(), timeout=delay)
                                return
                            except TimeoutError:
                                pass
                    try:
                        result = await poller.poll(spec)
                    except Exception as exc:  # noqa: BLE001 - one feed's surprise must not end the others
                        log.exception("feed %s: poll failed", spec.url)
                        result = poller.record_failure(spec, store.load(spec.url), "internal", f"{type(exc).__name__}: {exc}")
                    results.append(result)
                    if on_result:
                        on_result(spec, result)
                    if once:
                        return

            await asyncio.gather(*(one_feed(spec) for spec in specs))
    finally:
        metrics.up.set(0)
        store.close()
    return results
