"""Deterministic scoring over langdetect's own profiles (langdetect stays the detector of record).

langdetect's Detector samples n-grams at random in 7 trials and multiplies, per language,
`p(ngram | lang) + alpha / BASE_FREQ` until one language passes 0.99999. Its per-call cost is in
Detector creation, per-character normalization in Python and that sampling loop. This module keeps
the same model and the same per-n-gram factor but:
- loads the profiles once through langdetect's DetectorFactory (only the languages asked for),
- multiplies over *every* n-gram of the text, in log space (naive Bayes, alpha fixed at 0.5):
  no random trials, so the answer is the same in every process and run,
- normalizes characters with a str.translate table built from langdetect's NGram.normalize,
- caches the n-gram row ids per word (news text repeats words) and sums rows with numpy.
N-gram extraction follows langdetect's NGram buffer: each word is seen padded as " word ",
1- to 3-grams, and n-grams inside ALL-CAPS runs are skipped as langdetect does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import langdetect
import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import DetectorFactory
from langdetect.utils.ngram import NGram

PROFILE_DIR = Path(langdetect.__file__).parent / "profiles"
ALPHA = Detector.ALPHA_DEFAULT  # langdetect's smoothing, without its random jitter
BASE_FREQ = Detector.BASE_FREQ
_WORD_CACHE_MAX = 200_000  # words; bounded so a long-running agent cannot grow without limit

# Our ISO 639-1 code -> langdetect profile names (their scores are merged by max).
PROFILE_ALIASES: dict[str, tuple[str, ...]] = {"nb": ("no",), "no": ("no",), "zh": ("zh-cn", "zh-tw")}
PROFILE_TO_CODE: dict[str, str] = {"no": "nb", "zh-cn": "zh", "zh-tw": "zh"}


def available_codes() -> tuple[str, ...]:
    """Every code langdetect ships a profile for, in our spelling (nb, zh)."""
    names = sorted(p.name for p in PROFILE_DIR.iterdir() if not p.name.startswith("."))
    return tuple(sorted({PROFILE_TO_CODE.get(n, n) for n in names}))


def _build_translate_table() -> dict[int, str]:
    """NGram.normalize for every BMP character, as one table (non-letters become spaces)."""
    table: dict[int, str] = {}
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        norm = NGram.normalize(ch)
        if norm != ch:
            table[cp] = norm
    return table


_TRANSLATE = _build_translate_table()
_URL_RE = Detector.URL_RE
_MAIL_RE = Detector.MAIL_RE
_SPACES = re.compile(r" +")


def normalize(text: str) -> str:
    """langdetect's Detector.append + NGram.normalize: URLs and e-mails out, non-letters to spaces.

    Characters above the BMP (emoji, rare CJK) pass unchanged: no profile knows their n-grams.
    """
    text = _URL_RE.sub(" ", text)
    text = _MAIL_RE.sub(" ", text)
    text = NGram.normalize_vi(text)
    return text.translate(_TRANSLATE)


def clean_latin(words: list[str]) -> list[str]:
    """langdetect's cleaning_text: Latin letters are dropped when non-Latin letters are 2x as many."""
    latin = non_latin = 0
    for w in words:
        for ch in w:
            if "A" <= ch <= "z":
                latin += 1
            elif ch >= "\u0300" and not ("\u1e00" <= ch <= "\u1eff"):
                non_latin += 1
    if latin * 2 >= non_latin:
        return words
    out = []
    for w in words:
        kept = "".join(ch for ch in w if ch < "A" or ch > "z")
        if kept:
            out.extend(kept.split())  # dropping letters splits the word as in langdetect's text
    return out


def word_ngrams(word: str) -> list[str]:
    """n-grams langdetect's NGram buffer yields for one word (no spaces inside), padded " word "."""
    out: list[str] = []
    grams = " "
    cap = False
    for ch in word + " ":
        last = grams[-1]
        if last == " ":
            grams = " "
            cap = False
        elif len(grams) >= 3:
            grams = grams[1:]
        grams += ch
        if ch.isupper():
            if last.isupper():
                cap = True
        else:
            cap = False
        if cap:
            continue
        for n in (1, 2, 3):
            if len(grams) < n:
                break
            g = grams[-n:]
            if g != " ":
                out.append(g)
    return out


@dataclass
class ProfileModel:
    """langdetect profiles for a set of codes as one log-probability matrix (rows: n-grams)."""

    codes: tuple[str, ...]  # one per column
    vocab: dict[str, int]
    logp: np.ndarray  # shape (len(vocab), len(codes)): log(p(ngram|lang) + alpha/BASE_FREQ)
    _word_rows: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    def rows(self, words: Iterable[str]) -> list[int]:
        cache = self._word_rows
        vocab = self.vocab
        out: list[int] = []
        for w in words:
            r = cache.get(w)
            if r is None:
                r = tuple(vocab[g] for g in word_ngrams(w) if g in vocab)
                if len(cache) >= _WORD_CACHE_MAX:
                    cache.clear()
                cache[w] = r
            out.extend(r)
        return out

    def score_words(self, words: list[str]) -> tuple[np.ndarray, int]:
        """Per-code log-likelihood (max over a code's profiles) and how many n-grams counted."""
        idx = self.rows(words)
        if not idx:
            return np.zeros(len(self.codes)), 0
        return self.logp[idx].sum(axis=0), len(idx)


def load_profile_model(profile_names: Iterable[str]) -> ProfileModel:
    """Load the named langdetect profiles through langdetect's DetectorFactory, once."""
    names = sorted(set(profile_names))
    factory = DetectorFactory()
    factory.load_json_profile([(PROFILE_DIR / n).read_text(encoding="utf-8") for n in names])  # needs >= 2
    vocab = {g: i for i, g in enumerate(factory.word_lang_prob_map)}
    probs = np.array(list(factory.word_lang_prob_map.values()), dtype=np.float64).reshape(len(vocab), len(names))
    logp = np.log(probs + ALPHA / BASE_FREQ)
    codes = tuple(PROFILE_TO_CODE.get(n, n) for n in factory.langlist)
    return ProfileModel(codes=codes, vocab=vocab, logp=logp)


def profile_names_for(codes: Iterable[str]) -> tuple[str, ...]:
    names: list[str] = []
    for c in codes:
        for n in PROFILE_ALIASES.get(c, (c,)):
            if (PROFILE_DIR / n).is_file():
                names.append(n)
    return tuple(sorted(set(names)))


@lru_cache(maxsize=16)
def model_for(codes: tuple[str, ...]) -> ProfileModel:
    """One model per distinct (sorted) code set, built on first use and kept."""
    return load_profile_model(profile_names_for(codes))
