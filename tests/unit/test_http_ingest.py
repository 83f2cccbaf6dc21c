"""HTTP ingest request handling: record parsing (pure) and validation/limits/auth via FastAPI's TestClient.

Kafka is replaced here by a recorder: these tests are about requests only. The real server with the
real broker is tests/integration/test_producers.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from schemas.models import RawArticle
from services.config import Settings
from services.processor.enrich import normalize_message
from services.producer.http_ingest import MAX_ERRORS, RecordErrors, create_app, parse_records
from services.producer.publish import raw_key
from schemas import encode

NOW = datetime(2025, 4, 7, 14, 39, tzinfo=UTC)
GOOD = {"source": "wire", "url": "https://example.org/a/1", "body": "Text of the article.", "title": "T"}


class Recorder:
    def __init__(self) -> None:
        self.sent: list[RawArticle] = []
        self.fail = False

    async def send_many(self, articles: Sequence[RawArticle]) -> list[str]:
        if self.fail:
            raise RuntimeError("broker unreachable")
        self.sent.extend(articles)
        return [raw_key(a) for a in articles]


def test_parse_records_single_batch_and_ndjson() -> None:
    one = parse_records(orjson.dumps(GOOD), "application/json", now=NOW)
    assert len(one) == 1 and one[0].fetched_at == NOW and one[0].content_type == "text/plain"
    given = parse_records(orjson.dumps({**GOOD, "fetched_at": "2024-01-02T03:04:05Z"}), "application/json", now=NOW)
    assert given[0].fetched_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    batch = parse_records(orjson.dumps([GOOD, {**GOOD, "url": None, "body": "B"}]), "application/json", now=NOW)
    assert [a.body for a in batch] == ["Text of the article.", "B"]
    nd = b"\n".join(orjson.dumps({**GOOD, "body": f"b{i}"}) for i in range(3)) + b"\n\n"
    assert [a.body for a in parse_records(nd, "application/x-ndjson; charset=utf-8", now=NOW)] == ["b0", "b1", "b2"]


def test_parse_records_reports_every_bad_record() -> None:
    nd = b"\n".join([orjson.dumps(GOOD), b"{broken", orjson.dumps({"source": "", "body": 1}),
                     orjson.dumps({**GOOD, "smuggled": True})])
    with pytest.raises(RecordErrors) as caught:
        parse_records(nd, "application/x-ndjson", now=NOW)
    by_record = {}
    for error in caught.value.errors:
        by_record.setdefault(error["record"], []).append(error)
    assert sorted(by_record) == [2, 3, 4]
    assert by_record[2][0]["type"] == "json_invalid"
    assert {tuple(e["loc"]) for e in by_record[3]} == {("source",), ("body",)}
    assert by_record[4][0]["type"] == "extra_forbidden"
    orjson.dumps(caught.value.errors)  # the 422 body must be serializable
    with pytest.raises(RecordErrors):
        parse_records(b"   ", "application/x-ndjson", now=NOW)


@pytest.fixture
def client_and_recorder() -> Iterator[tuple[TestClient, Recorder]]:
    recorder = Recorder()

    @asynccontextmanager
    async def factory(_settings: Settings) -> AsyncIterator[Any]:
        yield recorder

    settings = Settings(ingest_token="s3cret", ingest_max_request_bytes=4096)  # type: ignore[call-arg]
    with TestClient(create_app(settings, publisher_factory=factory)) as client:
        yield client, recorder


AUTH = {"Authorization": "Bearer s3cret"}


def test_post_accepts_valid_records_with_their_keys(client_and_recorder: tuple[TestClient, Recorder]) -> None:
    client, recorder = client_and_recorder
    response = client.post("/articles", content=orjson.dumps(GOOD), headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 202
    sent = recorder.sent[0]
    stored_as = normalize_message(encode(sent), now=NOW, max_body_bytes=1_000_000).id  # what the processor makes of it
    assert response.json() == {"ids": [stored_as], "keys": [raw_key(sent)], "warnings": [[]]}
    nd = b"\n".join(orjson.dumps({**GOOD, "url": f"https://example.org/{i}"}) for i in range(3))
    response = client.post("/articles", content=nd, headers={**AUTH, "Content-Type": "application/x-ndjson"})
    assert response.status_code == 202 and len(response.json()["ids"]) == 3 and len(recorder.sent) == 4


def test_post_rejections(client_and_recorder: tuple[TestClient, Recorder]) -> None:
    client, recorder = client_and_recorder
    js = {"Content-Type": "application/json"}
    assert client.post("/articles", content=orjson.dumps(GOOD), headers=js).status_code == 401
    wrong = client.post("/articles", content=orjson.dumps(GOOD), headers={**js, "Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    big = orjson.dumps({**GOOD, "body": "x" * 5000})
    assert client.post("/articles", content=big, headers={**AUTH, **js}).status_code == 413
    chunked = client.post("/articles", content=iter([big[:3000], big[3000:]]), headers={**AUTH, **js})
    assert chunked.status_code == 413  # no Content-Length: the limit holds while reading
    assert client.post("/articles", content=b"a,b", headers={**AUTH, "Content-Type": "text/csv"}).status_code == 415
    bad = client.post("/articles", content=orjson.dumps([GOOD, {"source": "x"}]), headers={**AUTH, **js})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["record"] == 2 and bad.json()["detail"][0]["loc"] == ["body"]
    assert recorder.sent == []  # all or nothing
    recorder.fail = True
    down = client.post("/articles", content=orjson.dumps(GOOD), headers={**AUTH, **js})
    assert down.status_code == 503 and "retry-after" in down.headers


def test_openapi_metrics_and_health(client_and_recorder: tuple[TestClient, Recorder]) -> None:
    client, _ = client_and_recorder
    spec = client.get("/openapi.json", headers=AUTH).json()
    post = spec["paths"]["/articles"]["post"]
    assert {"202", "413", "422"} <= set(post["responses"])
    assert "application/x-ndjson" in post["requestBody"]["content"]
    assert "body" in spec["components"]["schemas"]["RawArticle"]["properties"]
    client.post("/articles", content=orjson.dumps(GOOD), headers={**AUTH, "Content-Type": "application/json"})
    metrics = client.get("/metrics", headers=AUTH).text
    assert 'newsflow_producer_sent_total{producer="http"} 1.0' in metrics
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/readyz").json()["status"] == "ready"  # the recorder counts as a ready producer


@pytest.fixture
def client_with_limits() -> Iterator[tuple[TestClient, Recorder]]:
    recorder = Recorder()

    @asynccontextmanager
    async def factory(_settings: Settings) -> AsyncIterator[Any]:
        yield recorder

    settings = Settings(max_body_bytes=1000, ingest_max_request_bytes=2_000_000)  # type: ignore[call-arg]
    with TestClient(create_app(settings, publisher_factory=factory)) as client:
        yield client, recorder


@pytest.mark.parametrize(("record", "reason"), [
    ({**GOOD, "body": "x " * 600}, "over NEWSFLOW_MAX_BODY_BYTES=1,000"),  # over NEWSFLOW_MAX_BODY_BYTES, under the request limit
    ({**GOOD, "body": ""}, "empty"),
    ({**GOOD, "body": " \n\t "}, "empty"),
    ({**GOOD, "body": "Text with a \u0000 in it."}, "NUL"),
    ({**GOOD, "content_type": "application/json", "body": "this is not JSON"}, "invalid JSON"),
    ({**GOOD, "source": "   "}, "source is empty"),
])
def test_serve_refuses_what_the_processor_would_dead_letter(client_with_limits: tuple[TestClient, Recorder],
                                                            record: dict[str, Any], reason: str) -> None:
    client, recorder = client_with_limits
    # the processor, given the same record and limit, dead-letters it with that reason
    raw = RawArticle.model_validate({**record, "fetched_at": NOW})
    assert reason in normalize_message(encode(raw), now=NOW, max_body_bytes=1000).error  # type: ignore[union-attr]
    response = client.post("/articles", content=orjson.dumps(record), headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"][0]["msg"] and recorder.sent == []


def test_only_http_urls_are_kept_and_the_answer_says_so(client_with_limits: tuple[TestClient, Recorder]) -> None:
    client, recorder = client_with_limits
    for url in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi"):
        response = client.post("/articles", content=orjson.dumps({**GOOD, "url": url}),
                               headers={"Content-Type": "application/json"})
        assert response.status_code == 202
        assert response.json()["ids"][0].startswith("t-")  # identity from source and title, not from that URL
        assert "dropped" in response.json()["warnings"][0][0]
        stored = normalize_message(encode(recorder.sent[-1]), now=NOW, max_body_bytes=1000)
        assert stored.url is None and stored.id == response.json()["ids"][0]  # type: ignore[union-attr]


def test_a_large_batch_of_bad_records_gets_a_small_422(client_with_limits: tuple[TestClient, Recorder]) -> None:
    client, _ = client_with_limits
    bad = {"source": "", "body": 1, "title": ["x" * 50], "smuggled": "y" * 200, "url": 5}
    batch = b"\n".join(orjson.dumps(bad) for _ in range(2000))  # ~0.7 MB
    response = client.post("/articles", content=batch, headers={"Content-Type": "application/x-ndjson"})
    assert response.status_code == 422
    answer = response.json()
    assert len(answer["detail"]) == MAX_ERRORS and answer["shown"] == MAX_ERRORS
    assert answer["errors"] == 2000 * 5
    assert len(response.content) < 20_000


def test_invalid_utf8_is_reported_as_such(client_with_limits: tuple[TestClient, Recorder]) -> None:
    client, _ = client_with_limits
    body = b'{"source": "s", "body": "caf\xe9"}'
    for content_type in ("application/json", "application/x-ndjson"):
        response = client.post("/articles", content=body, headers={"Content-Type": content_type})
        assert response.status_code == 422
        msg = response.json()["detail"][0]["msg"]
        assert "not valid UTF-8" in msg and "0xe9" in msg and "surrogates" not in msg


def test_token_guards_metrics_docs_and_openapi(client_and_recorder: tuple[TestClient, Recorder]) -> None:
    client, _ = client_and_recorder
    for path in ("/metrics", "/docs", "/openapi.json"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=AUTH).status_code == 200, path
    assert client.get("/healthz").status_code == 200 and client.get("/readyz").status_code == 200
