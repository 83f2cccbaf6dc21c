"""`newsflow`: the one entry point (produce, process, sink, up, query)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from services.config import Settings, get_settings
from services.deadletter import app as deadletter_app

cli = typer.Typer(no_args_is_help=True, add_completion=False, help="newsflow: streaming ingest for multilingual news.")
console = Console(stderr=True)
out = Console()
cli.add_typer(deadletter_app, name="deadletter")  # newsflow deadletter list|replay


def _logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _run_until_signal(service: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run a long-lived service; SIGINT/SIGTERM set its stop event so it finishes cleanly."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await service(stop)

    asyncio.run(main())


async def produce_paths(paths: list[Path], settings: Settings, source: str, progress: bool = True) -> dict[str, int]:
    """Publish files; unreadable or invalid input goes to the dead-letter topic. Returns the counts."""
    from services.common.kafka import ensure_topics
    from services.producer.files import SUPPORTED, Rejected, articles_from_file, iter_files
    from services.producer.publish import Publisher, dead_letter_for

    files = list(iter_files(paths))
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    await ensure_topics(settings)
    with Progress(TextColumn("[bold]producing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=not progress) as bar:
        task = bar.add_task("files", total=len(files))
        async with Publisher(settings) as publisher:
            for path in files:
                if path.suffix.lower() not in SUPPORTED:
                    counts["skipped"] += 1
                else:
                    for item in articles_from_file(path, source=source):
                        if isinstance(item, Rejected):
                            counts["failed"] += 1
                            console.print(f"[yellow]dead-lettered[/] {item.origin}: {item.reason[:200]}")
                            await publisher.dead_letter(dead_letter_for(item.payload, stage=item.stage, error=item.reason))  # type: ignore[arg-type]
                        else:
                            await publisher.send(item)
                            counts["sent"] += 1
                bar.advance(task)
    return counts


@cli.command()
def produce(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders: .txt articles, .html pages, .json/.jsonl records.", exists=True)],
    source: Annotated[str, typer.Option(help="Source name for articles that carry none.")] = "files",
) -> None:
    """Publish files onto articles.raw."""
    settings = get_settings()
    counts = asyncio.run(produce_paths(paths, settings, source))
    out.print(f"sent {counts['sent']}, skipped {counts['skipped']}, failed {counts['failed']}")
    if counts["failed"]:
        raise typer.Exit(1)


@cli.command()
def process(loglevel: Annotated[str, typer.Option("--log-level")] = "warn") -> None:
    """Run the faust stream processor (normalize, detect language, tag entities)."""
    from services.processor import entities, language
    from services.processor.runtime.agents import create_app

    settings = get_settings()
    language.warm_up(settings.languages)  # load models before joining the group, not on the first record
    entities.warm_up()
    # aiokafka and faust build a debug record for every request and send unless their loggers are told
    # otherwise (seen in a profile of the worker); keep them at the worker's own level.
    level = logging.getLevelName(loglevel.upper())  # "WARN" is a level name too
    for name in ("aiokafka", "faust"):
        logging.getLogger(name).setLevel(max(logging.INFO, level if isinstance(level, int) else logging.WARNING))
    app = create_app(settings)
    sys.argv = ["newsflow-process", "worker", "--loglevel", loglevel, "--without-web"]
    app.main()


@cli.command()
def sink(loglevel: Annotated[str, typer.Option("--log-level")] = "info") -> None:
    """Write articles.enriched to storage (NEWSFLOW_DATABASE_URL; SQLite by default)."""
    from services.sink.consumer import run_sink

    _logging(loglevel)

    _run_until_signal(lambda stop: run_sink(get_settings(), stop))


def _summary(title: str, tally: dict[str, int]) -> None:
    table = Table(title=title)
    table.add_column("counter")
    table.add_column("total", justify="right")
    for name in sorted(tally):
        table.add_row(name, str(tally[name]))
    out.print(table)


def _metrics_server(metrics: Any, port: int | None) -> Any:
    if port is None:
        return None
    server = metrics.serve(port)
    console.print(f"metrics on http://0.0.0.0:{port}/metrics")
    return server


@cli.command()
def feeds(
    feeds_file: Annotated[Path, typer.Argument(help="FEEDS.yaml (see samples/feeds.example.yaml).", exists=True)],
    once: Annotated[bool, typer.Option("--once", help="Poll every feed once, then exit.")] = False,
    metrics_port: Annotated[int | None, typer.Option(help="Serve Prometheus /metrics on this port.")] = None,
    loglevel: Annotated[str, typer.Option("--log-level")] = "warning",
) -> None:
    """Poll RSS/Atom feeds; publish new entries onto articles.raw (state in NEWSFLOW_STATE_DIR)."""
    from services.producer.feeds import load_feeds, run_feeds
    from services.producer.metrics import ProducerMetrics

    _logging(loglevel)
    specs, settings, metrics = load_feeds(feeds_file), get_settings(), ProducerMetrics("feeds")
    server = _metrics_server(metrics, metrics_port)

    def show(spec: Any, r: Any) -> None:
        colour = {"ok": "green", "not_modified": "dim", "error": "red"}[r.result]
        t = metrics.tally
        status.update(f"feeds: polls {sum(v for k, v in t.items() if k.startswith('polls_'))}, sent {t['sent']}, "
                      f"duplicates {t['duplicates']}, failures {t['failures']}")
        console.print(f"[{colour}]{r.result:<12}[/] {r.url}  new {r.sent}, seen {r.duplicates}"
                      + (f"  [red]{r.error}[/]" if r.error else ""))

    with console.status(f"polling {len(specs)} feeds") as status:
        _run_until_signal(lambda stop: run_feeds(specs, settings, stop, once=once, metrics=metrics, on_result=show))
    if server is not None:
        server.shutdown()
    _summary(f"feeds ({len(specs)})", dict(metrics.tally))


@cli.command()
def watch(
    folder: Annotated[Path, typer.Argument(help="Folder to watch; handled files move to .done/ or .failed/.",
                                           exists=True, file_okay=False)],
    source: Annotated[str, typer.Option(help="Source name for articles that carry none.")] = "watch",
    once: Annotated[bool, typer.Option("--once", help="Handle the files there now, then exit.")] = False,
    metrics_port: Annotated[int | None, typer.Option(help="Serve Prometheus /metrics on this port.")] = None,
    loglevel: Annotated[str, typer.Option("--log-level")] = "warning",
) -> None:
    """Publish files dropped into FOLDER onto articles.raw (failures to the dead-letter topic)."""
    from services.producer.metrics import ProducerMetrics
    from services.producer.watch import run_watch

    _logging(loglevel)
    settings, metrics = get_settings(), ProducerMetrics("watch")
    server = _metrics_server(metrics, metrics_port)

    def show(o: Any) -> None:
        t = metrics.tally
        status.update(f"watching {folder}: sent {t['sent']}, dead-lettered {t['dead_lettered']}, failures {t['failures']}")
        if o.error:
            console.print(f"[yellow]retry later[/] {o.path}: {o.error}")
        else:
            colour = "red" if o.dead_lettered else "green"
            console.print(f"[{colour}]{o.sent} sent, {o.dead_lettered} dead-lettered[/] {o.path} -> {o.moved_to}")

    with console.status(f"watching {folder}") as status:
        _run_until_signal(lambda stop: run_watch(folder, settings, stop, source=source, once=once, metrics=metrics,
                                                 on_file=show))
    if server is not None:
        server.shutdown()
    _summary(f"watch {folder}", dict(metrics.tally))


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
    loglevel: Annotated[str, typer.Option("--log-level")] = "info",
) -> None:
    """HTTP ingest: POST /articles (JSON or NDJSON) -> articles.raw; /healthz, /metrics, /openapi.json."""
    import uvicorn

    from services.producer.http_ingest import create_app
    from services.producer.metrics import ProducerMetrics

    settings, metrics = get_settings(), ProducerMetrics("http")
    if settings.ingest_token is None:
        console.print("[yellow]NEWSFLOW_INGEST_TOKEN is not set: POST /articles accepts anyone who can connect[/]")
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal into the handlers it found:
    # these make that a normal exit (summary, status 0) instead of a traceback or death by signal.
    stopped: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda number, _frame: stopped.append(number))
    uvicorn.run(create_app(settings, metrics=metrics), host=host, port=port, log_level=loglevel)
    _summary(f"serve {host}:{port}", dict(metrics.tally))

def _article_table(rows: list[dict], title: str) -> Table:
    table = Table(title=title, show_lines=False)
    for col in ("id", "lang", "published", "source", "title", "people / orgs / places"):
        table.add_column(col, overflow="fold")
    for row in rows:
        names = sorted({e.get("canonical_name") or e["text"] for e in row["entities"]})
        table.add_row(row["id"][:12], row["language"], (row["published_at"] or "")[:16], row["source"],
                      (row["title"] or "")[:60], ", ".join(names)[:120])
    return table


@cli.command()
def query(
    language: Annotated[str | None, typer.Option(help="ISO 639-1 code.")] = None,
    entity: Annotated[str | None, typer.Option(help="Canonical entity id, e.g. Q7747.")] = None,
    story: Annotated[str | None, typer.Option(help="Story id: the story's record, then its articles.")] = None,
    limit: int = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Show stored articles."""
    import orjson

    from services.sink.store import open_store

    store = open_store(get_settings().database_url)
    try:
        rows = store.query(language=language, entity_id=entity, story_id=story, limit=limit)
        record = store.story(story) if story else None
    finally:
        store.close()
    if story and record is None and not rows:
        console.print(f"no story {story!r} in the store: check the id (newsflow query --json shows story_id)")
        raise typer.Exit(1)
    if as_json:
        if record is not None:
            sys.stdout.write(orjson.dumps({"story": record}).decode() + "\n")
        for row in rows:
            sys.stdout.write(orjson.dumps(row).decode() + "\n")
    else:
        if record is not None:
            titles = "; ".join(f"[{lang}] {t}" for lang, t in record.get("titles", {}).items())
            out.print(f"story {record['id']}: {record['articles']} articles, languages {', '.join(record['languages'])}, "
                      f"{record['first_seen'][:16]} .. {record['last_seen'][:16]}\n  {titles}")
        out.print(_article_table(rows, f"{len(rows)} stored articles"))


def _default_inputs() -> Iterator[Path]:
    from services.stack import SAMPLES

    yield SAMPLES


@cli.command()
def up(
    paths: Annotated[list[Path] | None, typer.Argument(help="Input to feed (default: the bundled samples/).")] = None,
    once: Annotated[bool, typer.Option("--once", help="Exit when the input is stored.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the input to be stored.")] = 300.0,
) -> None:
    """Run the whole local stack: Kafka (unless KAFKA_BOOTSTRAP_SERVERS is set), processor, sink; feed input."""
    from services.common.kafka import ensure_topics
    from services.common.localkafka import LocalKafka
    from services.sink.store import open_store
    from services.stack import Stack, wait_drained

    settings = get_settings()
    state = settings.state_dir.resolve()
    settings = settings.model_copy(update={"state_dir": state})
    stack = Stack(settings, log_dir=state / "logs")
    try:
        if not settings.kafka_bootstrap_servers:
            console.print("starting a local Apache Kafka (KRaft) …")
            stack.kafka = LocalKafka(state / "kafka").start()
            settings = settings.model_copy(update={"kafka_bootstrap_servers": stack.kafka.bootstrap})
            stack.settings = settings
            console.print(f"Kafka on {stack.kafka.bootstrap} (log: {stack.kafka.log_path})")
        asyncio.run(ensure_topics(settings))
        stack.spawn("processor", "process")
        stack.spawn("sink", "sink")
        console.print(f"processor and sink started (logs in {stack.log_dir})")
        counts = asyncio.run(produce_paths(list(paths or _default_inputs()), settings, source="files"))
        console.print(f"sent {counts['sent']}, skipped {counts['skipped']}, failed {counts['failed']}; waiting until stored …")
        asyncio.run(wait_drained(settings, stack, timeout=timeout))
        store = open_store(settings.database_url)
        try:
            out.print(_article_table(store.query(limit=50), f"{store.count()} articles in {settings.database_url}"))
        finally:
            store.close()
        if not once:
            console.print("running; add input with `newsflow produce PATH` (KAFKA_BOOTSTRAP_SERVERS="
                          f"{settings.bootstrap}); Ctrl-C stops everything")
            signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops as cleanly as Ctrl-C
            while True:
                stack.check_children()
                time.sleep(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        console.print("stopping …")
        stack.stop()


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    cli()


if __name__ == "__main__":
    main()
