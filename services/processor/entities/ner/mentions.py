"""Rules over an article's mentions as found spans (character offsets), between the model and
propagation: what the model's sentence-by-sentence reading misses or misreads in news, decided from
the text around a span and the knowledge base (passed in as callables). Pure; see docs/ner.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import attrgetter

from services.processor.entities.kb.store import join_key
from services.processor.entities.link import Found, common_word
from services.processor.entities.ner import rules
from services.processor.entities.ner.text import fold_key

POSSESSIVES = ("'s", "’s")

# A dotted abbreviation: "U.S.", "U.K.", "E.U." (the final dot is part of the name).
_DOTTED = re.compile(r"(?:[^\W\d_]\.){2,}")


def abbreviations_whole(text: str, found: list[Found]) -> list[Found]:
    """The knowledge base matches alphanumeric pieces, so a name written "U.S." was found as "U.S": give
    such a mention its final dot back (the tokenizer's token, and how news annotation marks it); so
    does a person's "Jr." or "Sr."."""
    out = found
    for i, f in enumerate(found):
        if f.end < len(text) and text[f.end] == "." and f.end - f.start >= 3 and (
                (text[f.end - 2] == "." and _DOTTED.fullmatch(text, f.start, f.end + 1))
                or (f.type == "PER" and text[f.end - 3 : f.end] in (" Jr", " Sr"))):  # "Kelly Oubre Jr."
            if out is found:
                out = list(found)
            out[i] = Found(f.start, f.end + 1, f.type, f.entity_id, f.name)
    return out


# An all-caps name opening a line, then a dash, a bracket or a comma: where a dateline names its place.
_DATELINE = re.compile(r"(?m)^[ \t]*([A-Z][A-Z'’.-]+(?: [A-Z][A-Z'’.-]+){0,2})[ \t]*([,(—–-])")
# What every _DATELINE match opens with, at the text's start or after a line break (the first scans
# for its line break in C; (?m)^ makes the engine try every position).
_DATELINE_HEAD = re.compile(r"[ \t]*[A-Z][A-Z'’.-]")
_DATELINE_NEXT = re.compile(r"\n[ \t]*[A-Z][A-Z'’.-]")
_DATE_IN_LINE = re.compile(r"[^\n]{0,40}?\b(?:\d{4}-\d\d-\d\d|(?:19|20)\d\d|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2})\b")


def datelines(text: str, found: list[Found], lang: str, known: Callable[[str], bool]) -> list[Found]:
    """Add the place of a dateline the model missed ("WASHINGTON — ...", "AL-AIN , United Arab Emirates
    1996-12-06"): a well-known place before a dash or a bracket, or any name before a comma when a
    date follows (a common word before a comma is not a place: "SIE , DIE ..."). A headline's
    "SOCCER - JAPAN ..." names no place."""
    if _DATELINE_HEAD.match(text) is None and _DATELINE_NEXT.search(text) is None:
        return found  # no line opens with two capitals: _DATELINE finds nothing
    added = []
    for m in _DATELINE.finditer(text):
        start, end = m.span(1)
        name = m.group(1).rstrip(".-")
        end = start + len(name)
        if sum(c.isalpha() for c in name) < 3 or any(f.start < end and start < f.end for f in found):
            continue
        key = join_key(fold_key(name))
        if known(key) or (m.group(2) == "," and not common_word(key, lang) and _DATE_IN_LINE.match(text, m.end()) is not None):
            added.append(Found(start, end, "LOC"))
    return sorted([*found, *added], key=attrgetter("start")) if added else found


_WORD_BEFORE = re.compile(r"([^\W\d_][\w-]*)\.?[ \t]+$")


def word_before(before: str) -> str | None:
    """Group 1 of _WORD_BEFORE.search(before), or None. That search tries every start, so it reads the
    text backwards instead: the blanks at the end (before a final line break, where $ also matches), a
    dot, the run of word characters and hyphens before them, and in that run the first letter (not a
    digit or an underscore): the leftmost start the pattern can match from."""
    m = _WORD_BEFORE_REVERSED.match(before[::-1])
    if m is None:
        return None
    run = m.group(1)  # reversed
    j = len(run) - 1
    while j >= 0 and not (run[j].isalnum() and not run[j].isdecimal()):
        j -= 1
    return run[j::-1] if j >= 0 else None


_WORD_BEFORE_REVERSED = re.compile(r"\n?[ \t]+\.?([\w-]+)")


def titled_person(text: str, found: list[Found]) -> list[Found]:
    """An unlinked name read as an organisation or place right after a person's title is a person
    ("minister Hoekstra", "Bürgermeisterin Reker"); a linked one keeps its reading ("Präsident
    Frankreichs")."""
    out = found
    for i, f in enumerate(found):
        if f.type in ("ORG", "LOC") and f.entity_id is None and " " not in text[f.start : f.end]:
            word = word_before(text[max(0, f.start - 40) : f.start])
            if word is not None and rules.is_title(word):
                if out is found:
                    out = list(found)
                out[i] = Found(f.start, f.end, "PER")
    return out


def place_before_place(text: str, found: list[Found]) -> list[Found]:
    """An unlinked one-word name just before ", <linked place>" is a place too ("of Torrance,
    California", "aus Hanau, Hessen"): the model reads an unknown town as a surname."""
    out = found
    for i in range(len(found) - 1):
        f, nxt = found[i], found[i + 1]
        if f.type == "PER" and f.entity_id is None and nxt.type == "LOC" and nxt.entity_id is not None \
                and text[f.end : nxt.start] == ", " and " " not in text[f.start : f.end] \
                and not text.startswith(POSSESSIVES, nxt.end):
            if out is found:
                out = list(found)
            out[i] = Found(f.start, f.end, "LOC")
    return out


_NAME = r"[A-Z][\w.'’&-]*(?: (?:[A-Z][\w.'’&-]*|de|van|of))*"
# "Arsenal 2 Derby 2", "Leeds 0 Nottingham Forest 0": a result line; "Newcastle 17 10 4 3 31 18 34": a table row.
_RESULT_LINE = re.compile(rf"(?m)^[ \t]*({_NAME}) \d{{1,3}} ({_NAME}) \d{{1,3}}[ \t]*$")
_DIGIT_AT_LINE_END = re.compile(r"(?m)\d[ \t]*$")
_TABLE_ROW = re.compile(rf"(?m)^[ \t]*(?:\d{{1,2}}\.? )?({_NAME})(?: \d{{1,3}}(?:[-:]\d{{1,3}})?){{3,}}[ \t]*$")


def digit_at_line_end(text: str) -> bool:
    """Whether _DIGIT_AT_LINE_END.search(text) finds a match: a line (up to a line break or the end)
    whose last character before its blanks is a digit. Read line by line: that regex tries every digit."""
    return any(line.rstrip(" \t")[-1:].isdecimal() for line in text.split("\n"))


def results_and_tables(text: str, found: list[Found], is_country: Callable[[str], bool]) -> list[Found]:
    """The teams of result lines and league-table rows: clubs (ORG), or places when a country plays (LOC,
    CoNLL); a model span there takes that type, a missed team is added. Only whole lines of this
    shape count, so prose with numbers is untouched."""
    if not digit_at_line_end(text):
        return found
    teams: list[tuple[int, int]] = []
    for rx in (_RESULT_LINE, _TABLE_ROW):
        for m in rx.finditer(text):
            teams.extend(m.span(g) for g in range(1, rx.groups + 1))
    if not teams:
        return found
    out = [f for f in found if not any(a < f.end and f.start < b for a, b in teams)]
    for a, b in teams:
        typ = "LOC" if is_country(join_key(fold_key(text[a:b]))) else "ORG"
        out.append(Found(a, b, typ))
    return sorted(out, key=attrgetter("start"))


def acronym(cased: str, f: Found) -> Found:
    """An acronym no place or person in the knowledge base bears ("CBP", "AMO", "HSI") names an
    organisation: the model reads unknown capitals as persons or places. cased: the text as the model
    read it (an acronym stays in capitals in a headline read in prose case)."""
    if f.entity_id is None and f.type in ("PER", "LOC") and 2 <= f.end - f.start <= 5:
        word = cased[f.start : f.end]
        if word.isalpha() and word.isupper():
            return Found(f.start, f.end, "ORG")
    return f


def nl_adjective(text: str, f: Found, lang: str) -> Found:
    """Dutch adjectives of nationality (Amerikaanse, Russische) and language names ("cursus
    Nederlands", "auf Deutsch") are MISC (CoNLL), not places."""
    if f.type in ("PER", "MISC"):
        return f
    word = text[f.start : f.end]
    if (lang == "nl" and _NL_ADJ.search(word)) or word in _LANGUAGE_NAMES.get(lang, ()):
        return Found(f.start, f.end, "MISC")
    return f


# A single capitalised word ending like a Dutch adjective of nationality (Franse, Amerikaanse, Belgische).
_NL_ADJ = re.compile(r"^[A-ZÀ-Ý][^\W\d_]+(?:se|sche)$")
_LANGUAGE_NAMES = {
    "nl": frozenset("Nederlands Engels Frans Duits Spaans Italiaans Russisch Arabisch Turks Pools Chinees Japans".split()),
    "de": frozenset("Deutsch Englisch Französisch Spanisch Italienisch Russisch Arabisch Türkisch Polnisch Chinesisch".split()),
}
