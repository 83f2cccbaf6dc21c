"""Known conditions as one line for the user (what is wrong, what to do) and an exit status.

Every `newsflow` command runs through `run()`: an exception listed here ends the command with
"newsflow: error: <one line>" on stderr and status 1 (2 for a usage error); anything else is a bug and
keeps its traceback. `--debug` (or NEWSFLOW_DEBUG=1) shows the traceback of known conditions too.
Domain modules raise their own exceptions; only this module decides how they read on the command line.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable
from typing import Any


class UserError(Exception):
    """A known bad condition found by the command line itself; the message is the line shown."""

    exit_code = 1


class UsageError(UserError):
    """A bad option value (exit status 2, like click's own usage errors)."""

    exit_code = 2


def _first_line(text: str, limit: int = 400) -> str:
    line = next((ln.strip() for ln in str(text).splitlines() if ln.strip()), "")
    return line[:limit]


def _kafka_hint() -> str:
    return ("is the broker running? `newsflow up` starts a local one (other commands in the same folder find it); "
            "or set KAFKA_BOOTSTRAP_SERVERS=host:port")


def explain(exc: BaseException) -> tuple[str, int] | None:
    """(one line, exit status) for a known condition, None for anything else (a bug: keep the traceback)."""
    from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, NoBrokersAvailable
    from pydantic import ValidationError

    from services.common.kafka import KafkaUnreachable
    from services.common.localkafka import LocalKafkaError
    from services.producer.feeds import FeedsFileError
    from services.producer.publish import KafkaUnavailable
    from services.sink.store import StoreMissing
    from services.stack import ChildCrashed
    from services.stackstate import StackBusy

    if isinstance(exc, UserError):
        return str(exc), exc.exit_code
    if isinstance(exc, KafkaUnreachable | KafkaUnavailable):
        return f"{exc}; {_kafka_hint()}", 1
    if isinstance(exc, KafkaConnectionError | NoBrokersAvailable | KafkaTimeoutError):
        return f"cannot reach Kafka ({_first_line(str(exc)) or type(exc).__name__}); {_kafka_hint()}", 1
    if isinstance(exc, StackBusy | ChildCrashed | FeedsFileError | StoreMissing):
        return str(exc), 1
    if isinstance(exc, LocalKafkaError):
        return f"the local Kafka did not start: {_first_line(str(exc))} (`--debug` shows more)", 1
    if isinstance(exc, ValidationError) and exc.title == "Settings":
        err = exc.errors(include_url=False)[0]
        name = "_".join(str(p) for p in err["loc"]).upper()
        name = name if name.startswith(("KAFKA_", "NEWSFLOW_")) else f"NEWSFLOW_{name}"
        return f"invalid configuration: {name}: {err['msg']}", 1
    if type(exc).__module__.startswith("psycopg") and type(exc).__name__ == "OperationalError":
        return f"cannot use the database: {_first_line(str(exc))} (NEWSFLOW_DATABASE_URL)", 1
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError):
        return f"cannot use the SQLite database: {exc} (NEWSFLOW_DATABASE_URL)", 1
    if isinstance(exc, PermissionError | FileNotFoundError | IsADirectoryError | NotADirectoryError):
        return f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc), 1
    return None


def debug_requested(argv: list[str]) -> bool:
    return "--debug" in argv or os.environ.get("NEWSFLOW_DEBUG", "").lower() in ("1", "true", "yes")


def run(command: Callable[[], Any], argv: list[str] | None = None) -> None:
    """Run the command line; a known condition becomes one line on stderr and its exit status."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        command()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - sorted into known conditions and bugs right here
        known = explain(exc)
        if known is None or debug_requested(argv):
            raise
        message, status = known
        sys.stderr.write(f"newsflow: error: {message}\n")
        sys.stderr.flush()
        raise SystemExit(status) from None
