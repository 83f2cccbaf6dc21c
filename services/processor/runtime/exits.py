"""The processor's exit codes (documented in docs/faults.md) and the one way it exits abruptly.

Each means "restart me": the worker stops without acking what it was working on, so a fresh worker
(compose's restart policy, `newsflow up`) reads those records again from the committed offsets.
"""

from __future__ import annotations

import logging
import os
from typing import NoReturn

log = logging.getLogger("newsflow.processor")

# Kafka refused what an input needs (a first-seen entry, or a dead letter even truncated). EX_SOFTWARE.
EXIT_KAFKA_UNAVAILABLE = 70
# A bug outside the handlers (they dead-letter their own failures): better restarted than a silent agent.
EXIT_INTERNAL_ERROR = 71
# One rebalance lasted over REBALANCE_STALL_SECONDS (a faust hang, docs/faults.md 7). EX_TEMPFAIL.
EXIT_REBALANCE_STALL = 75
# Tests only: a record carried NEWSFLOW_PROCESSOR_TEST_CRASH_MARKER (a crash on demand, like a segfault).
EXIT_TEST_CRASH = 86


def exit_now(code: int, reason: str) -> NoReturn:
    """Exit at once: no faust shutdown, hence no commit of anything in flight."""
    log.critical("%s (exit %d)", reason, code)
    logging.shutdown()
    os._exit(code)
