"""`newsflow status`: a snapshot of the running stack as tables (rich) or one JSON document."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table

from services.observability.snapshot import Snapshot


def render(snap: Snapshot) -> Group:
    topics = Table(title="topics", title_justify="left")
    for col, just in (("topic", "left"), ("partitions", "right"), ("end offsets", "left"), ("records", "right")):
        topics.add_column(col, justify=just)  # type: ignore[arg-type]
    for t in snap.topics:
        topics.add_row(t.name, str(t.partitions), " ".join(map(str, t.end_offsets)), str(t.records))

    groups = Table(title="consumer groups", title_justify="left")
    for col, just in (("group", "left"), ("lag", "right"), ("lag per partition", "left")):
        groups.add_column(col, justify=just)  # type: ignore[arg-type]
    for g in snap.groups:
        groups.add_row(g.group, str(g.lag), " ".join(f"{k}={v}" for k, v in g.partitions.items() if v) or "-")

    services = Table(title="services", title_justify="left")
    for col in ("service", "pid", "ready", "checks", "health"):
        services.add_column(col)
    for st in snap.services:
        checks = ", ".join(f"{k} {'ok' if v.get('ok') else 'NOT OK'}" for k, v in st.checks.items())
        services.add_row(st.service, str(st.pid), "[green]ready[/]" if st.ready else "[red]not ready[/]", checks, st.url)

    store = Table(title="store", title_justify="left", show_header=False)
    store.add_column("what")
    store.add_column("value", justify="right")
    store.add_row(f"articles stored ({snap.database})", str(snap.stored))
    store.add_row("articles/s, last minute", f"{snap.articles_per_second:.2f}")
    dead = ", ".join(f"{k} {v}" for k, v in snap.dead_letters_last_hour.items()) or "none"
    store.add_row("dead letters, last hour", dead)

    verdict = "[green]ok: every service is ready[/]" if snap.ok else \
        "[red]not ok:[/]\n" + "\n".join(f"  - {p}" for p in snap.problems)
    return Group(topics, groups, store, services, verdict)


def print_status(snap: Snapshot, console: Console) -> None:
    console.print(render(snap))
