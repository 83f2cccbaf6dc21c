"""Subscriptions through the real broker: routing in the processor and by `newsflow route`, their reload, the SSE
stream with Last-Event-ID, tail | head."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import uvicorn

from schemas import headers as h
from schemas.models import DeadLetter, EnrichedArticle
from services.config import Settings
from services.subscriptions.filters import Filter, matches
from services.subscriptions.headers import header_map
from services.subscriptions.spec import parse_subscriptions
from tests.support.faults import wait_until
from tests.support.kafka_io import read_topic, send_values
from tests.support.processes import Service, service_env
from tests.support.subscriptions import Command, Supervised, sample_articles, send_enriched

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def _ids(records: list) -> list[str]:  # type: ignore[type-arg]
    return [r.key.decode() for r in records]


def _after_reload(settings: Settings, p: str) -> tuple[list, list, list]:
    """What the subscriptions of a reload test hold once batch 2 is routed: "first" (kept), "de" (added),
    "gone" (removed at the reload)."""
    first, added, gone = (asyncio.run(read_topic(settings, f"articles.sub.{p}-{name}", expect=n, timeout=t))
                          for name, n, t in (("first", 2, 60), ("de", 1, 60), ("gone", 1, 10)))
    return first, added, gone


def _check_reload(after: tuple[list, list, list], nl1: list[str], nl2: list[str], de2: list[str], log: str) -> None:
    first, added, gone = after
    # order is kept per article id (per partition), not across articles
    assert sorted(_ids(first)) == sorted(nl1 + nl2)  # nothing re-sent, nothing skipped
    assert _ids(added) == de2  # from the reload on: not the de article of batch 1
    assert _ids(gone) == nl1  # stopped at the reload
    assert "added ['" in log and "removed ['" in log


def _route(settings: Settings, path: Path, tmp_path: Path) -> Supervised:
    """The router, restarted if it exits 70 (Kafka did not take a record in time), as its supervisor would."""
    return Supervised(["route", "--subscriptions", str(path), "--group", f"{settings.processor_id}-router"],
                      settings, tmp_path, "route").start()


SUBS = """\
subscriptions:
  - name: continental
    filter: {languages: [nl, de]}
  - name: port
    topic: {prefix}.port
    filter: {keywords: [Rotterdam], sources: [wire-b]}
  - name: nothing
    topic: {prefix}.nothing
    filter: {entity_ids: [Q0]}
"""


def test_router_delivers_exactly_the_matching_articles(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings()
    prefix = settings.processor_id
    text = SUBS.replace("{prefix}", prefix).replace("name: continental", f"name: {prefix}-continental")
    (tmp_path / "subs.yaml").write_text(text, encoding="utf-8")
    subs = parse_subscriptions(text)
    articles = sample_articles(("wire-a", "wire-b"))
    asyncio.run(send_enriched(settings, articles[:3]))
    asyncio.run(send_values(settings, settings.topic_enriched, [(b"bad", b"{not an article")]))
    asyncio.run(send_enriched(settings, articles[3:]))
    expected = {s.output_topic: [a.id for a in articles if matches(s.filter, a)] for s in subs}
    assert len(expected[f"articles.sub.{prefix}-continental"]) == 4  # nl and de, twice
    assert len(expected[f"{prefix}.port"]) == 1 and expected[f"{prefix}.nothing"] == []

    router = _route(settings, tmp_path / "subs.yaml", tmp_path)
    try:
        continental = asyncio.run(read_topic(settings, f"articles.sub.{prefix}-continental", expect=4, timeout=150))
        port = asyncio.run(read_topic(settings, f"{prefix}.port", expect=1, timeout=30))
        dead = asyncio.run(read_topic(settings, settings.topic_deadletter, expect=1, timeout=30))
        assert router.alive(), router.tail()
    finally:
        assert router.stop() == 0, router.tail()
    assert sorted(_ids(continental)) == sorted(expected[f"articles.sub.{prefix}-continental"])
    assert _ids(port) == expected[f"{prefix}.port"]
    by_id = {a.id: a for a in articles}
    for record in continental + port:
        article = EnrichedArticle.model_validate(orjson.loads(record.value))
        assert article == by_id[record.key.decode()]  # the record, unchanged
        headers = header_map(record.headers)
        assert headers[h.LANGUAGE] == article.language.code and headers[h.SUBSCRIPTION] in (
            f"{prefix}-continental", "port")
    assert [DeadLetter.model_validate(orjson.loads(d.value)).stage for d in dead] == ["route"]
    # "nothing" matched nothing: its topic exists (declared at start) and is empty
    assert asyncio.run(read_topic(settings, f"{prefix}.nothing", expect=0, timeout=2)) == []


def test_adding_a_subscription_while_routing_disturbs_no_other(make_settings: Callable[..., Settings],
                                                                tmp_path: Path) -> None:
    settings = make_settings()
    p = settings.processor_id
    path = tmp_path / "subs.yaml"

    def write(*names: str) -> None:
        body = "".join(f"  - name: {p}-{n}\n    filter: {{languages: [{'nl' if n != 'de' else 'de'}]}}\n"
                       for n in names)
        path.write_text("subscriptions:\n" + body, encoding="utf-8")

    write("first", "gone")
    batch1, batch2 = sample_articles(("one",)), sample_articles(("two",))
    nl1 = [a.id for a in batch1 if a.language.code == "nl"]
    nl2 = [a.id for a in batch2 if a.language.code == "nl"]
    de2 = [a.id for a in batch2 if a.language.code == "de"]
    asyncio.run(send_enriched(settings, batch1))
    router = _route(settings, path, tmp_path)
    try:
        assert _ids(asyncio.run(read_topic(settings, f"articles.sub.{p}-first", expect=1, timeout=150))) == nl1
        write("first", "de")  # "de" added, "gone" removed
        assert router.wait_log("subscriptions reloaded"), router.tail()
        asyncio.run(send_enriched(settings, batch2))
        after = _after_reload(settings, p)
        assert router.alive(), router.tail()
    finally:
        router.stop()
    _check_reload(after, nl1, nl2, de2, router.tail())


def _raw_samples(sources: tuple[str, ...]) -> list[tuple[bytes, bytes]]:
    """The bundled samples (nl, de, en) as raw records, once per source (a line naming the source keeps them
    from being duplicates of each other, which are not enriched)."""
    from datetime import UTC, datetime

    from schemas import RawArticle, encode

    now = datetime.now(UTC)
    return [(f"{source}-{path.stem}".encode(),
             encode(RawArticle(source=source, url=f"https://example.org/{source}/{path.stem}",
                               body=path.read_text(encoding="utf-8") + f"\n\n{source}", fetched_at=now)))
            for source in sources for path in sorted((REPO / "samples").glob("*.txt"))]


def _process(settings: Settings, tmp_path: Path) -> Command:
    return Command(["process"], settings, tmp_path, "process").start()


def test_processor_routes_exactly_the_matching_articles(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    path = tmp_path / "subs.yaml"
    settings = make_settings(subscriptions=path)
    prefix = settings.processor_id
    text = SUBS.replace("{prefix}", prefix).replace("name: continental", f"name: {prefix}-continental")
    path.write_text(text, encoding="utf-8")
    subs = parse_subscriptions(text)
    raw = _raw_samples(("wire-a", "wire-b"))
    asyncio.run(send_values(settings, settings.topic_raw, [*raw[:3], (b"bad", b"{not an article"), *raw[3:]]))
    processor = _process(settings, tmp_path)
    try:
        enriched = asyncio.run(read_topic(settings, settings.topic_enriched, expect=6, timeout=240))
        articles = [EnrichedArticle.model_validate(orjson.loads(r.value)) for r in enriched]
        expected = {s.output_topic: sorted(a.id for a in articles if matches(s.filter, a)) for s in subs}
        got = {topic: asyncio.run(read_topic(settings, topic, expect=len(ids), timeout=60))
               for topic, ids in expected.items()}
        assert processor.alive(), processor.tail()
    finally:
        assert processor.stop() == 0, processor.tail()
    assert len(articles) == 6 and len(expected[f"articles.sub.{prefix}-continental"]) == 4  # nl and de, twice
    assert len(expected[f"{prefix}.port"]) == 1 and expected[f"{prefix}.nothing"] == []
    # across partitions the order is not defined: compare sorted
    assert {topic: sorted(_ids(records)) for topic, records in got.items()} == expected
    value_of = {r.key: r.value for r in enriched}
    for topic, records in got.items():
        for record in records:
            assert record.value == value_of[record.key]  # the enriched record's bytes, unchanged
            headers = header_map(record.headers)
            name = next(s.name for s in subs if s.output_topic == topic)
            assert headers[h.SUBSCRIPTION] == name and headers[h.LANGUAGE] == orjson.loads(record.value)["language"]["code"]
    assert "routing " in processor.tail(200) and "to 3 subscriptions" in processor.tail(200)


def test_subscription_added_to_the_processor_while_it_runs_disturbs_no_other(
        make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    path = tmp_path / "subs.yaml"
    settings = make_settings(subscriptions=path)
    p = settings.processor_id

    def write(*names: str) -> None:
        body = "".join(f"  - name: {p}-{n}\n    filter: {{languages: [{'nl' if n != 'de' else 'de'}]}}\n"
                       for n in names)
        path.write_text("subscriptions:\n" + body, encoding="utf-8")

    def nl_and_de(records: list) -> tuple[list[str], list[str]]:  # type: ignore[type-arg]
        langs = {r.key.decode(): orjson.loads(r.value)["language"]["code"] for r in records}
        return sorted(k for k, v in langs.items() if v == "nl"), sorted(k for k, v in langs.items() if v == "de")

    write("first", "gone")
    asyncio.run(send_values(settings, settings.topic_raw, _raw_samples(("one",))))
    processor = _process(settings, tmp_path)
    try:
        batch1 = asyncio.run(read_topic(settings, settings.topic_enriched, expect=3, timeout=240))
        nl1, _de1 = nl_and_de(batch1)  # every routing decision on batch 1 is made: its records are out
        assert sorted(_ids(asyncio.run(read_topic(settings, f"articles.sub.{p}-first", expect=1, timeout=60)))) == nl1
        write("first", "de")  # "de" added, "gone" removed
        assert processor.wait_log("subscriptions reloaded"), processor.tail()
        asyncio.run(send_values(settings, settings.topic_raw, _raw_samples(("two",))))
        both = asyncio.run(read_topic(settings, settings.topic_enriched, expect=6, timeout=120))
        nl2, de2 = nl_and_de([r for r in both if r.key.decode() not in _ids(batch1)])
        after = _after_reload(settings, p)
        assert processor.alive(), processor.tail()
    finally:
        processor.stop()
    _check_reload(after, nl1, nl2, de2, processor.tail(200))


class _Server:
    """`newsflow serve`'s app in this process (real uvicorn, real broker), on a free port."""

    def __init__(self, settings: Settings) -> None:
        from services.producer.http_ingest import create_app

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        wait_until(lambda: bool(self.server.started), 60, "the HTTP server to start", every=0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def _events(response: httpx.Response) -> Iterator[tuple[str, str, str]]:
    event, event_id, data = "message", "", ""
    for line in response.iter_lines():
        if not line:
            yield event, event_id, data
            event, data = "message", ""
        elif line.startswith("event: "):
            event = line[7:]
        elif line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("data: "):
            data = line[6:]


def test_sse_resumes_with_last_event_id_without_gaps_or_repeats(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(ingest_token="s3cret")
    batches = [sample_articles((f"s{i}",)) for i in range(4)]  # 3 articles each, 1 of them nl
    asyncio.run(send_enriched(settings, batches[0] + batches[1]))
    wanted = [a.id for b in batches for a in b if a.language.code == "nl"]
    auth = {"Authorization": "Bearer s3cret"}
    with _Server(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        assert client.get("/v1/articles/stream").status_code == 401
        assert client.get("/v1/articles/stream", params={"language": "NL"}, headers=auth).status_code == 422
        got: list[str] = []
        last = ""
        with client.stream("GET", "/v1/articles/stream", params={"language": "nl", "since": "1h"},
                           headers=auth) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            for event, event_id, data in _events(response):
                last = event_id
                if event == "article":
                    got.append(orjson.loads(data)["id"])
                    break  # disconnect after the first article
        assert len(got) == 1 and got[0] in wanted[:2]  # either partition may come first
        asyncio.run(send_enriched(settings, batches[2]))  # while disconnected
        with client.stream("GET", "/v1/articles/stream", params={"language": "nl"},
                           headers={**auth, "Last-Event-ID": last}) as response:
            sent_more = False
            for event, _event_id, data in _events(response):
                if event == "article":
                    article = orjson.loads(data)
                    assert article["language"]["code"] == "nl"
                    got.append(article["id"])
                if len(got) == 3 and not sent_more:
                    asyncio.run(send_enriched(settings, batches[3]))  # while connected
                    sent_more = True
                if len(got) >= len(wanted):
                    break
    assert sorted(got) == sorted(wanted) and len(got) == len(set(got))


def test_stored_articles_are_paged_by_cursor_with_the_same_filters(make_settings: Callable[..., Settings]) -> None:
    from services.sink.store import open_store

    settings = make_settings()
    articles = sample_articles(tuple(f"p{i}" for i in range(5)))  # 15 stored, 10 of them nl or de
    store = open_store(settings.database_url)
    store.upsert(articles)
    store.close()
    with _Server(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, object] = {"language": ["nl", "de"], "limit": 3, **({"cursor": cursor} if cursor else {})}
            page = client.get("/v1/articles", params=params).json()
            assert len(page["articles"]) <= 3
            seen += [a["id"] for a in page["articles"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(a.id for a in articles if a.language.code in ("nl", "de"))
        assert len(seen) == len(set(seen))
        one = client.get("/v1/articles", params={"keyword": "Rotterdam", "source": "p3"}).json()
        assert [a["source"] for a in one["articles"]] == ["p3"] and one["next_cursor"] is None
        assert client.get("/v1/articles", params={"cursor": "garbage!"}).status_code == 422
        schema = client.get("/openapi.json").json()
        assert {"/v1/articles", "/v1/articles/stream"} <= set(schema["paths"])


def test_tail_piped_into_head_exits_zero(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings()
    asyncio.run(send_enriched(settings, sample_articles(("t1", "t2"))))
    env = service_env(settings)
    command = f"{sys.executable} -m services.cli tail --since 1h --language nl --json | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], env=env, capture_output=True, timeout=120,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    lines = done.stdout.decode().splitlines()
    assert len(lines) == 1 and orjson.loads(lines[0])["language"]["code"] == "nl"
    assert b"Traceback" not in done.stderr
    plain = subprocess.run(["bash", "-o", "pipefail", "-c",
                            f"{sys.executable} -m services.cli tail --since 1h --source t2 | head -1"],
                           env=env, capture_output=True, timeout=120, cwd=REPO)
    assert plain.returncode == 0 and "  t2  " in plain.stdout.decode(), plain.stderr.decode()[-2000:]


def test_processor_output_carries_the_headers(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from schemas import RawArticle, encode

    settings = make_settings()
    body = (REPO / "samples" / "nl_dijken.txt").read_text(encoding="utf-8")
    raw = RawArticle(source="headers-test", body=body, fetched_at=datetime.now(UTC))
    asyncio.run(send_values(settings, settings.topic_raw, [(b"k", encode(raw))]))
    processor = Service("process", settings, tmp_path).start()
    try:
        records = asyncio.run(read_topic(settings, settings.topic_enriched, expect=1, timeout=120))
    finally:
        processor.stop()
    assert len(records) == 1, processor.tail()
    article = EnrichedArticle.model_validate(orjson.loads(records[0].value))
    headers = header_map(records[0].headers)
    assert headers[h.LANGUAGE] == "nl" and headers[h.SOURCE] == "headers-test"
    assert headers[h.CONTENT_HASH] == article.content_hash and headers[h.DUPLICATE] == "false"
    assert headers[h.SCHEMA_VERSION] == "1"
    assert headers[h.ENTITY_IDS] == ",".join(dict.fromkeys(m.entity_id for m in article.entities if m.entity_id))
    assert matches(Filter(languages=("nl",)), article)


def test_the_readme_kafka_example_filters_on_headers(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    articles = sample_articles(("ex",))
    asyncio.run(send_enriched(settings, articles))
    env = service_env(settings)
    linked = next(a for a in articles if any(m.entity_id for m in a.entities))
    entity = next(m.entity_id for m in linked.entities if m.entity_id)
    for args, expected in ((["--language", "nl"], "nl"), (["--entity", entity], linked.language.code)):
        done = subprocess.run([sys.executable, "examples/subscribe.py", "--topic", settings.topic_enriched,
                               "--group", f"{settings.processor_id}-ex-{args[0]}", "--max", "1", *args],
                              env=env, capture_output=True, timeout=120, cwd=REPO)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        assert done.stdout.decode().split()[1] == expected, done.stdout.decode()  # id, language, title | entities


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_store_pages_are_complete_and_disjoint(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    from services.sink.store import open_store

    if backend == "postgres":
        url = request.getfixturevalue("postgres").url
    else:
        url = f"sqlite:///{tmp_path / 'pages.db'}"
    tag = os.urandom(4).hex()
    articles = [a.model_copy(update={"id": f"{tag}-{i}-{a.id}"}) for i, a in enumerate(sample_articles(("pg",)) * 4)]
    store = open_store(url)
    try:
        store.upsert(articles)
        seen: list[str] = []
        before = None
        while True:
            rows = store.page(languages=("nl", "de"), before=before, limit=3)
            seen += [article_id for _, article_id, _ in rows if article_id.startswith(tag)]
            if len(rows) < 3:
                break
            before = rows[-1][:2]
        wanted = [a.id for a in articles if a.language.code in ("nl", "de")]
        assert sorted(seen) == sorted(wanted) and len(seen) == len(set(seen))
        linked = next(m.entity_id for a in articles for m in a.entities if m.entity_id)
        by_entity = store.page(entity_ids=(linked, "Q0"), limit=100)
        assert {r[1] for r in by_entity if r[1].startswith(tag)} == {
            a.id for a in articles if any(m.entity_id == linked for m in a.entities)}
        assert all(isinstance(r[2], dict) and r[2]["id"] == r[1] for r in by_entity)
    finally:
        store.close()
