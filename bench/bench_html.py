"""HTML extraction quality: normalize() vs trafilatura alone, per field, on the shared HTML corpus.

Run: .venv/bin/python bench/bench_html.py [--limit N]
Corpus: $NEWSFLOW_SHARED/corpora/html (default: <repo>/../shared); skips (exit 0) when absent.
Scoring (the same functions for both systems; text compared after NFC, whitespace collapse, casefold):
- body: every gold `with` snippet present and no `without` snippet present; also snippet-level rates;
- title: equal; date: YYYY-MM-DD equal (ours: the local date of published_at, metadata published_at_local);
- author: same set of names (split on ; , / and|und|et|y, punctuation ignored), pages with a gold author;
  "spurious" counts an author given where the gold has none.
Baseline: trafilatura.bare_extraction with its defaults plus with_metadata=True (without it, it
returns no title/date/author at all), given the page bytes and the URL, as ours is given the URL.
Ours: normalize() on a text/html RawArticle (page decoded with trafilatura's decode_file), with
max_body_bytes raised to 20 MB since some pages exceed the 1 MB production default.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import sys
import time
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import orjson
import trafilatura
from trafilatura.utils import decode_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schemas.models import RawArticle  # noqa: E402
from services.processor.errors import StepError  # noqa: E402
from services.processor.normalize import normalize  # noqa: E402


def shared_dir() -> Path:
    return Path(os.environ.get("NEWSFLOW_SHARED", ROOT.parent / "shared"))


def norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split()).casefold()


def author_key(text: str | None) -> frozenset[str]:
    parts = re.split(r"\s*(?:;|,|/|\band\b|\bund\b|\bet\b|\by\b)\s*", unicodedata.normalize("NFC", text or ""), flags=re.I)
    return frozenset(" ".join(re.sub(r"[^\w]+", " ", p.casefold()).split()) for p in parts if re.search(r"\w", p))


def score(gold: dict, body: str, title: str | None, date: str | None, author: str | None) -> dict:
    text = norm(body)
    with_ok = [norm(s) in text for s in gold["with"]]
    without_ok = [norm(s) not in text for s in gold["without"]]
    return {
        "body": all(with_ok) and all(without_ok),
        "with": (sum(with_ok), len(with_ok)),
        "without": (sum(without_ok), len(without_ok)),
        "title": norm(title) == norm(gold.get("title")),
        "date": (date == gold["date"]) if gold.get("date") else None,
        "author": (author_key(author) == author_key(gold["author"])) if gold.get("author") else None,
        "spurious_author": bool(author) if not gold.get("author") else None,
    }


def read_page(path: Path, gz: bool) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if gz or data[:2] == b"\x1f\x8b" else data


def run_baseline(data: bytes, url: str | None) -> tuple[str, str | None, str | None, str | None]:
    doc = trafilatura.bare_extraction(data, url=url, with_metadata=True)
    if doc is None:
        return "", None, None, None
    return doc.text or "", doc.title, doc.date, doc.author


def run_ours(data: bytes, url: str | None, now: datetime) -> tuple[str, str | None, str | None, str | None]:
    raw = RawArticle(source="bench", url=url, content_type="text/html", body=decode_file(data), fetched_at=now)
    try:
        art = normalize(raw, now=now, max_body_bytes=20_000_000)
    except StepError:
        return "", None, None, None
    local = art.metadata.get("published_at_local")
    return art.body, art.title, local[:10] if isinstance(local, str) else None, art.author


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    corpus = shared_dir() / "corpora" / "html"
    manifest = corpus / "manifest.jsonl"
    if not manifest.exists():
        print(f"SKIP: {manifest} not found (set NEWSFLOW_SHARED)")
        return 0
    rows = [orjson.loads(line) for line in manifest.read_bytes().splitlines() if line.strip()]
    if args.limit:
        rows = rows[: args.limit]
    now = datetime.now(UTC)
    results: dict[str, list[dict]] = {"trafilatura": [], "newsflow": []}
    secs = {"trafilatura": 0.0, "newsflow": 0.0}
    for row in rows:
        path = corpus / "pages" / Path(row["file"]).name
        if not path.exists():
            path = corpus / row["file"]
        data = read_page(path, bool(row.get("gz")))
        for name, fn in (("trafilatura", lambda d: run_baseline(d, row.get("url"))),
                         ("newsflow", lambda d: run_ours(d, row.get("url"), now))):
            t0 = time.perf_counter()
            out = fn(data)
            secs[name] += time.perf_counter() - t0
            results[name].append(score(row["gold"], *out))

    def rate(name: str, field: str) -> str:
        vals = [r[field] for r in results[name] if r[field] is not None]
        return f"{sum(vals)}/{len(vals)} ({100 * sum(vals) / max(1, len(vals)):.1f}%)"

    def snip(name: str, field: str) -> str:
        ok = sum(r[field][0] for r in results[name])
        total = sum(r[field][1] for r in results[name])
        return f"{ok}/{total} ({100 * ok / max(1, total):.1f}%)"

    print(f"{len(rows)} pages, {corpus}")
    print(f"{'field':<22}{'trafilatura alone':>26}{'newsflow normalize':>26}")
    for field in ("body", "title", "date", "author"):
        print(f"{field:<22}{rate('trafilatura', field):>26}{rate('newsflow', field):>26}")
    print(f"{'  with snippets':<22}{snip('trafilatura', 'with'):>26}{snip('newsflow', 'with'):>26}")
    print(f"{'  without snippets':<22}{snip('trafilatura', 'without'):>26}{snip('newsflow', 'without'):>26}")
    print(f"{'spurious author':<22}{rate('trafilatura', 'spurious_author'):>26}{rate('newsflow', 'spurious_author'):>26}")
    print(f"{'ms/page':<22}{1000 * secs['trafilatura'] / len(rows):>26.1f}{1000 * secs['newsflow'] / len(rows):>26.1f}")
    worse = [f for f in ("body", "title", "date", "author")
             if sum(bool(r[f]) for r in results["newsflow"]) < sum(bool(r[f]) for r in results["trafilatura"])]
    print("worse than trafilatura on: " + (", ".join(worse) if worse else "nothing"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
