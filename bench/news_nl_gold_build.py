"""Build bench/data/news_nl_gold.jsonl (offsets) from bench/data/news_nl_gold.ann (surfaces, by hand).

    NEWSFLOW_SHARED=../shared .venv/bin/python bench/news_nl_gold_build.py [--check] [--show IDS] [--unmarked]

The .ann file lists, per text, its mentions as TYPE:surface in text order (conventions in
bench/data/news_nl_gold.md). Each surface is placed at its next whole-word occurrence at or after the end of
the previous mention of that text (whole word: the characters either side are not letters or digits;
"TYPE~:surface" lifts that for a name glued inside a word). A surface that is not found, an unknown id, a text
listed twice or a text with no line ends the run with one line naming it and exit 2: nothing is written.

The texts are news_gold.texts(lang="nl"): the 1,000 Dutch sentences of ../shared/corpora/langid/sentences.jsonl
(id "nl:<n>", n counting the "nl" lines from 0) and the Dutch seed article (id "seed:<file name>"). Only
offsets, types, lengths and sha256 hashes are written, never the text.

--check   rebuild in memory and compare with the committed jsonl (exit 1 if they differ); writes nothing.
--show    print the given texts (comma-separated ids, or "all") with every mention bracketed, for review.
--unmarked  list, per text, words that start with a capital (not sentence-initial) outside every mention and
          repeats of an annotated surface left unmarked: the candidates a reviewer looks at again.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from news_gold import GOLD_NL, TYPES, sha256, texts  # noqa: E402

ANN = Path(__file__).resolve().parent / "data" / "news_nl_gold.ann"


class AnnError(Exception):
    """A line of the .ann file that cannot be placed in its text."""


def parse_ann(source: str) -> dict[str, list[tuple[str, str, bool]]]:
    """id -> [(type, surface, glued)] in text order; comment (#) and blank lines skipped."""
    out: dict[str, list[tuple[str, str, bool]]] = {}
    for n, line in enumerate(source.split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        tid, *fields = line.split("\t")
        if tid in out:
            raise AnnError(f"line {n}: {tid} listed twice")
        items = []
        for f in fields:
            head, sep, surface = f.partition(":")
            glued = head.endswith("~")
            typ = head.rstrip("~")
            if not sep or typ not in TYPES or not surface or surface != surface.strip():
                raise AnnError(f"line {n}: {tid}: bad field {f!r} (want TYPE:surface, TYPE one of {TYPES})")
            items.append((typ, surface, glued))
        out[tid] = items
    return out


def _whole_word(text: str, start: int, end: int) -> bool:
    return (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum())


def place(tid: str, text: str, items: list[tuple[str, str, bool]]) -> list[list]:
    """[[start, end, type], ...] for the items, each at its next (whole-word) occurrence after the previous one."""
    spans: list[list] = []
    pos = 0
    for typ, surface, glued in items:
        i = text.find(surface, pos)
        while i >= 0 and not glued and not _whole_word(text, i, i + len(surface)):
            i = text.find(surface, i + 1)
        if i < 0:
            raise AnnError(f"{tid}: {typ}:{surface!r} not found after offset {pos}")
        spans.append([i, i + len(surface), typ])
        pos = i + len(surface)
    return spans


def build(shared: Path | None = None) -> tuple[list[dict], dict[str, str]]:
    """(gold records in text order, id -> text); raises AnnError on any mismatch."""
    ann = parse_ann(ANN.read_text(encoding="utf-8"))
    docs = dict(texts(shared, lang="nl"))
    if not docs:
        raise AnnError("no Dutch texts found: set NEWSFLOW_SHARED to the shared folder (../shared)")
    unknown = sorted(set(ann) - set(docs))
    if unknown:
        raise AnnError(f"ids in the .ann file that are not texts: {unknown[:5]}")
    missing = [t for t in docs if t not in ann]
    if missing:
        raise AnnError(f"{len(missing)} texts have no line in the .ann file (first: {missing[0]})")
    gold = []
    for tid, text in docs.items():
        gold.append({"id": tid, "chars": len(text), "sha256": sha256(text), "mentions": place(tid, text, ann[tid])})
    return gold, docs


def render(text: str, spans: list[list]) -> str:
    out, pos = [], 0
    for s, e, t in spans:
        out.append(text[pos:s] + f"[{text[s:e]}]{t}")
        pos = e
    return "".join(out) + text[pos:]


_CAP = re.compile(r"(?<![\w'’-])[A-ZÀ-ÖØ-Þ][\w'’.-]*")
_SENT_START = re.compile(r"(^|[.!?:;*]\s+|[\"“‘'(]\s*)$")


def unmarked(text: str, spans: list[list]) -> list[str]:
    """Capitalised words outside every span (except sentence-initial) and unmarked repeats of a marked surface."""
    covered = [False] * len(text)
    for s, e, _ in spans:
        covered[s:e] = [True] * (e - s)
    notes = []
    for m in _CAP.finditer(text):
        if any(covered[m.start() : m.end()]) or _SENT_START.search(text[: m.start()]):
            continue
        notes.append(m.group())
    for surface in {text[s:e] for s, e, _ in spans}:
        i = text.find(surface)
        while i >= 0:
            if _whole_word(text, i, i + len(surface)) and not any(covered[i : i + len(surface)]):
                notes.append(f"REPEAT:{surface}")
            i = text.find(surface, i + 1)
    return notes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed jsonl, write nothing")
    ap.add_argument("--show", default=None, help="comma-separated ids (or 'all') to print with brackets")
    ap.add_argument("--unmarked", action="store_true", help="list capitalised words outside every mention")
    args = ap.parse_args()
    try:
        gold, docs = build()
    except AnnError as exc:
        print(f"news_nl_gold: {exc}", file=sys.stderr)
        return 2
    if args.show:
        want = None if args.show == "all" else set(args.show.split(","))
        for g in gold:
            if want is None or g["id"] in want:
                print(f"{g['id']}\t{render(docs[g['id']], g['mentions'])}")
        return 0
    if args.unmarked:
        for g in gold:
            notes = unmarked(docs[g["id"]], g["mentions"])
            if notes:
                print(f"{g['id']}\t{' | '.join(notes)}")
        return 0
    lines = "".join(json.dumps(g, ensure_ascii=False) + "\n" for g in gold)
    if args.check:
        same = GOLD_NL.exists() and GOLD_NL.read_text(encoding="utf-8") == lines
        print("news_nl_gold.jsonl matches the .ann file" if same else "news_nl_gold.jsonl differs: rebuild it")
        return 0 if same else 1
    GOLD_NL.write_text(lines, encoding="utf-8")
    counts = {t: sum(1 for g in gold for *_, ty in g["mentions"] if ty == t) for t in TYPES}
    print(f"wrote {GOLD_NL.name}: {len(gold)} texts, {sum(counts.values())} mentions {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
