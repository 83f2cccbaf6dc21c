"""The pure parts of subscriptions: headers, filters, the subscriptions file, routing, positions, cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schemas import headers as h
from services.subscriptions.filters import Filter, matches, since
from services.subscriptions.headers import enriched_headers, header_map, subscription_headers
from services.subscriptions.http import decode_cursor, encode_cursor
from services.subscriptions.positions import BadPosition, advanced, decode_positions, encode_positions
from services.subscriptions.route import route
from services.subscriptions.spec import (
    Subscription,
    SubscriptionsError,
    load_subscriptions,
    parse_subscriptions,
    reserved_conflicts,
)
from services.subscriptions.tail import article_line
from tests.support.articles import NOW, enriched

# headers


def test_headers_carry_what_a_consumer_filters_on() -> None:
    headers = header_map(enriched_headers(enriched()))
    assert headers == {h.SCHEMA_VERSION: "1", h.LANGUAGE: "nl", h.SOURCE: "nos", h.CONTENT_HASH: "hash-a1",
                       h.DUPLICATE: "false", h.ENTITY_IDS: "Q7747,Q57792,Q55", h.NEAR_DUPLICATE: "false",
                       h.STORY_ID: ""}
    assert header_map(enriched_headers(enriched(duplicate_of="a0", entities=())))[h.DUPLICATE] == "true"
    assert all(isinstance(v, bytes) for _, v in enriched_headers(enriched()))


def test_near_duplicates_and_stories_are_headers_and_filters() -> None:
    near = enriched("a2").model_copy(update={"near_duplicate_of": "a1", "similarity": 0.8, "story_id": "st-1"})
    headers = header_map(enriched_headers(near))
    assert headers[h.NEAR_DUPLICATE] == "true" and headers[h.STORY_ID] == "st-1"
    assert matches(Filter(near_duplicates="only", stories=("st-1",)), near)
    assert not matches(Filter(near_duplicates="exclude"), near)
    assert not matches(Filter(stories=("st-2",)), near)
    assert not matches(Filter(near_duplicates="only"), enriched())


def test_entity_ids_are_distinct_unlinked_left_out_and_bounded() -> None:
    article = enriched(entities=(("A", "Q1", "PER"), ("B", None, "ORG"), ("A2", "Q1", "PER"), ("C", "Q3", "LOC")))
    assert header_map(enriched_headers(article))[h.ENTITY_IDS] == "Q1,Q3"
    many = tuple((f"E{i}", f"Q{i}", "LOC") for i in range(h.MAX_ENTITY_IDS + 7))
    headers = header_map(enriched_headers(enriched(body=" ".join(e[0] for e in many), entities=many)))
    assert headers[h.ENTITY_IDS].split(",") == [f"Q{i}" for i in range(h.MAX_ENTITY_IDS)]
    assert headers[h.ENTITIES_TRUNCATED] == "true"
    exactly = tuple((f"E{i}", f"Q{i}", "LOC") for i in range(h.MAX_ENTITY_IDS))
    assert h.ENTITIES_TRUNCATED not in header_map(enriched_headers(enriched(entities=exactly)))


def test_subscription_headers_add_the_name_and_fill_in_missing_enriched_headers() -> None:
    article = enriched()
    copied = header_map(subscription_headers(enriched_headers(article), article, "putin"))
    assert copied[h.SUBSCRIPTION] == "putin" and copied[h.LANGUAGE] == "nl"
    assert header_map(subscription_headers([], article, "x"))[h.ENTITY_IDS] == "Q7747,Q57792,Q55"


# filters


@pytest.mark.parametrize(("flt", "expected"), [
    (Filter(), True),
    (Filter(languages=("nl",)), True),
    (Filter(languages=("de", "en")), False),
    (Filter(entity_ids=("Q7747",)), True),
    (Filter(entity_ids=("Q1", "Q55")), True),
    (Filter(entity_ids=("Q1",)), False),
    (Filter(entity_types=("LOC",)), True),
    (Filter(entity_types=("ORG",)), False),
    (Filter(sources=("NOS",)), True),
    (Filter(sources=("rtl",)), False),
    (Filter(keywords=("rutte",)), True),
    (Filter(keywords=("den haag",)), True),  # a phrase, in the title
    (Filter(keywords=("Rut",)), False),  # whole words only
    (Filter(duplicates="exclude"), True),
    (Filter(duplicates="only"), False),
    (Filter(published_after=NOW - timedelta(hours=1)), True),
    (Filter(published_after=NOW), False),
    (Filter(languages=("nl",), entity_ids=("Q7747",), keywords=("Nederland",)), True),
    (Filter(languages=("nl",), entity_ids=("Q9",)), False),  # AND across fields
])
def test_matches(flt: Filter, expected: bool) -> None:
    assert matches(flt, enriched()) is expected


def test_duplicates_and_missing_published_date() -> None:
    dup = enriched(duplicate_of="a0")
    assert not matches(Filter(duplicates="exclude"), dup)
    assert matches(Filter(duplicates="only"), dup)
    assert not matches(Filter(published_after=NOW - timedelta(days=1)), enriched(published_at=None))


def test_keywords_are_unicode_whole_words_ignoring_case() -> None:
    article = enriched(lang="de", title=None, body="Die Bahn streikt. Bahnhof geschlossen; Straße gesperrt.",
                       entities=())
    assert matches(Filter(keywords=("bahn",)), article)
    assert matches(Filter(keywords=("STRASSE", "straße")), article)
    assert not matches(Filter(keywords=("hof",)), article)
    assert matches(Filter(keywords=("a.b", "bahnhof")), article)  # regex characters are literal


def test_one_keyword_scan_per_set_decides_as_each_filter_alone() -> None:
    # Routes looks for every keyword of the set in one pass; overlapping and prefix keywords must all count.
    from services.subscriptions.route import Routes

    words = ("Bahn", "Die Bahn", "die", "Bahnhof", "bahnhof geschlossen", "hof", "Straße", "STRASSE", "a.b",
             "streikt.", "Rotterdam", "gesperrt")
    subs = tuple(Subscription(name=f"s{i}", filter=Filter(keywords=(w,))) for i, w in enumerate(words)) + (
        Subscription(name="pair", filter=Filter(keywords=("hof", "Die Bahn"))),
        Subscription(name="de-only", filter=Filter(languages=("de",), keywords=("bahn",))))
    routes = Routes(subs)
    for title, body in ((None, "Die Bahn streikt. Bahnhof geschlossen; Straße gesperrt."),
                        ("Die Bahnhof-Frage", "Niets over de bahn hier; Rotterdam."), ("Bahn", "")):
        article = enriched(lang="de", title=title, body=body, entities=())
        alone = [s.name for s in subs if matches(s.filter, article)]
        assert [s.name for s in routes.matching(article)] == alone
    article = enriched(lang="de", title=None, body="Die Bahn streikt. Bahnhof geschlossen; Straße gesperrt.",
                       entities=())
    assert [s.name for s in routes.matching(article)] == [
        "s0", "s1", "s2", "s3", "s4", "s6", "s9", "s11", "pair", "de-only"]


def test_filter_refuses_bad_values() -> None:
    for bad in ({"languages": ["NL"]}, {"languages": ["dutch"]}, {"entity_types": ["PERSON"]},
                {"keywords": [" "]}, {"duplicates": "maybe"}, {"published_after": "2025-01-01T00:00:00"},
                {"surprise": 1}):
        with pytest.raises(ValueError):
            Filter.model_validate(bad)


def test_since() -> None:
    now = datetime(2025, 4, 7, 12, 0, tzinfo=UTC)
    assert since("2h", now) == now - timedelta(hours=2)
    assert since("30m", now) == now - timedelta(minutes=30)
    assert since("2025-04-07T10:00+02:00", now) == datetime(2025, 4, 7, 8, 0, tzinfo=UTC)
    for bad in ("2 weeks", "2025-04-07T10:00", "yesterday"):
        with pytest.raises(ValueError):
            since(bad, now)


# the subscriptions file

GOOD = """\
subscriptions:
  - name: putin-nl
    filter:
      languages: [nl]
      entity_ids: [Q7747]
  - name: bahn
    topic: custom.bahn
    filter: {keywords: [Bahn], duplicates: exclude}
  - name: everything
"""


def test_a_valid_file_and_default_topics() -> None:
    subs = parse_subscriptions(GOOD)
    assert [s.name for s in subs] == ["putin-nl", "bahn", "everything"]
    assert [s.output_topic for s in subs] == ["articles.sub.putin-nl", "custom.bahn", "articles.sub.everything"]
    assert subs[0].filter == Filter(languages=("nl",), entity_ids=("Q7747",))
    assert parse_subscriptions("") == () and parse_subscriptions("subscriptions: []\n") == ()


def test_errors_name_the_line_and_the_place() -> None:
    text = GOOD.replace("languages: [nl]", "languages: [NL]").replace("duplicates: exclude", "duplicates: nope")
    with pytest.raises(SubscriptionsError) as caught:
        parse_subscriptions(text, "subs.yaml")
    problems = caught.value.problems
    assert any(p.startswith("subs.yaml:4: subscriptions[0].filter.languages:") and "ISO 639" in p for p in problems)
    assert any(p.startswith("subs.yaml:8: subscriptions[1].filter.duplicates:") for p in problems)


@pytest.mark.parametrize(("text", "line", "words"), [
    ("subscriptions:\n  - name: Bad Name\n", 2, "a name is"),
    ("subscriptions:\n  - name: a\n    fliter: {}\n", 3, "Extra inputs"),
    ("subscriptions:\n  - name: a\n  - name: a\n", 1, "used twice"),
    ("subscriptions:\n  - name: a\n    topic: 'bad topic'\n", 3, "not a valid Kafka topic"),
    ("subscriptions:\n  - name: a\n    filter:\n      published_after: 2025-01-01\n", 4, "published_after"),
    ("subscriptions:\n  - {name: a\n", 2, "not valid YAML"),
    ("- a\n- b\n", 1, "expected a mapping"),
])
def test_each_kind_of_error_is_one_clear_line(text: str, line: int, words: str) -> None:
    with pytest.raises(SubscriptionsError) as caught:
        parse_subscriptions(text, "f.yaml")
    first = caught.value.problems[0]
    assert words in first, first
    assert f"f.yaml:{line}" in first or "line" in first, first
    assert "\n" not in first


def test_missing_file_and_reserved_topics(tmp_path: Path) -> None:
    with pytest.raises(SubscriptionsError, match="cannot read"):
        load_subscriptions(tmp_path / "nope.yaml")
    subs = (Subscription(name="loop", topic="articles.enriched"), Subscription(name="ok"))
    assert reserved_conflicts(subs, ["articles.raw", "articles.enriched"]) == [
        "subscription 'loop' writes to 'articles.enriched', a topic of the pipeline itself"]


def test_route_goes_to_every_matching_topic_in_file_order() -> None:
    subs = parse_subscriptions(GOOD)
    assert route(subs, enriched()) == ["articles.sub.putin-nl", "articles.sub.everything"]
    bahn = enriched("b", lang="de", title="Bahnstreik", body="Die Bahn streikt.", entities=())
    assert route(subs, bahn) == ["custom.bahn", "articles.sub.everything"]
    assert route(subs, bahn.model_copy(update={"duplicate_of": "x"})) == ["articles.sub.everything"]
    assert route((), enriched()) == []


# positions and cursors


def test_positions_round_trip_and_advance() -> None:
    positions = {1: 7, 0: 15, 3: 0}
    assert encode_positions(positions) == "0:15,1:7,3:0"
    assert decode_positions("0:15,1:7,3:0") == positions
    assert advanced(positions, 1, 9) == {0: 15, 1: 10, 3: 0}
    for bad in ("", "0:1;1:2", "a:b", "0:-1", "0:1,\n1:2x"):
        with pytest.raises(BadPosition):
            decode_positions(bad)


def test_cursor_round_trip_and_refusal() -> None:
    cursor = encode_cursor("2025-04-07T14:39:00+00:00", "abc")
    assert decode_cursor(cursor) == ("2025-04-07T14:39:00+00:00", "abc")
    for bad in ("nonsense!", encode_cursor("x", "y")[:-3], "W10"):
        with pytest.raises(ValueError):
            decode_cursor(bad)


def test_tail_line() -> None:
    line = article_line(enriched(title="Poetin\tin\nDen Haag"), int(NOW.timestamp() * 1000))
    assert line == "2025-04-07 14:39:00  nl  nos  Poetin in Den Haag  [Poetin (Q7747); Rutte (Q57792); Nederland (Q55)]"


def test_live_subscriptions_reload_reports_what_changed(tmp_path: Path) -> None:
    from services.subscriptions.live import LiveSubscriptions

    path = tmp_path / "subs.yaml"
    path.write_text("subscriptions:\n  - name: a\n  - name: b\n", encoding="utf-8")
    live = LiveSubscriptions(path, reserved=("articles.enriched",))
    assert live.changed()
    assert live.apply(*live.read()) == (["a", "b"], [])
    assert not live.changed()
    path.write_text("subscriptions:\n  - name: b\n  - name: c\n", encoding="utf-8")
    assert live.changed()
    assert live.apply(*live.read()) == (["c"], ["a"])
    assert [s.name for s in live.subscriptions] == ["b", "c"]
    path.write_text("subscriptions:\n  - name: loop\n    topic: articles.enriched\n", encoding="utf-8")
    with pytest.raises(SubscriptionsError, match="a topic of the pipeline itself"):
        live.read()
    path.unlink()
    assert not live.changed()  # a file being replaced: keep what is in force


def test_a_reload_creates_the_new_topics_before_the_new_set_is_in_force(tmp_path: Path) -> None:
    import asyncio
    from collections.abc import Iterable

    from services.subscriptions.live import LiveSubscriptions

    path = tmp_path / "subs.yaml"
    path.write_text("subscriptions:\n  - name: a\n", encoding="utf-8")
    live = LiveSubscriptions(path)
    live.apply(*live.read())
    seen: list[tuple[list[str], tuple[str, ...]]] = []

    async def declare(names: Iterable[str]) -> None:
        seen.append((list(names), live.routes.topics))

    path.write_text("subscriptions:\n  - name: a\n  - name: c\n    filter: {keywords: [Bahn]}\n", encoding="utf-8")
    asyncio.run(live.reload("test", declare))
    assert seen == [(["articles.sub.a", "articles.sub.c"], ("articles.sub.a",))]  # declared while "a" alone routed
    assert live.routes.topics == ("articles.sub.a", "articles.sub.c")
    bahn = enriched("b", lang="de", title=None, body="Die Bahn streikt.", entities=())
    assert [s.name for s in live.routes.matching(bahn)] == ["a", "c"]
    path.write_text("subscriptions:\n  - name: Bad Name\n", encoding="utf-8")
    asyncio.run(live.reload("test", declare))  # refused: the set in force stays, nothing declared
    assert len(seen) == 1 and live.routes.topics == ("articles.sub.a", "articles.sub.c")
