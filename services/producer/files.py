"""Turn files into RawArticles (pure apart from reading the file): text dumps, .html pages, .json/.jsonl records."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
from pydantic import ValidationError

from schemas import encode
from schemas.models import ContentType, RawArticle
from services.common.kafka import MAX_VALUE_BYTES

TEXT_SUFFIXES = {".txt", ".text", ""}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES


@dataclass(frozen=True)
class Rejected:
    """Input that could not become a RawArticle: it goes to the dead-letter topic with this reason."""

    origin: str
    payload: bytes
    reason: str
    stage: str = "parse"


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under the given paths (folders recursively, hidden files skipped), in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            yield path


def _content_type(path: Path) -> ContentType | None:
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "text/html"
    if suffix in JSON_SUFFIXES:
        return "application/json"
    if suffix in TEXT_SUFFIXES:
        return "text/plain"
    return None


JSON_WHITESPACE = " \t\r\n"


def json_lines(text: str) -> list[str]:
    """JSON Lines records: split on "\n" only (a trailing "\r" is JSON whitespace). Not str.splitlines,
    which also breaks on U+0085, U+2028, U+2029 and other characters a JSON string may hold raw."""
    return text.split("\n")


def record_to_raw(record: object, *, source: str, fetched_at: datetime, origin: str) -> RawArticle:
    """A JSON record is either a RawArticle already, or another service's article carried as JSON."""
    if isinstance(record, dict) and "body" in record and "source" in record:
        try:
            return RawArticle.model_validate({"fetched_at": fetched_at, **record})
        except ValidationError:
            pass  # not our shape after all: carry it whole, the normalizer reads other services' shapes
    return RawArticle(source=source, content_type="application/json", body=orjson.dumps(record).decode(),
                      fetched_at=fetched_at, metadata={"path": origin})


def _fits(article: RawArticle, origin: str, limit: int) -> RawArticle | Rejected:
    """The article, or a rejection when its record is larger than any topic of the pipeline takes: retrying
    such a send can never succeed, so it is dead-lettered once (the payload cut to fit, see publish.fitting)."""
    size = len(encode(article))
    if size <= limit:
        return article
    payload = article.body.encode("utf-8", "surrogatepass")
    return Rejected(origin, payload, f"record of {size:,} bytes is over the topic's message limit of {limit:,} bytes "
                                     "(max.message.bytes): split the file or shorten the article", stage="produce")


def articles_from_file(path: Path, *, source: str, now: datetime | None = None,
                       max_record_bytes: int = MAX_VALUE_BYTES) -> Iterator[RawArticle | Rejected]:
    """The file's articles, or the reasons it has none; a record over `max_record_bytes` encoded is rejected."""
    for item in _articles_from_file(path, source=source, now=now):
        if isinstance(item, Rejected):
            yield item
        else:
            yield _fits(item, str(item.metadata.get("path") or path), max_record_bytes)


def _articles_from_file(path: Path, *, source: str, now: datetime | None = None) -> Iterator[RawArticle | Rejected]:
    fetched_at = now or datetime.now(UTC)
    origin = str(path)
    kind = _content_type(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Rejected(origin, b"", f"cannot read file: {exc}")
        return
    if kind is None:
        yield Rejected(origin, data, f"unsupported file type {path.suffix!r} (expected .txt, .html, .json, .jsonl)")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield Rejected(origin, data, f"not valid UTF-8: {exc}")
        return
    if kind != "application/json":
        yield RawArticle(source=source, content_type=kind, body=text, fetched_at=fetched_at, metadata={"path": origin})
        return
    lines = json_lines(text) if path.suffix.lower() in {".jsonl", ".ndjson"} else [text]
    for number, line in enumerate(lines, 1):
        if not line.strip(JSON_WHITESPACE):
            continue
        where = f"{origin}:{number}" if len(lines) > 1 else origin
        try:
            yield record_to_raw(orjson.loads(line), source=source, fetched_at=fetched_at, origin=where)
        except orjson.JSONDecodeError as exc:
            yield Rejected(where, line.encode(), f"invalid JSON: {exc}")
        except ValidationError as exc:
            yield Rejected(where, line.encode(), f"invalid record: {exc.errors(include_url=False)}", stage="validate")
