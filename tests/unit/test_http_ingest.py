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
from services.producer.http_ingest import RecordErrors, create_app, parse_records
from services.producer.publish import raw_key

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
    assert response.json() == {"ids": [raw_key(recorder.sent[0])]}
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
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/articles"]["post"]
    assert {"202", "413", "422"} <= set(post["responses"])
    assert "application/x-ndjson" in post["requestBody"]["content"]
    assert "body" in spec["components"]["schemas"]["RawArticle"]["properties"]
    client.post("/articles", content=orjson.dumps(GOOD), headers={**AUTH, "Content-Type": "application/json"})
    metrics = client.get("/metrics").text
    assert 'newsflow_producer_sent_total{producer="http"} 1.0' in metrics
    assert client.get("/healthz").json()["status"] == "ok"  # the recorder counts as a started producer
