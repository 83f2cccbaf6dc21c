"""Log lines: one per event, with the record it is about (topic, partition, offset, article id, stage).

`--log-format text` (default) appends the context as key=value; `--log-format json` writes one JSON object
per line for log shippers. faust, mode and aiokafka log every join, assignment and fetch at INFO: they are
kept at WARNING unless the service runs at DEBUG, so the default view shows newsflow's own lines (and
the consumer group's membership changes, one line per rebalance).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson

from schemas.models import DeadLetter

CONTEXT_KEYS = ("service", "topic", "partition", "offset", "article_id", "stage", "reason")
NOISY = ("faust", "mode", "aiokafka", "kafka", "uvicorn.access")
# Group membership changes (joined, partitions assigned/revoked): one line per rebalance, worth seeing.
MEMBERSHIP = ("aiokafka.consumer.group_coordinator",)
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = " ".join(f"{k}={getattr(record, k)}" for k in CONTEXT_KEYS if getattr(record, k, None) is not None)
        if not context:
            return line
        head, sep, tail = line.partition("\n")  # a traceback stays below the line
        return f"{head} [{context}]{sep}{tail}"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {"time": _iso(record.created), "level": record.levelname.lower(),
                               "logger": record.name, "message": record.getMessage()}
        for key in CONTEXT_KEYS:
            value = getattr(record, key, None)
            if value is not None:
                doc[key] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(doc, default=str).decode()


def _iso(created: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def formatter(fmt: str) -> logging.Formatter:
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format {fmt!r}: use one of {', '.join(FORMATS)}")
    return JsonFormatter() if fmt == "json" else TextFormatter()


def level_number(level: str | int) -> int:
    if isinstance(level, int):
        return level
    number = logging.getLevelName(level.upper())  # "WARN" is a level name too
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r}: use debug, info, warning or error")
    return number


def quiet_libraries(level: int) -> None:
    """Libraries log at WARNING unless the service itself runs at DEBUG."""
    for name in NOISY:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else max(level, logging.WARNING))
    for name in MEMBERSHIP:
        logging.getLogger(name).setLevel(level)


def configure(level: str | int = "info", fmt: str = "text") -> None:
    """Root logging for a service: one handler on stderr with the chosen format."""
    number = level_number(level)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(number)
    quiet_libraries(number)


def dict_config(level: str | int = "warning", fmt: str = "text") -> dict[str, Any]:
    """The same setup as a logging.config dict, for faust's worker (which installs its own logging)."""
    number = level_number(level)
    quiet = number if number <= logging.DEBUG else max(number, logging.WARNING)
    cls = JsonFormatter if fmt == "json" else TextFormatter
    formatter(fmt)  # validates
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"newsflow": {"()": f"{cls.__module__}.{cls.__name__}"}},
        "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "newsflow", "stream": "ext://sys.stderr"}},
        "root": {"level": number, "handlers": ["default"]},
        "loggers": {name: {"level": quiet} for name in NOISY} | {name: {"level": number} for name in MEMBERSHIP},
    }
