"""Labelled sets for bench_dedup.py: real article texts, scripted edits of them, hand-written story pairs.

Near-duplicates. Base texts: the 142 news/web pages of ../shared/corpora/html (through the real normalize
step), the feed entries of ../shared/corpora/feeds with at least MIN_WORDS words, and the seeds. Every base
with at least MIN_WORDS words gets EDITS_PER_BASE copies, each with one or two scripted edits (seeded):
  headline  the first line replaced by another base's first line (a new headline in the body)
  trim      the last paragraph(s) cut, up to ~20 % of the words
  add       a paragraph of another base appended or inserted (up to ~20 % of the words)
  rewrap    lines broken every 50-80 characters, paragraphs kept (layout only)
  trailer   the last line replaced by an agency/"read more" trailer
A copy is a positive for its base; all bases are distinct texts, so any other match is a false positive.
Stories: tests/fixtures/stories/articles.jsonl (written for this project; see tests/fixtures/stories/README.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from schemas.models import RawArticle
from services.processor.dedup.signature import words
from services.processor.normalize import normalize

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSFLOW_SHARED", REPO.parent / "shared"))
if "NEWSFLOW_SHARED" not in os.environ and not SHARED.is_dir():  # a worktree one level deeper
    SHARED = REPO.parent.parent / "shared"
STORIES = REPO / "tests" / "fixtures" / "stories" / "articles.jsonl"
MIN_WORDS = 60
EDITS_PER_BASE = 4
EDITS = ("headline", "trim", "add", "rewrap", "trailer")
TRAILERS = ("© ANP 2026. Alle rechten voorbehouden.", "Mit Material von dpa und AFP.",
            "Reporting by Reuters; editing by the news desk.", "Lees ook: het laatste nieuws in onze app.",
            "Copyright 2026 The Associated Press. All rights reserved.", "(Agence France-Presse)")
NOW = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Base:
    id: str
    text: str  # normalized body, paragraphs separated by blank lines
    language_hint: str | None


@dataclass(frozen=True)
class Copy:
    id: str
    base: str
    edits: tuple[str, ...]
    text: str  # as republished (plain text); copy_body() is what the stream sees


def copy_body(c: Copy) -> str:
    """The copy through the real normalize step, as a plain-text article with its own title."""
    return _normalized(c.text, "text/plain", "copy", title=f"Republished {c.id}") or ""


def _normalized(body: str, content_type: str, source: str, title: str | None = None) -> str | None:
    try:
        article = normalize(RawArticle(source=source, body=body, content_type=content_type,  # type: ignore[arg-type]
                                       title=title, fetched_at=NOW), now=NOW)
    except Exception:
        return None
    return article.body


def html_bases() -> Iterator[Base]:
    folder = SHARED / "corpora" / "html"
    if not (folder / "manifest.jsonl").is_file():
        return
    for line in (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        path = folder / "pages" / Path(entry["file"]).name
        if not path.is_file():
            continue
        text = _normalized(path.read_bytes().decode("utf-8", "replace"), "text/html", "html-corpus")
        if text:
            yield Base(f"html:{entry['id']}", text, entry.get("lang"))


def feed_bases() -> Iterator[Base]:
    from services.producer.feedentries import parse_feed

    folder = SHARED / "corpora" / "feeds" / "files"
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        try:
            entries = parse_feed(path.read_bytes()).entries
        except Exception:
            continue
        for n, entry in enumerate(entries):
            fragment = " ".join(str(c.get("value", "")) for c in entry.get("content", [])) or str(entry.get("summary", ""))
            text = _normalized(f"<html><body><article>{fragment}</article></body></html>", "text/html", "feed-corpus")
            if text:
                yield Base(f"feed:{path.name}#{n}", text, None)


def seed_bases() -> Iterator[Base]:
    for path in sorted((SHARED / "seeds").glob("*.txt")) if (SHARED / "seeds").is_dir() else []:
        text = _normalized(path.read_text(encoding="utf-8"), "text/plain", "seed")
        if text:
            yield Base(f"seed:{path.name}", text, None)


def _cached(name: str, make: Any) -> Any:
    """make(), cached under ~/.cache/newsflow keyed by the corpus manifests and this file (normalizing is slow)."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for manifest in (SHARED / "corpora" / "html" / "manifest.jsonl", SHARED / "corpora" / "feeds" / "manifest.jsonl"):
        digest.update(manifest.read_bytes() if manifest.is_file() else b"-")
    cache = Path.home() / ".cache" / "newsflow" / f"dedup-{name}-{digest.hexdigest()[:16]}.pkl"
    if cache.is_file():
        return pickle.loads(cache.read_bytes())  # noqa: S301 - our own cache file
    out = make()
    if out:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(out))
    return out


def bases() -> list[Base]:
    """Distinct base texts (cached)."""
    return _cached("bases", _bases)


def copy_bodies(copy_list: list[Copy]) -> dict[str, str]:
    """copy_body() of every copy (cached)."""
    return _cached("copies", lambda: {c.id: copy_body(c) for c in copy_list})


def _bases() -> list[Base]:
    seen: set[str] = set()
    out = []
    for base in [*html_bases(), *feed_bases(), *seed_bases()]:
        key = " ".join(words(base.text))
        if len(words(base.text)) >= MIN_WORDS and key not in seen:  # distinct texts only: they are the negatives
            seen.add(key)
            out.append(base)
    return out


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()] or [text]


def _words_in(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def edit(text: str, kind: str, other: str, rng: random.Random) -> str:
    paras = _paragraphs(text)
    total = max(1, _words_in(paras))
    if kind == "headline":  # replace a short first line (a headline), else put one on top
        headline = " ".join(other.split("\n", 1)[0].split()[:14])
        if len(paras) > 1 and len(paras[0].split()) <= 14:
            return "\n\n".join([headline, *paras[1:]])
        return f"{headline}\n\n{text}"
    if kind == "trim":
        while len(paras) > 1 and _words_in(paras[:-1]) >= 0.8 * total:
            paras = paras[:-1]
        if len(paras) == 1:  # one long paragraph: cut its last sentences instead
            cut = words_cut(paras[0], int(0.15 * total))
            paras = [cut]
        return "\n\n".join(paras)
    if kind == "add":
        budget = max(8, int(0.15 * total))
        extra = " ".join(" ".join(_paragraphs(other)).split()[:budget])
        at = rng.randrange(len(paras) + 1)
        return "\n\n".join([*paras[:at], extra, *paras[at:]])
    if kind == "rewrap":
        width = rng.randrange(50, 81)
        out = []
        for p in paras:
            line, lines = "", []
            for w in p.split():
                if line and len(line) + 1 + len(w) > width:
                    lines.append(line)
                    line = w
                else:
                    line = f"{line} {w}" if line else w
            lines.append(line)
            out.append("\n".join(lines))
        return "\n\n".join(out)
    if kind == "trailer":
        if len(paras) > 2 and len(paras[-1].split()) < 0.2 * total:
            paras = paras[:-1]
        return "\n\n".join([*paras, rng.choice(TRAILERS)])
    raise ValueError(kind)


def words_cut(text: str, n: int) -> str:
    tokens = text.split()
    return " ".join(tokens[: max(1, len(tokens) - n)])


def copies(base_list: list[Base], seed: int = 17) -> list[Copy]:
    rng = random.Random(seed)
    out = []
    for base in base_list:
        for k in range(EDITS_PER_BASE):
            kinds = tuple(rng.sample(EDITS, 1 if k < 2 else 2))
            text = base.text
            for kind in kinds:
                text = edit(text, kind, rng.choice(base_list).text, rng)
            out.append(Copy(f"{base.id}~{k}", base.id, kinds, text))
    return out


def story_articles() -> list[dict[str, str]]:
    return [json.loads(line) for line in STORIES.read_text(encoding="utf-8").splitlines() if line.strip()]
