"""`newsflow serve`: HTTP ingest (FastAPI). POST /articles -> articles.raw, answered after Kafka acked.

- Body: one JSON record (application/json; a JSON array is taken as a batch too) or NDJSON
  (application/x-ndjson, one record per line). Each record is a RawArticle; `fetched_at` may be
  omitted and then is the time the server received the request (the producer's fetch time is the
  moment the article reached newsflow); `schema_version` defaults to the current one.
- Every record goes through the processor's own normalize step (validate_raw and all), in a worker
  thread: what the processor would dead-letter (body over NEWSFLOW_MAX_BODY_BYTES, empty or binary
  body, JSON content that is not JSON or not an article, blank source) is refused here with the same
  reason, and the article id the record will be stored under is known before answering.
- A batch is all or nothing: any invalid record -> 422 with the first MAX_ERRORS errors and their
  count, nothing sent.
- 202 {"ids": [article ids], "keys": [raw keys], "warnings": [[...] per record]} only after the broker
  acknowledged every record; 503 + Retry-After when Kafka did not within NEWSFLOW_PRODUCE_TIMEOUT (the
  client retries; keys and ids are stable, so a retry is harmless downstream).
- 413 when the body exceeds settings.ingest_max_request_bytes (checked on Content-Length and while
  streaming, so an oversized body is never held in memory); 415 for other content types.
- Bearer token when NEWSFLOW_INGEST_TOKEN is set: every path but /healthz and /readyz needs it
  (401 otherwise), /metrics, /docs and /openapi.json included.
- /healthz: the process serves (liveness). /readyz: a broker answers a fresh metadata request and
  knows the raw topic (readiness), 503 otherwise.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
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
from services.processor.errors import StepError
from services.processor.normalize import normalize
from services.producer.metrics import ProducerMetrics
from services.subscriptions.http import subscribe_router

log = logging.getLogger(__name__)
MAX_ERRORS = 20  # a 422 lists at most this many errors (and counts them all)
MAX_MESSAGE_CHARS = 300
OPEN_PATHS = frozenset({"/healthz", "/readyz"})  # answered without the token (probes)
JSON_TYPES = {"application/json"}
NDJSON_TYPES = {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}


class Sender(Protocol):
    async def send_many(self, articles: Sequence[RawArticle]) -> list[str]: ...


class RecordErrors(ValueError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} invalid record(s)")
        self.errors = errors

    def body(self, limit: int = MAX_ERRORS) -> dict[str, Any]:
        """The 422 body: the first `limit` errors (messages cut to MAX_MESSAGE_CHARS) and how many there are,
        so a large batch of bad records gets a small answer."""
        shown = [{**e, "msg": str(e.get("msg", ""))[:MAX_MESSAGE_CHARS]} for e in self.errors[:limit]]
        return {"detail": shown, "errors": len(self.errors), "shown": len(shown)}


def _utf8_error(data: bytes, record: int) -> dict[str, Any] | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start:exc.start + 1].hex()
        return {"record": record, "loc": [], "msg": f"not valid UTF-8: byte 0x{bad} at offset {exc.start} ({exc.reason})",
                "type": "utf8_invalid"}
    return None


def _json_value(data: bytes, record: int) -> tuple[Any, dict[str, Any] | None]:
    problem = _utf8_error(data, record)
    if problem:
        return None, problem
    try:
        return orjson.loads(data), None
    except orjson.JSONDecodeError as exc:
        return None, {"record": record, "loc": [], "msg": f"invalid JSON: {exc}", "type": "json_invalid"}


def parse_numbered(body: bytes, content_type: str, *, now: datetime) -> list[tuple[int, RawArticle]]:
    """The request body as (record number, RawArticle) pairs, or RecordErrors listing every bad record. Pure.

    Record numbers are 1-based: the line for NDJSON (split on "\n" only), the position in a JSON array."""
    kind = content_type.split(";")[0].strip().lower()
    errors: list[dict[str, Any]] = []
    values: list[tuple[int, Any]] = []
    if kind in NDJSON_TYPES:
        for number, line in enumerate(body.split(b"\n"), 1):
            if line.strip(b" \t\r"):
                value, problem = _json_value(line, number)
                if problem:
                    errors.append(problem)
                else:
                    values.append((number, value))
    else:
        doc, problem = _json_value(body, 1)
        if problem:
            raise RecordErrors([problem])
        values = list(enumerate(doc, 1)) if isinstance(doc, list) else [(1, doc)]
    articles: list[tuple[int, RawArticle]] = []
    for number, value in values:
        if isinstance(value, dict) and value.get("fetched_at") is None:
            value = {**value, "fetched_at": now}
        try:
            articles.append((number, RawArticle.model_validate(value)))
        except ValidationError as exc:
            errors.extend({"record": number, **e} for e in exc.errors(include_url=False, include_context=False,
                                                                      include_input=False))
    if errors:
        raise RecordErrors(errors)
    if not articles:
        raise RecordErrors([{"record": 0, "loc": [], "msg": "no records in the body", "type": "missing"}])
    return articles


def parse_records(body: bytes, content_type: str, *, now: datetime) -> list[RawArticle]:
    """The request body as RawArticles (see parse_numbered). Pure."""
    return [article for _, article in parse_numbered(body, content_type, now=now)]


@dataclass(frozen=True)
class Checked:
    """What the processor's normalize step makes of the records: their article ids and warnings."""

    ids: list[str]
    warnings: list[list[str]]


def check_records(records: Sequence[tuple[int, RawArticle]], *, max_body_bytes: int, now: datetime) -> Checked:
    """Run each record through the processor's normalize step (the same function, the same limit):
    RecordErrors for those it would dead-letter, else the ids they will be stored under. Pure."""
    ids: list[str] = []
    warnings: list[list[str]] = []
    errors: list[dict[str, Any]] = []
    for number, article in records:
        try:
            normalized = normalize(article, now=now, max_body_bytes=max_body_bytes)
        except StepError as exc:
            errors.append({"record": number, "loc": ["body"] if exc.stage == "normalize" else ["source"],
                           "msg": exc.reason, "type": f"refused_by_{exc.stage}"})
            continue
        except Exception as exc:  # noqa: BLE001 - the processor dead-letters a step's bug with the same words
            errors.append({"record": number, "loc": [], "msg": f"{type(exc).__name__}: {exc}",
                           "type": "refused_by_normalize"})
            continue
        ids.append(normalized.id)
        warnings.append(list(normalized.warnings))
    if errors:
        raise RecordErrors(errors)
    return Checked(ids, warnings)


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
    ids: list[str]  # article ids, as stored and as on articles.enriched
    keys: list[str]  # the records' keys on articles.raw
    warnings: list[list[str]]  # per record: what normalizing will drop or ignore (e.g. a javascript: URL)


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    kafka: dict[str, Any]


async def kafka_state(publisher: Any) -> dict[str, Any]:
    """Readiness: the publisher's fresh view of the cluster (a publisher without `ready` counts as ready)."""
    if publisher is None:
        return {"started": False, "ready": False}
    ready = getattr(publisher, "ready", None)
    if ready is None:
        return {"started": True, "ready": True}
    return dict(await ready())


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

    def problem(status: int, detail: Any, reason: str, headers: dict[str, str] | None = None,
                extra: dict[str, Any] | None = None) -> JSONResponse:
        metrics.failure(reason)
        return JSONResponse({"detail": detail, **(extra or {})}, status_code=status, headers=headers)

    @app.middleware("http")
    async def token_everywhere(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """With a token set, everything but the probes needs it: /metrics, /docs and /openapi.json too."""
        if settings.ingest_token is None or request.url.path in OPEN_PATHS:
            return await call_next(request)
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() == "bearer" and authorized(HTTPAuthorizationCredentials(scheme="Bearer", credentials=given.strip())):
            return await call_next(request)
        return problem(401, "missing or invalid bearer token", "unauthorized", {"WWW-Authenticate": "Bearer"})

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
        now = datetime.now(UTC)
        try:
            records = parse_numbered(body, content_type, now=now)
            checked = await asyncio.to_thread(check_records, records, max_body_bytes=settings.max_body_bytes, now=now)
        except RecordErrors as exc:
            answer = exc.body()
            return problem(422, answer.pop("detail"), "invalid", extra=answer)
        articles = [article for _, article in records]
        publisher = request.app.state.publisher
        try:
            keys = await publisher.send_many(articles)
        except Exception as exc:  # noqa: BLE001 - whatever Kafka raised, the client must retry
            log.warning("publishing %d records failed: %s", len(articles), exc)
            return problem(503, f"not acknowledged by Kafka: {exc or type(exc).__name__}", "kafka",
                           {"Retry-After": "5"})
        metrics.sent(len(keys))
        return JSONResponse({"ids": checked.ids, "keys": keys, "warnings": checked.warnings}, status_code=202)

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
    async def healthz() -> JSONResponse:
        """200 while the server runs (liveness); whether Kafka takes records is /readyz."""
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", response_model=Ready)
    async def readyz(request: Request) -> JSONResponse:
        """200 when a broker answers a fresh metadata request within 2 s and knows the raw topic; 503 otherwise."""
        state = await kafka_state(getattr(request.app.state, "publisher", None))
        ok = bool(state.get("ready"))
        return JSONResponse({"status": "ready" if ok else "unavailable", "kafka": state}, status_code=200 if ok else 503)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
