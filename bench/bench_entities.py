"""Entity step benchmark: quality on human/silver-annotated dev sets and CPU cost per article.

    .venv/bin/python bench/bench_entities.py [--limit N]

Quality: entity-level precision/recall/F1, exact span and type (conlleval style), per language,
dataset and type (news-like sets first; see datasets_by_language). Each corpus sentence is re-split by our tokenizer (Europeana keeps punctuation on words:
"Rotterdam." -> "Rotterdam" "."; see corpora.retokenize), space-joined and run through the real step (tag_entities: our own
tokenizer, CRF, gazetteer, linking); a mention that does not fall on the corpus' token boundaries
counts as wrong. No dev set is trained on (services/processor/entities/ner/train.py).
Speed (--speed-only: just this): CPU ms per text (time.process_time, min and median of --runs fresh
processes, bench/entities_cost.py) on each seed article (../shared/seeds), and on a realistic set: the
seeds plus the 400 nl/de paragraphs of ../shared/corpora/langid/paragraphs.jsonl; then the load cost
per language and the resident memory. --before REF (e.g. main) times that git ref too, alternately.
Load (--load-only: just this): fresh processes, this tree and --before REF alternately, --runs each:
the import, the first nl article, then the first de article in the same process, CPU s, and the peak
resident memory (ru_maxrss) after nl and after nl+de; min / median, and the load average.
Reads ../shared (or $NEWSFLOW_SHARED); skips what is absent.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.processor.entities import tag_entities  # noqa: E402
from services.processor.entities.ner import corpora  # noqa: E402


def _capitals(text: str) -> str:
    """text in capitals, letter for letter (a letter whose capital is longer, like ß, stays)."""
    return "".join(u if len(u := c.upper()) == 1 else c for c in text)


def evaluate(sentences, lang: str, group: int = 1, caps: bool = False) -> corpora.Score:
    """The real step on `group` consecutive sentences at a time, one per line (group > 1: a pseudo-article,
    so document-level steps such as propagate.py have repeats to work with); caps: each line written in
    capitals, as headlines are."""
    score = corpora.Score()
    batch = [corpora.retokenize(toks, tags) for toks, tags in sentences]
    for lo in range(0, len(batch), group):
        text, starts, ends, gold, base = "", {}, {}, set(), 0
        for toks, tags in batch[lo : lo + group]:
            gold |= {(a + base, b + base, t) for a, b, t in corpora.spans(tags)}
            for i, t in enumerate(toks):
                starts[len(text)] = base + i
                ends[len(text) + len(t)] = base + i + 1
                text += t + " "
            text = text[:-1] + "\n" if toks else text
            base += len(toks)
        pred = set()
        for k, m in enumerate(tag_entities(_capitals(text) if caps else text, lang)):
            if m.start in starts and m.end in ends:
                pred.add((starts[m.start], ends[m.end], m.type))
            else:  # off the gold tokenization: a guaranteed miss
                pred.add((-1 - k, -1, m.type))
        score.add(gold, pred)
    return score


def evaluate_model_only(sentences, lang: str) -> corpora.Score:
    """The CRF alone on the corpus tokens (no windows, trimming, linking or gazetteer additions)."""
    import pycrfsuite

    from services.processor.entities.tag import _tagger
    from services.processor.entities.ner.tagger import model_path
    from services.processor.entities.ner.train import features_for

    gaz = _tagger().gaz
    crf = pycrfsuite.Tagger()
    crf.open(str(model_path(lang)))
    score = corpora.Score()
    for toks, tags in sentences:
        toks, tags = corpora.retokenize(toks, tags)
        score.add(corpora.spans(tags), corpora.spans(list(crf.tag(features_for(gaz, toks, lang)))))
    return score


def datasets_by_language() -> list[tuple[str, str, str, object]]:
    """Dev sets, news-like first within each language. MultiCoNER dev is lower-cased: it is scored
    recased the way training data is (casing.py), since news is cased."""
    from services.processor.entities.ner.train import recased

    return [
        ("de: GermEval 2014 dev, odd sentences (news + Wikipedia; OTH/deriv/part = MISC)", "de", "germeval2014.NER-de-dev.tsv", lambda: corpora.germeval("dev")),
        ("de: SmartData v3 dev (news, tweets, traffic RSS)", "de", "train/smartdata_de/smartdata_v3_dev.conll", corpora.smartdata),
        ("de: Europeana dev split (historic newspapers, OCR)", "de", "europeana.enp_DE.lft.bio", lambda: corpora.europeana("de", "dev")),
        ("de: MobIE dev (traffic reports, tweets)", "de", "train/mobie_de/dev.conll2003", lambda: corpora.mobie("dev")),
        ("de: MultiCoNER II dev (recased)", "de", "train/multiconer_v2/de-dev.conll", lambda: recased("de", corpora.multiconer2("de", "dev"))),
        ("de: MultiCoNER v1 dev (recased)", "de", "train/multiconer_v1/de_dev.conll", lambda: recased("de", corpora.multiconer("de", "dev"))),
        ("de: WikiANN dev (silver)", "de", "wikiann.de.dev", lambda: corpora.wikiann("de", "dev")),
        ("nl: Europeana dev split (historic newspapers, OCR)", "nl", "europeana.enp_NL.kb.bio", lambda: corpora.europeana("nl", "dev")),
        ("nl: MultiCoNER v1 dev (recased)", "nl", "train/multiconer_v1/nl_dev.conll", lambda: recased("nl", corpora.multiconer("nl", "dev"))),
        ("nl: WikiANN dev (silver)", "nl", "wikiann.nl.dev", lambda: corpora.wikiann("nl", "dev")),
        ("en: WNUT-17 dev (social media)", "en", "train/wnut17_en/emerging.dev.conll", lambda: corpora.wnut17("dev")),
        ("en: MultiCoNER v1 dev (recased)", "en", "train/multiconer_v1/en_dev.conll", lambda: recased("en", corpora.multiconer("en", "dev"))),
        ("fr: MultiCoNER II fr dev, odd sentences (recased)", "fr", "train/multiconer_v2/fr-dev.conll", lambda: recased("fr", corpora.multiconer2("fr", "dev"))),
    ]


def report(name: str, score: corpora.Score) -> None:
    print(f"\n{name}")
    print(f"  {'type':<10}{'P':>7}{'R':>7}{'F1':>7}{'gold':>7}")
    for t in score.types():
        p, r, f, g = score.prf({t})
        print(f"  {t:<10}{p:7.3f}{r:7.3f}{f:7.3f}{g:7d}")
    p, r, f, g = score.prf({"PER", "ORG", "LOC"})
    print(f"  {'PER+ORG+LOC':<10}{p:7.3f}{r:7.3f}{f:7.3f}{g:7d}")
    if "MISC" in score.types():
        p, r, f, g = score.prf()
        print(f"  {'all':<10}{p:7.3f}{r:7.3f}{f:7.3f}{g:7d}")


def _export(ref: str) -> Path:
    """The tree of git ref, exported to a temporary directory (its models and tables included)."""
    repo = Path(__file__).resolve().parents[1]
    out = Path(tempfile.mkdtemp(prefix="newsflow-before-"))
    archive = subprocess.run(["git", "-C", str(repo), "archive", ref, "services", "schemas"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out


def _child(what: str, code: Path, *langs: str) -> dict:
    cost = Path(__file__).resolve().parent / "entities_cost.py"
    done = subprocess.run([sys.executable, str(cost), what, *langs, "--code", str(code)], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def _trees(before: str | None, *warm: str) -> Iterator[list[tuple[str, Path]]]:
    """(name, code dir) of this tree and, with before, of that git ref (exported, removed after); each
    warmed once (numba's on-disk cache filled, the languages in warm loaded) before anything is timed."""
    trees = [("now", Path(__file__).resolve().parents[1])]
    if before:
        trees.append((before, _export(before)))
    try:
        for _, code in trees:
            _child("load", code, *warm)
        yield trees
    finally:
        if before:
            shutil.rmtree(trees[1][1], ignore_errors=True)


def speed(shared: Path, runs: int, before: str | None) -> None:
    """Cost per article and load cost, each run in a fresh process (bench/entities_cost.py); with
    before, the same for that git ref, run alternately with this tree so both see the same machine."""
    if not (shared / "seeds").is_dir():
        print("\nspeed: no seed articles, skipped")
        return
    with _trees(before, "nl") as trees:
        got: dict[str, dict[str, list[float]]] = {name: {} for name, _ in trees}
        sizes: dict[str, tuple[float, int]] = {}
        for _ in range(runs):
            for name, code in trees:
                for row, v in _child("speed", code).items():
                    if isinstance(v, dict):
                        got[name].setdefault(row, []).append(v["ms"])
                        sizes[row] = (v["bytes"], v["texts"])
        print(f"\nspeed (CPU ms per text, models loaded, word tables warm; min / median of {runs} fresh processes)")
        for row, (nbytes, n) in sizes.items():
            label = f"{row} ({n} texts)" if n > 1 else row
            cols = []
            for name, _ in trees:
                ms = got[name][row]
                lo, med = min(ms), statistics.median(ms)
                cols.append(f"{name}: {lo:.3f} / {med:.3f} ms, per 3.7 KB {lo * 3700 / nbytes:.2f} / {med * 3700 / nbytes:.2f}")
            print(f"  {label:<22} {nbytes:6.0f} B  " + "  |  ".join(cols))
        print("\nload (CPU s in a fresh process: import, then the first tag_entities call of each language in turn; memory after)")
        for name, code in trees:
            for langs in (("nl",), ("de",), ("en",), ("fr",), ("nl", "de")):
                r = _child("load", code, *langs)
                firsts = ", ".join(f"first {lang} {r[f'first_{lang}_s']:.2f} s" for lang in langs)
                print(f"  {name:<8} {'+'.join(langs):<6} import {r['import_s']:.2f} s, {firsts}; RSS {r['VmRSS']:.0f} MB (peak {r['VmHWM']:.0f} MB)")


def load_cost(shared: Path, runs: int, before: str | None) -> None:
    """Load cost in fresh processes (entities_cost.py load nl de): import, first nl article, first de
    article after it; ru_maxrss after each. With before, that git ref's tree takes turns with this one,
    the order swapped every run, so both see the same machine."""
    if not (shared / "seeds").is_dir():
        print("\nload: no seed articles, skipped")
        return
    with _trees(before, "nl", "de") as trees:
        got: dict[str, list[dict]] = {name: [] for name, _ in trees}
        for r in range(runs):
            for name, code in trees if r % 2 == 0 else trees[::-1]:
                got[name].append(_child("load", code, "nl", "de"))
        print(f"\nload (fresh processes, {runs} each, alternating; CPU s and peak RSS MB: min / median)")
        rows = (("import", "import_s", "s"), ("first nl article", "first_nl_s", "s"), ("first de article", "first_de_s", "s"),
                ("import + nl", None, "s"), ("ru_maxrss after nl", "maxrss_nl_MB", "MB"), ("ru_maxrss after nl+de", "maxrss_de_MB", "MB"))
        for label, key, unit in rows:
            cols = []
            for name, _ in trees:
                vals = [r["import_s"] + r["first_nl_s"] if key is None else r[key] for r in got[name]]
                cols.append(f"{name}: {min(vals):.{2 if unit == 's' else 0}f} / {statistics.median(vals):.{2 if unit == 's' else 0}f} {unit}")
            print(f"  {label:<22} " + "  |  ".join(cols))
        print("load average (1, 5, 15 min): " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="at most N sentences per dataset")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--speed-only", action="store_true")
    ap.add_argument("--load-only", action="store_true", help="only the load cost (fresh processes, paired with --before)")
    ap.add_argument("--runs", type=int, default=5, help="timing runs, each in a fresh process (the machine is shared: min and median)")
    ap.add_argument("--before", metavar="REF", help="also time git ref REF (e.g. main), alternately with this tree")
    ap.add_argument("--model-only", action="store_true", help="score the CRF alone on corpus tokens")
    ap.add_argument("--lang", action="append", help="only these languages (repeatable)")
    ap.add_argument("--group", type=int, default=1, help="score N consecutive sentences as one text (pseudo-article)")
    ap.add_argument("--caps", action="store_true", help="every sentence written in capitals (headlines)")
    ap.add_argument("--no-propagate", action="store_true", help="without entities/propagate.py (its effect, with --group)")
    args = ap.parse_args()
    if args.no_propagate:
        from services.processor.entities.ner import tagger

        tagger.propagate = lambda text, tokens, found, lang, words=None: found  # type: ignore[assignment]
    ner = corpora.corpus_dir()
    datasets = datasets_by_language()
    if args.speed_only:
        speed(ner.parents[1], args.runs, args.before)
        return
    if args.load_only:
        load_cost(ner.parents[1], args.runs, args.before)
        return
    tag_entities("Warm-up in Moskou.", "nl")
    for name, lang, filename, load in datasets:
        if args.lang and lang not in args.lang:
            continue
        if not (ner / filename).exists():
            print(f"\n{name}: corpus absent ({ner / filename}), skipped")
            continue
        t0 = time.process_time()
        sents = itertools.islice(load(), args.limit)
        score = evaluate_model_only(sents, lang) if args.model_only else evaluate(sents, lang, args.group, args.caps)
        report(f"{name}{' [CRF only]' if args.model_only else ''}{' [in capitals]' if args.caps else ''}  [{time.process_time() - t0:.0f} s CPU]", score)
    if not args.no_speed:
        speed(ner.parents[1], args.runs, args.before)


if __name__ == "__main__":
    main()
