"""`newsflow tail`: follow live enriched records in a shell, filtered, as lines or JSON lines.

Reads without a consumer group (follow.py). Ends cleanly on Ctrl-C/SIGTERM and when the reader of
stdout goes away (`newsflow tail | head -1`): a write to a closed pipe, or a pipe found closed while
the stream is quiet, ends the command with status 0.
"""

from __future__ import annotations

import asyncio
import os
import select
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

import orjson

from schemas.models import EnrichedArticle
from services.config import Settings
from services.subscriptions.filters import Filter, matches
from services.subscriptions.follow import Follower


def article_line(article: EnrichedArticle, timestamp_ms: int) -> str:
    """`time  lang  source  title  [entities]` on one line (tabs and newlines in fields become spaces)."""
    when = datetime.fromtimestamp(timestamp_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
    names = list(dict.fromkeys(s.name + (f" ({s.entity_id})" if s.entity_id else "") for s in article.entity_summary))
    fields = [when, article.language.code, article.source, article.title or article.body[:80], "; ".join(names)]
    clean = [" ".join(f.split()) for f in fields]
    return "  ".join(clean[:4]) + (f"  [{clean[4]}]" if clean[4] else "")


def article_json(article: EnrichedArticle) -> str:
    return orjson.dumps(article.model_dump(mode="json")).decode()


def reader_gone(stream: TextIO) -> bool:
    """Whether `stream` is a pipe whose reading end was closed (POLLERR on the writing end)."""
    try:
        poller = select.poll()
        poller.register(stream.fileno(), 0)  # POLLERR/POLLHUP are always reported
        return any(event & (select.POLLERR | select.POLLHUP) for _, event in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


async def run_tail(settings: Settings, flt: Filter, start: datetime | None, *, as_json: bool, stop: asyncio.Event,
                   out: TextIO = sys.stdout, limit: int | None = None,
                   on_start: Callable[[], None] | None = None) -> int:
    """Print matching articles until stopped; returns how many were printed."""
    printed = 0
    async with Follower(settings, start) as follower:
        if on_start:
            on_start()
        async for item in follower.records(stop):
            if item is None:
                if reader_gone(out):
                    break
                continue
            if item.article is None or not matches(flt, item.article):
                continue
            line = article_json(item.article) if as_json else article_line(item.article, item.timestamp_ms)
            try:
                out.write(line + "\n")
                out.flush()
            except BrokenPipeError:
                # Python would report the pipe again when it flushes stdout at exit: point it at /dev/null.
                os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
                break
            printed += 1
            if limit is not None and printed >= limit:
                break
    return printed
