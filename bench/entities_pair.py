"""The entity step's cost on this tree against a git ref, paired in time: for a shared, loaded machine.

    NEWSFLOW_SHARED=../shared .venv/bin/python bench/entities_pair.py REF [--rounds 30] [--code DIR]

bench_entities.py --speed-only times each tree in fresh processes one after the other; when the
machine's load swings between runs (other people's work), its minima and medians can favour either
tree. Here two warm processes, one per tree (models loaded, word tables warm), take turns for
--rounds rounds, the order swapped every round: each round times seed nl (20 passes), seed de (30)
and the realistic set (one pass: the seeds and the 400 nl/de langid paragraphs, entities_cost.py's
texts), CPU time (time.process_time) per text. Printed: min and median per tree, per 3.7 KB, and the
median of the per-round ratios (this tree / REF), which the load cancels out of; then the load
average. Reads ../shared (or $NEWSFLOW_SHARED); skips when the seeds are absent.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SETS = (("seed nl", 20), ("seed de", 30), ("realistic", 1))


def _export(ref: str) -> Path:
    """The tree of git ref (services and schemas, models and tables included) in a temporary directory."""
    out = Path(tempfile.mkdtemp(prefix="newsflow-pair-"))
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "services", "schemas"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out


def worker(code: Path) -> None:
    """Serve timing requests on stdin ("<set> <passes>"), one CPU ms per text on stdout each."""
    sys.path.insert(0, str(code.resolve()))
    sys.path.insert(0, str(REPO / "bench"))
    from entities_cost import texts

    from services.processor.entities import tag_entities

    seeds, realistic = texts()
    for text, lang in realistic:  # models loaded, word tables warm
        tag_entities(text, lang)
    items = {name: [(text, lang)] for name, text, lang in seeds}
    items["realistic"] = realistic
    sizes = {name: sum(len(t.encode()) for t, _ in its) / len(its) for name, its in items.items()}
    print(" ".join(f"{name.replace(' ', '_')}={size:.0f}" for name, size in sizes.items()), flush=True)
    for line in sys.stdin:
        name, passes = line.rsplit(" ", 1)
        todo = items[name]
        t0 = time.process_time()
        for _ in range(int(passes)):
            for text, lang in todo:
                tag_entities(text, lang)
        print((time.process_time() - t0) * 1000 / int(passes) / len(todo), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ref", nargs="?", help="git ref to compare with (e.g. main)")
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--code", type=Path, default=REPO,
                    help="checkout timed as 'now' (default: this tree), e.g. a trial merge exported elsewhere")
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker)
        return
    if not args.ref:
        sys.exit("entities_pair: name the git ref to compare with, e.g. `bench/entities_pair.py main`")
    shared = Path(os.environ.get("NEWSFLOW_SHARED", REPO.parent / "shared"))
    if not (shared / "seeds").is_dir():
        print(f"entities_pair: no seed articles under {shared}, skipped")
        return
    other = _export(args.ref)
    trees = [("now", args.code), (args.ref, other)]
    procs = []
    try:
        for _, code in trees:
            procs.append(subprocess.Popen([sys.executable, __file__, "--worker", str(code)], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, text=True))
        sizes: dict[str, float] = {}
        for p in procs:
            assert p.stdin is not None and p.stdout is not None
            sizes = {k.replace("_", " "): float(v) for k, v in (kv.split("=") for kv in p.stdout.readline().split())}
        got: dict[tuple[int, str], list[float]] = {(i, name): [] for i in range(2) for name, _ in SETS}
        for r in range(args.rounds):
            for name, passes in SETS:
                for i in ((0, 1) if r % 2 == 0 else (1, 0)):
                    p = procs[i]
                    assert p.stdin is not None and p.stdout is not None
                    p.stdin.write(f"{name} {passes}\n")
                    p.stdin.flush()
                    got[(i, name)].append(float(p.stdout.readline()))
        print(f"CPU ms per text, {args.rounds} rounds; per 3.7 KB: min / median; ratio: median of now / {args.ref} per round")
        for name, _ in SETS:
            cols = []
            for i, (label, _) in enumerate(trees):
                ms = got[(i, name)]
                cols.append(f"{label}: {min(ms) * 3700 / sizes[name]:.2f} / {statistics.median(ms) * 3700 / sizes[name]:.2f}")
            ratio = statistics.median(a / b for a, b in zip(got[(0, name)], got[(1, name)]))
            print(f"  {name:<10} {sizes[name]:6.0f} B  " + "  |  ".join(cols) + f"  |  ratio {ratio:.3f}")
        print("load average (1, 5, 15 min): " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    finally:
        for p in procs:
            if p.stdin:
                p.stdin.close()
            p.wait()
        shutil.rmtree(other, ignore_errors=True)


if __name__ == "__main__":
    main()
