"""Child processes of newsflow (`newsflow up`, the tests, the bench): one Settings → environment
serialiser and one way to start `newsflow <command>` so that the child builds exactly these Settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pydantic import SecretStr

from services.config import Settings

_ALIASES = {"kafka_bootstrap_servers": "KAFKA_BOOTSTRAP_SERVERS"}


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment variables from which `Settings()` rebuilds `settings` (unset optionals omitted)."""
    env: dict[str, str] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, tuple | list):
            text = json.dumps(list(value))  # pydantic-settings reads complex fields as JSON
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(value)
        env[_ALIASES.get(name, f"NEWSFLOW_{name.upper()}")] = text
    return env


def child_env(settings: Settings, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment with `settings` (and `overrides`) on top, for a `newsflow` child."""
    env = dict(os.environ)
    for name in type(settings).model_fields:  # a setting unset here must not come back from this environment
        env.pop(_ALIASES.get(name, f"NEWSFLOW_{name.upper()}"), None)
        env.pop(f"NEWSFLOW_{name.upper()}", None)
    return env | settings_env(settings) | dict(overrides or {})


def spawn(args: list[str] | tuple[str, ...], settings: Settings, log: Path,
          overrides: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`newsflow ARGS` in its own process group (killable as a whole), output appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "services.cli", *args], env=child_env(settings, overrides),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
