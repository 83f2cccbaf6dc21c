"""Logging for the `newsflow` commands: one handler on stderr; the Kafka client's repeated messages let
through once a minute.

With the broker away, aiokafka logs the same connection error several times a second for as long as the
outage lasts; `Repeats` keeps one line per message template and minute from the client libraries (CHATTY),
and says how many it held back. newsflow's own lines all pass (a retry schedule is worth every line).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CHATTY = ("aiokafka", "faust", "kafka")  # client libraries whose INFO/WARNING lines are about their internals


class Repeats(logging.Filter):
    """Pass a record unless it comes from a client library and one with the same logger, level and message
    template passed within `window` seconds; the next one that passes carries the count of those held back."""

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.window, self.clock = window, clock
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".", 1)[0] not in CHATTY:
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


def configure_logging(level: str = "warning", *, clients: str | None = None) -> None:
    """Root logging to stderr at `level` with the Repeats filter; client libraries at `clients`
    (default: the same level, never below INFO: their DEBUG builds a record per request)."""
    numeric = logging.getLevelName(level.upper())
    numeric = numeric if isinstance(numeric, int) else logging.WARNING
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_newsflow", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(Repeats())
    handler._newsflow = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(numeric)
    client_level = logging.getLevelName(clients.upper()) if clients else max(numeric, logging.INFO)
    for name in CHATTY:
        logging.getLogger(name).setLevel(client_level)


def reset_logging() -> None:
    """Remove what configure_logging added (for a command whose framework sets up logging itself)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_newsflow", False):
            root.removeHandler(handler)
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.NOTSET)
