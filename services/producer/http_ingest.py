"""`newsflow serve`: HTTP ingest (FastAPI). POST /articles -> articles.raw, answered after Kafka acked.

- Body: one JSON record (application/json; a JSON array is taken as a batch too) or NDJSON
  (application/x-ndjson, one record per line). Each record is a RawArticle; `fetched_at` may be
  omitted and then is the time the server received the request (the producer's fetch time is the
  moment the article reached newsflow); `schema_version` defaults to the current one.
- A batch is all or nothing: any invalid record -> 422 with the errors per record, nothing sent.
- 202 {"ids": [raw keys in request order]} only after the broker acknowledged every record;
  503 when Kafka did not (the client retries; keys are stable, so a retry is harmless downstream).
- 413 when the body exceeds settings.ingest_max_request_bytes (checked on Content-Length and while
  streaming, so an oversized body is never held in memory); 415 for other content types.
- Bearer token when NEWSFLOW_INGEST_TOKEN is set (401 otherwise). /healthz, /metrics, /openapi.json.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ValidationError

from schemas.models import RawArticle
from services.config import Settings
from services.producer.metrics import ProducerMetrics
from services.subscriptions.http import subscribe_router

log = logging.getLogger(__name__)
JSON_TYPES = {"application/json"}
NDJSON_TYPES = {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}


class Sender(Protocol):
    async def send_many(self, articles: Sequence[RawArticle]) -> list[str]: ...


class RecordErrors(ValueError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} invalid record(s)")
        self.errors = errors


def parse_records(body: bytes, content_type: str, *, now: datetime) -> list[RawArticle]:
    """The request body as RawArticles, or RecordErrors listing every bad record. Pure."""
    kind = content_type.split(";")[0].strip().lower()
    errors: list[dict[str, Any]] = []
    values: list[tuple[int, Any]] = []
    if kind in NDJSON_TYPES:
        for number, line in enumerate(body.split(b"\n"), 1):
            if line.strip():
                try:
                    values.append((number, orjson.loads(line)))
                except orjson.JSONDecodeError as exc:
                    errors.append({"record": number, "loc": [], "msg": f"invalid JSON: {exc}", "type": "json_invalid"})
    else:
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise RecordErrors([{"record": 1, "loc": [], "msg": f"invalid JSON: {exc}", "type": "json_invalid"}]) from None
        values = list(enumerate(doc, 1)) if isinstance(doc, list) else [(1, doc)]
    articles: list[RawArticle] = []
    for number, value in values:
        if isinstance(value, dict) and value.get("fetched_at") is None:
            value = {**value, "fetched_at": now}
        try:
            articles.append(RawArticle.model_validate(value))
        except ValidationError as exc:
            errors.extend({"record": number, **e} for e in exc.errors(include_url=False, include_context=False,
                                                                      include_input=False))
    if errors:
        raise RecordErrors(errors)
    if not articles:
        raise RecordErrors([{"record": 0, "loc": [], "msg": "no records in the body", "type": "missing"}])
    return articles


class TooLarge(Exception):
    pass


async def read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(declared)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(str(len(body)))
    return bytes(body)


class Accepted(BaseModel):
    ids: list[str]


class Health(BaseModel):
    status: str
    kafka: dict[str, Any]


async def kafka_state(publisher: Any, topic: str) -> dict[str, Any]:
    """The producer's view of the cluster: started, and the raw topic's partitions known within 2 s."""
    producer = getattr(publisher, "_producer", None)  # Publisher keeps its AIOKafkaProducer private
    if producer is None:
        return {"started": publisher is not None, "ready": publisher is not None}
    try:
        partitions = await asyncio.wait_for(producer.partitions_for(topic), timeout=2.0)
        return {"started": True, "ready": bool(partitions), "topic": topic, "partitions": len(partitions or ())}
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return {"started": True, "ready": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _default_publisher(settings: Settings) -> AbstractAsyncContextManager[Any]:
    from services.producer.publish import Publisher

    @asynccontextmanager
    async def started() -> AsyncIterator[Any]:
        from services.common.kafka import ensure_topics

        await ensure_topics(settings)
        async with Publisher(settings) as publisher:
            yield publisher

    return started()


def create_app(settings: Settings, *, metrics: ProducerMetrics | None = None,
               publisher_factory: Callable[[Settings], AbstractAsyncContextManager[Any]] = _default_publisher) -> FastAPI:
    metrics = metrics or ProducerMetrics("http")
    bearer = HTTPBearer(auto_error=False, description="NEWSFLOW_INGEST_TOKEN, when the server has one")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with publisher_factory(settings) as publisher:
            app.state.publisher = publisher
            metrics.up.set(1)
            try:
                yield
            finally:  # uvicorn's SIGINT/SIGTERM handling ends here: the producer flushes and stops
                metrics.up.set(0)
                app.state.publisher = None

    app = FastAPI(title="newsflow ingest", version="1", lifespan=lifespan,
                  description="Publish articles onto articles.raw (RawArticle records, see /openapi.json).")

    def authorized(credentials: HTTPAuthorizationCredentials | None) -> bool:
        token = settings.ingest_token
        if token is None:
            return True
        given = credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else ""
        return hmac.compare_digest(given.encode(), token.get_secret_value().encode())

    def problem(status: int, detail: Any, reason: str, headers: dict[str, str] | None = None) -> JSONResponse:
        metrics.failure(reason)
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)

    @app.post("/articles", status_code=202, response_model=Accepted, responses={
        401: {"description": "Missing or wrong bearer token"}, 413: {"description": "Body too large"},
        415: {"description": "Not JSON / NDJSON"}, 422: {"description": "Invalid records (errors per record)"},
        503: {"description": "Kafka did not acknowledge"}},
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/RawArticle"},
                                                      {"type": "array", "items": {"$ref": "#/components/schemas/RawArticle"}}]}},
            "application/x-ndjson": {"schema": {"type": "string", "description": "One RawArticle per line"}}}}})
    async def post_articles(request: Request,
                            credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Any:  # noqa: B008
        """Validate and publish; 202 with the raw keys once Kafka acknowledged every record."""
        if not authorized(credentials):
            return problem(401, "missing or invalid bearer token", "unauthorized", {"WWW-Authenticate": "Bearer"})
        content_type = request.headers.get("content-type", "application/json")
        kind = content_type.split(";")[0].strip().lower()
        if kind not in JSON_TYPES | NDJSON_TYPES:
            return problem(415, f"unsupported content type {kind!r} (application/json or application/x-ndjson)",
                           "unsupported")
        try:
            body = await read_limited(request, settings.ingest_max_request_bytes)
        except TooLarge:
            return problem(413, f"body larger than {settings.ingest_max_request_bytes} bytes", "too_large")
        try:
            articles = parse_records(body, content_type, now=datetime.now(UTC))
        except RecordErrors as exc:
            return problem(422, exc.errors, "invalid")
        publisher = request.app.state.publisher
        try:
            ids = await publisher.send_many(articles)
        except Exception as exc:  # noqa: BLE001 - whatever Kafka raised, the client must retry
            log.warning("publishing %d records failed: %s", len(articles), exc)
            return problem(503, f"not acknowledged by Kafka: {type(exc).__name__}", "kafka", {"Retry-After": "5"})
        metrics.sent(len(ids))
        return JSONResponse({"ids": ids}, status_code=202)

    # The JSON Schema of RawArticle for the request body above.
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {})["RawArticle"] = RawArticle.model_json_schema(
                ref_template="#/components/schemas/{model}")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.include_router(subscribe_router(settings))  # GET /v1/articles, /v1/articles/stream

    @app.get("/healthz", response_model=Health)
    async def healthz(request: Request) -> JSONResponse:
        """200 when the Kafka producer is started and knows the raw topic; 503 otherwise."""
        publisher = getattr(request.app.state, "publisher", None)
        state = await kafka_state(publisher, settings.topic_raw) if publisher is not None else {"started": False, "ready": False}
        ok = bool(state.get("ready"))
        return JSONResponse({"status": "ok" if ok else "unavailable", "kafka": state}, status_code=200 if ok else 503)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
