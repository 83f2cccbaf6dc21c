"""Where a running stack's services can be found: one small JSON file per service process.

Each long-running service writes `<registry>/<name>.<pid>.json` (Settings.registry_dir: state_dir/services) ({service, pid, url}) once its
health server listens, and removes it when it stops. `newsflow status`, the live page and `newsflow up`
read them; a file whose process is gone (killed) is ignored and removed by the reader.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson
from pydantic import BaseModel


class ServiceEntry(BaseModel):
    service: str
    pid: int
    url: str  # the health server's base URL: /metrics, /healthz, /readyz (or the page, for the dashboard)
    started_at: float
    bootstrap: str | None = None  # the brokers it talks to, so `status` finds the stack with nothing exported


def register(registry: Path, entry: ServiceEntry) -> Path:
    path = registry / f"{entry.service}.{entry.pid}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps(entry.model_dump()))
    tmp.replace(path)  # readers never see half a file
    return path


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running(registry: Path) -> list[ServiceEntry]:
    """The registered services whose process still runs, by name then pid; stale files are removed."""
    entries = []
    for path in sorted(registry.glob("*.json")):
        try:
            entry = ServiceEntry.model_validate(orjson.loads(path.read_bytes()))
        except (OSError, ValueError):
            continue
        if alive(entry.pid):
            entries.append(entry)
        else:
            path.unlink(missing_ok=True)
    return sorted(entries, key=lambda e: (e.service, e.pid))
