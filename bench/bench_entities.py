"""Entity step benchmark: quality on human/silver-annotated dev sets and CPU cost per article.

    .venv/bin/python bench/bench_entities.py [--limit N]

Quality: entity-level precision/recall/F1, exact span and type (conlleval style), per dataset and
type. Each corpus sentence is re-split by our tokenizer (Europeana keeps punctuation on words:
"Rotterdam." -> "Rotterdam" "."; see corpora.retokenize), space-joined and run through the real step (tag_entities: our own
tokenizer, CRF, gazetteer, linking); a mention that does not fall on the corpus' token boundaries
counts as wrong. Datasets: WikiANN nl/de dev (silver), Europeana Newspapers nl/de dev split
(historic OCR, deterministic split, see services/processor/ner/corpora.py), GermEval 2014 de dev.
Speed: CPU ms per article on the seed articles (../shared/seeds) and per 3.7 KB.
Reads ../shared (or $NEWSFLOW_SHARED); skips what is absent.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.processor.entities import tag_entities  # noqa: E402
from services.processor.ner import corpora  # noqa: E402


def evaluate(sentences, lang: str) -> corpora.Score:
    score = corpora.Score()
    for toks, tags in sentences:
        toks, tags = corpora.retokenize(toks, tags)
        starts, ends, pos = {}, {}, 0
        for i, t in enumerate(toks):
            starts[pos] = i
            ends[pos + len(t)] = i + 1
            pos += len(t) + 1
        pred = set()
        for k, m in enumerate(tag_entities(" ".join(toks), lang)):
            if m.start in starts and m.end in ends:
                pred.add((starts[m.start], ends[m.end], m.type))
            else:  # off the gold tokenization: a guaranteed miss
                pred.add((-1 - k, -1, m.type))
        score.add(corpora.spans(tags), pred)
    return score


def evaluate_model_only(sentences, lang: str) -> corpora.Score:
    """The CRF alone on the corpus tokens (no windows, trimming, linking or gazetteer additions)."""
    import pycrfsuite

    from services.processor.entities import _tagger
    from services.processor.ner.tagger import MODEL_PATH
    from services.processor.ner.train import features_for

    gaz = _tagger().gaz
    crf = pycrfsuite.Tagger()
    crf.open(str(MODEL_PATH))
    score = corpora.Score()
    for toks, tags in sentences:
        toks, tags = corpora.retokenize(toks, tags)
        score.add(corpora.spans(tags), corpora.spans(list(crf.tag(features_for(gaz, toks, lang)))))
    return score


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


def speed(shared: Path) -> None:
    seeds = sorted((shared / "seeds").glob("*.txt"))
    if not seeds:
        print("\nspeed: no seed articles, skipped")
        return
    tag_entities("Warm-up in Moskou.", "nl")  # model load is not per-article cost
    print("\nspeed (CPU, model loaded)")
    for path in seeds:
        text = path.read_text(encoding="utf-8")
        lang = "nl" if path.name.startswith("000") else "de"
        n = 200
        t0 = time.process_time()
        for _ in range(n):
            tag_entities(text, lang)
        ms = (time.process_time() - t0) * 1000 / n
        print(f"  {path.name}: {len(text.encode())} bytes, {ms:.2f} ms/article, {1000 / ms:.0f} articles/s, "
              f"{ms * 3700 / len(text.encode()):.2f} ms per 3.7 KB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="at most N sentences per dataset")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--model-only", action="store_true", help="score the CRF alone on corpus tokens")
    args = ap.parse_args()
    ner = corpora.corpus_dir()
    datasets = [
        ("WikiANN nl dev (silver)", "nl", "wikiann.nl.dev", lambda: corpora.wikiann("nl", "dev")),
        ("WikiANN de dev (silver)", "de", "wikiann.de.dev", lambda: corpora.wikiann("de", "dev")),
        ("Europeana nl dev split (OCR)", "nl", "europeana.enp_NL.kb.bio", lambda: corpora.europeana("nl", "dev")),
        ("Europeana de dev split (OCR)", "de", "europeana.enp_DE.lft.bio", lambda: corpora.europeana("de", "dev")),
        ("GermEval 2014 de dev (OTH/deriv/part = MISC)", "de", "germeval2014.NER-de-dev.tsv", corpora.germeval),
    ]
    tag_entities("Warm-up in Moskou.", "nl")
    for name, lang, filename, load in datasets:
        if not (ner / filename).exists():
            print(f"\n{name}: corpus absent ({ner / filename}), skipped")
            continue
        t0 = time.process_time()
        score = (evaluate_model_only if args.model_only else evaluate)(itertools.islice(load(), args.limit), lang)
        report(f"{name}{' [CRF only]' if args.model_only else ''}  [{time.process_time() - t0:.0f} s CPU]", score)
    if not args.no_speed:
        speed(ner.parents[1])


if __name__ == "__main__":
    main()
