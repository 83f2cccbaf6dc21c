"""Readers for the NER corpora in ../shared/corpora/ner (read in place, never copied) and conlleval-style scoring.

Every reader yields (tokens, BIO tags with types PER/ORG/LOC/MISC). Splits are deterministic:
- WikiANN: the published train/dev files.
- Europeana Newspapers (no split, no sentence breaks, one file = a run of OCR pages): tokens are
  cut into sentences (after . ! ? or at 60 tokens), sentences grouped in blocks of 20 ("documents");
  every 10th block (index % 10 == 9) is dev, the rest train.
- GermEval 2014 dev (news and Wikipedia, the only German news with gold here): even-numbered
  sentences train, odd ones dev; outer column; OTH, *deriv, *part -> MISC (CoNLL convention, as
  SOURCES.md says).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from services.processor.entities.ner.text import tokenize

Sentence = tuple[list[str], list[str]]
_TYPES = {"PER": "PER", "ORG": "ORG", "LOC": "LOC", "OTH": "MISC", "MISC": "MISC"}
_TAG = re.compile(r"^([BI])-([A-Za-z]+?)(deriv|part)?$")
EUROPEANA = {"nl": ["europeana.enp_NL.kb.bio"], "de": ["europeana.enp_DE.lft.bio", "europeana.enp_DE.onb.bio", "europeana.enp_DE.sbb.bio"]}
_BLOCK, _DEV_EVERY, _MAX_SENT = 20, 10, 60


def corpus_dir() -> Path:
    shared = os.environ.get("NEWSFLOW_SHARED")
    root = Path(shared) if shared else Path(__file__).resolve().parents[4].parent / "shared"
    return root / "corpora" / "ner"


def _norm_tag(tag: str, keep_misc: bool) -> str:
    m = _TAG.match(tag.strip())
    if not m:
        return "O"
    typ = _TYPES.get(m.group(2).upper())
    if m.group(3):  # GermEval derivations/parts (russische, EU-Kommission): MISC per CoNLL
        typ = "MISC"
    if typ is None or (typ == "MISC" and not keep_misc):
        return "O"
    return f"{m.group(1)}-{typ}"


def wikiann(lang: str, split: str) -> Iterator[Sentence]:
    path = corpus_dir() / f"wikiann.{lang}.{split}"
    toks: list[str] = []
    tags: list[str] = []
    prefix = f"{lang}:"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if toks:
                yield toks, tags
            toks, tags = [], []
            continue
        word, _, tag = line.rpartition("\t")
        if not word:
            word, _, tag = line.rpartition(" ")
        if word.startswith(prefix):
            word = word[len(prefix) :]
        if word:
            toks.append(word)
            tags.append(_norm_tag(tag, keep_misc=False))
    if toks:
        yield toks, tags


def _europeana_sentences(path: Path) -> Iterator[Sentence]:
    toks: list[str] = []
    tags: list[str] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip() or line.startswith("# "):
            continue
        parts = line.split()
        if len(parts) < 2:  # a token with no label: noise in the OCR files
            continue
        word, tag = parts[0], _norm_tag(parts[-1], keep_misc=False)
        toks.append(word)
        tags.append(tag)
        if (word in {".", "!", "?"} and tag == "O") or len(toks) >= _MAX_SENT:
            yield toks, tags
            toks, tags = [], []
    if toks:
        yield toks, tags


def europeana(lang: str, split: str) -> Iterator[Sentence]:
    """split: "train" or "dev" (deterministic, see module doc)."""
    for name in EUROPEANA[lang]:
        path = corpus_dir() / name
        for k, sent in enumerate(_europeana_sentences(path)):
            is_dev = (k // _BLOCK) % _DEV_EVERY == _DEV_EVERY - 1
            if is_dev == (split == "dev"):
                yield sent


def germeval(split: str | None = None) -> Iterator[Sentence]:
    """GermEval 2014 dev (news and Wikipedia), its only file here: whole (split None), or one of two
    halves by sentence index (even: "train", odd: "dev"), so German news is trained on and measured on
    disjoint halves."""
    rows = _germeval_rows(corpus_dir() / "germeval2014.NER-de-dev.tsv")
    if split is None:
        return rows
    return (s for k, s in enumerate(rows) if (k % 2 == 1) == (split == "dev"))


def _germeval_rows(path: Path) -> Iterator[Sentence]:
    toks: list[str] = []
    tags: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if toks:
                yield toks, tags
            toks, tags = [], []
            continue
        cols = line.split("\t")
        if len(cols) >= 3:
            toks.append(cols[1])
            tags.append(_norm_tag(cols[2], keep_misc=True))
    if toks:
        yield toks, tags


def retokenize(toks: list[str], tags: list[str]) -> Sentence:
    """Corpus tokens re-split by our tokenizer, so training and scoring see run-time tokens.

    Europeana tokenizes on white space ("Rotterdam." is one B-LOC token): punctuation at the edge of
    an entity token is cut off (O), unless the entity goes on into the next token ("F. J. Jansen").
    """
    tags = repair(tags)
    out_t: list[str] = []
    out_g: list[str] = []
    for k, (tok, tag) in enumerate(zip(toks, tags)):
        subs = [tok[s:e] for s, e in tokenize(tok)] or [tok]
        if tag == "O" or len(subs) == 1:
            out_t += subs
            out_g += [tag] * len(subs) if tag == "O" else [tag]
            continue
        typ = tag[2:]
        goes_on = k + 1 < len(tags) and tags[k + 1] == "I-" + typ
        word = [i for i, w in enumerate(subs) if any(c.isalnum() for c in w)]
        if not word:
            out_t += subs
            out_g += [tag] + ["I-" + typ] * (len(subs) - 1) if goes_on else ["O"] * len(subs)
            continue
        first, last = word[0], (len(subs) - 1 if goes_on else word[-1])
        for i, w in enumerate(subs):
            out_t.append(w)
            if i < first or i > last:
                out_g.append("O")
            elif i == first:
                out_g.append(tag)
            else:
                out_g.append("I-" + typ)
    return out_t, repair(out_g)


def repair(tags: list[str]) -> list[str]:
    """conlleval reading: an I- that does not continue an entity of its type starts one."""
    out = []
    prev = "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            t = "B-" + t[2:]
        out.append(t)
        prev = t
    return out


def spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """Entity spans (first token, last+1, type) of a BIO sequence, conlleval style."""
    out = set()
    start, typ = None, None
    for i, t in enumerate([*repair(tags), "O"]):
        if start is not None and not (t.startswith("I-") and t[2:] == typ):
            out.add((start, i, typ))
            start = None
        if t.startswith("B-"):
            start, typ = i, t[2:]
    return out


class Score:
    """Entity-level exact-match counts per type."""

    def __init__(self) -> None:
        self.tp: dict[str, int] = {}
        self.fp: dict[str, int] = {}
        self.fn: dict[str, int] = {}

    def add(self, gold: set[tuple[int, int, str]], pred: set[tuple[int, int, str]]) -> None:
        for s in pred & gold:
            self.tp[s[2]] = self.tp.get(s[2], 0) + 1
        for s in pred - gold:
            self.fp[s[2]] = self.fp.get(s[2], 0) + 1
        for s in gold - pred:
            self.fn[s[2]] = self.fn.get(s[2], 0) + 1

    def prf(self, types: set[str] | None = None) -> tuple[float, float, float, int]:
        """Precision, recall, F1 and gold count, micro-averaged over types (all when None)."""

        def total(d: dict[str, int]) -> int:
            return sum(v for k, v in d.items() if types is None or k in types)

        tp, fp, fn = total(self.tp), total(self.fp), total(self.fn)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f, tp + fn

    def types(self) -> list[str]:
        return sorted(set(self.tp) | set(self.fp) | set(self.fn))


# Round-2/3 training sets (../shared/corpora/ner/train, all CC BY 4.0; tag mappings from its SOURCES.md).
_MULTICONER = {"PER": "PER", "LOC": "LOC", "GRP": "ORG", "CORP": "ORG", "CW": "MISC", "PROD": "MISC"}
_MULTICONER2 = {
    **dict.fromkeys("Artist Athlete Politician Scientist Cleric SportsManager OtherPER".split(), "PER"),
    **dict.fromkeys(
        "ORG PublicCorp PrivateCorp MusicalGRP SportsGRP CarManufacturer AerospaceManufacturer".split(), "ORG"
    ),
    **dict.fromkeys("HumanSettlement Facility Station OtherLOC".split(), "LOC"),
    **dict.fromkeys(
        "VisualWork MusicalWork WrittenWork ArtWork Software Clothing Vehicle Food Drink OtherPROD".split(), "MISC"
    ),
}
_DFKI = {
    "person": "PER",
    "organization": "ORG",
    "organization-company": "ORG",
    **dict.fromkeys("location location-city location-street location-stop location-route".split(), "LOC"),
}
_WNUT = {"person": "PER", "location": "LOC", "group": "ORG", "corporation": "ORG", "creative-work": "MISC", "product": "MISC"}


def _mapped(tag: str, table: dict[str, str]) -> str:
    if tag[:2] not in ("B-", "I-"):
        return "O"
    typ = table.get(tag[2:]) or table.get(tag[2:].lower().replace("_", "-"))
    return f"{tag[:2]}{typ}" if typ else "O"


def _columns(path: Path, table: dict[str, str]) -> Iterator[Sentence]:
    """CoNLL-like files: first column the token, last the BIO tag; blank lines between sentences;
    `#` comment lines and -DOCSTART- lines skipped. A sentence-initial I- is read as B- (repair)."""
    toks: list[str] = []
    tags: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# id ") or line.startswith("-DOCSTART-"):
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        if not line.strip() or len(parts) < 2:
            if toks:
                yield toks, repair(tags)
            toks, tags = [], []
            continue
        toks.append(parts[0])
        tags.append(_mapped(parts[-1].strip(), table))
    if toks:
        yield toks, repair(tags)


def multiconer(lang: str, split: str) -> Iterator[Sentence]:
    """MultiCoNER v1 en/de/nl (lower-cased: see casing.recase)."""
    return _columns(corpus_dir() / "train" / "multiconer_v1" / f"{lang}_{split}.conll", _MULTICONER)


def multiconer2(lang: str, split: str) -> Iterator[Sentence]:
    """MultiCoNER II: de train/dev; fr has only dev, split here in two by sentence index
    (even: "train", odd: "dev") so French is trained and measured on disjoint halves."""
    if lang == "fr":
        rows = _columns(corpus_dir() / "train" / "multiconer_v2" / "fr-dev.conll", _MULTICONER2)
        return (s for k, s in enumerate(rows) if (k % 2 == 1) == (split == "dev"))
    return _columns(corpus_dir() / "train" / "multiconer_v2" / f"{lang}-{split}.conll", _MULTICONER2)


def mobie(split: str) -> Iterator[Sentence]:
    return _columns(corpus_dir() / "train" / "mobie_de" / f"{split}.conll2003", _DFKI)


def smartdata(split: str = "dev") -> Iterator[Sentence]:
    return _columns(corpus_dir() / "train" / "smartdata_de" / f"smartdata_v3_{split}.conll", _DFKI)


def wnut17(split: str) -> Iterator[Sentence]:
    name = "wnut17train.conll" if split == "train" else "emerging.dev.conll"
    return _columns(corpus_dir() / "train" / "wnut17_en" / name, _WNUT)


def langid_sentences(lang: str) -> Iterator[str]:
    """Human-written sentences of one language (../shared/corpora/langid): cased text for casing statistics."""
    import json

    for name in ("sentences.jsonl", "paragraphs.jsonl"):
        path = corpus_dir().parent / "langid" / name
        for line in path.read_text(encoding="utf-8").split("\n"):  # JSON strings may hold U+2028
            if line.strip():
                row = json.loads(line)
                if row.get("lang") == lang:
                    yield row["text"]
