"""Entity linking benchmark: how many PER/ORG/LOC mentions get an id, a sample to judge, cost, memory.

    NEWSFLOW_SHARED=/path/to/shared .venv/bin/python bench/bench_linking.py [--sample 100] [--seed 11]

Coverage = share of PER/ORG/LOC mentions that get an entity id, per text set, language and type:
- predicted mentions (the real step, tag_entities) on news-like text: the seed articles, the article
  text of ../shared/corpora/html (extracted by our normalize path), Europeana nl/de (historic OCR
  newspapers, dev split, 20-sentence chunks), SmartData and MobIE de (business and mobility news,
  dev splits, 20-sentence chunks: where companies are named);
- GermEval 2014 de dev gold spans given to the linker directly (link(), one sentence at a time):
  linking alone, without the model's errors.
Sample: --sample random linked mentions of the news sets (mention, context, id, KB name) to judge by
hand (--sample-ids isin:,enwiki: only those ids, e.g. the listed companies); judgements of a run are recorded in docs/entities.md.
Cost: CPU ms per article for tagging + linking and for linking alone (time.process_time), per 3.7 KB;
load time of the step and resident memory (ru_maxrss) with the KB loaded.
Reads ../shared (or $NEWSFLOW_SHARED); skips what is absent.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import random
import resource
import statistics
import sys
import time
from collections import Counter
from collections.abc import Collection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TYPES = ("PER", "ORG", "LOC")


def shared_dir() -> Path:
    env = os.environ.get("NEWSFLOW_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def html_articles(shared: Path, langs: Collection[str]) -> list[tuple[dict, str]]:
    """(manifest entry, article text as the product extracts it) of the HTML corpus' pages in langs."""
    manifest = shared / "corpora" / "html" / "manifest.jsonl"
    if not manifest.exists():
        return []
    from services.processor.normalize.html_extract import extract_html

    out = []
    for line in manifest.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        d = json.loads(line)
        path = manifest.parent / "pages" / Path(d["file"]).name
        if d["lang"] not in langs or not path.exists():
            continue
        raw = path.read_bytes()
        if d.get("gz") or path.suffix == ".gz":
            raw = gzip.decompress(raw)
        art = extract_html(raw.decode("utf-8", "replace"), url=d.get("url"))
        text = "\n".join(getattr(ln, "text", str(ln)) for ln in art.lines)
        if text.strip():
            out.append((d, text))
    return out


def news_texts(shared: Path) -> list[tuple[str, str, str]]:
    """(set name, lang, text) of the seeds and the HTML corpus' article text."""
    out = []
    for p in sorted((shared / "seeds").glob("*.txt")):
        out.append(("seeds", "nl" if p.name.startswith("000") else "de", p.read_text(encoding="utf-8")))
    for d, text in html_articles(shared, ("nl", "de", "en", "fr", "es", "it", "pt", "pl")):
        out.append(("html", d["lang"], text))
    return out


def europeana_texts(limit: int) -> list[tuple[str, str, str]]:
    from services.processor.entities.ner import corpora

    out = []
    for lang, fname in (("nl", "europeana.enp_NL.kb.bio"), ("de", "europeana.enp_DE.lft.bio")):
        if not (corpora.corpus_dir() / fname).exists():
            continue
        sents = [" ".join(corpora.retokenize(t, g)[0]) for t, g in itertools.islice(corpora.europeana(lang, "dev"), limit)]
        for i in range(0, len(sents), 20):
            out.append(("europeana", lang, "\n".join(sents[i : i + 20])))
    return out


def business_texts(limit: int) -> list[tuple[str, str, str]]:
    """German business and mobility news (SmartData and MobIE dev splits, 20-sentence chunks): where
    companies are named."""
    from services.processor.entities.ner import corpora

    out = []
    for name, path, read in (
        ("smartdata dev", corpora.corpus_dir() / "train" / "smartdata_de" / "smartdata_v3_dev.conll", corpora.smartdata),
        ("mobie dev", corpora.corpus_dir() / "train" / "mobie_de" / "dev.conll2003", lambda: corpora.mobie("dev")),
    ):
        if not path.exists():
            continue
        sents = [" ".join(corpora.retokenize(t, g)[0]) for t, g in itertools.islice(read(), limit)]
        for i in range(0, len(sents), 20):
            out.append((name, "de", "\n".join(sents[i : i + 20])))
    return out


class Tally:
    def __init__(self) -> None:
        self.n: Counter[tuple[str, str, str]] = Counter()
        self.linked: Counter[tuple[str, str, str]] = Counter()

    def add(self, name: str, lang: str, typ: str, linked: bool) -> None:
        self.n[(name, lang, typ)] += 1
        self.linked[(name, lang, typ)] += linked

    def report(self) -> None:
        groups = sorted({(n, lang) for n, lang, _ in self.n})
        print(f"  {'set':<26}{'lang':<6}" + "".join(f"{t:>14}" for t in TYPES) + f"{'PER+ORG+LOC':>16}")
        for name, lang in groups:
            cells, tot, tot_l = [], 0, 0
            for t in TYPES:
                n, k = self.n[(name, lang, t)], self.linked[(name, lang, t)]
                tot, tot_l = tot + n, tot_l + k
                cells.append(f"{k / n:7.0%} /{n:5d}" if n else f"{'-':>14}")
            print(f"  {name:<26}{lang:<6}" + "".join(f"{c:>14}" for c in cells) + f"{tot_l / max(tot, 1):9.0%} /{tot:5d}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=int, default=100)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--europeana", type=int, default=2000, help="sentences per language")
    ap.add_argument("--business", type=int, default=2000, help="SmartData and MobIE dev sentences (each)")
    ap.add_argument("--germeval", type=int, default=None, help="at most N GermEval sentences")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sample-ids", default="", help="sample only ids starting with one of these (comma-separated), e.g. isin:,enwiki:")
    args = ap.parse_args()
    shared = shared_dir()

    t0, c0 = time.perf_counter(), time.process_time()
    from services.processor.entities import tag_entities
    from services.processor.entities.link import Found, default_linker
    from services.processor.entities.tag import _tagger

    tagger = _tagger()
    tag_entities("Warm-up: Vladimir Poetin in Moskou.", "nl")
    load_wall, load_cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"load (tagger + KB, incl. imports and numba compile/cache): {load_wall:.2f} s wall, {load_cpu:.2f} s CPU; "
          f"max RSS {rss:.0f} MB; KB: {len(default_linker().kb):,} entities")

    texts = news_texts(shared) + europeana_texts(args.europeana) + business_texts(args.business)
    tally = Tally()
    linked_pool: list[tuple[str, str, str, str, str, str]] = []
    for name, lang, text in texts:
        for m in tag_entities(text, lang):
            if m.type not in TYPES:
                continue
            tally.add(name, lang, m.type, m.entity_id is not None)
            if m.entity_id and name != "europeana":
                a, b = max(0, m.start - 50), min(len(text), m.end + 50)
                ctx = (text[a : m.start] + "[[" + m.text + "]]" + text[m.end : b]).replace("\n", " ")
                linked_pool.append((lang, m.type, m.text, ctx, m.entity_id, m.canonical_name or ""))

    from services.processor.entities.ner import corpora

    if (corpora.corpus_dir() / "germeval2014.NER-de-dev.tsv").exists():
        linker = default_linker()
        for toks, tags in itertools.islice(corpora.germeval(), args.germeval):
            toks, tags = corpora.retokenize(toks, tags)
            offs, pos = [], 0
            for t in toks:
                offs.append(pos)
                pos += len(t) + 1
            text = " ".join(toks)
            gold = sorted(s for s in corpora.spans(tags) if s[2] in TYPES)
            spans = [Found(offs[i], offs[j - 1] + len(toks[j - 1]), t) for i, j, t in gold]
            got = {(f.start, f.end): f for f in linker.link(text, "de", spans)}
            for f in spans:
                g = got.get((f.start, f.end))
                tally.add("germeval dev (gold spans)", "de", f.type, bool(g and g.entity_id))
                if g and g.entity_id:
                    ctx = (text[max(0, f.start - 50) : f.start] + "[[" + text[f.start : f.end] + "]]" + text[f.end : f.end + 50])
                    linked_pool.append(("de", f.type, text[f.start : f.end], ctx, g.entity_id, g.name or ""))

    print("\ncoverage: share of PER/ORG/LOC mentions with an id (linked / mentions)")
    tally.report()

    prefixes = tuple(p for p in args.sample_ids.split(",") if p)
    if prefixes:
        linked_pool = [m for m in linked_pool if m[4].startswith(prefixes)]
    rng = random.Random(args.seed)
    sample = rng.sample(linked_pool, min(args.sample, len(linked_pool)))
    print(f"\nsample: {len(sample)} random linked mentions of {len(linked_pool)} (seeds, html, SmartData, MobIE, GermEval; seed {args.seed})")
    for i, (lang, typ, text, ctx, eid, name) in enumerate(sample, 1):
        print(f"{i:3d} {lang} {typ} {text!r} -> {eid} ({name}) | {ctx}")

    # Cost: news articles (seeds + html), tagging + linking vs linking alone (model spans precomputed).
    arts = [(lang, text) for name, lang, text in texts if name in ("seeds", "html")]
    if arts:
        size = statistics.mean(len(t.encode()) for _, t in arts)
        from services.processor.entities.ner.mentions import nl_adjective
        from services.processor.entities.ner.tagger import _on_boundaries, _trim, gaz_marks
        from services.processor.entities.ner.text import tokenize

        pre = []
        for lang, text in arts:
            spans = tokenize(text)
            ms = [m for m in tagger.gaz.scan(text, lang) if _on_boundaries(spans, m.start, m.end)]
            found = tagger.crf_spans(text, spans, gaz_marks(spans, ms), lang)
            pre.append((text, lang, [nl_adjective(text, t, lang, tagger.linker.names) for f in found for t in _trim(text, spans, f)]))
        linker = default_linker()

        def per_article(fn) -> float:
            out = []
            for _ in range(args.runs):
                c = time.process_time()
                fn()
                out.append((time.process_time() - c) * 1000 / len(arts))
            return min(out)

        full = per_article(lambda: [tag_entities(t, lang) for lang, t in arts])
        only = per_article(lambda: [linker.link(t, lang, f) for t, lang, f in pre])
        print(f"\ncost on {len(arts)} news articles (mean {size:.0f} B), CPU ms per article, min of {args.runs} runs:")
        print(f"  tagging + linking {full:.3f} ms ({full * 3700 / size:.3f} per 3.7 KB); "
              f"linking alone {only:.3f} ms ({only * 3700 / size:.3f} per 3.7 KB)")
    print(f"max RSS at the end: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
