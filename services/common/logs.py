"""Logging for the `newsflow` commands and services: one handler on stderr, one line per event with the
record it is about, the Kafka client's repeated messages let through once a minute.

* Format: `text` (default) appends the record's context (topic, partition, offset, article id, stage,
  reason: `extra=record_context(letter)` / `message_context(...)`) as `[key=value ...]`; `json` writes one
  JSON object per line for log shippers.
* Client libraries (CHATTY) log every join, assignment and fetch at INFO: they stay at WARNING unless the
  service runs at DEBUG, so the default view shows newsflow's own lines, plus the consumer group's
  membership changes (MEMBERSHIP: one line per rebalance). Their DEBUG builds a record per request.
* With the broker away, aiokafka logs the same connection error several times a second for as long as the
  outage lasts; `Repeats` keeps one line per message template and minute from the client libraries, and
  says how many it held back. newsflow's own lines all pass (a retry schedule is worth every line).

`configure_logging` sets this up on the root logger; `dict_config` is the same as a logging.config dict,
for faust's worker (which installs its own logging).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from schemas.models import DeadLetter

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")
CHATTY = ("aiokafka", "faust", "kafka", "mode")  # client libraries whose INFO/WARNING lines are about their internals
QUIET = (*CHATTY, "uvicorn.access")  # kept at WARNING below DEBUG (Repeats applies to CHATTY only)
# Group membership changes (joined, partitions assigned/revoked): one line per rebalance, worth seeing.
MEMBERSHIP = ("aiokafka.consumer.group_coordinator",)
CONTEXT_KEYS = ("service", "topic", "partition", "offset", "article_id", "stage", "reason")


def record_context(letter: DeadLetter) -> dict[str, Any]:
    """The `extra=` for a log line about a dead letter: where its record came from and what it was."""
    from services.observability.metrics import reason_class

    return {"topic": letter.topic, "partition": letter.partition, "offset": letter.offset,
            "article_id": letter.key, "stage": letter.stage, "reason": reason_class(letter)}


def message_context(topic: str | None, partition: int | None, offset: int | None,
                    key: bytes | str | None = None) -> dict[str, Any]:
    """The `extra=` for a log line about a consumed message; its key stands for the article."""
    article_id = key.decode("utf-8", "replace") if isinstance(key, bytes) else key
    return {"topic": topic, "partition": partition, "offset": offset, "article_id": article_id}


class Repeats(logging.Filter):
    """Pass a record unless it comes from a client library and one with the same logger, level and message
    template passed within `window` seconds; the next one that passes carries the count of those held back."""

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.window, self.clock = window, clock
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".", 1)[0] not in CHATTY or record.name in MEMBERSHIP:
            return True
        key = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        last, held = self._seen.get(key, (None, 0))
        if last is not None and now - last < self.window:
            self._seen[key] = (last, held + 1)
            return False
        if held:
            record.msg, record.args = f"{record.getMessage()} ({held} more like this held back)", None
        self._seen[key] = (now, 0)
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = " ".join(f"{k}={getattr(record, k)}" for k in CONTEXT_KEYS if getattr(record, k, None) is not None)
        if not context:
            return line
        head, sep, tail = line.partition("\n")  # a traceback stays below the line
        return f"{head} [{context}]{sep}{tail}"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        created = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        doc: dict[str, Any] = {"time": created.replace("+00:00", "Z"), "level": record.levelname.lower(),
                               "logger": record.name, "message": record.getMessage()}
        for key in CONTEXT_KEYS:
            value = getattr(record, key, None)
            if value is not None:
                doc[key] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(doc, default=str).decode()


def formatter(fmt: str) -> logging.Formatter:
    """The formatter for `fmt`; ValueError names the formats for anything else."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format {fmt!r}: use one of {', '.join(FORMATS)}")
    return JsonFormatter() if fmt == "json" else TextFormatter()


def level_number(level: str | int) -> int:
    """A level name (any case; "warn" too) as its number; ValueError for an unknown one."""
    if isinstance(level, int):
        return level
    number = logging.getLevelName(level.upper())
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r}: use debug, info, warning or error")
    return number


def client_level(level: int) -> int:
    """Client libraries log at WARNING or above unless the service itself runs at DEBUG."""
    return level if level <= logging.DEBUG else max(level, logging.WARNING)


def configure_logging(level: str | int = "warning", fmt: str = "text", *, clients: str | None = None) -> None:
    """Root logging to stderr at `level` in format `fmt`, with the Repeats filter; client libraries at
    `clients` (default: client_level). Replaces what an earlier call added; ValueError for a bad level or format."""
    numeric = level_number(level)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt))
    handler.addFilter(Repeats())
    handler._newsflow = True  # type: ignore[attr-defined]
    reset_logging()
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(numeric)
    quiet = level_number(clients) if clients else client_level(numeric)
    for name in QUIET:
        logging.getLogger(name).setLevel(quiet)
    for name in MEMBERSHIP:
        logging.getLogger(name).setLevel(quiet if clients else numeric)


def reset_logging() -> None:
    """Remove what configure_logging added (for a command whose framework sets up logging itself)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_newsflow", False):
            root.removeHandler(handler)
    for name in (*QUIET, *MEMBERSHIP):
        logging.getLogger(name).setLevel(logging.NOTSET)


def dict_config(level: str | int = "warning", fmt: str = "text") -> dict[str, Any]:
    """configure_logging's setup as a logging.config dict, for faust's worker (which installs its own logging)."""
    number = level_number(level)
    cls = type(formatter(fmt))  # validates
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"newsflow": {"()": f"{cls.__module__}.{cls.__name__}"}},
        "filters": {"repeats": {"()": f"{Repeats.__module__}.{Repeats.__name__}"}},
        "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "newsflow", "filters": ["repeats"],
                                 "stream": "ext://sys.stderr"}},
        "root": {"level": number, "handlers": ["default"]},
        "loggers": {name: {"level": client_level(number)} for name in QUIET} | {name: {"level": number} for name in MEMBERSHIP},
    }
