"""Story evidence: the keys two articles about one event tend to share, in any language or within one.

Language-independent keys: linked entity ids (Wikidata QIDs are the same in every language), numbers
(thousands separators and decimal commas folded: "2.000.000", "2,000,000" and "2 000 000" all give
2000000; one-digit numbers are too common to tell events apart) and capitalized words never written in
lower case in the text (mostly names the tagger did not link, spelled alike across nl/de/en). Within one language, content words
(six letters or more) are keys too, tagged with the language so they only ever match that language.
Each key is a stable uint64 (blake2b, not Python's salted `hash`: keys are persisted).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from hashlib import blake2b

import numpy as np
import numpy.typing as npt

MAX_ENTITIES = 10
MAX_NUMBERS = 6
MAX_NAMES = 8
MAX_WORDS = 10
# Static weights: a shared entity id says more than a shared number, a number more than a name or a word.
WEIGHTS = {"e": 2.0, "n": 1.5, "c": 1.0, "w": 1.0}

_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d+)*")
_GROUPED = re.compile(r"\d{1,3}(?:([.,\u00a0\u202f ])\d{3})(?:\1\d{3})*")


@dataclass(frozen=True)
class StoryKeys:
    """Typed keys of one article; `weight` is the sum of their weights (the article's side of a cosine)."""

    keys: tuple[int, ...]
    kinds: tuple[str, ...]

    @cached_property
    def weight(self) -> float:
        return sum(WEIGHTS[k] for k in self.kinds)

    @cached_property
    def weights(self) -> npt.NDArray[np.float64]:
        """The weight of each key, in order."""
        return np.array([WEIGHTS[k] for k in self.kinds], dtype=np.float64)


@lru_cache(maxsize=1 << 16)  # names, numbers and words recur from article to article
def key_hash(text: str) -> int:
    h = _BLAKE2B_8.copy()  # a copy of a fresh hasher skips the constructor's argument parsing
    h.update(text.encode("utf-8"))
    return int.from_bytes(h.digest(), "little")


_BLAKE2B_8 = blake2b(digest_size=8)


def numbers(text: str) -> list[str]:
    """Distinct numbers of two digits or more, in order, separators folded ("1.500" = "1,500" = "1500")."""
    out: dict[str, None] = {}
    for raw in _NUMBER.findall(text):
        raw = raw.rstrip(".,\u00a0\u202f ")
        if _GROUPED.fullmatch(raw):  # thousands groups: 3,200 / 3.200 / 3 200
            value = re.sub(r"\D", "", raw)
        elif re.fullmatch(r"\d+[.,]\d+", raw):  # a decimal: 2,75 = 2.75
            whole, _, fraction = raw.replace(",", ".").partition(".")
            value = f"{int(whole)}.{fraction}".rstrip("0").rstrip(".")
            out.setdefault(value, None)
            continue
        elif raw.isdigit():
            value = raw
        else:  # a list of numbers ("1, 2 en 3"): each its own
            for part in re.findall(r"\d+", raw):
                if len(part.lstrip("0")) >= 2:
                    out.setdefault(part.lstrip("0"), None)
            continue
        value = value.lstrip("0") or "0"
        if len(value.replace(".", "")) >= 2:
            out.setdefault(value, None)
    return list(out)


def names(tokens: list[str]) -> list[str]:
    """Capitalized words never written in lower case in the text (names, German nouns), lower-cased, in order.

    A common word that starts a sentence is written in lower case elsewhere in the text and is left out.
    """
    distinct = dict.fromkeys(tokens)  # ordered, at C speed: the loops below see each word once
    common = {t for t in distinct if t[:1].islower()}
    out: dict[str, None] = {}
    for token in distinct:
        if len(token) >= 4 and token[0].isupper():
            low = token.lower()
            if low not in common:
                out.setdefault(low, None)
    return list(out)


def content_words(lower: list[str]) -> list[str]:
    """Longer lower-cased words, longest first (a cheap stand-in for rarity)."""
    distinct = [w for w in dict.fromkeys(lower) if len(w) >= 6 and w.isalpha()]
    return sorted(sorted(distinct), key=len, reverse=True)  # a stable sort: alphabetical within a length


def story_keys(*, language: str, entity_ids: Iterable[str], text: str, tokens: list[str],
               lower: list[str]) -> StoryKeys:
    """tokens: the words of text (signature.tokens) in their case; lower: the same lower-cased."""
    typed: dict[str, str] = {}
    for qid in list(dict.fromkeys(entity_ids))[:MAX_ENTITIES]:
        typed.setdefault(f"e:{qid}", "e")
    for number in numbers(text)[:MAX_NUMBERS]:
        typed.setdefault(f"n:{number}", "n")
    for name in names(tokens)[:MAX_NAMES]:
        typed.setdefault(f"c:{name}", "c")
    if language != "und":
        for word in content_words(lower)[:MAX_WORDS]:
            typed.setdefault(f"w:{language}:{word}", "w")
    return StoryKeys(keys=tuple(key_hash(k) for k in typed), kinds=tuple(typed.values()))
