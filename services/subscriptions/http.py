"""HTTP for services without a Kafka client, on `newsflow serve` (same bearer-token rule as ingest).

- `GET /v1/articles/stream?<filter>` — Server-Sent Events of matching articles from articles.enriched.
  Each `article` event's `id` is the stream position after it (positions.py: `partition:offset,...`);
  a client that reconnects with `Last-Event-ID` (browsers' EventSource do it themselves) resumes exactly
  there: no gap, no repeat. Without it the stream starts at `since` (`2h`, or an ISO time) or, by default,
  at the end (new articles only). A `position` event (id only) opens the stream and is repeated while
  nothing matches, so even a quiet client can resume where it was.
- `GET /v1/articles?<filter>&limit=&cursor=` — stored articles (the sink's store), newest enrichment
  first, paginated by an opaque cursor (`next_cursor`; null at the end). A page may hold fewer than
  `limit` articles when a filter is rare (at most SCAN_ROWS stored rows are examined per request); keep
  following `next_cursor` until it is null.
Filter parameters (repeatable where plural): language, entity, entity_type, source, keyword,
duplicates (include|exclude|only), published_after. Semantics: services/subscriptions/filters.py.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, which name local dependencies.

import asyncio
import base64
import binascii
import hmac
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import orjson
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from schemas.models import EnrichedArticle
from services.config import Settings
from services.subscriptions.filters import Filter, filter_from_options, matches, since
from services.subscriptions.follow import Follower
from services.subscriptions.positions import BadPosition, decode_positions, encode_positions

SCAN_ROWS = 5000
KEEPALIVE_SECONDS = 15.0


class ArticlePage(BaseModel):
    articles: list[EnrichedArticle]
    next_cursor: str | None


def encode_cursor(enriched_at: str, article_id: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([enriched_at, article_id])).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        at, article_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(at, str) and isinstance(article_id, str):
            return at, article_id
    except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError):
        pass
    raise ValueError("cursor is not one this server gave out (use next_cursor as returned)")


def sse_event(event: str, event_id: str, data: bytes) -> bytes:
    return b"event: " + event.encode() + b"\nid: " + event_id.encode() + b"\ndata: " + data + b"\n\n"


def subscribe_router(settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["subscribe"])
    bearer = HTTPBearer(auto_error=False, description="NEWSFLOW_INGEST_TOKEN, when the server has one")

    def authorized(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:  # noqa: B008
        token = settings.ingest_token
        if token is None:
            return
        given = credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else ""
        if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
            raise HTTPException(401, "missing or invalid bearer token", headers={"WWW-Authenticate": "Bearer"})

    def article_filter(
        language: Annotated[list[str] | None, Query(description="ISO 639-1 code; repeat for any of several.")] = None,
        entity: Annotated[list[str] | None, Query(description="Entity id, e.g. Q7747; repeatable.")] = None,
        entity_type: Annotated[list[str] | None, Query(description="PER, ORG, LOC or MISC; repeatable.")] = None,
        source: Annotated[list[str] | None, Query(description="Source name; repeatable.")] = None,
        keyword: Annotated[list[str] | None, Query(description="Whole word or phrase in title or body; repeatable.")] = None,
        duplicates: Annotated[str, Query(description="include, exclude or only.")] = "include",
        published_after: Annotated[str | None, Query(description="ISO 8601 time with offset.")] = None,
    ) -> Filter:
        try:
            return filter_from_options(language, entity, entity_type, source, keyword, duplicates, published_after)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None

    def read_page(flt: Filter, before: tuple[str, str] | None, limit: int) -> ArticlePage:
        from services.sink.store import open_store

        url = settings.database_url
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            return ArticlePage(articles=[], next_cursor=None)  # nothing stored yet; a read creates no database
        store = open_store(url)
        try:
            found: list[EnrichedArticle] = []
            scanned, chunk = 0, max(limit, 100)
            while scanned < SCAN_ROWS:
                rows = store.page(languages=flt.languages, entity_ids=flt.entity_ids, before=before, limit=chunk)
                for at, article_id, record in rows:
                    scanned += 1
                    before = (at, article_id)
                    article = EnrichedArticle.model_validate(record)
                    if matches(flt, article):
                        found.append(article)
                        if len(found) == limit:
                            return ArticlePage(articles=found, next_cursor=encode_cursor(*before))
                if len(rows) < chunk:
                    return ArticlePage(articles=found, next_cursor=None)
            return ArticlePage(articles=found, next_cursor=encode_cursor(*before) if before else None)
        finally:
            store.close()

    @router.get("/articles", response_model=ArticlePage, dependencies=[Depends(authorized)],
                responses={401: {"description": "Missing or wrong bearer token"}, 422: {"description": "Bad filter or cursor"}})
    async def list_articles(flt: Annotated[Filter, Depends(article_filter)],
                            limit: Annotated[int, Query(ge=1, le=500)] = 50,
                            cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
                            ) -> ArticlePage:
        """Stored articles matching the filter, newest enrichment first; follow `next_cursor`."""
        try:
            before = decode_cursor(cursor) if cursor else None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        return await asyncio.to_thread(read_page, flt, before, limit)

    async def events(request: Request, flt: Filter, follower: Follower) -> AsyncIterator[bytes]:
        try:
            last_id = encode_positions(follower.positions)
            yield b"retry: 2000\n" + sse_event("position", last_id, b"{}")
            quiet_since = asyncio.get_running_loop().time()
            async for item in follower.records(poll_ms=500):
                now = asyncio.get_running_loop().time()
                if item is not None and item.article is not None and matches(flt, item.article):
                    last_id = encode_positions(follower.positions)
                    yield sse_event("article", last_id, orjson.dumps(item.article.model_dump(mode="json")))
                    quiet_since = now
                elif item is None and now - quiet_since >= KEEPALIVE_SECONDS:
                    position = encode_positions(follower.positions)
                    yield sse_event("position", position, b"{}") if position != last_id else b": keep-alive\n\n"
                    last_id, quiet_since = position, now
                if item is None and await request.is_disconnected():
                    break
        finally:
            await follower.__aexit__(None, None, None)

    @router.get("/articles/stream", dependencies=[Depends(authorized)], response_class=StreamingResponse,
                responses={200: {"description": "Server-Sent Events: `article` (data: an EnrichedArticle as JSON; id: "
                                                "the resumable position) and `position` (id only).",
                                 "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                           401: {"description": "Missing or wrong bearer token"},
                           422: {"description": "Bad filter, since or Last-Event-ID"},
                           503: {"description": "Kafka or the topic is not reachable"}})
    async def stream_articles(request: Request, flt: Annotated[Filter, Depends(article_filter)],
                              since_: Annotated[str | None, Query(alias="since", description="Start this far back "
                                                                  "(30m, 2h) or at an ISO time; default: new only.")] = None,
                              last_event_id: Annotated[str | None, Header(description="Resume after this event id.")] = None,
                              ) -> StreamingResponse:
        """Matching articles as they are enriched, resumable with Last-Event-ID."""
        try:
            start: dict[int, int] | datetime | None = (
                decode_positions(last_event_id) if last_event_id
                else since(since_, datetime.now(UTC)) if since_ else None)
        except (BadPosition, ValueError) as exc:
            raise HTTPException(422, str(exc)) from None
        follower = Follower(settings, start)
        try:  # positioned before the response starts, so a missing topic or broker is a 503, not a cut stream
            await follower.__aenter__()
        except (LookupError, KafkaError) as exc:
            raise HTTPException(503, f"articles.enriched not readable: {exc}", headers={"Retry-After": "5"}) from None
        return StreamingResponse(events(request, flt, follower), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    return router
