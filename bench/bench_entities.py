"""Entity step benchmark: quality on human/silver-annotated dev sets and CPU cost per article.

    .venv/bin/python bench/bench_entities.py [--limit N]

Quality: entity-level precision/recall/F1, exact span and type (conlleval style), per language,
dataset and type (news-like sets first; see datasets_by_language). Each corpus sentence is re-split by our tokenizer (Europeana keeps punctuation on words:
"Rotterdam." -> "Rotterdam" "."; see corpora.retokenize), space-joined and run through the real step (tag_entities: our own
tokenizer, CRF, gazetteer, linking); a mention that does not fall on the corpus' token boundaries
counts as wrong. No dev set is trained on (services/processor/entities/ner/train.py).
Speed (--speed-only: just this): CPU ms per text (time.process_time, min and median of --runs runs)
on each seed article (../shared/seeds), and on a realistic set: the seeds plus the 400 nl/de
paragraphs of ../shared/corpora/langid/paragraphs.jsonl; with the figures before the numba decoder.
Reads ../shared (or $NEWSFLOW_SHARED); skips what is absent.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.processor.entities import tag_entities  # noqa: E402
from services.processor.entities.ner import corpora  # noqa: E402


def evaluate(sentences, lang: str, group: int = 1) -> corpora.Score:
    """The real step on `group` consecutive sentences at a time, one per line (group > 1: a pseudo-article,
    so document-level steps such as propagate.py have repeats to work with)."""
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
        for k, m in enumerate(tag_entities(text, lang)):
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
        ("de: GermEval 2014 dev (news + Wikipedia; OTH/deriv/part = MISC)", "de", "germeval2014.NER-de-dev.tsv", corpora.germeval),
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


# Before the numba decoder (commit 7fb3738: crfsuite on +-2-token windows), same machine, busy,
# this script's method: (min, median) CPU ms per text.
BEFORE = {"seed nl": (2.544, 2.658), "seed de": (1.288, 1.317), "realistic": (0.428, 0.435)}


def _timed(texts: list[tuple[str, str]], reps: int, runs: int = 5) -> tuple[float, float]:
    """(min, median) over runs of the mean CPU ms per text (time.process_time, reps passes a run)."""
    out = []
    for _ in range(runs):
        t0 = time.process_time()
        for _ in range(reps):
            for text, lang in texts:
                tag_entities(text, lang)
        out.append((time.process_time() - t0) * 1000 / reps / len(texts))
    return min(out), statistics.median(out)


def speed(shared: Path, runs: int) -> None:
    seeds = [(p.read_text(encoding="utf-8"), "nl" if p.name.startswith("000") else "de") for p in sorted((shared / "seeds").glob("*.txt"))]
    if not seeds:
        print("\nspeed: no seed articles, skipped")
        return
    paragraphs = shared / "corpora" / "langid" / "paragraphs.jsonl"
    realistic = list(seeds)
    if paragraphs.exists():  # nl/de encyclopedic paragraphs (~550 B each): many names, varied vocabulary
        for line in paragraphs.read_text(encoding="utf-8").split("\n"):  # not splitlines: U+2028 in texts
            if not line.strip():
                continue
            d = json.loads(line)
            if d["lang"] in ("nl", "de"):
                realistic.append((d["text"], d["lang"]))
    tag_entities("Warm-up in Moskou.", "nl")  # model load (and numba compile) is not per-article cost
    t0 = time.process_time()
    for text, lang in realistic:  # first pass: word tables not yet filled for this vocabulary
        tag_entities(text, lang)
    cold = (time.process_time() - t0) * 1000 / len(realistic)
    print(f"\nspeed (CPU ms per text, model loaded; min / median of {runs} runs; before = commit 7fb3738)")
    rows = [(f"seed {lang}", [(text, lang)], 100, len(text.encode())) for text, lang in seeds]
    size = sum(len(t.encode()) for t, _ in realistic) / len(realistic)
    rows.append(("realistic", realistic, 3, size))
    for name, texts, reps, nbytes in rows:
        lo, med = _timed(texts, reps, runs)
        b_lo, b_med = BEFORE.get(name, (float("nan"), float("nan")))
        label = f"{name} ({len(texts)} texts)" if len(texts) > 1 else name
        print(f"  {label:<22} {nbytes:6.0f} B: {lo:.3f} / {med:.3f} ms (before {b_lo:.3f} / {b_med:.3f}); "
              f"per 3.7 KB {lo * 3700 / nbytes:.2f} / {med * 3700 / nbytes:.2f} ms")
    print(f"  realistic first pass (cold word tables): {cold:.3f} ms per text")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="at most N sentences per dataset")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--speed-only", action="store_true")
    ap.add_argument("--runs", type=int, default=7, help="timing runs (the machine is shared: min and median)")
    ap.add_argument("--model-only", action="store_true", help="score the CRF alone on corpus tokens")
    ap.add_argument("--lang", action="append", help="only these languages (repeatable)")
    ap.add_argument("--group", type=int, default=1, help="score N consecutive sentences as one text (pseudo-article)")
    args = ap.parse_args()
    ner = corpora.corpus_dir()
    datasets = datasets_by_language()
    if args.speed_only:
        speed(ner.parents[1], args.runs)
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
        score = evaluate_model_only(sents, lang) if args.model_only else evaluate(sents, lang, args.group)
        report(f"{name}{' [CRF only]' if args.model_only else ''}  [{time.process_time() - t0:.0f} s CPU]", score)
    if not args.no_speed:
        speed(ner.parents[1], args.runs)


if __name__ == "__main__":
    main()
