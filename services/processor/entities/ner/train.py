"""Train the per-language NER CRFs (model.<lang>.crfsuite) from the shared corpora, reproducibly.

    .venv/bin/python -m services.processor.entities.ner.train [--lang de] [--iterations 200]

One model per language, so a language without training data gets no model (and says so) rather
than another language's guesses. Training data (all CC BY 4.0 / CC0, see docs/entities.md):
- nl: WikiANN nl train (silver), Europeana Newspapers nl train split, MultiCoNER v1 nl train;
- de: WikiANN de train, Europeana de train split, MultiCoNER v1 + II de train, MobIE train, GermEval 2014
  dev even sentences (the odd ones are a dev set);
- en: MultiCoNER v1 en train (its creative works and products as O: see below), WNUT-17 train;
- en and nl MultiCoNER: a third of the sentences that name only persons also with each name cut to its
  surname (surnames_alone);
- fr: MultiCoNER II fr dev, even sentences (the odd ones are the French dev set).
MultiCoNER is lower-cased: casing.recase restores it from cased prose of the same language (the
langid sentences, Europeana, MobIE; WNUT-17 or WikiANN only where those lack a word). Labels: BIO
over PER/ORG/LOC/MISC (MISC: MultiCoNER creative works and products, WNUT-17 creative-work/product).
English MultiCoNER's MISC spans are long title-cased runs; trained on them, the English model read
"Britain's Prime Minister John Major" as one title, so there they are O and English MISC comes from
WNUT-17 and the nationality rule (rules.py).
Every dev split (GermEval's odd half, SmartData, MobIE dev, MultiCoNER dev, WNUT-17 dev, WikiANN dev,
Europeana dev) stays out, for bench/bench_entities.py. CoNLL-2002/2003 are never used.
L-BFGS with L1+L2 (c1 keeps the models to a few MB); deterministic: fixed data order, no sampling.
The name lexicon the features use (lexicon.tsv.gz) is rebuilt first from ../shared/corpora/kb.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pycrfsuite

from services.processor.entities.ner import corpora, gazetteer, lexicon
from services.processor.entities.ner.casing import casing_table, recase
from services.processor.entities.ner.features import sentence_features
from services.processor.entities.ner.gazetteer import Gazetteer, build
from services.processor.entities.ner.tagger import LANGUAGES, _on_boundaries, gaz_tags, model_path
from services.processor.entities.ner.text import Span, tokenize

Sentence = corpora.Sentence


def token_spans(tokens: list[str]) -> tuple[str, list[Span]]:
    """The space-joined text of pre-tokenized words and each word's span in it."""
    spans, pos = [], 0
    for t in tokens:
        spans.append((pos, pos + len(t)))
        pos += len(t) + 1
    return " ".join(tokens), spans


def features_for(gaz: Gazetteer, tokens: list[str], lang: str) -> list[list[str]]:
    text, spans = token_spans(tokens)
    matches = [m for m in gaz.scan(text, lang) if _on_boundaries(spans, m.start, m.end)]
    return sentence_features(tokens, gaz_tags(spans, matches))


@lru_cache(maxsize=None)
def casing(lang: str) -> dict[str, str]:
    """Casing table of one language: cased prose first, WikiANN (titles, over-capitalised) as fallback."""
    prose: list[list[str]] = [[s[a:b] for a, b in tokenize(s)] for s in corpora.langid_sentences(lang)]
    if lang in corpora.EUROPEANA:
        prose += [t for t, _ in corpora.europeana(lang, "train")]
    if lang == "de":
        prose += [t for t, _ in corpora.mobie("train")]
    table = casing_table(prose)
    # Fallbacks for words the prose lacks: tweets (casing noisy) for English, WikiANN (titles) for nl/de.
    if lang == "en":
        fallback = casing_table(t for t, _ in corpora.wnut17("train"))
    elif lang in ("nl", "de"):
        fallback = casing_table(t for t, _ in corpora.wikiann(lang, "train"))
    else:
        fallback = {}
    for low, form in fallback.items():
        table.setdefault(low, form)
    return table


def recased(lang: str, rows: Iterator[Sentence]) -> Iterator[Sentence]:
    table = casing(lang)
    for toks, tags in rows:
        yield recase(toks, tags, table, lang), tags


def _without_misc(rows: Iterator[Sentence]) -> Iterator[Sentence]:
    for toks, tags in rows:
        yield toks, [t if not t.endswith("-MISC") else "O" for t in tags]


def surnames_alone(rows: Iterator[Sentence], every: int = 3) -> Iterator[Sentence]:
    """Each sentence, and every `every`-th one that names persons and nothing else again with each full
    name cut to its last word: news names a person in full once, then by surname ("Shearer scored"),
    which Wikipedia sentences seldom do. Persons only: other names given twice outweighed full names."""
    eligible = 0
    for toks, tags in rows:
        yield toks, tags
        if "I-PER" not in tags or not all(g == "O" or g.endswith("-PER") for g in tags):
            continue
        eligible += 1
        if eligible % every:
            continue
        out_t: list[str] = []
        out_g: list[str] = []
        for tok, tag, nxt in zip(toks, tags, [*tags[1:], "O"]):
            if tag.endswith("-PER") and nxt == "I-PER":
                continue  # not the name's last word
            out_t.append(tok)
            out_g.append("B-PER" if tag == "I-PER" else tag)
        yield out_t, out_g


def training_sets(lang: str) -> list[tuple[str, Iterator[Sentence]]]:
    sets: list[tuple[str, Iterator[Sentence]]] = []
    if lang in ("nl", "de"):
        sets += [("wikiann", corpora.wikiann(lang, "train")), ("europeana", corpora.europeana(lang, "train"))]
    if lang in ("nl", "de"):  # German has no surnames alone: GermEval fell with them
        rows = recased(lang, corpora.multiconer(lang, "train"))
        sets.append(("multiconer", surnames_alone(rows) if lang == "nl" else rows))
    if lang == "en":  # its titles of works, as MISC, swallowed the names around them in news
        sets.append(("multiconer", surnames_alone(recased(lang, _without_misc(corpora.multiconer(lang, "train"))))))
    if lang in ("de", "fr"):
        sets.append(("multiconer2", recased(lang, corpora.multiconer2(lang, "train"))))
    if lang == "de":
        sets.append(("mobie", corpora.mobie("train")))
        sets.append(("germeval", corpora.germeval("train")))
    if lang == "en":
        sets.append(("wnut17", corpora.wnut17("train")))
    return sets


def train(lang: str, out: Path, c1: float, c2: float, iterations: int) -> None:
    t0 = time.process_time()
    gaz = build()
    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    n_sent = n_tok = 0
    for _name, rows in training_sets(lang):
        for toks, tags in rows:
            toks, tags = corpora.retokenize(toks, tags)
            trainer.append(features_for(gaz, toks, lang), tags)
            n_sent += 1
            n_tok += len(toks)
    print(f"{lang}: {n_sent} sentences, {n_tok} tokens; features in {time.process_time() - t0:.0f} s CPU", flush=True)
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations, "feature.possible_transitions": True})
    trainer.train(str(out))
    print(f"{lang}: trained in {time.process_time() - t0:.0f} s CPU; model {out} {out.stat().st_size / 1e6:.1f} MB", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lang", choices=LANGUAGES, action="append", help="default: every language")
    ap.add_argument("--c1", type=float, default=0.3, help="L1 weight (sparsity: model size)")
    ap.add_argument("--c2", type=float, default=0.01, help="L2 weight")
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--keep-lexicon", action="store_true", help="do not rebuild lexicon.tsv.gz")
    args = ap.parse_args()
    if not args.keep_lexicon:
        lexicon.write(lexicon.build())
        lexicon.load.cache_clear()
    gazetteer.dump(build())  # the shipped copy the tagger loads (gazetteer.load)
    for lang in args.lang or LANGUAGES:
        train(lang, model_path(lang), args.c1, args.c2, args.iterations)


if __name__ == "__main__":
    main()
