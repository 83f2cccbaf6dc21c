"""Alias table: curated entities (entities.tsv) + CLDR territory names in every language (Babel).

Keys are tuples of folded alphanumeric pieces (text.fold_key). Two uses:
- linking a span the model tagged: any alias in any language may link it;
- adding a mention the model missed, and the CRF's gazetteer features: only curated aliases and
  CLDR names in the article's language or English (a country name of some other language can be a
  common word here: precision first).
CLDR territories without a known QID (iso3166_qid.tsv) get the id "iso3166:XX"; codes that are not
places (world, eurozone, unknown region...) are left out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from services.processor.ner.text import PIECE, fold, fold_key

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
CURATED = "*"  # pseudo-language of curated aliases: allowed everywhere
# CLDR codes that are not named places an article is about.
_SKIP_CODES = frozenset({"001", "EZ", "QO", "ZZ", "UN", "EU"})
# Gap allowed between two pieces of one match: spaces, hyphen, apostrophe, dot, ampersand.
_GAP_CHARS = frozenset(" \t-‐–'’.&")


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    type: str
    name: str


@dataclass(slots=True)
class Entry:
    entity: Entity
    langs: set[str]
    curated: bool


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    entry: Entry


def _variants(key: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Inflection-light forms: genitive (Poetins, Russlands, Trump's) and the German weak adjective
    (Vereinigte Staaten -> Vereinigten Staaten, Russische Föderation -> Russischen Föderation)."""
    out = [key]
    last = key[-1]
    if len(last) >= 3 and not last.endswith("s") and not last.isdigit():
        out.append(key[:-1] + (last + "s",))
    out.append(key + ("s",))
    if len(key) >= 2 and key[0].endswith("e") and len(key[0]) >= 4:
        out.append((key[0] + "n",) + key[1:])
    return out


class Gazetteer:
    def __init__(self) -> None:
        self.table: dict[tuple[str, ...], Entry] = {}
        self._ambiguous: set[tuple[str, ...]] = set()
        self.max_len: dict[str, int] = {}  # first piece -> longest key starting with it

    def add(self, surface: str, entity: Entity, lang: str) -> None:
        base = fold_key(surface)
        if not base:
            return
        curated = lang == CURATED
        # Short names only when curated (EU, VS, US): CLDR's 2-3 letter forms are word-like.
        if not curated and len("".join(base)) < 4:
            return
        for i, key in enumerate(_variants(base)):
            old = self.table.get(key)
            if old is None:
                if key in self._ambiguous:
                    continue
                self.table[key] = Entry(entity, {lang}, curated)
                self.max_len[key[0]] = max(self.max_len.get(key[0], 0), len(key))
            elif old.entity.id == entity.id:
                old.langs.add(lang)
                old.curated = old.curated or curated
            elif curated and not old.curated and i == 0:
                self.table[key] = Entry(entity, {lang}, True)  # curated wins over CLDR
            elif not old.curated and not curated:
                del self.table[key]  # two CLDR territories share a name: link neither
                self._ambiguous.add(key)

    def lookup(self, surface: str) -> Entry | None:
        key = fold_key(surface)
        return self.table.get(key) if key else None

    def scan(self, text: str, lang: str | None = None) -> list[Match]:
        """Longest, leftmost, non-overlapping alias matches in text.

        With lang, only entries allowed for adding mentions in that language (see module doc);
        a match must start with an upper-case letter or a digit (names, not words).
        """
        pieces = [(m.start(), m.end(), fold(m.group())) for m in PIECE.finditer(text)]
        out: list[Match] = []
        i, n = 0, len(pieces)
        table, max_len = self.table, self.max_len
        while i < n:
            ml = max_len.get(pieces[i][2], 0)
            hit = None
            if ml and not text[pieces[i][0]].islower():
                for length in range(min(ml, n - i), 0, -1):
                    entry = table.get(tuple(p[2] for p in pieces[i : i + length]))
                    if entry is None:
                        continue
                    if any(not _gap_ok(text, pieces[j][1], pieces[j + 1][0]) for j in range(i, i + length - 1)):
                        continue
                    if lang is not None and not (entry.curated or lang in entry.langs or "en" in entry.langs):
                        continue
                    hit = Match(pieces[i][0], pieces[i + length - 1][1], entry)
                    i += length
                    break
            if hit is None:
                i += 1
            else:
                out.append(hit)
        return out


def _gap_ok(text: str, a: int, b: int) -> bool:
    return b - a <= 3 and all(c in _GAP_CHARS for c in text[a:b])


def _read_tsv(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def build() -> Gazetteer:
    gaz = Gazetteer()
    for eid, etype, name, aliases in _read_tsv(HERE / "entities.tsv"):
        entity = Entity(eid, etype, name)
        for alias in {name, *aliases.split("|")}:
            gaz.add(alias, entity, CURATED)
    _add_cldr(gaz)
    return gaz


def _add_cldr(gaz: Gazetteer) -> None:
    try:
        from babel import Locale, localedata
    except ImportError:  # pragma: no cover - babel is a pinned dependency
        log.warning("babel missing: no CLDR territory names")
        return
    qids = {code: (qid, etype) for code, qid, etype in _read_tsv(HERE / "iso3166_qid.tsv")}
    english = Locale("en").territories
    entities: dict[str, Entity] = {}
    for code, en_name in english.items():
        if code in _SKIP_CODES:
            continue
        if code in qids:
            entities[code] = Entity(qids[code][0], qids[code][1], en_name)
        elif len(code) == 2 and code.isalpha():
            entities[code] = Entity(f"iso3166:{code}", "LOC", en_name)
    # Base languages only (nl, de, ru...): regional variants rarely rename countries. Sorted: deterministic.
    langs = sorted(i for i in localedata.locale_identifiers() if "_" not in i)
    for lang in ["en", *langs]:
        try:
            names = Locale.parse(lang).territories
        except Exception:  # a broken CLDR locale must not stop the tagger
            continue
        for code, entity in entities.items():
            surface = names.get(code)
            if surface:
                gaz.add(surface, entity, lang)
