"""News dev sets for the entity tagger (en, de news; nl prose): hand-annotated PER/ORG/LOC/MISC spans (CoNLL style).

    NEWSFLOW_SHARED=../shared .venv/bin/python bench/news_gold.py [--lang de] [--errors] [--gold PATH]

The texts are the article text of the English news pages of ../shared/corpora/html (or $NEWSFLOW_SHARED),
extracted exactly as the product does (extract_html, lines joined with "\\n", as bench_linking.news_texts),
each cut at its first CAP characters (at the last line break before CAP). The gold, bench/data/news_en_gold.jsonl,
holds per page only the id, the length used, the sha256 of that slice and the spans [start, end, TYPE];
conventions and limits in bench/data/news_en_gold.md. A page whose slice hashes differently (the extractor
changed) is reported and skipped, since its offsets no longer hold.

main() runs the real step, tag_entities(text, "en"), on each page and prints precision/recall/F1 per type and
micro over PER+ORG+LOC (and over all four), exact span + type; --errors lists the false positives and false
negatives with 40 characters of context. Only reads.

--lang de does the same for German: the German news pages (PAGES_DE), cut at CAP_DE = 5000 characters, the gold
bench/data/news_de_gold.jsonl (conventions in bench/data/news_de_gold.md) and tag_entities(text, "de").

--lang nl scores Dutch prose: the 1,000 Dutch sentences of ../shared/corpora/langid/sentences.jsonl (id "nl:<n>",
n counting the Dutch lines from 0, each sentence a text of its own) and the Dutch seed article of ../shared/seeds
(id "seed:<file name>", whole file), gold bench/data/news_nl_gold.jsonl built from bench/data/news_nl_gold.ann by
bench/news_nl_gold_build.py (conventions in bench/data/news_nl_gold.md), tag_entities(text, "nl").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

GOLD = Path(__file__).resolve().parent / "data" / "news_en_gold.jsonl"
GOLD_DE = Path(__file__).resolve().parent / "data" / "news_de_gold.jsonl"
GOLD_NL = Path(__file__).resolve().parent / "data" / "news_nl_gold.jsonl"
GOLDS = {"en": GOLD, "de": GOLD_DE, "nl": GOLD_NL}
SEED_NL = "000_bd21c7abf8ae9b3a.txt"
CAP = 6000
CAP_DE = 5000
TYPES = ("PER", "ORG", "LOC", "MISC")
MICRO = ("PER", "ORG", "LOC")
# The English pages of the manifest that are news reports (politics, business, sports, world, science, crime);
# recipes, listicles, product guides, software docs, reviews, a paper, an advertorial and an artist profile left out.
# villagevoice is an opinion column on news (kept: news register, many names).
PAGES = (
    "tr:publishedreporter.com-Hottest.html",
    "tr:viconsortium.com-cocaine.html",
    "tr:phillyvoice.com-Sixers.html",
    "tr:phys.org.tool.html",
    "tr:latimes.com.bloomberg.html",
    "tr:dailymail.co.uk.food.html",
    "tr:bostonherald.com-Brothel-catering.html",
    "tr:villagevoice.com-Party.html",
    "tr:japantimes.co.jp.surgical.html",
    "tr:gothamist.com-plagues.html",
    "tr:cbsnews.com.carolina.html",
    "tr:abc13.com-Copperfield.html",
)
# The German pages of the manifest that are news reports or press releases written as news (politics, sports,
# a local police report, NGO/humanitarian news, agricultural/energy policy); product pages, recipes, wellness,
# travel, blogs, podcasts, essays and the avalanche bulletin left out (see bench/data/news_de_gold.md).
PAGES_DE = (
    "tr:dbjr.de.bundespraesident.html",
    "tr:90min.de-Bundesliga-Tabelle.html",
    "tr:hildesheimer-presse.de-hund.html",
    "tr:hss.de-Regierung.html",
    "tr:schimmverband.at-weltmeisterschaft.html",
    "tr:drk.de-Glasgow.html",
    "tr:wochenblatt.com-Heinen-Essen.html",
    "tr:golf.de-augusta.html",
    "tr:proplanta.de.erloesobergrenze.html",
    "tr:amnesty.de-waffensysteme.html",
    "tr:leichtathletik-berlin.de-norddeutschland.html",
    "tr:d27eb719099b43639104995806e07d00.html",
)


def shared_dir() -> Path:
    env = os.environ.get("NEWSFLOW_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def nl_texts(shared: Path) -> list[tuple[str, str]]:
    """("nl:<n>", sentence) of the Dutch langid sentences in file order, then ("seed:<name>", text) of the Dutch seed."""
    out: list[tuple[str, str]] = []
    sentences = shared / "corpora" / "langid" / "sentences.jsonl"
    if sentences.exists():
        dutch = (json.loads(ln) for ln in sentences.read_text(encoding="utf-8").split("\n") if ln.strip())
        out += [(f"nl:{n}", d["text"]) for n, d in enumerate(d for d in dutch if d["lang"] == "nl")]
    seed = shared / "seeds" / SEED_NL
    if seed.exists():
        out.append((f"seed:{SEED_NL}", seed.read_text(encoding="utf-8")))
    return out


def texts(shared: Path | None = None, lang: str = "en") -> list[tuple[str, str]]:
    """(id, full text) of the texts of lang's set: PAGES / PAGES_DE of the HTML manifest in manifest order, or the
    Dutch sentences and seed (nl_texts)."""
    if lang == "nl":
        return nl_texts(shared or shared_dir())
    from bench_linking import html_articles

    pages = PAGES_DE if lang == "de" else PAGES
    return [(d["id"], text) for d, text in html_articles(shared or shared_dir(), (lang,)) if d["id"] in pages]


def cap(text: str, limit: int = CAP) -> str:
    """The first `limit` characters, cut back to the last line break (whole text if shorter)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return text[: cut if cut > 0 else limit]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_gold(path: Path = GOLD) -> list[dict]:
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").split("\n") if ln.strip()]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    left = text[max(0, start - width) : start].replace("\n", " ")
    right = text[end : end + width].replace("\n", " ")
    return f"{left}[{text[start:end]}]{right}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--errors", action="store_true", help="list false positives and false negatives with context")
    ap.add_argument("--gold", type=Path, default=None, help="gold file (default: the --lang one)")
    ap.add_argument("--lang", choices=("en", "de", "nl"), default="en", help="texts, gold and tagger language")
    args = ap.parse_args()

    from services.processor.entities import tag_entities

    gold = load_gold(args.gold or GOLDS[args.lang])
    pages = dict(texts(lang=args.lang))
    counts = {t: [0, 0, 0] for t in TYPES}  # tp, fp, fn
    used = 0
    errors: list[str] = []
    for g in gold:
        full = pages.get(g["id"])
        if full is None:
            print(f"{g['id']}: page not found in the manifest/pages, skipped")
            continue
        text = full[: g["chars"]]
        if len(text) != g["chars"] or sha256(text) != g["sha256"]:
            print(f"{g['id']}: text differs from the gold's (extractor changed?), skipped")
            continue
        used += 1
        want = {(s, e, t) for s, e, t in g["mentions"]}
        got = {(m.start, m.end, m.type) for m in tag_entities(text, args.lang) if m.type in TYPES}
        for s, e, t in got & want:
            counts[t][0] += 1
        for s, e, t in sorted(got - want):
            counts[t][1] += 1
            errors.append(f"FP {t:4} {g['id']}: {_context(text, s, e)}")
        for s, e, t in sorted(want - got):
            counts[t][2] += 1
            errors.append(f"FN {t:4} {g['id']}: {_context(text, s, e)}")

    n_gold = sum(c[0] + c[2] for c in counts.values())
    print(f"\n{used}/{len(gold)} texts, {n_gold} gold mentions; exact span + type")
    print(f"{'type':14} {'gold':>5} {'pred':>5} {'tp':>5} {'P':>6} {'R':>6} {'F1':>6}")

    def row(name: str, types: tuple[str, ...]) -> None:
        tp, fp, fn = (sum(counts[t][i] for t in types) for i in range(3))
        p, r, f = _prf(tp, fp, fn)
        print(f"{name:14} {tp + fn:5d} {tp + fp:5d} {tp:5d} {p:6.3f} {r:6.3f} {f:6.3f}")

    for t in TYPES:
        row(t, (t,))
    row("micro P+O+L", MICRO)
    row("micro all", TYPES)
    if args.errors:
        print()
        print("\n".join(errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
