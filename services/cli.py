"""`newsflow`: the one entry point (produce, process, sink, up, query, feeds, watch, serve, deadletter).

Errors: every command runs through services/cli_errors.run (one line for a known condition, `--debug`
for its traceback). Settings: built here once per command by services/cli_context.settings_here, which
also finds the running `newsflow up` of this folder.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from services import cli_errors
from services.cli_context import say, settings_here
from services.cli_errors import UsageError, UserError
from services.common.logs import configure_logging
from services.config import Settings, get_settings
from services.deadletter import app as deadletter_app
from services.subscriptions.commands import register as register_subscriptions

if TYPE_CHECKING:
    from services.subscriptions.live import LiveSubscriptions

cli = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_show_locals=False,
                  help="newsflow: streaming ingest for multilingual news.")
console = Console(stderr=True)
out = Console()
cli.add_typer(deadletter_app, name="deadletter")  # newsflow deadletter list|replay
register_subscriptions(cli)  # newsflow route, tail, subscriptions list|check
T = TypeVar("T")
SEND_CHUNK = 500  # records per pipelined send of `produce`


LogFormat = Annotated[str, typer.Option("--log-format", help="text (default) or json: one JSON object per line.")]


def _logging(level: str, fmt: str = "text") -> None:
    """A service's logging (services/common/logs.py); a bad level or format is a usage error."""
    try:
        configure_logging(level, fmt)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


@cli.callback()
def _global_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of a known error too (or NEWSFLOW_DEBUG=1).")] = False,
) -> None:
    """newsflow: streaming ingest for multilingual news."""
    # `--debug` is read by cli_errors.run from the command line; declared here for --help and parsing.
    # One-shot commands keep the Kafka client's own log lines out of the way; services set their level.
    configure_logging("info" if debug else "warning", clients="warning" if debug else "critical")


def _run_until_signal(service: Callable[[asyncio.Event], Awaitable[T]]) -> T:
    """Run a long-lived service; SIGINT/SIGTERM set its stop event so it finishes cleanly. Returns its result."""

    async def main() -> T:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await service(stop)

    return asyncio.run(main())


async def produce_paths(paths: list[Path], settings: Settings, source: str, progress: bool = True,
                        remember: bool = False, force: bool = False, wait_forever: bool = False) -> dict[str, int]:
    """Publish files; unreadable or invalid input goes to the dead-letter topic. Returns the counts.

    remember=True keeps a record of the files sent (services/producer/sentfiles.py): an unchanged file is
    skipped and counted as "unchanged" unless force=True. wait_forever: see publish.Publisher."""
    from services.common.kafka import ensure_topics
    from services.producer.files import SUPPORTED, Rejected, articles_from_file, iter_files
    from services.common.deadletter import dead_letter_for
    from services.producer.publish import Publisher
    from services.producer.sentfiles import SentFiles, destination, file_digest

    files = list(iter_files(paths))
    counts = {"sent": 0, "skipped": 0, "failed": 0, "unchanged": 0}
    cluster = await ensure_topics(settings)
    sent_files = SentFiles.for_state_dir(settings.state_dir) if remember else None
    where = destination(cluster, settings.bootstrap, settings.topic_raw, source)
    try:
        with Progress(TextColumn("[bold]producing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, disable=not progress) as bar:
            task = bar.add_task("files", total=len(files))
            async with Publisher(settings, wait_forever=wait_forever) as publisher:
                for path in files:
                    bar.advance(task)
                    if path.suffix.lower() not in SUPPORTED:
                        counts["skipped"] += 1
                        continue
                    digest = file_digest(path.read_bytes()) if sent_files is not None else ""
                    if sent_files is not None and not force and sent_files.seen(digest, where):
                        counts["unchanged"] += 1
                        continue
                    batch = []
                    for item in articles_from_file(path, source=source):
                        if isinstance(item, Rejected):
                            counts["failed"] += 1
                            console.print(f"[yellow]dead-lettered[/] {item.origin}: {item.reason[:200]}", soft_wrap=True)
                            await publisher.dead_letter(dead_letter_for(item.payload, stage=item.stage,  # type: ignore[arg-type]
                                                                        error=item.reason))
                            continue
                        batch.append(item)
                        if len(batch) >= SEND_CHUNK:
                            counts["sent"] += len(await publisher.send_many(batch))
                            batch = []
                    if batch:
                        counts["sent"] += len(await publisher.send_many(batch))
                    if sent_files is not None:  # only once Kafka acknowledged every record of the file
                        sent_files.record(digest, where, path.resolve())
    finally:
        if sent_files is not None:
            sent_files.close()
    return counts


def produce_summary(counts: dict[str, int]) -> str:
    line = f"sent {counts['sent']}, skipped {counts['skipped']}, failed {counts['failed']}"
    if counts.get("unchanged"):
        line += f"; {counts['unchanged']} unchanged, skipped (sent before; --force sends them again)"
    return line


@cli.command()
def produce(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders: .txt articles, .html pages, .json/.jsonl records.", exists=True)],
    source: Annotated[str, typer.Option(help="Source name for articles that carry none.")] = "files",
    force: Annotated[bool, typer.Option("--force", help="Send files again that were sent unchanged before.")] = False,
) -> None:
    """Publish files onto articles.raw (files sent unchanged before are skipped unless --force)."""
    settings = settings_here(kafka=True)
    counts = asyncio.run(produce_paths(paths, settings, source, remember=True, force=force))
    out.print(produce_summary(counts), soft_wrap=True)
    if counts["failed"]:
        raise typer.Exit(1)


@cli.command()
def process(loglevel: Annotated[str, typer.Option("--log-level")] = "warn", log_format: LogFormat = "text",
            subscriptions: Annotated[Path | None, typer.Option(
                help="Route enriched articles to these subscriptions (NEWSFLOW_SUBSCRIPTIONS); reloaded on change.")] = None,
            ) -> None:
    """Run the faust stream processor (normalize, detect language, tag entities); /metrics, /healthz, /readyz."""
    from services.common.kafka import ensure_topics
    from services.common.logs import dict_config
    from services.observability.service import faust_joined, observe
    from services.processor import entities, language
    from services.processor.runtime.agents import create_app

    _logging(loglevel, log_format)  # validates both before the models load
    settings = settings_here(kafka=True)
    if subscriptions is not None:
        settings = settings.model_copy(update={"subscriptions": subscriptions})
    live = _live_subscriptions(settings)  # a bad file ends here, before the models load
    language.warm_up(settings.languages)  # load models before joining the group, not on the first record
    entities.warm_up(settings.languages)
    # Outputs go straight to the producer: their topics (subscription topics too) must exist.
    asyncio.run(ensure_topics(settings, extra=live.routes.topics if live else ()))
    observed = observe("processor", settings, group=settings.processor_id,
                       topics=(settings.topic_raw, settings.topic_normalized))
    app = create_app(settings, metrics=observed.metrics, subscriptions=live)
    observed.readiness.probe("group", lambda: faust_joined(app))
    # faust installs its own logging: hand it ours (format, and aiokafka/faust kept at WARNING: they build a
    # debug record for every request otherwise).
    app.conf.logging_config = dict_config(loglevel, log_format)
    sys.argv = ["newsflow-process", "worker", "--loglevel", loglevel, "--without-web"]
    try:
        app.main()
    finally:
        observed.close()


def _live_subscriptions(settings: Settings) -> LiveSubscriptions | None:
    """The processor's subscriptions in force at start, or the file's problems (one line each) and exit 2."""
    if settings.subscriptions is None:
        return None
    from services.common.kafka import topic_names
    from services.processor.runtime.handlers import Topics
    from services.subscriptions.commands import live_or_exit

    topics = Topics.of(settings)
    return live_or_exit(settings.subscriptions, (*topic_names(settings), topics.first_seen, topics.related))


@cli.command()
def sink(loglevel: Annotated[str, typer.Option("--log-level")] = "info", log_format: LogFormat = "text") -> None:
    """Write articles.enriched to storage (NEWSFLOW_DATABASE_URL; SQLite by default); /metrics, /healthz, /readyz."""
    from services.observability.service import observe
    from services.sink.consumer import run_sink

    _logging(loglevel, log_format)
    settings = settings_here(kafka=True, database=True)
    observed = observe("sink", settings, group=settings.sink_group, topics=(settings.topic_enriched,))
    try:
        _run_until_signal(lambda stop: run_sink(settings, stop, metrics=observed.metrics, readiness=observed.readiness))
    finally:
        observed.close()


def _summary(title: str, tally: dict[str, int]) -> None:
    table = Table(title=title)
    table.add_column("counter")
    table.add_column("total", justify="right")
    for name in sorted(tally):
        table.add_row(name, str(tally[name]))
    out.print(table)


def _metrics_server(service: str, settings: Settings, metrics: Any, port: int | None) -> Any:
    """/metrics (the producer's counters and the shared ones), /healthz and /readyz (broker reachable)."""
    from services.observability.service import observe

    observed = observe(service, settings, registry=metrics.registry, port=port)
    console.print(f"metrics and health on {observed.server.url}/metrics")
    return observed


@cli.command()
def feeds(
    feeds_file: Annotated[Path, typer.Argument(help="FEEDS.yaml (see samples/feeds.example.yaml).", exists=True)],
    once: Annotated[bool, typer.Option("--once", help="Poll every feed once, then exit (status 1 when all failed).")] = False,
    metrics_port: Annotated[int | None, typer.Option(help="/metrics, /healthz, /readyz port (default NEWSFLOW_METRICS_PORT).")] = None,
    loglevel: Annotated[str, typer.Option("--log-level")] = "warning",
    log_format: LogFormat = "text",
) -> None:
    """Poll RSS/Atom feeds; publish new entries onto articles.raw (state in NEWSFLOW_STATE_DIR)."""
    from services.producer.feeds import load_feeds, run_feeds
    from services.producer.metrics import ProducerMetrics

    _logging(loglevel, log_format)
    specs = load_feeds(feeds_file)  # a bad entry is said before anything connects
    settings, metrics = settings_here(kafka=True), ProducerMetrics("feeds")
    server = _metrics_server("feeds", settings, metrics, metrics_port)

    def show(spec: Any, r: Any) -> None:
        colour = {"ok": "green", "not_modified": "dim", "error": "red"}[r.result]
        t = metrics.tally
        status.update(f"feeds: polls {sum(v for k, v in t.items() if k.startswith('polls_'))}, sent {t['sent']}, "
                      f"duplicates {t['duplicates']}, failures {t['failures']}")
        console.print(f"[{colour}]{r.result:<12}[/] {r.url}  new {r.sent}, seen {r.duplicates}"
                      + (f"  [red]{r.error}[/]" if r.error else ""), soft_wrap=True)

    with console.status(f"polling {len(specs)} feeds") as status:
        results = _run_until_signal(lambda stop: run_feeds(specs, settings, stop, once=once, metrics=metrics,
                                                           on_result=show))
    server.close()
    _summary(f"feeds ({len(specs)})", dict(metrics.tally))
    if once and results and all(r.result == "error" for r in results):
        raise UserError(f"every feed failed ({len(results)} of {len(specs)}); their errors are listed above")


@cli.command()
def watch(
    folder: Annotated[Path, typer.Argument(help="Folder to watch; handled files move to .done/ or .failed/.",
                                           exists=True, file_okay=False)],
    source: Annotated[str, typer.Option(help="Source name for articles that carry none.")] = "watch",
    once: Annotated[bool, typer.Option("--once", help="Handle the files there now, then exit.")] = False,
    metrics_port: Annotated[int | None, typer.Option(help="/metrics, /healthz, /readyz port (default NEWSFLOW_METRICS_PORT).")] = None,
    loglevel: Annotated[str, typer.Option("--log-level")] = "warning",
    log_format: LogFormat = "text",
) -> None:
    """Publish files dropped into FOLDER onto articles.raw (failures to the dead-letter topic)."""
    from services.producer.metrics import ProducerMetrics
    from services.producer.watch import run_watch

    _logging(loglevel, log_format)
    settings, metrics = settings_here(kafka=True), ProducerMetrics("watch")
    server = _metrics_server("watch", settings, metrics, metrics_port)

    def show(o: Any) -> None:
        t = metrics.tally
        status.update(f"watching {folder}: sent {t['sent']}, dead-lettered {t['dead_lettered']}, failures {t['failures']}")
        if o.error:
            console.print(f"[yellow]retry later[/] {o.path}: {o.error}", soft_wrap=True)
        elif o.note and o.moved_to is None:
            console.print(f"[dim]{o.path}: {o.note}[/]", soft_wrap=True)
        elif o.note:
            console.print(f"[red]{o.path}: {o.note}[/] -> {o.moved_to}", soft_wrap=True)
        else:
            colour = "red" if o.dead_lettered else "green"
            console.print(f"[{colour}]{o.sent} sent, {o.dead_lettered} dead-lettered[/] {o.path} -> {o.moved_to}",
                          soft_wrap=True)

    with console.status(f"watching {folder}") as status:
        _run_until_signal(lambda stop: run_watch(folder, settings, stop, source=source, once=once, metrics=metrics,
                                                 on_file=show))
    server.close()
    _summary(f"watch {folder}", dict(metrics.tally))


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
    loglevel: Annotated[str, typer.Option("--log-level")] = "info",
    log_format: LogFormat = "text",
) -> None:
    """HTTP ingest: POST /articles (JSON or NDJSON) -> articles.raw; /healthz, /readyz, /metrics, /openapi.json.
    The health server (NEWSFLOW_METRICS_PORT) serves /metrics, /healthz and /readyz as for every service."""
    import uvicorn

    from services.common.kafka import ensure_topics
    from services.producer.http_ingest import create_app
    from services.producer.metrics import ProducerMetrics

    _logging(loglevel, log_format)
    settings, metrics = settings_here(kafka=True), ProducerMetrics("http")
    asyncio.run(ensure_topics(settings))  # no broker: one line now, not a failed startup inside uvicorn
    observed = _metrics_server("serve", settings, metrics, None)
    if settings.ingest_token is None:
        console.print("[yellow]NEWSFLOW_INGEST_TOKEN is not set: POST /articles accepts anyone who can connect[/]")
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal into the handlers it found:
    # these make that a normal exit (summary, status 0) instead of a traceback or death by signal.
    stopped: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda number, _frame: stopped.append(number))
    # In-flight requests get 5 s after SIGTERM and the producer 3 s to flush (publish.CLOSE_TIMEOUT): the
    # process ends within 10 s even with the broker gone. log_config=None: uvicorn logs through ours.
    try:
        uvicorn.run(create_app(settings, metrics=metrics), host=host, port=port, log_level=loglevel,
                    log_config=None, timeout_graceful_shutdown=5)
    finally:
        observed.close()
    _summary(f"serve {host}:{port}", dict(metrics.tally))


@cli.command()
def query(
    language: Annotated[str | None, typer.Option(help="ISO 639-1 code (any case), or und.")] = None,
    entity: Annotated[str | None, typer.Option(help="Canonical entity id, e.g. Q7747.")] = None,
    story: Annotated[str | None, typer.Option(help="Story id: the story's record, then its articles.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many (1 or more).")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Show stored articles, newest first (reads only: never creates a database)."""
    import orjson

    from services.query_view import article_table
    from services.sink.store import open_store

    if limit < 1:
        raise UsageError(f"--limit must be 1 or more (got {limit})")
    settings = settings_here(kafka=False, database=True)
    code = None
    if language is not None:
        code = language.strip().casefold()
        known = (*settings.languages, "und")
        if code not in known:
            raise UsageError(f"unknown language code {language!r}: newsflow stores {', '.join(known)} "
                             "(NEWSFLOW_LANGUAGES; und = undetermined)")
    store = open_store(settings.database_url, create=False)
    try:
        rows = store.query(language=code, entity_id=entity, story_id=story, limit=limit)
        total = store.count(language=code, entity_id=entity, story_id=story)
        record = store.story(story) if story else None
    finally:
        store.close()
    if story and record is None and not rows:
        raise UserError(f"no story {story!r} in the store: check the id (newsflow query --json shows story_id)")
    if as_json:
        if record is not None:
            sys.stdout.write(orjson.dumps({"story": record}).decode() + "\n")
        for row in rows:
            sys.stdout.write(orjson.dumps(row).decode() + "\n")
        return
    if record is not None:
        titles = "; ".join(f"[{lang}] {t}" for lang, t in record.get("titles", {}).items())
        out.print(f"story {record['id']}: {record['articles']} articles, languages {', '.join(record['languages'])}, "
                  f"{record['first_seen'][:16]} .. {record['last_seen'][:16]}\n  {titles}")
    filters = "".join(f", {name} {value}" for name, value in (("language", code), ("entity", entity), ("story", story))
                      if value)
    out.print(article_table(rows, f"showing {len(rows):,} of {total:,} stored articles{filters}"))


@cli.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="One JSON document (the snapshot).")] = False) -> None:
    """The running stack at a glance: topics, group lag, stored articles, rate, dead letters, readiness.
    Exits 1 when something is not ready (scripts can use it)."""
    from services.observability.snapshot import collect_once, locate
    from services.observability.status import print_status

    snap = asyncio.run(collect_once(locate(settings_here(kafka=False, database=True, announce=False))))
    if as_json:
        sys.stdout.write(snap.model_dump_json(indent=2) + "\n")
    else:
        print_status(snap, out)
    if not snap.ok:
        raise typer.Exit(1)


@cli.command()
def dashboard(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="TCP port (default NEWSFLOW_DASHBOARD_PORT; 0 = a free one).")] = None,
    loglevel: Annotated[str, typer.Option("--log-level")] = "warning",
    log_format: LogFormat = "text",
) -> None:
    """The live page: throughput, lag, languages, top entities, latest articles, dead letters."""
    from services.observability.dashboard import Dashboard
    from services.observability.snapshot import locate

    _logging(loglevel, log_format)
    settings = locate(settings_here(kafka=False, database=True, announce=False))
    page = Dashboard(settings, host=host, port=settings.dashboard_port if port is None else port).start()
    console.print(f"live page on {page.url}")
    try:
        _run_until_signal(lambda stop: stop.wait())
    finally:
        page.stop()


def _page_url(registry: Path, stack: Any, timeout: float = 30.0) -> str | None:
    """The live page's URL once the dashboard child registered it (None if it did not in time)."""
    from services.observability.registry import running

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        child = stack.children.get("dashboard")
        for entry in running(registry):
            if entry.service == "dashboard" and child is not None and entry.pid == child.pid:
                return entry.url + "/"
        if child is None or child.poll() is not None:
            return None
        time.sleep(0.2)
    return None


def _default_inputs() -> Iterator[Path]:
    from services.stack import SAMPLES

    yield SAMPLES


@cli.command()
def up(
    paths: Annotated[list[Path] | None, typer.Argument(help="Input to feed (default: the bundled samples/).")] = None,
    once: Annotated[bool, typer.Option("--once", help="Exit when the input is stored.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the input to be stored.")] = 300.0,
    subscriptions: Annotated[Path | None, typer.Option(
        help="Route enriched articles to these subscriptions (in the processor; NEWSFLOW_SUBSCRIPTIONS).")] = None,
) -> None:
    """Run the whole local stack: Kafka (unless KAFKA_BOOTSTRAP_SERVERS is set), processor, sink; feed input.

    Other commands started in the same folder find this stack (NEWSFLOW_STATE_DIR/stack.json)."""
    from services.common.kafka import ensure_topics
    from services.common.localkafka import LocalKafka
    from services.query_view import article_table
    from services.sink.store import open_store
    from services.stack import Stack, wait_drained
    from services.stackstate import StackLock, absolute_database_url

    settings = get_settings()
    subscriptions = subscriptions or settings.subscriptions
    if subscriptions is not None:
        from services.subscriptions.commands import load_or_exit

        load_or_exit(subscriptions)  # a bad file ends here with its problems, not in a restarting child
        # The processors route (and follow the file); they may run in another folder: an absolute path.
        settings = settings.model_copy(update={"subscriptions": subscriptions.resolve()})
    state = settings.state_dir.resolve()
    lock = StackLock(state).acquire()  # a second `up` on this state dir stops here, with one line
    settings = settings.model_copy(update={"state_dir": state,
                                           "database_url": absolute_database_url(settings.database_url)})
    stack = Stack(settings, log_dir=state / "logs")
    # SIGTERM, and SIGHUP (its terminal closed), stop as cleanly as Ctrl-C at any point, starting up included:
    # the children live in their own sessions, so only this process can stop them. SIGINT is set too: a shell
    # starting `up` in the background hands it SIGINT ignored, and `kill -INT` must still stop it.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, signal.default_int_handler)
    try:
        if not settings.kafka_bootstrap_servers:
            console.print("starting a local Apache Kafka (KRaft) …")
            stack.kafka = LocalKafka(state / "kafka").start()
            settings = settings.model_copy(update={"kafka_bootstrap_servers": stack.kafka.bootstrap})
            stack.settings = settings
            console.print(f"Kafka on {stack.kafka.bootstrap} (log: {stack.kafka.log_path})")
        else:
            say(f"using Kafka {settings.bootstrap} (KAFKA_BOOTSTRAP_SERVERS)")
        asyncio.run(ensure_topics(settings))
        workers = stack.spawn_processors()
        stack.spawn("sink", "sink")
        routing = f", routing to the subscriptions in {subscriptions}" if subscriptions else ""
        console.print(f"{len(workers)} processor worker(s){routing} and the sink started (logs in {stack.log_dir})")
        state_file = lock.publish(settings)
        if not once:  # the page is for a stack that keeps running
            stack.spawn("dashboard", "dashboard")
            page = _page_url(settings.registry_dir, stack)
            console.print(f"live page: {page}" if page else f"the live page did not start (see {stack.log_dir}/dashboard.log)")
        # A broker `up` just started may take long over its first acknowledgements on a busy machine; it is
        # our own child, watched here, and Ctrl-C stops the wait.
        counts = asyncio.run(produce_paths(list(paths or _default_inputs()), settings, source="files",
                                           wait_forever=stack.kafka is not None))
        console.print(f"sent {counts['sent']}, skipped {counts['skipped']}, failed {counts['failed']}; waiting until stored …")
        asyncio.run(wait_drained(settings, stack, timeout=timeout))
        store = open_store(settings.database_url)
        try:
            out.print(article_table(store.query(limit=50), f"{store.count()} articles in {settings.database_url}"))
        finally:
            store.close()
        if not once:
            console.print(f"running; in another shell in this folder, `newsflow produce PATH`, `newsflow query` and "
                          f"`newsflow deadletter list` use this stack ({state_file}); Ctrl-C stops everything",
                          soft_wrap=True)
            while True:
                stack.check_children()
                time.sleep(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        try:
            console.print("stopping …")
        except (OSError, SystemExit):  # rich turns a broken pipe into SystemExit
            pass  # a closed terminal or pipe must not leave the children running
        stack.stop()
        lock.release()


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    cli_errors.run(cli)


if __name__ == "__main__":
    main()
