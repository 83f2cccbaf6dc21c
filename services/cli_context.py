"""Which Kafka and database a command talks to: the environment, completed by the running local stack.

Built once per command at the CLI edge (the only place that calls get_settings()). A command started in
the folder of a running `newsflow up` finds that stack through its state file (services/stackstate.py)
without anything exported; what the environment sets explicitly wins. Each command says, in one line on
stderr, which stack it talks to.
"""

from __future__ import annotations

import sys
from pathlib import Path

from services.cli_errors import UserError
from services.config import Settings, get_settings
from services.stackstate import StackInfo, apply_stack, read_state


def say(line: str) -> None:
    """One line on stderr, never wrapped or styled (scripts and tests read it)."""
    sys.stderr.write(line.rstrip("\n") + "\n")
    sys.stderr.flush()


def target_line(settings: Settings, stack: StackInfo | None, *, kafka: bool, database: bool,
                explicit: frozenset[str] = frozenset()) -> str:
    """'using the stack of `newsflow up` (pid 42, /x/.newsflow/stack.json): Kafka …, database …'; `explicit`
    names the settings the environment set (they win over the stack's). Pure."""
    parts = []
    from_stack = stack is not None and "kafka_bootstrap_servers" not in explicit
    if kafka:
        parts.append(f"Kafka {settings.kafka_bootstrap_servers}"
                     + ("" if from_stack else " (KAFKA_BOOTSTRAP_SERVERS)"))
    if database:
        env = "database_url" in explicit
        parts.append(f"database {settings.database_url}" + (" (NEWSFLOW_DATABASE_URL)" if env else ""))
    where = f"using {stack.describe()}: " if stack is not None and (from_stack or not kafka) else "using "
    return where + ", ".join(parts)


def settings_here(*, kafka: bool = True, database: bool = False, announce: bool = True) -> Settings:
    """Settings for a command run here: the environment, then the running stack of the state dir.

    kafka=True: the command needs a broker; none configured and no stack running is a UserError."""
    settings = get_settings()
    explicit = frozenset(settings.model_fields_set)
    stack = read_state(Path(settings.state_dir))
    if stack is not None:
        settings = apply_stack(settings, stack)
    if kafka and not settings.kafka_bootstrap_servers:
        raise UserError("no Kafka to talk to: KAFKA_BOOTSTRAP_SERVERS is not set and no `newsflow up` is running in "
                        f"this folder (no live {Path(settings.state_dir) / 'stack.json'}); start the stack here with "
                        "`newsflow up`, or export KAFKA_BOOTSTRAP_SERVERS=host:port")
    if announce:
        say(target_line(settings, stack, kafka=kafka, database=database, explicit=explicit))
    return settings
