"""Every near-duplicate and story decision of the dedup bench sets, written out to compare two versions.

    NEWSFLOW_SHARED=/work/shared python bench/dedup_decisions.py OUT.jsonl [--window 300000]
    python bench/dedup_decisions.py --compare OLD.jsonl NEW.jsonl

Run it in two checkouts (each with its own code: the script imports the tree it lives in) and compare: a change
meant to be faster only must give the same decisions. The sets: the near-duplicate copies (bench/dedup_sets.py) at
every threshold the bench reports, the hand-labelled story fixture through normalize and enrich at every story
threshold, bench_dedup's steady-state stream (3 rounds of 8,192) against a window of --window simulated articles,
and a stream of 3,000 near-copies of the seeds (bench_pipeline's articles). One line per decision: set, article id,
near_duplicate_of, similarity, story_id. --compare numbers the article and story ids by first appearance within each
set (so runs whose ids embed the clock compare too) and counts the decisions that differ.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

Row = tuple[str, str, str | None, float | None, str]


def write(out_path: Path, window: int) -> None:
    import bench_dedup as bd
    import dedup_sets as ds
    from bench_pipeline import generate

    from schemas import encode
    from schemas.models import RawArticle
    from services.processor.dedup import Related, features_of, warm_up
    from services.processor.enrich import enrich, normalize_message
    from services.processor.normalize import normalize

    warm_up()
    with out_path.open("w") as out:
        def dump(tag: str, article_id: str, near: str | None, sim: float | None, story: str) -> None:
            out.write(json.dumps([tag, article_id, near, sim, story]) + "\n")

        bases = ds.bases()
        if not bases:
            sys.exit("dedup_decisions: no corpus; set NEWSFLOW_SHARED to the shared directory")
        copies = ds.copies(bases)
        bodies = ds.copy_bodies(copies)
        langs = {b.id: bd.language_of(b.text) for b in bases}
        rng = random.Random(5)  # the bench's order
        order_bases, order_copies = bases[:], copies[:]
        rng.shuffle(order_bases)
        rng.shuffle(order_copies)
        feats = [features_of(article_id=b.id, source="base", title=None, body=b.text, language=langs[b.id],
                             entities=[]) for b in order_bases]
        feats += [features_of(article_id=c.id, source="copy", title=None, body=bodies[c.id], language=langs[c.base],
                              entities=[]) for c in order_copies]
        for th in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            related = Related(threshold=th)
            for i, f in enumerate(feats):
                r = related.decide(f, bd.T0 + i)
                dump(f"near{th}", f.id, r.near_duplicate_of, r.similarity, r.story_id)

        fixture = ds.story_articles()
        now = datetime(2026, 12, 1, 8, tzinfo=UTC)
        normalized = [normalize(RawArticle(source=a["source"], body=a["body"], title=a["title"], fetched_at=now,
                                           url=f"https://{a['source']}/{a['id']}"), now=now) for a in fixture]
        for th in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
            related = Related(story_threshold=th)
            for i, n in enumerate(normalized):
                o = enrich(n, now=now + timedelta(minutes=i), languages=("nl", "de", "en"), related=related)
                dump(f"story{th}", n.id, o.near_duplicate_of, o.similarity, o.story_id or "")

        related = Related()
        for start in range(0, window, 10_000):
            for i, (f, r) in enumerate(bd.synthetic(min(10_000, window - start), seed=start + 1)):
                related._add(f, bd.T0 + (start + i) * 0.2, r)  # noqa: SLF001 - the bench's fill
        t = bd.T0 + window * 0.2
        related.expire(t)
        decide = related.decide

        def recorded(f: object, when: float) -> object:
            r = decide(f, when)  # type: ignore[arg-type]
            dump("stream", f.id, r.near_duplicate_of, r.similarity, r.story_id)  # type: ignore[attr-defined]
            return r

        related.decide = recorded  # type: ignore[method-assign, assignment]
        for r in range(3):
            bd.stream_round(related, [b.text for b in bases][:500], r, t + 1000 + r * bd.ROUND * 0.2)

        start_time = datetime(2026, 12, 1, tzinfo=UTC)
        related = Related()
        for i, raw in enumerate(generate(3000)):
            a = normalize_message(encode(raw), now=start_time, max_body_bytes=1_000_000)
            f = features_of(article_id=a.id, source=a.source, title=a.title, body=a.body,  # type: ignore[union-attr]
                            language="en", entities=[("Q30", "United States", 2), ("Q7747", "Putin", 1)])
            r = related.decide(f, start_time.timestamp() + i)
            dump("nearcopy", f.id, r.near_duplicate_of, r.similarity, r.story_id)
    print(f"decisions written to {out_path}")


def _canonical(path: Path) -> dict[str, list[tuple[object, ...]]]:
    rows: dict[str, list[Row]] = defaultdict(list)
    with path.open() as f:
        for line in f:
            tag, article_id, near, sim, story = json.loads(line)
            rows[tag].append((tag, article_id, near, sim, story))
    out: dict[str, list[tuple[object, ...]]] = {}
    for tag, decided in rows.items():
        ids = {article_id: n for n, (_, article_id, _, _, _) in enumerate(decided)}
        stories: dict[str, int] = {}
        out[tag] = [(ids[a], ids.get(near or "", near), sim, stories.setdefault(story, len(stories)))
                    for _, a, near, sim, story in decided]
    return out


def compare(old: Path, new: Path, report: IO[str] = sys.stdout) -> int:
    """The number of decisions that differ (a set missing on one side counts all its decisions)."""
    a, b = _canonical(old), _canonical(new)
    differing = 0
    for tag in sorted(a.keys() | b.keys()):
        ra, rb = a.get(tag, []), b.get(tag, [])
        d = sum(x != y for x, y in zip(ra, rb, strict=False)) + abs(len(ra) - len(rb))
        differing += d
        report.write(f"{tag:10} decisions {len(ra):6} / {len(rb):6}  near-duplicates "
                     f"{sum(r[1] is not None for r in ra):5}  stories {len({r[3] for r in ra}):6}  differing {d}\n")
    report.write(f"total {sum(map(len, a.values()))} decisions, {differing} differing\n")
    return differing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", type=Path, help="where to write the decisions (JSON lines)")
    parser.add_argument("--window", type=int, default=300_000, help="simulated articles in the stream's window")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"), help="compare two written files")
    args = parser.parse_args()
    if args.compare:
        sys.exit(1 if compare(*args.compare) else 0)
    if args.out is None:
        parser.error("give the output file, or --compare OLD NEW")
    write(args.out, args.window)


if __name__ == "__main__":
    main()
