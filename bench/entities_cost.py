"""One measurement of the entity step's cost in a fresh process, over the code of any checkout
(bench_entities.py runs it for this tree and for --before REF, alternately, and prints both).

    .venv/bin/python bench/entities_cost.py speed [--code DIR]
    .venv/bin/python bench/entities_cost.py load nl [de ...] [--code DIR]

speed: CPU ms per text (time.process_time, mean over the passes of one run), models loaded and word
tables warm, on each seed article and on the realistic set (seeds + the 400 nl/de langid paragraphs).
load: CPU s of the import and of the first tag_entities call of each language in turn (loading what
that language needs), the peak resident memory (ru_maxrss) after each of those calls, and the
process's resident memory at the end (VmRSS, VmHWM). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _shared() -> Path:
    return Path(os.environ.get("NEWSFLOW_SHARED", REPO.parent / "shared"))


def texts() -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """(name, text, lang) of each seed, and the realistic set as (text, lang)."""
    shared = _shared()
    seeds = [
        (f"seed {'nl' if p.name.startswith('000') else 'de'}", p.read_text(encoding="utf-8"), "nl" if p.name.startswith("000") else "de")
        for p in sorted((shared / "seeds").glob("*.txt"))
    ]
    realistic = [(t, lang) for _, t, lang in seeds]
    paragraphs = shared / "corpora" / "langid" / "paragraphs.jsonl"
    if paragraphs.exists():  # nl/de encyclopedic paragraphs (~550 B each): many names, varied vocabulary
        for line in paragraphs.read_text(encoding="utf-8").split("\n"):  # not splitlines: U+2028 in texts
            if line.strip():
                d = json.loads(line)
                if d["lang"] in ("nl", "de"):
                    realistic.append((d["text"], d["lang"]))
    return seeds, realistic


def _rss_mb() -> dict[str, float]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("speed", "load"))
    ap.add_argument("langs", nargs="*", default=["nl"])
    ap.add_argument("--code", type=Path, default=REPO, help="checkout whose services/ is measured")
    args = ap.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    seeds, realistic = texts()
    t0 = time.process_time()
    from services.processor.entities import tag_entities

    out: dict[str, object] = {"import_s": time.process_time() - t0}
    if args.what == "load":
        probe = {name.split()[1]: text for name, text, _ in seeds}
        for lang in args.langs:
            t0 = time.process_time()
            tag_entities(probe.get(lang, "Vladimir Putin sprak in Moskou met Angela Merkel."), lang)
            out[f"first_{lang}_s"] = time.process_time() - t0
            out[f"maxrss_{lang}_MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        out.update(_rss_mb())
    else:
        for text, lang in realistic:  # models loaded, word tables warm: per-article cost only
            tag_entities(text, lang)
        rows = [(name, [(text, lang)], 100, len(text.encode())) for name, text, lang in seeds]
        rows.append(("realistic", realistic, 3, sum(len(t.encode()) for t, _ in realistic) / len(realistic)))
        for name, items, reps, nbytes in rows:
            t0 = time.process_time()
            for _ in range(reps):
                for text, lang in items:
                    tag_entities(text, lang)
            out[name] = {"ms": (time.process_time() - t0) * 1000 / reps / len(items), "bytes": nbytes, "texts": len(items)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
