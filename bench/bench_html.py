"""HTML extraction quality and cost: newsflow's normalize path vs trafilatura alone vs readability-lxml.

Run: .venv/bin/python bench/bench_html.py [--corpus DIR] [--limit N] [--show-worse]
Corpus: DIR/manifest.jsonl + pages (default $NEWSFLOW_SHARED/corpora/html, NEWSFLOW_SHARED defaulting to
<repo>/../shared); skips (exit 0) when absent. readability-lxml is the `bench` extra
(`.venv/bin/pip install -e '.[bench]'`); without it that column is skipped ("absent").

Columns, each given the page's bytes and its URL:
- trafilatura: `bare_extraction(bytes, url=…, with_metadata=True)` with its defaults (it decodes the bytes
  itself); body = its text, plus its title/date/author.
- readability: `readability.Document(text)`, given the text newsflow's decoder makes of the bytes (the pinned
  0.8.4.1 cannot sniff bytes itself): body = the text of `summary()` (block elements on their own lines),
  title = `short_title()`; it has no date or author.
- newsflow: what the pipeline does with a fetched page: `services.producer.charset.decode_page` (no HTTP
  headers here), then `normalize()` on a text/html RawArticle with the production size limits; a page it
  refuses scores as empty. date = the local date of published_at (metadata published_at_local).

Body metrics:
- shingle F1: the article-extraction benchmark's metric (scrapinghub/article-extraction-benchmark,
  evaluate.py): tokens are `\\w+` matches (case kept), shingles are 4-token n-grams (a text of fewer tokens is
  one shorter shingle), TP/FP/FN are counted over shingle multisets and divided by their sum (so long pages
  weigh no more than short ones), precision and recall are averaged over pages (pages with tp+fp = 0 are
  left out of precision, tp+fn = 0 out of recall) and F1 = 2PR/(P+R) of the averages.
  With a full gold text (gold.text / gold.articleBody) this is the benchmark's metric exactly. With gold
  snippets only (the shared set: `with` snippets that must be in the article, `without` snippets that must
  not), the true shingles are those of the `with` snippets (TP = found in the output, FN = missing) and the
  FP are the shingles of the `without` snippets found in the output: the same counting over what the gold
  states. Reported per gold source.
- snippets: every `with` snippet present and no `without` snippet present (NFC, whitespace collapsed,
  casefolded), and snippet-level rates.
Fields: title equal (same normalization); date YYYY-MM-DD equal; author = same set of names (split on
; , / and|und|et|y, punctuation ignored) on pages with a gold author; "spurious" = an author given where the
gold has none.
Time: CPU seconds per page (process time, so other work on the machine does not count), median and p95,
per column; the ratio newsflow/trafilatura is printed for both.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import trafilatura
from lxml import etree
from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schemas.models import RawArticle  # noqa: E402
from services.config import Settings  # noqa: E402
from services.processor.errors import StepError  # noqa: E402
from services.processor.normalize import normalize  # noqa: E402
from services.producer.charset import decode_page  # noqa: E402

try:
    from readability import Document
    from readability.readability import Unparseable
except ImportError:  # the bench extra is not installed: that column is skipped
    Document = None

Extraction = tuple[str, str | None, str | None, str | None]  # body, title, date (YYYY-MM-DD), author
TpFpFn = tuple[float, float, float]
FIELDS = ("title", "date", "author")


# --- the article-extraction benchmark's shingle metric ---------------------------------------------

_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def _normalized(tp: float, fp: float, fn: float) -> TpFpFn:
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def shingle_match(true: str, pred: str) -> TpFpFn:
    """TP/FP/FN over 4-token shingle multisets of a full gold text and the output, normalized to sum 1."""
    t, p = shingles(true), shingles(pred)
    tp = sum(min(c, p[k]) for k, c in t.items())
    fp = sum(max(0, c - t[k]) for k, c in p.items())
    fn = sum(max(0, c - p[k]) for k, c in t.items())
    return _normalized(tp, fp, fn)


def snippet_shingle_match(with_snippets: list[str], without_snippets: list[str], pred: str) -> TpFpFn:
    """The same counting when the gold is snippets: `with` shingles found/missing, `without` shingles found."""
    p = shingles(pred)
    t: Counter[tuple[str, ...]] = Counter()
    for s in with_snippets:
        t.update(shingles(s))
    bad: Counter[tuple[str, ...]] = Counter()
    for s in without_snippets:
        bad.update(shingles(s))
    tp = sum(min(c, p[k]) for k, c in t.items())
    fn = sum(max(0, c - p[k]) for k, c in t.items())
    fp = sum(min(c, p[k]) for k, c in bad.items())
    return _normalized(tp, fp, fn)


def prf(rows: list[TpFpFn]) -> tuple[float, float, float]:
    """Precision and recall averaged over pages, F1 of the averages (as the benchmark computes them)."""
    def precision(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else 0.0 if tp == fp == 0 else tp / (tp + fp)

    def recall(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else 0.0 if tp == fn == 0 else tp / (tp + fn)

    ps = [precision(*r) for r in rows if r[0] + r[1] > 0]
    rs = [recall(*r) for r in rows if r[0] + r[2] > 0]
    p = statistics.mean(ps) if ps else 0.0
    r = statistics.mean(rs) if rs else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


# --- snippet and field scoring ----------------------------------------------------------------------

def norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split()).casefold()


def author_key(text: str | None) -> frozenset[str]:
    parts = re.split(r"\s*(?:;|,|/|\band\b|\bund\b|\bet\b|\by\b)\s*", unicodedata.normalize("NFC", text or ""), flags=re.I)
    return frozenset(" ".join(re.sub(r"[^\w]+", " ", p.casefold()).split()) for p in parts if re.search(r"\w", p))


def gold_text(gold: dict[str, Any]) -> str | None:
    text = gold.get("text") or gold.get("articleBody")
    return text if isinstance(text, str) and text.strip() else None


def score(gold: dict[str, Any], out: Extraction, has_meta: bool) -> dict[str, Any]:
    body, title, date, author = out
    text = norm(body)
    with_ok = [norm(s) in text for s in gold.get("with", [])]
    without_ok = [norm(s) not in text for s in gold.get("without", [])]
    full = gold_text(gold)
    return {
        "body": all(with_ok) and all(without_ok) if with_ok or without_ok else None,
        "with": (sum(with_ok), len(with_ok)),
        "without": (sum(without_ok), len(without_ok)),
        "shingle": shingle_match(full, body) if full else snippet_shingle_match(gold.get("with", []), gold.get("without", []), body),
        "full_gold": full is not None,
        "title": norm(title) == norm(gold.get("title")) if gold.get("title") else None,
        "date": ((date == gold["date"]) if has_meta else None) if gold.get("date") else None,
        "author": ((author_key(author) == author_key(gold["author"])) if has_meta else None) if gold.get("author") else None,
        "spurious_author": (bool(author) if has_meta else None) if not gold.get("author") else None,
    }


# --- the three extractors ---------------------------------------------------------------------------

def run_trafilatura(data: bytes, url: str | None) -> Extraction:
    doc = trafilatura.bare_extraction(data, url=url, with_metadata=True)
    if doc is None:
        return "", None, None, None
    return doc.text or "", doc.title, doc.date, doc.author


_BLOCKS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "td", "th", "dd", "dt",
           "section", "article", "figcaption", "br", "table", "ul", "ol")


def run_readability(data: bytes, url: str | None) -> Extraction:
    doc = Document(decode_page(data, {}), url=url)  # 0.8.4.1 cannot sniff bytes: given the text newsflow gets
    try:
        summary = doc.summary(html_partial=True)
        tree = lxml_html.fragment_fromstring(summary, create_parent="div")
    except (Unparseable, etree.ParserError, ValueError):
        return "", None, None, None
    for el in tree.iter(*_BLOCKS):  # block elements on lines of their own, as the other columns have them
        el.tail = "\n" + (el.tail or "")
    return tree.text_content(), doc.short_title(), None, None


def make_newsflow(now: datetime) -> Callable[[bytes, str | None], Extraction]:
    settings = Settings()  # the production limits (environment-configurable), not raised for the bench

    def run(data: bytes, url: str | None) -> Extraction:
        raw = RawArticle(source="bench", url=url, content_type="text/html", body=decode_page(data, {}), fetched_at=now)
        try:
            art = normalize(raw, now=now, max_body_bytes=settings.max_body_bytes, max_markup_chars=settings.markup_limit)
        except StepError:
            return "", None, None, None
        local = art.metadata.get("published_at_local")
        return art.body, art.title, local[:10] if isinstance(local, str) else None, art.author

    return run


# --- the run ----------------------------------------------------------------------------------------

def shared_dir() -> Path:
    return Path(os.environ.get("NEWSFLOW_SHARED", ROOT.parent / "shared"))


def read_page(path: Path, gz: bool) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if gz or data[:2] == b"\x1f\x8b" else data


def page_path(corpus: Path, row: dict[str, Any]) -> Path:
    path = corpus / "pages" / Path(row["file"]).name
    return path if path.exists() else corpus / row["file"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=None, help="folder with manifest.jsonl (default: shared/corpora/html)")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--show-worse", action="store_true", help="list pages where newsflow's shingle F1 is below trafilatura's")
    args = ap.parse_args()
    corpus = args.corpus or shared_dir() / "corpora" / "html"
    manifest = corpus / "manifest.jsonl"
    if not manifest.exists():
        print(f"SKIP: {manifest} not found (set NEWSFLOW_SHARED or pass --corpus)")
        return 0
    rows = [orjson.loads(line) for line in manifest.read_bytes().splitlines() if line.strip()]
    if args.limit:
        rows = rows[: args.limit]
    now = datetime.now(UTC)
    systems: dict[str, Callable[[bytes, str | None], Extraction] | None] = {
        "trafilatura": run_trafilatura,
        "readability": run_readability if Document is not None else None,
        "newsflow": make_newsflow(now),
    }
    has_meta = {"trafilatura": True, "readability": False, "newsflow": True}
    active = [name for name, fn in systems.items() if fn is not None]
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in active}
    cpu: dict[str, list[float]] = {name: [] for name in active}
    pages = [(row, read_page(page_path(corpus, row), bool(row.get("gz")))) for row in rows]
    for name in active:  # warm up imports and caches outside the timings
        systems[name](pages[0][1], pages[0][0].get("url"))  # type: ignore[misc]
    wall = time.perf_counter()
    for row, data in pages:
        for name in active:
            fn = systems[name]
            t0 = time.process_time()
            out = fn(data, row.get("url"))  # type: ignore[misc]
            cpu[name].append(time.process_time() - t0)
            results[name].append(score(row["gold"], out, has_meta[name]))
    wall = time.perf_counter() - wall

    def rate(name: str, field: str) -> str:
        vals = [r[field] for r in results[name] if r[field] is not None]
        if not vals:
            return "n/a"
        return f"{sum(vals)}/{len(vals)} ({100 * sum(vals) / len(vals):.1f}%)"

    def snip(name: str, field: str) -> str:
        ok = sum(r[field][0] for r in results[name])
        total = sum(r[field][1] for r in results[name])
        return f"{ok}/{total} ({100 * ok / max(1, total):.1f}%)"

    def f1(name: str, keep: Callable[[dict[str, Any]], bool] = lambda r: True) -> str:
        picked = [r["shingle"] for r, (row, _) in zip(results[name], pages, strict=True) if keep({**r, **row})]
        if not picked:
            return "n/a"
        p, r, f = prf(picked)
        return f"{f:.3f} (P {p:.3f} R {r:.3f})"

    names = list(systems)
    print(f"{len(rows)} pages, {corpus}; wall {wall:.0f} s for all columns")
    print(f"{'':<34}" + "".join(f"{n + ('' if systems[n] else ' (absent)'):>26}" for n in names))

    def line(label: str, fn: Callable[[str], str]) -> None:
        print(f"{label:<34}" + "".join(f"{fn(n) if systems[n] else '-':>26}" for n in names))

    line("shingle F1, all pages", lambda n: f1(n))
    sources = sorted({(row.get("source") or "?", gold_text(row["gold"]) is not None) for row, _ in pages})
    for source, full in sources:
        label = f"  {source} ({'full gold' if full else 'snippets'})"
        line(label[:34], lambda n, s=source: f1(n, lambda r: (r.get("source") or "?") == s))
    line("snippets: body all right", lambda n: rate(n, "body"))
    line("  with snippets found", lambda n: snip(n, "with"))
    line("  without snippets absent", lambda n: snip(n, "without"))
    for field in FIELDS:
        line(field, lambda n, f=field: rate(n, f))
    line("spurious author", lambda n: rate(n, "spurious_author"))
    line("CPU ms/page median", lambda n: f"{1000 * statistics.median(cpu[n]):.1f}")
    line("CPU ms/page p95", lambda n: f"{1000 * pct(cpu[n], 0.95):.1f}")
    med = statistics.median(cpu["newsflow"]) / statistics.median(cpu["trafilatura"])
    p95 = pct(cpu["newsflow"], 0.95) / pct(cpu["trafilatura"], 0.95)
    print(f"newsflow / trafilatura CPU time: median {med:.2f}x, p95 {p95:.2f}x (target <= 1.5x)")

    ours = prf([r["shingle"] for r in results["newsflow"]])[2]
    behind = [n for n in active if n != "newsflow" and prf([r["shingle"] for r in results[n]])[2] > ours]
    print("newsflow shingle F1 behind: " + (", ".join(behind) if behind else "nothing"))
    if args.show_worse:
        for (row, _), a, b in zip(pages, results["newsflow"], results["trafilatura"], strict=True):
            fa, fb = prf([a["shingle"]])[2], prf([b["shingle"]])[2]
            if fa < fb - 1e-9:
                print(f"  {row['id']}: newsflow {fa:.3f} < trafilatura {fb:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
