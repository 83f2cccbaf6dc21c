"""The `newsflow` commands of subscriptions: `route`, `tail`, `subscriptions list|check` (registered by
services/cli.py with `register(cli)`). Settings are built here, at the CLI edge, and passed down."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.config import get_settings
from services.subscriptions.filters import Filter, filter_from_options, since
from services.subscriptions.spec import Subscription, SubscriptionsError, load_subscriptions, reserved_conflicts

if TYPE_CHECKING:
    from services.subscriptions.live import LiveSubscriptions

console = Console(stderr=True, soft_wrap=True)  # one problem, one line
subscriptions_app = typer.Typer(no_args_is_help=True, help="Inspect and validate a subscriptions file.")
FileArg = Annotated[Path, typer.Argument(help="Subscriptions YAML (see docs/subscriptions.md).")]


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(2)


def load_or_exit(path: Path) -> tuple[Subscription, ...]:
    """The file's subscriptions, or its problems on stderr (one line each) and exit status 2."""
    from services.common.kafka import topic_names

    try:
        subs = load_subscriptions(path)
    except SubscriptionsError as exc:
        for problem in exc.problems:
            console.print(problem, highlight=False, markup=False)
        raise typer.Exit(2) from None
    conflicts = reserved_conflicts(subs, topic_names(get_settings()))
    if conflicts:
        for problem in conflicts:
            console.print(f"{path}: {problem}", highlight=False, markup=False)
        raise typer.Exit(2)
    return subs


def live_or_exit(path: Path, reserved: tuple[str, ...]) -> LiveSubscriptions:
    """The file's subscriptions in force (reloadable), or its problems on stderr (one line each) and exit 2."""
    from services.subscriptions.live import LiveSubscriptions

    live = LiveSubscriptions(path, reserved=reserved)
    try:
        live.apply(*live.read())
    except SubscriptionsError as exc:
        for problem in exc.problems:
            console.print(problem, highlight=False, markup=False)
        raise typer.Exit(2) from None
    return live


def _describe(flt: Filter) -> str:
    parts = [f"{name}={','.join(map(str, value)) if isinstance(value, tuple) else value}"
             for name, value in flt.model_dump(exclude_defaults=True).items()]
    return " ".join(parts) or "(everything)"


@subscriptions_app.command("list")
def list_subscriptions(path: FileArg) -> None:
    """Show each subscription: name, output topic, filter."""
    subs = load_or_exit(path)
    table = Table(title=f"{len(subs)} subscriptions in {path}")
    for col in ("name", "topic", "filter"):
        table.add_column(col, overflow="fold")
    for sub in subs:
        table.add_row(sub.name, sub.output_topic, _describe(sub.filter))
    Console().print(table)


@subscriptions_app.command("check")
def check_subscriptions(path: FileArg) -> None:
    """Validate the file: exit 0 when valid, else one line per problem (FILE:LINE: where: what) and exit 2."""
    subs = load_or_exit(path)
    print(f"{path}: {len(subs)} subscriptions, valid")


def route_command(
    subscriptions: Annotated[Path, typer.Option("--subscriptions", help="Subscriptions YAML; reloaded on SIGHUP and on change.")],
    group: Annotated[str, typer.Option(help="Consumer group of the router.")] = "newsflow-router",
    loglevel: Annotated[str, typer.Option("--log-level")] = "warn",
) -> None:
    """Copy articles.enriched records to the topic of every subscription they match (faust worker)."""
    from services.common.kafka import topic_names
    from services.subscriptions.router import create_router

    settings = get_settings()
    live = live_or_exit(subscriptions, tuple(topic_names(settings)))
    if not settings.kafka_bootstrap_servers:
        raise _fail("KAFKA_BOOTSTRAP_SERVERS is not set (the address `newsflow up` prints)")
    level = logging.getLevelName(loglevel.upper())
    for name in ("aiokafka", "faust"):
        logging.getLogger(name).setLevel(max(logging.INFO, level if isinstance(level, int) else logging.WARNING))
    app = create_router(settings, live, group=group)
    sys.argv = ["newsflow-route", "worker", "--loglevel", loglevel, "--without-web"]
    app.main()


def tail_command(
    language: Annotated[list[str] | None, typer.Option("--language", help="ISO 639-1 code (repeatable).")] = None,
    entity: Annotated[list[str] | None, typer.Option("--entity", help="Entity id, e.g. Q7747 (repeatable).")] = None,
    entity_type: Annotated[list[str] | None, typer.Option("--entity-type", help="PER, ORG, LOC or MISC.")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Source name (repeatable).")] = None,
    keyword: Annotated[list[str] | None, typer.Option("--keyword", help="Whole word in title or body.")] = None,
    duplicates: Annotated[str, typer.Option(help="include, exclude or only.")] = "include",
    published_after: Annotated[str | None, typer.Option(help="ISO 8601 time with offset.")] = None,
    since_: Annotated[str | None, typer.Option("--since", help="Start this far back (30m, 2h, 3d) or at an ISO time; "
                                                                "default: only new records.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One EnrichedArticle JSON object per line.")] = False,
) -> None:
    """Follow live enriched articles (no consumer group; nothing committed). Ctrl-C to stop."""
    from services.subscriptions.tail import run_tail

    try:
        flt = filter_from_options(language, entity, entity_type, source, keyword, duplicates, published_after)
        start = since(since_, datetime.now(UTC)) if since_ else None
    except ValueError as exc:
        raise _fail(str(exc)) from None
    from services.cli_context import settings_here

    settings = settings_here(announce=False)  # the environment, else the `newsflow up` running here
    console.print(f"following {settings.topic_enriched} on {settings.bootstrap} "
                  f"({'from ' + start.isoformat(timespec='seconds') if start else 'new records only'}); Ctrl-C stops",
                  highlight=False)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_tail(settings, flt, start, as_json=as_json, stop=stop)

    from aiokafka.errors import KafkaError

    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # a failure is reported below, once
    try:
        asyncio.run(main())
    except (LookupError, KafkaError) as exc:
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise _fail(f"cannot follow {settings.topic_enriched} on {settings.bootstrap} ({reason})") from None


def register(cli: typer.Typer) -> None:
    cli.add_typer(subscriptions_app, name="subscriptions")
    cli.command("route")(route_command)
    cli.command("tail")(tail_command)
