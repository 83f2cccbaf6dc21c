"""Language detection: accuracy and speed of services.processor.language beside plain langdetect.

    .venv/bin/python bench/bench_language.py            # ours on the whole corpus, both on a sample
    .venv/bin/python bench/bench_language.py --full     # plain langdetect on the whole corpus too (~5 min)
    .venv/bin/python bench/bench_language.py --profile  # cProfile of both on the Dutch seed

Reads ../shared/corpora/langid (NEWSFLOW_SHARED overrides ../shared); exits 0 with a message when absent.
Accuracy counts `und` as wrong. Speed is CPU time (process_time) of the detection call alone.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("NEWSFLOW_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpora" / "langid"
SEEDS = SHARED / "seeds"
KINDS = ("sentences", "paragraphs", "word_pairs")
LANGS = ("nl", "de", "en", "fr", "es", "it", "pt", "ru", "pl", "sv", "da", "nb", "uk", "tr", "ar", "zh", "ja")

Detector = Callable[[str], str]


def ours() -> Detector:
    from services.processor.language import detect_text

    return lambda text: detect_text(text, LANGS).code


def plain_langdetect() -> Detector:
    """langdetect at its defaults (all 55 profiles, 7 trials), seeded; its names mapped to ours."""
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    names = {"no": "nb", "zh-cn": "zh", "zh-tw": "zh"}

    def run(text: str) -> str:
        try:
            code = detect(text)
        except LangDetectException:
            return "und"
        return names.get(code, code)

    return run


def load(kind: str) -> list[dict[str, str]]:
    with (CORPUS / f"{kind}.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def sample(rows: list[dict[str, str]], per_lang: int) -> list[dict[str, str]]:
    by_lang: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_lang[r["lang"]].append(r)
    rng = random.Random(4)
    return [r for lang in sorted(by_lang) for r in rng.sample(by_lang[lang], min(per_lang, len(by_lang[lang])))]


def accuracy(detect: Detector, rows: list[dict[str, str]]) -> tuple[dict[str, float], float, float, float, Counter]:
    ok: Counter = Counter()
    total: Counter = Counter()
    und = 0
    confusions: Counter = Counter()
    start = time.process_time()
    for r in rows:
        got = detect(r["text"])
        total[r["lang"]] += 1
        ok[r["lang"]] += got == r["lang"]
        und += got == "und"
        if got != r["lang"]:
            confusions[(r["lang"], got)] += 1
    cpu = time.process_time() - start
    per_lang = {lang: ok[lang] / total[lang] for lang in total}
    return per_lang, sum(ok.values()) / max(1, len(rows)), und / max(1, len(rows)), len(rows) / max(cpu, 1e-9), confusions


def print_table(title: str, results: dict[str, tuple[dict[str, float], float, float, float, Counter]]) -> None:
    print(f"\n== {title}")
    print("kind        " + " ".join(f"{lang:>5}" for lang in LANGS) + "    ALL   und  docs/s")
    for kind, (per_lang, overall, und, dps, confusions) in results.items():
        cells = " ".join(f"{100 * per_lang.get(lang, float('nan')):5.1f}" for lang in LANGS)
        print(f"{kind:<11} {cells}  {100 * overall:5.2f} {100 * und:5.1f} {dps:7.0f}")
    for kind, (*_, confusions) in results.items():
        top = ", ".join(f"{a}->{b} {n}" for (a, b), n in confusions.most_common(8))
        print(f"  top confusions {kind}: {top}")


def cpu_ms(detect: Callable[[str], object], texts: list[str], repeat: int) -> float:
    start = time.process_time()
    for _ in range(repeat):
        for t in texts:
            detect(t)
    return 1000 * (time.process_time() - start) / (repeat * len(texts))


def speed(paragraphs: list[dict[str, str]]) -> None:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    from services.processor.language import detect_article

    DetectorFactory.seed = 0

    def plain(text: str) -> object:
        try:
            return detect_langs(text)
        except LangDetectException:
            return None

    seeds = sorted(SEEDS.glob("000_*.txt")) + sorted(SEEDS.glob("003_*.txt"))
    print("\n== speed (CPU ms per call, mean; docs/s = 1000 / ms)")
    if seeds:
        seed = seeds[0].read_text(encoding="utf-8")
        detect_article(seed)  # load models once, outside the timing
        plain(seed)
        for name, fn, rep in (("ours detect_article", detect_article, 300), ("plain langdetect", plain, 30)):
            ms = cpu_ms(fn, [seed], rep)
            print(f"{name:<22} seed 000 ({len(seed)} chars, repeated): {ms:7.3f} ms  {1000 / ms:8.0f} docs/s")
        for s in seeds:
            print(f"  {s.name}: {detect_article(s.read_text(encoding='utf-8'))}")
    # Distinct seed-sized articles (6 consecutive corpus paragraphs, ~3.7 KB): no warm per-word cache.
    by_lang: dict[str, list[str]] = defaultdict(list)
    for r in paragraphs:
        by_lang[r["lang"]].append(r["text"])
    articles = [" ".join(ps[i : i + 6]) for ps in by_lang.values() for i in range(0, len(ps) - 5, 6)]
    mean_len = sum(map(len, articles)) / len(articles)
    ms = cpu_ms(detect_article, articles, 1)
    print(f"{'ours detect_article':<22} {len(articles)} distinct articles (~{mean_len:.0f} chars): {ms:7.3f} ms  {1000 / ms:8.0f} docs/s")
    few = articles[:: max(1, len(articles) // 60)]
    ms = cpu_ms(plain, few, 1)
    print(f"{'plain langdetect':<22} {len(few)} distinct articles: {ms:7.3f} ms  {1000 / ms:8.0f} docs/s")


def profile() -> None:
    from langdetect import DetectorFactory, detect_langs

    from services.processor.language import detect_article

    DetectorFactory.seed = 0
    seed = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    detect_article(seed)
    detect_langs(seed)
    for name, call in (("plain langdetect", lambda: detect_langs(seed)), ("ours", lambda: detect_article(seed))):
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(20):
            call()
        prof.disable()
        print(f"\n== cProfile: {name}, 20 calls on the Dutch seed")
        pstats.Stats(prof).sort_stats("tottime").print_stats(8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="plain langdetect on the whole corpus too")
    parser.add_argument("--per-lang", type=int, default=100, help="sample size per language and kind (default 100)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"SKIP: corpus folder {CORPUS} is absent (set NEWSFLOW_SHARED)")
        return 0
    if args.profile:
        profile()
        return 0
    data = {kind: load(kind) for kind in KINDS}
    mine, baseline = ours(), plain_langdetect()
    mine("warm up: load the models")
    print_table("ours, whole corpus", {k: accuracy(mine, rows) for k, rows in data.items()})
    if args.full:
        print_table("plain langdetect (defaults, seed 0), whole corpus", {k: accuracy(baseline, rows) for k, rows in data.items()})
    else:
        picked = {k: sample(rows, args.per_lang) for k, rows in data.items()}
        print_table(f"ours, sample of {args.per_lang}/language", {k: accuracy(mine, rows) for k, rows in picked.items()})
        print_table(f"plain langdetect (defaults, seed 0), same sample", {k: accuracy(baseline, rows) for k, rows in picked.items()})
    speed(data["paragraphs"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
