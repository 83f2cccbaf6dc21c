"""Poller decisions (pure): conditional GET, backoff schedule, Retry-After, politeness; the SQLite state; FEEDS.yaml."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from services.producer.feeds import FeedsFileError, HostGate, load_feeds, politeness_wait
from services.producer.feedstate import (
    FeedState,
    FeedStateStore,
    after_failure,
    after_fetch,
    after_not_modified,
    backoff_delay,
    conditional_headers,
    retry_after,
)

REPO = Path(__file__).resolve().parents[2]
URL = "https://news.example.org/rss"


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff_delay(n, cap=1000) for n in range(0, 6)] == [0, 60, 120, 240, 480, 960]
    assert backoff_delay(7, cap=1000) == 1000 and backoff_delay(10_000, cap=3600) == 3600


def test_retry_after_seconds_and_dates() -> None:
    now = 1_700_000_000.0
    assert retry_after("120", now) == 120.0
    assert retry_after("Tue, 14 Nov 2023 22:46:40 GMT", now) == pytest.approx(2000.0)
    assert retry_after("soon", now) is None and retry_after(None, now) is None


def test_conditional_get_cycle() -> None:
    state = FeedState(URL)
    assert conditional_headers(state) == {}
    fetched = after_fetch(state, {"etag": '"v1"', "last-modified": "Mon, 07 Apr 2025 10:00:00 GMT"}, now=100, interval=900)
    assert conditional_headers(fetched) == {"If-None-Match": '"v1"', "If-Modified-Since": "Mon, 07 Apr 2025 10:00:00 GMT"}
    assert fetched.next_poll == 1000 and fetched.failures == 0
    unchanged = after_not_modified(fetched, now=1000, interval=900)
    assert unchanged.etag == '"v1"' and unchanged.next_poll == 1900 and unchanged.last_result == "not_modified"
    no_validators = after_fetch(fetched, {}, now=2000, interval=900)
    assert conditional_headers(no_validators) == {}  # a server that stopped sending them gets plain GETs


def test_failures_back_off_and_reset() -> None:
    state = FeedState(URL, etag='"v1"')
    one = after_failure(state, "fetch: timeout", now=0, cap=3600)
    two = after_failure(one, "fetch: timeout", now=100, cap=3600)
    assert (one.failures, one.next_poll, two.failures, two.next_poll) == (1, 60, 2, 220)
    assert two.etag == '"v1"'
    assert after_failure(state, "http: status 503", now=0, cap=3600, wait=600).next_poll == 600  # Retry-After wins
    assert after_failure(state, "http", now=0, cap=3600, wait=10**9).next_poll == 3600  # but not beyond the cap
    lost = after_failure(state, "publish: KafkaTimeoutError", now=0, cap=3600, keep_validators=False)
    assert conditional_headers(lost) == {}  # unpublished entries: the next poll must not get a 304
    assert after_fetch(two, {}, now=500, interval=900).failures == 0


def test_store_keeps_state_and_seen_ids_across_reopen(tmp_path: Path) -> None:
    store = FeedStateStore.for_state_dir(tmp_path)
    store.save(FeedState(URL, etag='"x"', failures=2, next_poll=5.0, last_result="fetch: boom"))
    store.mark_seen(URL, ["a", "b"])
    store.mark_seen("https://other.example/feed", ["c"])
    store.close()
    again = FeedStateStore.for_state_dir(tmp_path)
    assert again.load(URL) == FeedState(URL, '"x"', None, 2, 5.0, "fetch: boom")
    assert again.load("https://unknown.example/") == FeedState("https://unknown.example/")
    assert again.seen_keys(URL, ["a", "b", "c", "d"]) == {"a", "b"}  # per feed
    assert again.seen_keys(URL, [f"k{i}" for i in range(1200)] + ["a"]) == {"a"}  # chunked IN lists
    assert again.prune(older_than_days=-1) == 3 and again.seen_keys(URL, ["a"]) == set()
    again.close()


def test_politeness_wait() -> None:
    assert politeness_wait(None, 10.0, 2.0) == 0.0
    assert politeness_wait(9.0, 10.0, 2.0) == pytest.approx(1.0)
    assert politeness_wait(5.0, 10.0, 2.0) == 0.0


def test_host_gate_spaces_requests_to_one_host_only() -> None:
    stamps: dict[str, list[float]] = {"a": [], "b": []}

    async def hit(gate: HostGate, host: str) -> None:
        async with gate.slot(f"http://{host}.example/feed"):
            stamps[host].append(time.monotonic())

    async def main() -> None:
        gate = HostGate(0.2)
        await asyncio.gather(*(hit(gate, h) for h in ("a", "a", "a", "b")))

    asyncio.run(main())
    a = stamps["a"]
    assert len(a) == 3 and all(later - earlier >= 0.19 for earlier, later in zip(a, a[1:], strict=False))
    assert stamps["b"][0] - a[0] < 0.15  # another host does not wait


def test_load_feeds_example_and_errors(tmp_path: Path) -> None:
    specs = load_feeds(REPO / "samples" / "feeds.example.yaml")
    assert len(specs) >= 4 and all(s.url.startswith("https://") for s in specs)
    assert any(s.fetch_pages for s in specs) and any(s.interval == 600 for s in specs)
    bad = tmp_path / "bad.yaml"
    bad.write_text("feeds:\n  - url: file:///etc/passwd\n", encoding="utf-8")
    with pytest.raises(FeedsFileError, match=r"bad.yaml:2: feeds\[0\] \(file:///etc/passwd\): url: .*http"):
        load_feeds(bad)
    dup = tmp_path / "dup.yaml"
    dup.write_text("- https://a.example/rss\n- https://a.example/rss\n", encoding="utf-8")
    with pytest.raises(ValueError, match="twice"):
        load_feeds(dup)


@pytest.mark.parametrize(("text", "expected"), [
    ("feeds:\n  - https://a.example/rss\n  - url: https://b.example/rss\n    interval: soon\n",
     r"f.yaml:3: feeds\[1\] \(https://b.example/rss\): interval: Input should be a valid number"),
    ("feeds:\n  - url: https://a.example/rss\n    nmae: A\n", r"f.yaml:2: feeds\[0\] .*nmae: Extra inputs"),
    ("feeds:\n  - url: https://a.example/rss\n   name: [\n", r"f.yaml:3: not valid YAML"),
    ("feed:\n  - https://a.example/rss\n", r"expected `feeds:`"),
    ("feeds:\n  - 42\n", r"f.yaml:2: feeds\[0\]: expected a URL"),
])
def test_a_bad_feeds_entry_is_one_line_with_its_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FeedsFileError, match=expected) as caught:
        load_feeds(path)
    assert "\n" not in str(caught.value)
