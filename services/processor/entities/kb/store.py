"""The linking KB in memory: entities, an alias index over folded keys, and a trie-walk scan.

A key is the folded alphanumeric pieces of a name (ner/text.fold_key) joined by one space, so
"Saoedi -Arabië" and "Saoedi-Arabië" share "saoedi arabie". Candidates of a key are decoded on
first use (most keys are never seen), which keeps load time and memory small.
"""

from __future__ import annotations

import gzip
import re
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from services.processor.entities.ner.text import _FOLD_CACHE, capital_pieces, fold

KB_PATH = Path(__file__).parent / "kb.tsv.gz"

# Alias flags: the languages whose name this is (bits), or another language / no language tag.
LANG_BITS = {"en": 1, "de": 2, "nl": 4, "fr": 8, "ru": 16, "es": 32, "it": 64, "pl": 128, "pt": 256}
OTHER = 1 << 9
CURATED = 1 << 10  # from ner/entities.tsv or kb/curated.tsv: checked by hand
VARIANT = 1 << 11  # generated inflected form (genitive -s, German weak adjective -n)
WEAK = 1 << 12  # curated but ambiguous ("Holland", "Amerika"): links a model span, never added
GENERIC = 1 << 13  # a party name any country could have ("Conservative Party"): needs its country in the article
# A hand-checked name in the languages of its bits only, where it outranks the others' entities of that name:
# Dutch "CBS" is the statistics office, elsewhere CBS News (curated.tsv "nl:CBS").
LOCAL = 1 << 14

_STARTS_MAX = 200_000
_TWO_TABS = re.compile(r"\t[^\n]*\t")  # a row with two tabs or more
# The next piece of a multi-word name, after an allowed gap (spaces, hyphen, apostrophe, dot, &).
_NEXT_PIECE = re.compile(r"[ \t\-‐–'’.&]{0,3}([^\W_]+)")


def join_key(pieces: tuple[str, ...] | list[str]) -> str:
    return " ".join(pieces)


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    type: str  # PER, ORG, LOC
    cls: str  # country, region, city:<Natural Earth class>, city:geonames, politician, party, legislature, curated
    country: str  # QID of the entity's country ("" when none or unknown)
    prior: int  # popularity, 0-100 (see build.PRIOR)
    name: str  # canonical (English where known) name


class Candidate(NamedTuple):
    entity: Entity
    flags: int


class Hit(NamedTuple):
    """A KB alias found in a text: text[start:end] folds to key."""

    start: int
    end: int
    key: str


class KB:
    """Entities are decoded from their rows on first use, like candidates: most are never named."""

    def __init__(self, entity_rows: list[str], index: dict[str, str], prefixes: frozenset[str], langnames: dict[str, int],
                 regions: dict[str, str] | None = None) -> None:
        self._rows = entity_rows
        self._entities: dict[int, Entity] = {}
        self._raw = index  # key -> "idx:flags,..."
        self._decoded: dict[str, tuple[Candidate, ...]] = {}
        self.prefixes = prefixes  # the leading pieces of every multi-piece key: the scan's trie
        self.langnames = langnames  # folded language name -> the languages (bits) it is a language name in
        # city id -> folded name of its first-level region (a US state), for a city with a namesake in its
        # country: "Augusta, Georgia" is not Augusta, Maine
        self.regions = regions or {}
        # scan: capitalised word -> (its key, whether the key is an alias, whether longer keys continue it),
        # or None when no name starts with it
        self._starts: dict[str, tuple[str, bool, bool] | None] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def entity(self, idx: int) -> Entity:
        e = self._entities.get(idx)
        if e is None:
            eid, etype, cls, country, prior, name = self._rows[idx].split("\t")
            e = self._entities[idx] = Entity(eid, etype, cls, country, int(prior), name)
        return e

    def entities(self) -> list[Entity]:
        return [self.entity(i) for i in range(len(self._rows))]

    def entities_with_prefix(self, prefix: str) -> list[Entity]:
        """The entities whose id starts with prefix, decoding only their rows (sorted by id: kb/build.serialize)."""
        out, i = [], bisect_left(self._rows, prefix)
        while i < len(self._rows) and self._rows[i].startswith(prefix):
            out.append(self.entity(i))
            i += 1
        return out

    def lookup(self, key: str) -> tuple[Candidate, ...]:
        got = self._decoded.get(key)
        if got is None:
            raw = self._raw.get(key)
            if raw is None:
                return ()
            ent = self.entity
            got = tuple(Candidate(ent(int(i)), int(f)) for i, _, f in (c.partition(":") for c in raw.split(",")))
            self._decoded[key] = got
        return got

    def scan(self, text: str, pieces: list[tuple[int, int, str]] | None = None) -> list[Hit]:
        """Longest, leftmost, non-overlapping alias matches starting with a piece that is not lower case
        and starts with a letter (not a digit). pieces: text.capital_pieces(text), when the caller has it."""
        if pieces is None:
            pieces = capital_pieces(text)
        out: list[Hit] = []
        raw, prefixes = self._raw, self.prefixes
        # Which capitalised words can start a name: decided once per process (_start).
        known = self._starts
        next_piece, done = _NEXT_PIECE.match, 0
        for a, end, word in pieces:
            if a < done:
                continue
            got = known.get(word, False)
            if got is False:
                got = self._start(word)
                if len(known) >= _STARTS_MAX:  # bounded: a stream sees an open vocabulary
                    known.clear()
                known[word] = got
            if got is None:
                continue
            key, alias, walk = got
            best, best_end = (key if alias else None), end
            if walk:  # on while the pieces so far begin a longer key (a trie walk over the prefixes)
                while key in prefixes:
                    nxt = next_piece(text, end)
                    if nxt is None:
                        break
                    key = key + " " + fold(nxt.group(1))
                    end = nxt.end()
                    if key in raw:
                        best, best_end = key, end
            if best is not None:
                out.append(Hit(a, best_end, best))
                done = best_end
        return out

    def _start(self, word: str) -> tuple[str, bool, bool] | None:
        """scan's decision for a capitalised word: (its key, an alias?, a leading piece of longer
        keys?), or None when it starts with a digit or lower case or no name starts with it."""
        if word[0].isdecimal() or word[0].islower():  # \d: a name starts with a letter
            return None
        key = _FOLD_CACHE.get(word) or fold(word)
        alias, walk = key in self._raw, key in self.prefixes
        return (key, alias, walk) if alias or walk else None


def _pairs(body: str) -> dict[str, str]:
    """The rows of a two-column section body ("key\tvalue" lines) as a dict. build.py writes one tab
    per row (keys and values hold none): then one replace and one split in C make the flat list
    key, value, key, value... (~0.1 s less than splitting the aliases row by row). As many tabs as
    rows and no row with two means one in each; any other body is split row by row (a value keeps
    its tabs; a row without one raises)."""
    if not body:
        return {}
    if body.count("\t") == body.count("\n") + 1 and not _TWO_TABS.search(body):
        flat = iter(body.replace("\n", "\t").split("\t"))
        return dict(zip(flat, flat))
    return dict(row.split("\t", 1) for row in body.split("\n"))  # type: ignore[misc]


def load(path: Path = KB_PATH) -> KB:
    """The KB of path. Per row only what C does in bulk (splits, the alias dict): an entity row is
    split on first use (KB.entity), a key's candidates too (KB.lookup)."""
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    sections: dict[str, str] = {}
    for part in text.split("\n@")[1:]:
        name, _, body = part.partition("\n")
        sections[name] = body[:-1] if body.endswith("\n") else body
    index = _pairs(sections["aliases"])
    langnames = {key: int(bits) for key, bits in _pairs(sections["langnames"]).items()}
    entities, prefixes = sections["entities"], sections["prefixes"]
    return KB(entities.split("\n") if entities else [], index, frozenset(prefixes.split("\n") if prefixes else ()), langnames,
              _pairs(sections.get("regions", "")))
