"""Alias table: curated entities (entities.tsv) + CLDR territory names in every language (Babel).

Keys are the folded alphanumeric pieces of a name (text.fold_key) joined by SEP. Two uses:
- linking a span the model tagged: curated aliases, and CLDR names in the article's language or in
  one of ~35 major languages (LINK_LANGS);
- adding a mention the model missed, and the CRF's gazetteer features: only curated aliases and
  CLDR names in the article's language or English (a country name of some other language can be a
  common word here: precision first).
CLDR territories without a known QID (iso3166_qid.tsv) get the id "iso3166:XX"; codes that are not
places (world, eurozone, unknown region...) are left out.

Building reads CLDR for ~700 locales (~2 s), so the built table ships as gazetteer.bin (marshal,
zlib; laid out to load in ~0.1 s, see dump), written by `python -m services.processor.entities.ner.gazetteer` (and by ner.train) and
stamped with a digest of its inputs; load() rebuilds from the sources when the stamp does not match.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import re
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from services.processor.entities.ner.text import capital_pieces, fold, fold_key

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
BIN_PATH = HERE / "gazetteer.bin"
_FORMAT = 2
CURATED = "*"  # pseudo-language of curated aliases: allowed everywhere
# CLDR codes that are not named places an article is about.
_SKIP_CODES = frozenset({"001", "EZ", "QO", "ZZ", "UN", "EU"})
# CLDR names of these languages may link a span the model tagged in an article of any language.
LINK_LANGS = frozenset(
    "en de nl fr es it pt ru uk pl cs sk hu ro bg el tr ar fa he zh ja ko sv da nb fi et lv lt hr sr sl id vi hi".split()
)
# Gap allowed between two pieces of one match: spaces, hyphen, apostrophe, dot, ampersand.
_GAP_CHARS = frozenset(" \t-‐–'’.&")
SEP = "\x1f"  # joins the pieces of a key: folding an alphanumeric piece never yields a control character
# The next piece of a multi-word name, after an allowed gap.
_NEXT_PIECE = re.compile(r"[ \t\-‐–'’.&]{0,3}([^\W_]+)")
_STARTS_MAX = 200_000


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    type: str
    name: str


@dataclass(slots=True)
class Entry:
    entity: Entity
    langs: set[str] | frozenset[str]  # frozenset in a loaded table, shared between its entries
    curated: bool


class _Start(NamedTuple):
    """What scan knows of a word that can start a match: its key, whether longer keys continue it
    (a walk over the next pieces), and its own entry when allowed for the scan's language (else None)."""

    key: str
    walk: bool
    entry: Entry | None


class Match(NamedTuple):
    """An alias of entry found at text[start:end] (a named tuple: built for every match of every text)."""

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
        self.table: dict[str, Entry] = {}
        self._ambiguous: set[str] = set()
        self.prefixes: set[str] = set()  # every key and its leading parts: the scan's trie
        # scan, per language filter: capitalised word -> _Start, or None when no match can start with it
        self._starts: dict[str | None, dict[str, _Start | None]] = {}
        self._continued: frozenset[str] | None = None  # every proper leading part of a key

    def continued(self) -> frozenset[str]:
        """The keys (and leading parts) some longer key continues: where scan's walk can go on.
        Built on first use (~50 ms): prefixes holds every leading part of every key."""
        if self._continued is None:
            self._continued = frozenset(p[: p.rindex(SEP)] for p in self.prefixes if SEP in p)
        return self._continued

    def add(self, surface: str, entity: Entity, lang: str) -> None:
        base = fold_key(surface)
        if not base:
            return
        curated = lang == CURATED
        if self._starts or self._continued is not None:
            self._starts.clear()  # the scan's caches read the prefixes, which change here
            self._continued = None
        # Short names only when curated (EU, VS, US): CLDR's 2-3 letter forms are word-like.
        if not curated and len("".join(base)) < 4:
            return
        for i, pieces in enumerate(_variants(base)):
            key = SEP.join(pieces)
            old = self.table.get(key)
            if old is None:
                if key in self._ambiguous:
                    continue
                self.table[key] = Entry(entity, {lang}, curated)
                self.prefixes.update(SEP.join(pieces[:i]) for i in range(1, len(pieces) + 1))
            elif old.entity.id == entity.id:
                if not isinstance(old.langs, set):
                    old.langs = set(old.langs)  # a loaded entry's frozenset is shared: copy, never mutate
                old.langs.add(lang)
                old.curated = old.curated or curated
            elif curated and not old.curated and i == 0:
                self.table[key] = Entry(entity, {lang}, True)  # curated wins over CLDR
            elif not old.curated and not curated:
                del self.table[key]  # two CLDR territories share a name: link neither
                self._ambiguous.add(key)

    def lookup(self, surface: str, lang: str | None = None) -> Entry | None:
        """The entry of surface; with lang, only names curated, of lang, English or a major language
        (Akan "Franse" = France must not link the Dutch adjective "Franse")."""
        key = fold_key(surface)
        entry = self.table.get(SEP.join(key)) if key else None
        if entry is None or lang is None or entry.curated or lang in entry.langs or not entry.langs.isdisjoint(LINK_LANGS):
            return entry
        return None

    def scan(self, text: str, lang: str | None = None, pieces: list[tuple[int, int, str]] | None = None) -> list[Match]:
        """Longest, leftmost, non-overlapping alias matches in text.

        With lang, only entries allowed for adding mentions in that language (see module doc);
        a match must start with an upper-case letter or a digit (names, not words).
        pieces: text.capital_pieces(text), when the caller has it already.
        """
        if pieces is None:
            pieces = capital_pieces(text)
        # Only pieces that do not start lower case can start a name: each word is decided once per
        # process and language filter (_start), then the following pieces are walked from each
        # occurrence of a start that longer keys continue.
        out: list[Match] = []
        known = self._starts.get(lang)
        if known is None:
            known = self._starts[lang] = {}
        table, prefixes = self.table, self.prefixes
        next_piece, done = _NEXT_PIECE.match, 0
        for a, end, word in pieces:
            if a < done:
                continue
            got = known.get(word, False)
            if got is False:
                got = self._start(word, lang)
                if len(known) >= _STARTS_MAX:  # bounded: a stream sees an open vocabulary
                    known.clear()
                known[word] = got
            if got is None:
                continue
            key, walk, entry = got
            # Walk on while the pieces so far begin some key (a trie walk over the prefix set). The
            # first step mostly fails (most keys go on only to a genitive "s"): tried before any list.
            nxt = next_piece(text, end) if walk else None
            if nxt is not None and (longer := key + SEP + fold(nxt.group(1))) in prefixes:
                keys, ends = [key, longer], [end, nxt.end()]
                while True:
                    nxt = next_piece(text, ends[-1])
                    if nxt is None:
                        break
                    longer = keys[-1] + SEP + fold(nxt.group(1))
                    if longer not in prefixes:
                        break
                    keys.append(longer)
                    ends.append(nxt.end())
                for length in range(len(keys) - 1, 0, -1):  # the longest allowed key wins
                    e = table.get(keys[length])
                    if e is not None and (lang is None or e.curated or lang in e.langs or "en" in e.langs):
                        entry, end = e, ends[length]
                        break
            if entry is not None:
                out.append(Match(a, end, entry))
                done = end
        return out

    def _start(self, word: str, lang: str | None) -> _Start | None:
        """scan's decision for a capitalised word: None when no match can start with it (it starts
        lower case, no key starts with it, or it is a whole key only, not allowed for lang)."""
        if word[0].islower():
            return None
        key = fold(word)
        if key not in self.prefixes:
            return None
        entry = self.table.get(key)
        if entry is not None and lang is not None and not (entry.curated or lang in entry.langs or "en" in entry.langs):
            entry = None
        walk = key in self.continued()
        return _Start(key, walk, entry) if walk or entry is not None else None


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


def inputs_digest() -> str:
    """Digest of what build() reads: the two TSVs, the CLDR version and the table format."""
    import babel

    h = hashlib.sha256(f"{_FORMAT}\0babel {babel.__version__}\0".encode())
    for name in ("entities.tsv", "iso3166_qid.tsv"):
        h.update((HERE / name).read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def dump(gaz: Gazetteer, path: Path = BIN_PATH) -> None:
    """Write gaz as marshalled plain data that loads in a few C-level calls: its keys, prefixes and
    continued prefixes as newline-joined strings (split in C on load); the distinct entities and
    language sets once each; each distinct (entity, languages, curated) entry as indexes into those;
    each key's entry as an index into the entries."""
    entities: dict[Entity, int] = {}
    langsets: dict[tuple[str, ...], int] = {}
    entries: dict[tuple[int, int, bool], int] = {}
    of_key = array("I")
    items = sorted(gaz.table.items())  # the same bytes from every build: the table's order follows set iteration
    for _key, e in items:
        ent = entities.setdefault(e.entity, len(entities))
        langs = langsets.setdefault(tuple(sorted(e.langs)), len(langsets))
        of_key.append(entries.setdefault((ent, langs, e.curated), len(entries)))
    data = (
        inputs_digest(),
        tuple((e.id, e.type, e.name) for e in entities),
        tuple(" ".join(langs) for langs in langsets),  # CLDR language codes hold no space
        array("I", [k for key in entries for k in (key[0], key[1], int(key[2]))]).tobytes(),
        "\n".join(key for key, _e in items),
        of_key.tobytes(),
        "\n".join(sorted(gaz._ambiguous)),
        "\n".join(sorted(gaz.prefixes)),
        "\n".join(sorted(gaz.continued())),
    )
    path.write_bytes(zlib.compress(marshal.dumps(data, 4), 6))


def _undump(path: Path) -> Gazetteer | None:
    """The table of path, or None when absent or built from other inputs. Keys that share an entry
    share its object, entries share their entity and language-set objects (frozensets): a loaded
    table is read-only (add() is for build())."""
    if not path.exists():
        return None
    data = marshal.loads(zlib.decompress(path.read_bytes()))
    if not isinstance(data, tuple) or len(data) != 9 or data[0] != inputs_digest():
        return None
    _digest, entities, langsets, entries, keys, of_key, ambiguous, prefixes, continued = data
    ents = [Entity(*e) for e in entities]
    sets = [frozenset(langs.split(" ")) for langs in langsets]
    flat = array("I", entries)
    objs = [Entry(ents[e], sets[s], bool(c)) for e, s, c in zip(flat[0::3], flat[1::3], flat[2::3])]  # type: ignore[arg-type]
    gaz = Gazetteer()
    gaz.table = dict(zip(keys.split("\n"), map(objs.__getitem__, array("I", of_key))))
    gaz._ambiguous = set(ambiguous.split("\n")) if ambiguous else set()
    gaz.prefixes = set(prefixes.split("\n"))
    gaz._continued = frozenset(continued.split("\n")) if continued else frozenset()
    return gaz


def load(path: Path = BIN_PATH) -> Gazetteer:
    """The shipped table (gazetteer.bin); built from the sources when that file is stale or absent."""
    gaz = _undump(path)
    if gaz is None:
        log.warning("%s is stale or absent: building the gazetteer from its sources (~2 s); "
                    "rebuild it with `python -m services.processor.entities.ner.gazetteer`", path)
        gaz = build()
    return gaz


if __name__ == "__main__":
    dump(build())
    print(f"wrote {BIN_PATH} ({BIN_PATH.stat().st_size / 1e6:.1f} MB)")
