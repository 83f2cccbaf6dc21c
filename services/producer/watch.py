"""`newsflow watch DIR`: publish files dropped into a folder, once each (polling, no inotify).

A file is ready when its size and mtime did not change between two polls (a writer still busy
makes it wait). A ready file is turned into records by files.py; its good records go to articles.raw,
rejected ones (unreadable, unsupported type, invalid UTF-8/JSON/record) to the dead-letter topic.
Then the file moves to DIR/.done/ (all records sent) or DIR/.failed/ (at least one dead-lettered),
keeping its relative path. If Kafka does not acknowledge, the file stays where it is and is tried
again on the next poll. A crash between the acknowledgement and the move publishes the file again on
restart (at-least-once; the records' keys are stable). Hidden files/folders and names ending in
.tmp/.part/.partial/.crdownload/.swp/~ are ignored (write there, then rename into place); so are
empty files until they have content (said once per file).

Refused without reading: a symlink whose target lies outside the watched folder (nothing outside it is
published by dropping a link in), and a broken symlink. Each is dead-lettered once with the reason (no
payload) and the link itself moves to .failed/. A record too large for the topic (files.articles_from_file)
is dead-lettered once with the limit in the reason, never retried.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiokafka.errors import MessageSizeTooLargeError

from schemas.models import RawArticle
from services.config import Settings
from services.producer.files import Rejected, articles_from_file
from services.producer.metrics import ProducerMetrics
from services.common.deadletter import dead_letter_for
from services.producer.publish import Publisher

log = logging.getLogger(__name__)
DONE, FAILED = ".done", ".failed"
TEMP_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp", "~")


@dataclass(frozen=True)
class FileStat:
    size: int
    mtime_ns: int


def is_candidate(rel: Path) -> bool:
    """Whether a path relative to the watched folder is input (not hidden, not a temp name). Pure."""
    return not any(part.startswith(".") for part in rel.parts) and not rel.name.lower().endswith(TEMP_SUFFIXES)


def ready_files(previous: Mapping[Path, FileStat], current: Mapping[Path, FileStat]) -> list[Path]:
    """Files seen unchanged (size and mtime) in two consecutive polls, non-empty, in name order. Pure."""
    return sorted(p for p, stat in current.items() if stat.size > 0 and previous.get(p) == stat)


def destination(root: Path, bucket: str, rel: Path, exists: Callable[[Path], bool], stamp: str) -> Path:
    """Where a handled file goes: root/bucket/rel, or with a time stamp when that name is taken. Pure but `exists`."""
    target = root / bucket / rel
    if not exists(target):
        return target
    return target.with_name(f"{target.stem}.{stamp}{target.suffix}")


def link_refusal(path: Path, root: Path) -> str | None:
    """Why a symlink in the watched folder is not followed, or None (not a link, or a link within). `root`
    is resolved."""
    if not path.is_symlink():
        return None
    try:
        target = Path(os.path.realpath(path, strict=True))
    except (OSError, RuntimeError):  # missing target, or a loop
        return f"broken symlink (to {os.readlink(path)!r}): refused"
    if not target.is_relative_to(root):
        return f"symlink to {target}, outside the watched folder {root}: refused"
    return None


def snapshot(root: Path) -> dict[Path, FileStat]:
    found: dict[Path, FileStat] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            path = Path(dirpath) / name
            if not is_candidate(path.relative_to(root)):
                continue
            try:
                st = path.stat() if not path.is_symlink() else path.lstat()  # a link is judged as a link
            except OSError:
                continue  # moved away meanwhile
            found[path] = FileStat(st.st_size, st.st_mtime_ns)
    return found


@dataclass
class FileOutcome:
    path: Path
    moved_to: Path | None
    sent: int = 0
    dead_lettered: int = 0
    error: str | None = None  # Kafka trouble: the file stays for the next poll
    note: str | None = None  # said once: an empty file waiting for content, a refused symlink


class FolderWatcher:
    def __init__(self, root: Path, settings: Settings, publisher: Publisher, metrics: ProducerMetrics,
                 source: str = "watch") -> None:
        self.root, self.settings, self.publisher, self.metrics, self.source = root, settings, publisher, metrics, source

    def _move(self, path: Path, bucket: str) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        target = destination(self.root, bucket, path.relative_to(self.root), Path.exists, stamp)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        return target

    async def refuse(self, path: Path, reason: str) -> FileOutcome:
        """A symlink not followed: dead-lettered once (reason, no payload), the link moved to .failed/."""
        try:
            await self.publisher.dead_letter(dead_letter_for(b"", stage="parse", error=f"{path}: {reason}"))
        except Exception as exc:  # noqa: BLE001 - Kafka trouble: say it again on the next poll
            self.metrics.failure("publish")
            return FileOutcome(path, None, error=f"{type(exc).__name__}: {exc}")
        self.metrics.failure("file")
        self.metrics.dead_lettered()
        return FileOutcome(path, self._move(path, FAILED), dead_lettered=1, note=reason)

    async def handle(self, path: Path) -> FileOutcome:
        items = list(articles_from_file(path, source=self.source))
        goods = [i for i in items if isinstance(i, RawArticle)]
        bads = [i for i in items if isinstance(i, Rejected)]
        try:
            try:
                if goods:
                    await self.publisher.send_many(goods)
            except MessageSizeTooLargeError as exc:  # the file's fault: no retry can succeed
                bads += [Rejected(str(path), b"", f"refused by Kafka: {exc}", stage="produce")]
                goods = []
            for bad in bads:
                await self.publisher.dead_letter(dead_letter_for(bad.payload, stage=bad.stage,  # type: ignore[arg-type]
                                                                 error=f"{bad.origin}: {bad.reason}"))
        except Exception as exc:  # not the file's fault: keep it and retry on the next poll
            log.warning("publishing %s failed, will retry: %s", path, exc)
            self.metrics.failure("publish")
            return FileOutcome(path, None, error=f"{type(exc).__name__}: {exc}")
        self.metrics.sent(len(goods))
        if bads:
            self.metrics.failure("file", len(bads))
            self.metrics.dead_lettered(len(bads))
        moved = self._move(path, FAILED if bads else DONE)
        return FileOutcome(path, moved, sent=len(goods), dead_lettered=len(bads))


async def run_watch(root: Path, settings: Settings, stop: asyncio.Event, *, source: str = "watch",
                    once: bool = False, metrics: ProducerMetrics | None = None,
                    on_file: Callable[[FileOutcome], None] | None = None) -> list[FileOutcome]:
    """Poll `root` every settings.watch_interval until `stop`; once=True: handle what is there, then return."""
    from services.common.kafka import ensure_topics

    metrics = metrics or ProducerMetrics("watch")
    root = root.resolve()
    outcomes: list[FileOutcome] = []
    await ensure_topics(settings)
    async with Publisher(settings) as publisher:
        metrics.up.set(1)
        watcher = FolderWatcher(root, settings, publisher, metrics, source)
        previous: dict[Path, FileStat] = {}
        said_empty: set[Path] = set()

        def report(outcome: FileOutcome) -> None:
            outcomes.append(outcome)
            if on_file:
                on_file(outcome)

        try:
            while True:
                current = snapshot(root)
                for path in list(current):
                    reason = link_refusal(path, root)
                    if reason and not stop.is_set():
                        outcome = await watcher.refuse(path, reason)
                        report(outcome)
                        if outcome.moved_to is not None:
                            current.pop(path)
                for path, stat in current.items():
                    if stat.size == 0 and previous.get(path) == stat and path not in said_empty:
                        said_empty.add(path)
                        report(FileOutcome(path, None, note="empty file: waiting for content"))
                said_empty &= {p for p, st in current.items() if st.size == 0}
                for path in ready_files(previous, current):
                    if stop.is_set():
                        break
                    outcome = await watcher.handle(path)
                    report(outcome)
                    if outcome.moved_to is not None:
                        current.pop(path, None)
                previous = current
                if stop.is_set():
                    break
                if once:  # done when nothing is left but files whose publishing failed in this run
                    failed = {o.path for o in outcomes if o.moved_to is None and o.error}
                    if not {p for p, st in current.items() if st.size > 0} - failed:
                        break
                try:
                    await asyncio.wait_for(stop.wait(), timeout=settings.watch_interval)
                except TimeoutError:
                    pass
                if stop.is_set():
                    break
        finally:
            metrics.up.set(0)
    return outcomes

