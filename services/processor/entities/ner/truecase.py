"""Case for all-caps lines (headlines) before the CRF reads them.

In "SOCCER - ARSENAL BEAT CHELSEA IN LONDON DERBY" capitals say nothing, and the models were trained
on cased text: read as written, such a line is either all names or none. Each all-caps word of such a
line gets the case it has in prose: first as the article itself writes it in its sentences after the
headline ("Clinton said", "a narrow win"), else an acronym stays ("NATO", "BBC"), a known name or a
word the language does not use gets a capital ("Arsenal", "London"), a common word is lower-cased
("beat", "in"). The model and its gazetteer features read the line so; offsets are kept, so the
mentions are cut from the text as written.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from itertools import compress, count
from pathlib import Path

from services.processor.entities.link import WORDFREQ_LANGS, zipf
from services.processor.entities.ner import lexicon, rules
from services.processor.entities.ner.text import Span, fold

# Whether a folded word names a well-known entity (the linking KB's countries, capitals, cities).
Known = Callable[[str], bool]

_HERE = Path(__file__).parent
_VOWELS = frozenset("AEIOUYÄÖÜÁÉÍÓÚÀÈÌÒÙÂÊÎÔÛËÏ")
_COMMON = 3.5  # wordfreq Zipf: about three in a million words or more
_NAME_LIMIT = 5.5  # a known name that is this common a word ("WILL", "MAY") is read as the word


def shouting(text: str, pos: int, seen: dict[int, bool]) -> bool:
    """Whether the line around pos is in capitals: three or more words, four in five all-caps.
    Headlines are short: a line over 300 characters is never one (and each line is judged once)."""
    lo = text.rfind("\n", max(0, pos - 300), pos) + 1
    if lo == 0 and pos > 300:
        return False  # inside a long line
    got = seen.get(lo)
    if got is None:
        hi = text.find("\n", pos)
        line = text[lo : hi if hi >= 0 else len(text)]
        blanks = line.split() if len(line) <= 300 else []
        # Four in five of three or more words means three all-caps words at least: most lines have fewer.
        if sum(map(str.isupper, blanks)) < 3:
            got = seen[lo] = False
        else:
            words = [w for w in blanks if sum(c.isalpha() for c in w) > 1]
            got = seen[lo] = len(words) >= 3 and sum(w.isupper() for w in words) * 5 >= len(words) * 4
    return got


@lru_cache(maxsize=1)
def acronyms() -> frozenset[str]:
    """All-caps words of the curated alias tables ("EU", "NATO", "OPEC", "SPD")."""
    out: set[str] = set()
    for path in (_HERE / "entities.tsv", _HERE.parent / "kb" / "curated.tsv"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                continue
            for word in line.replace("|", " ").replace("\t", " ").replace("~", " ").split():
                if len(word) > 1 and word.isupper() and word.isalpha():
                    out.add(word)
    return frozenset(out)


def _title_form(low: str) -> str:
    """A lower-case word with a capital, after each hyphen too ("al-ain" -> "Al-Ain")."""
    return "-".join(p[:1].upper() + p[1:] for p in low.split("-"))


# Words of wire headlines over results that wordfreq finds rare ("ENGLAND V PAKISTAN SCOREBOARD"): lower case.
_WIRE_WORDS = frozenset("SCOREBOARD SCOREBOARDS STANDINGS SUMMARIES ROUNDUP LEADERBOARD BOXSCORES".split())
# "v", "vs" between two sides of a headline ("ENGLAND V PAKISTAN"): lower case, or they join the names (truecase
# writes them so before asking acronyms(), which holds "VS").
_VERSUS = {"V": "v", "VS": "vs"}


def prose_form(word: str, lang: str, known: Known) -> str:
    """How an all-caps word would be written in running text of lang."""
    if word in _WIRE_WORDS or (lang == "en" and word.lower() in rules.REPORT_VERBS):
        return word.lower()  # "NEWCASTLE WIN", "LEEDS SACK": a headline's verb, not the name "Win"
    if word in acronyms() or not _VOWELS.intersection(word):
        return word
    low = word.lower()
    title = _title_form(low)
    if lang not in WORDFREQ_LANGS:  # a language wordfreq cannot read here: names are likelier
        return title
    z = zipf(low, lang)
    if lang == "en" and rules.english_group(title):
        return title  # "GERMAN", "MUSLIM": English capitalises them
    # a name the lexicon knows as a given name, surname or place (not only as a genitive: "Says")
    if z < _NAME_LIMIT and (any(c in "fsl" for c in lexicon.flags(title)) or known(fold(low))):
        return title
    return low if z >= _COMMON else title


_PROSE_WINDOW = 8000  # characters after the headline word that in_prose reads (a story's body follows its headline)
_PROSE_PROBES = 8  # occurrences of each form it looks at ("in" inside every "within")


def in_prose(text: str, word: str, at: int = 0) -> str | None:
    """How the article itself writes an all-caps word of its headline (at: where) in running text after it:
    capitalised ("CLINTON" -> "Clinton") or in lower case ("WIN" -> "win"), whichever it does more often
    as a whole word inside a sentence (a capital opening a sentence says nothing); None when it does
    neither. Bounded: the next _PROSE_WINDOW characters, _PROSE_PROBES occurrences of each form."""
    low = word.lower()
    title = _title_form(low)
    hi = min(len(text), at + _PROSE_WINDOW)
    votes = 0
    for form, vote in ((title, 1), (low, -1)):
        i = text.find(form, at, hi)
        for _ in range(_PROSE_PROBES):
            if i == -1:
                break
            end = i + len(form)
            if (i == 0 or not text[i - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
                before = text[max(0, i - 3) : i].rstrip(" \t\"“„‘'«(")
                if vote < 0 or (before and before[-1] not in ".!?:\n"):
                    votes += vote
            i = text.find(form, end, hi)
    return title if votes > 0 else low if votes < 0 else None


def truecase(text: str, spans: list[Span], words: list[str], lang: str, known: Known) -> str:
    """text with each all-caps word of an all-caps line in its prose form (spans: text's tokens, words:
    their text): as the article writes it elsewhere (in_prose), else as prose_form guesses. Letter for
    letter: every offset, and so every token, stays where it was; text itself when no line is in capitals."""
    out: list[str] = []
    done = 0
    seen: dict[int, bool] = {}
    # Only the all-caps tokens, found by a C-level scan (most words are not): in order, as in spans.
    for k in compress(count(), map(str.isupper, words)):
        (a, b), w = spans[k], words[k]
        if (b - a > 1 or w == "V") and shouting(text, a, seen):
            form = _VERSUS.get(w) or (w if w in acronyms() else in_prose(text, w, b) or prose_form(w, lang, known))
            if len(form) == b - a and form != w:
                out += (text[done:a], form)
                done = b
    return "".join(out) + text[done:] if out else text
