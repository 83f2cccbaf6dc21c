"""Check that a change to the entity step keeps its outputs: save the mentions of a fixed text set on
one revision, compare on another.

    .venv/bin/python bench/entities_same.py save /tmp/mentions.main.jsonl     # on the reference revision
    .venv/bin/python bench/entities_same.py check /tmp/mentions.main.jsonl    # on the changed one

Texts: the seed articles, every langid paragraph and sentence (17 languages, so the languages without
a model and the linking-only path are covered), and the first --limit sentences of each dev set of
bench_entities.py (space-joined, as that bench tags them). A mention is (start, end, type, entity_id,
canonical_name); check lists the texts whose mentions differ and exits 1 if any does.
Reads ../shared (or $NEWSFLOW_SHARED); skips what is absent.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_entities import datasets_by_language  # noqa: E402
from services.processor.entities import entity_model, tag_entities  # noqa: E402
from services.processor.entities.ner import corpora  # noqa: E402


def texts(limit: int) -> Iterator[tuple[str, str, str]]:
    """(name, language, text) of every text in the set, in a fixed order."""
    ner = corpora.corpus_dir()
    shared = ner.parents[1]
    for p in sorted((shared / "seeds").glob("*.txt")):
        yield f"seed {p.name}", "nl" if p.name.startswith("000") else "de", p.read_text(encoding="utf-8")
    for name in ("paragraphs.jsonl", "sentences.jsonl"):
        path = shared / "corpora" / "langid" / name
        if path.exists():
            for k, line in enumerate(path.read_text(encoding="utf-8").split("\n")):  # not splitlines: U+2028
                if line.strip():
                    d = json.loads(line)
                    yield f"{name}:{k}", d["lang"], d["text"]
    for title, lang, filename, load in datasets_by_language():
        if (ner / filename).exists():
            for k, (toks, tags) in enumerate(itertools.islice(load(), limit)):  # type: ignore[operator]
                toks, _ = corpora.retokenize(toks, tags)
                yield f"{filename}:{k}", lang, " ".join(toks)


def mentions(text: str, lang: str) -> list[list[object]]:
    return [[m.start, m.end, m.type, m.entity_id, m.canonical_name] for m in tag_entities(text, lang)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=("save", "check"))
    ap.add_argument("path", type=Path)
    ap.add_argument("--limit", type=int, default=300, help="sentences per dev set")
    args = ap.parse_args()
    rows = [
        {"name": name, "lang": lang, "model": entity_model(lang), "mentions": mentions(text, lang)}
        for name, lang, text in texts(args.limit)
    ]
    if args.action == "save":
        args.path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"saved the mentions of {len(rows)} texts ({sum(len(r['mentions']) for r in rows)} mentions) to {args.path}")
        return
    ref = [json.loads(line) for line in args.path.read_text(encoding="utf-8").splitlines()]
    if [r["name"] for r in ref] != [r["name"] for r in rows]:
        sys.exit(f"{args.path} holds another text set ({len(ref)} texts, here {len(rows)}): save it again with the same --limit")
    bad = [(a, b) for a, b in zip(ref, rows) if a != b]
    for a, b in bad[:20]:
        print(f"{a['name']} ({a['lang']}):\n  ref  {a['model']} {a['mentions']}\n  here {b['model']} {b['mentions']}")
    n = sum(len(r["mentions"]) for r in rows)
    print(f"{len(rows) - len(bad)} of {len(rows)} texts ({n} mentions) tag as in {args.path}")
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
