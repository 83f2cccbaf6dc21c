"""Language step: which language an article (or a title) is written in.

Pipeline for one text, cheapest evidence first:
1. No signal: after dropping URLs, e-mails, digits and punctuation, fewer than MIN_LETTERS letters
   -> `und` (decided_by "none"). Nothing here raises, whatever the input.
2. Script: a script used by one language decides alone (Kana -> ja, Han without Kana -> zh,
   Hangul -> ko, Greek -> el, ...; decided_by "script"), `und` when that language is not configured.
3. Otherwise langdetect's profiles, scored deterministically over every n-gram of the first
   ~600 chars (langid_profiles; the detector of record). Profiles of *unconfigured* languages are
   scored too, as guards: when one beats every configured language by a wide log-likelihood
   margin the text is `und` rather than forced into the nearest configured language.
   Cyrillic letters split ru from uk (ы э ё only in ru, і ї є ґ only in uk).
   Among the languages langdetect shortlists (within SHORTLIST nats of its best), a word-frequency
   cross-check (langid_words, wordfreq) breaks close calls such as da/nb, es/pt.
   If the answer is not clear-cut the text is extended to ~2000 chars before deciding.

Codes are ISO 639-1. Norwegian is reported as "nb" (Bokmål, what news is written in; langdetect's
profile is called "no", and "no" is accepted in the configuration as an alias of "nb"); Chinese is
"zh" (langdetect's zh-cn and zh-tw profiles). `und` always carries confidence 0.0.
`confidence` is the top probability of a temperature-scaled softmax over the final scores, not
langdetect's trial vote share.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from schemas.models import Language
from services.config import DEFAULT_LANGUAGES
from services.processor.language import profiles
from services.processor.language import words as words_lf

UND = "und"
MIN_LETTERS = 3  # "OK", "TV", "a": no reliable signal
FIRST_CHARS = 600  # enough for 100% on 5-sentence paragraphs
MAX_CHARS = 2000  # second look when the first is not clear-cut
CLEAR_CUT = 0.999  # confidence at which the first look is final
SHORTLIST = 25.0  # nats below langdetect's best within which the word cross-check may pick
WORD_WEIGHT = 2.0  # weight of the word-frequency log-likelihood beside the n-gram one
TEMPERATURE = 4.0  # softens the naive-Bayes posteriors into a usable confidence
GUARD_MARGIN = 20.0  # nats by which an unconfigured language must win to make the text `und`
GUARD_PER_NGRAM = 0.1  # ... and per n-gram, so long texts need proportionally more
MIN_CONFIDENCE = 0.4  # below this the text is too short or too mixed to say: `und`
TITLE_CHECK_BELOW = 0.9  # body confidence under which the title is scored with the body

Part = Literal["body", "title"]

# Scripts one language owns, on text already normalized by langdetect (Kana -> あ/ア, Hangul -> 가).
_SCRIPTS: dict[str, re.Pattern[str]] = {
    "latin": re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]"),
    "cyrillic": re.compile(r"[\u0400-\u04ff\u0500-\u052f]"),
    "arabic": re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]"),
    "han": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"),
    "kana": re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]"),
    "hangul": re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]"),
    "greek": re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]"),
    "hebrew": re.compile(r"[\u0590-\u05ff]"),
    "thai": re.compile(r"[\u0e00-\u0e7f]"),
    "georgian": re.compile(r"[\u10a0-\u10ff]"),
    "armenian": re.compile(r"[\u0530-\u058f]"),
}
_SCRIPT_LANGUAGE = {"kana": "ja", "hangul": "ko", "greek": "el", "hebrew": "he", "thai": "th", "georgian": "ka", "armenian": "hy"}
_CJK_WEIGHT = 3  # one Han/Kana/Hangul character carries about as much as 3 Latin letters
_RU_ONLY = re.compile(r"[ыэёЫЭЁ]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Latin look-alikes typed inside Cyrillic words (old Ukrainian texts write "розрiсся" with Latin i).
_HOMOGLYPH = re.compile(r"(?<=[\u0400-\u04ff])[aceiopxyAIOCEPX]|[aceiopxyAIOCEPX](?=[\u0400-\u04ff])")
_TO_CYRILLIC = dict(zip("aceiopxyAIOCEPX", "асеіорхуАІОСЕРХ"))
_UK_ONLY = re.compile(r"[іїєґІЇЄҐ]")


@dataclass(frozen=True)
class _Setup:
    """Everything derived from one configured language set (built once per set)."""

    codes: frozenset[str]  # configured, our spelling
    scored: tuple[str, ...]  # configured codes langdetect has a profile for
    model: profiles.ProfileModel  # all shipped profiles: configured ones plus guards
    in_cols: tuple[tuple[int, ...], ...]  # model columns per scored code (zh has two)
    guard_cols: tuple[int, ...]
    words: words_lf.WordModel | None
    word_cols: tuple[int, ...]  # per scored code, its column in `words` (-1: none)


def _canonical(code: str) -> str:
    code = code.strip().lower().replace("_", "-")
    return {"no": "nb", "zh-cn": "zh", "zh-tw": "zh"}.get(code, code)


@lru_cache(maxsize=16)
def _setup(codes: tuple[str, ...]) -> _Setup:
    model = profiles.model_for(profiles.available_codes())
    scored = tuple(c for c in codes if c in model.codes)
    in_cols = tuple(tuple(i for i, m in enumerate(model.codes) if m == c) for c in scored)
    guard_cols = tuple(i for i, m in enumerate(model.codes) if m not in codes)
    word_codes = tuple(c for c in scored if c not in ("zh", "ja", "ko"))  # script-decided
    words = words_lf.word_model(word_codes)
    return _Setup(
        codes=frozenset(codes),
        scored=scored,
        model=model,
        in_cols=in_cols,
        guard_cols=guard_cols,
        words=words,
        word_cols=tuple(words.codes.index(c) if words and c in words.codes else -1 for c in scored),
    )


def _configured(languages: Sequence[str]) -> tuple[str, ...]:
    if isinstance(languages, str):  # a lone "nl" is one language, not two letters
        languages = (languages,)
    return tuple(sorted({_canonical(c) for c in languages if c and c.strip()}))


def _und(decided_by: Literal["body", "title", "script", "none"] = "none") -> Language:
    return Language(code=UND, confidence=0.0, decided_by=decided_by)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    space = text.rfind(" ", limit // 2, limit)
    return text[: space if space > 0 else limit]


def _softmax_top(scores: np.ndarray) -> tuple[int, float]:
    z = scores / TEMPERATURE
    z = np.exp(z - z.max())
    p = z / z.sum()
    top = int(np.argmax(p))
    return top, float(p[top])


def _script_decision(letters: str, setup: _Setup) -> Language | None:
    """A script one language owns decides alone; None when the script needs the n-gram models."""
    counts = {name: len(rx.findall(letters)) for name, rx in _SCRIPTS.items()}
    cjk = counts["han"] + counts["kana"] + counts["hangul"]
    other = max(v for k, v in counts.items() if k not in ("han", "kana", "hangul"))
    if cjk * _CJK_WEIGHT >= other and cjk > 0:
        if counts["hangul"] >= counts["han"] + counts["kana"]:
            code, n = "ko", counts["hangul"]
        elif counts["kana"] >= max(1, 0.05 * (counts["han"] + counts["kana"])):
            code, n = "ja", counts["han"] + counts["kana"]
        else:
            code, n = "zh", counts["han"]
        if n < 2:  # one CJK character: too short
            return _und()
    else:
        script = max(counts, key=lambda k: counts[k])
        code = _SCRIPT_LANGUAGE.get(script, "")
        if not code:
            return None
        n = counts[script]
    if code not in setup.codes:
        return _und("script")
    return Language(code=code, confidence=round(min(0.99, 1.0 - 0.5**n), 4), decided_by="script")


def _score(words: list[str], letters: str, setup: _Setup) -> tuple[str | None, float, bool]:
    """(code, confidence, clear_cut) from langdetect's profiles plus the word cross-check.

    code is UND when an unconfigured language wins clearly, None when no n-gram is known.
    """
    all_scores, n_grams = setup.model.score_words(words)
    if n_grams == 0 or not setup.scored:
        return None, 0.0, True
    ld = np.array([all_scores[list(cols)].max() for cols in setup.in_cols])
    if setup.guard_cols:
        margin = all_scores[list(setup.guard_cols)].max() - ld.max()
        if margin > max(GUARD_MARGIN, GUARD_PER_NGRAM * n_grams):
            return UND, 0.0, True
    ld = ld - ld.max()
    keep = ld >= -SHORTLIST
    ru, uk = bool(_RU_ONLY.search(letters)), bool(_UK_ONLY.search(letters))
    if ru != uk:  # one language's own letters only: the other cannot be it
        drop = "uk" if ru else "ru"
        masked = keep & np.array([c != drop for c in setup.scored])
        if masked.any():
            keep = masked
    scores = ld.copy()
    if setup.words is not None and keep.sum() > 1:
        wf = setup.words.score(words)
        col = setup.word_cols
        for i, j in enumerate(col):
            if j >= 0:
                scores[i] += WORD_WEIGHT * (wf[j] - wf.max())
    scores = np.where(keep, scores, -np.inf)
    top, conf = _softmax_top(scores)
    return setup.scored[top], conf, conf >= CLEAR_CUT


def _words(text: str) -> list[str]:
    if _CYRILLIC.search(text):
        text = _HOMOGLYPH.sub(lambda m: _TO_CYRILLIC[m.group()], text)
    return profiles.clean_latin(profiles.normalize(text).split())


def _detect(text: str, codes: tuple[str, ...], part: Part) -> Language:
    if not isinstance(text, str) or not text:
        return _und()
    setup = _setup(codes)
    first = _cut(text, FIRST_CHARS)
    words = _words(first)
    if len(text) > len(first) and sum(map(len, words)) < MIN_LETTERS:
        first = _cut(text, MAX_CHARS)  # a lead of numbers or links: look further
        words = _words(first)
    letters = "".join(words)
    decided = _script_decision(letters, setup) if letters else None
    if decided is not None:
        return decided
    if len(letters) < MIN_LETTERS:
        return _und()
    code, conf, clear = _score(words, letters, setup)
    if not clear and len(text) > len(first):
        more = _words(_cut(text, MAX_CHARS))
        code, conf, _ = _score(more, "".join(more), setup)
    if code is None or conf < MIN_CONFIDENCE:
        return _und()
    if code == UND:
        return _und(part)
    return Language(code=code, confidence=round(conf, 4), decided_by=part)


def warm_up(languages: Sequence[str] = DEFAULT_LANGUAGES) -> None:
    """Load the profiles and word lists for `languages` now (~1 s) rather than on the first record."""
    _setup(_configured(languages))


def detect_text(text: str, languages: Sequence[str] = DEFAULT_LANGUAGES, part: Part = "title") -> Language:
    """Language of one text on its own; decided_by names `part` (a title unless told otherwise)."""
    try:
        return _detect(text, _configured(languages), part)
    except (ValueError, TypeError, IndexError):  # defensive: degenerate input never raises
        return _und()


def detect_article(body: str, title: str | None = None, languages: Sequence[str] = DEFAULT_LANGUAGES) -> Language:
    """Language of an article: the body decides; the title stands in when the body gives no signal
    and is scored together with the body when the body alone is not confident."""
    found = detect_text(body, languages, "body")
    if not title or not title.strip():
        return found
    if found.decided_by == "none":
        return detect_text(title, languages, "title")
    if found.code == UND or found.decided_by == "script" or found.confidence >= TITLE_CHECK_BELOW:
        return found
    both = detect_text(f"{title}\n{_cut(body, FIRST_CHARS)}", languages, "body")
    if both.code == UND:
        return found
    if both.code == found.code:  # the title confirms the body: the joint confidence stands
        return Language(code=found.code, confidence=max(found.confidence, both.confidence), decided_by="body")
    return Language(code=both.code, confidence=both.confidence, decided_by="title")
