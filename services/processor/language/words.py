"""Word-frequency cross-check for close languages (da/nb/sv, es/pt, ru/uk...).

Character n-grams (langdetect's profiles) cannot tell Danish from Bokmål on one sentence: the two
share most trigrams and differ in whole words (af/av, mig/meg, efter/etter, blev/ble). wordfreq
(pinned, ships its word lists) gives p(word | language) for the ~30k most frequent words of each
language; we sum log(p + floor) over the words of the text. Used only to rank languages that
langdetect's profiles already shortlisted, never on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import wordfreq

WORDLIST = "small"  # top ~30k words per language: the same depth for every language
FLOOR = 1e-7  # frequency of a word missing from a list (below the small lists' cutoff)
_SUPPORTED = frozenset(wordfreq.available_languages(WORDLIST))


@dataclass(frozen=True)
class WordModel:
    codes: tuple[str, ...]
    vocab: dict[str, int]
    logf: np.ndarray  # (len(vocab) + 1, len(codes)); the last row is the floor row for unknown words

    def score(self, words: list[str]) -> np.ndarray:
        unknown = len(self.vocab)
        get = self.vocab.get
        idx = [get(w.lower(), unknown) for w in words]
        return self.logf[idx].sum(axis=0, dtype=np.float64) if idx else np.zeros(len(self.codes))


def supports(code: str) -> bool:
    return code in _SUPPORTED


@lru_cache(maxsize=16)
def word_model(codes: tuple[str, ...]) -> WordModel | None:
    """Word model over `codes`, or None when one of them has no word list (no fair comparison)."""
    if not codes or not all(c in _SUPPORTED for c in codes):
        return None
    lists = [wordfreq.get_frequency_dict(c, wordlist=WORDLIST) for c in codes]
    vocab: dict[str, int] = {}
    for freqs in lists:
        for w in freqs:
            vocab.setdefault(w, len(vocab))
    logf = np.full((len(vocab) + 1, len(codes)), np.log(FLOOR), dtype=np.float32)
    for j, freqs in enumerate(lists):
        rows = np.fromiter((vocab[w] for w in freqs), dtype=np.int64, count=len(freqs))
        logf[rows, j] = np.log(np.fromiter(freqs.values(), dtype=np.float64, count=len(freqs)) + FLOOR)
    return WordModel(codes=codes, vocab=vocab, logf=logf)
