"""Rules over an article's mentions as found spans (character offsets), between the model and
propagation: what the model's sentence-by-sentence reading misses or misreads in news, decided from
the text around a span and the knowledge base (passed in as callables). Pure; see docs/ner.md."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import accumulate, chain
from operator import attrgetter, itemgetter

from services.processor.entities.kb.store import Entity, join_key
from services.processor.entities.link import POINTS, Found, common_word, zipf
from services.processor.entities.ner import lexicon, rules
from services.processor.entities.ner.text import fold, fold_key, opens_sentence

POSSESSIVES = ("'s", "’s")

def without_possessives(text: str, tokens: list[tuple[int, int]], words: list[str]) -> list[str]:
    """words with "Hitler’s" read as "Hitler" (a copy only if any changes): the few tokens ending in a
    possessive are found with str.find rather than by a look at every word."""
    out = words
    for mark in POSSESSIVES:
        p = text.find(mark)
        while p >= 0:
            k = bisect_left(tokens, (p + 2, -1)) - 1  # the token ending at p + 2, if any
            if k >= 0 and tokens[k][1] == p + 2 and len(words[k]) > 3 and words[k].endswith(mark):
                if out is words:
                    out = list(words)
                out[k] = words[k][:-2]
            p = text.find(mark, p + 2)
    return out


# German writes every noun with a capital: the most frequent ones alone are words, not names.
_DE_COMMON_NOUN = 3.8  # wordfreq Zipf: "Polizei", "Kirche", "Liga", "Armee", "Zukunft"
# Frequent nouns that German news uses as the name of one body (Deutsche Bahn, the federal government).
_DE_BODIES = frozenset("Bahn Bundesregierung Bundestag Bundesrat Bundeswehr Bundesliga Landesregierung".split())
# Endings of German abstract and collective nouns, which name no one however rare the word
# ("Weltmeisterschaft", "Nationalsozialismus", "Alltagskultur"); not -ung, -tum, -nis: "Samsung", "Dennis".
_DE_NOUN_ENDINGS = ("schaft", "ismus", "kultur", "heit", "keit", "ität", "flut", "waffe")


def german_common_nouns(text: str, found: list[Found], names: Callable[[str], str], known: Callable[[str], bool]) -> list[Found]:
    """German: an unlinked one-word PER/ORG/LOC that is one of the language's frequent words, or such a word's
    genitive, is no name ("die Polizei", "der Kirche", "des Werks"), and so is one with the ending of an abstract or collective noun
    ("Weltmeisterschaft", "Alltagskultur"). Kept: a word the name lexicon knows as a given name, surname or
    place (names: its flags), one the knowledge base names ("Amerika", ambiguous and so unlinked),
    capitals, compounds with a hyphen, nationality words and the few nouns news uses as the name of
    one body ("die Bahn", "die Bundesregierung")."""
    out = [f for f in found if not _common_noun(text[f.start : f.end], f, names, known)]
    return found if len(out) == len(found) else out


def _common_noun(word: str, f: Found, names: Callable[[str], str], known: Callable[[str], bool]) -> bool:
    if f.entity_id is not None or f.type == "MISC" or not word.isalpha() or word.isupper() or word in _DE_BODIES:
        return False
    flags = names(word)
    frequent = zipf(word, "de") >= _DE_COMMON_NOUN or word.endswith(_DE_NOUN_ENDINGS) \
        or (word[-1:] == "s" and len(word) > 4 and word[1:].islower() and "g" not in flags  # a genitive: "des Werks"
            and zipf(word[:-1], "de") >= _DE_COMMON_NOUN and not any(c in "fsl" for c in names(word[:-1])))
    return frequent and not any(c in "fsl" for c in flags) and not rules.german_nationality(word) \
        and not known(join_key(fold_key(word)))


def nouns_before_names(text: str, found: list[Found], lang: str) -> list[Found]:
    """A frequent word of the language read as a person of its own right before a person's name is the
    person's title or role, outside the name ("[Wielrenner] [Johan Museeuw]" -> "Johan Museeuw",
    "[Lokeren-trainer] [Paul Put]"): a word in prose case, or a compound ending in a word in lower case, that
    the name lexicon knows as no given name or surname. found: sorted."""
    drop: set[int] = set()
    for i in range(len(found) - 1):
        f, g = found[i], found[i + 1]
        if f.type != "PER" or g.type != "PER" or g.start != f.end + 1 or text[f.end] != " ":
            continue
        word = text[f.start : f.end]
        head = word.rpartition("-")[2]  # "Lokeren-trainer": a club's trainer
        if " " not in word and head.isalpha() and (head.islower() or (head is word and word[1:].islower())) \
                and not any(c in "fs" for c in lexicon.flags(word)) and zipf(head.lower(), lang) >= 3.0:
            drop.add(i)
    return [f for i, f in enumerate(found) if i not in drop] if drop else found


def nationals_before_names(text: str, words: list[str], found: list[Found], lang: str) -> list[Found]:
    """A people's noun after an article, read together with the name that follows, is a MISC of its own and the
    name a person ("gegen den [Schweden] [Stefan Edberg]", "de [Belg] [Johan Museeuw]", "De [Amerikaan]
    [Armstrong]"): the span's first word is a nationality noun, the next a given name or a surname alone (in German after a people's noun only: "des
    Berliner Tageblatts" is a paper). After linking, which reads "Schweden" alone as the country; an
    unlinked span only (retyped_ids gives the person an id)."""
    arts = _NATIONAL_ARTICLES.get(lang)
    nouns = _national_nouns(lang)
    if arts is None or nouns.isdisjoint(words):
        return found  # no people's noun in the text (the usual case), told in C
    out: list[Found] = []
    for f in found:
        if f.entity_id is not None or text.find(" ", f.start, f.end) < 0:
            out.append(f)  # the usual case, told without a slice
            continue
        word, _, rest = text[f.start : f.end].partition(" ")
        if word in nouns and (rules.given_name(rest.partition(" ")[0])
                              or (" " not in rest and (lang != "de" or word in _DE_NATIONALS) and surname_or_rare(rest, lang))) \
                and (before := word_before(text[max(0, f.start - 20) : f.start])) is not None and before.lower() in arts:
            out += (Found(f.start, f.start + len(word), "MISC"), Found(f.start + len(word) + 1, f.end, "PER"))
        else:
            out.append(f)
    return out


_NATIONAL_ARTICLES = {"de": frozenset("der den dem des".split()), "nl": frozenset({"de"}), "en": frozenset({"the"})}
# German peoples' nouns of the weak declension (singular and the -n of the other cases): "den Schweden", "dem Russen".
_DE_NATIONALS = frozenset(w + e for w in """Schwede Russe Franzose Däne Pole Finne Brite Grieche Türke Chinese Schotte Ire
    Kroate Serbe Slowake Tscheche Este Lette Litauer Bulgare Rumäne Portugiese Slowene Bosnier""".split() for e in ("", "n"))


@lru_cache(maxsize=8)
def _national_nouns(lang: str) -> frozenset[str]:
    """The peoples' nouns nationals_before_names reads in lang: capitalised ones (a span opens with a capital)."""
    words = _NL_DEMONYMS if lang == "nl" else _DE_NATIONALS | rules.nationality_words("de") if lang == "de" else rules.nationality_words(lang)
    return frozenset(w for w in words if w[:1].isupper())


_GENITIVE_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def genitives(text: str, found: list[Found], lang: str, names: Callable[[str], str], person: Callable[[str], bool]) -> list[Found]:
    """German and Dutch write a person's genitive before the noun it governs, with the -s inside the name's
    word ("Trochowskis Comeback", "nach Merkels Rücktritt", "Rafael van der Vaarts Abschiedsgala", "Nathans
    basketbalnummer"). An unlinked span with such a word before a noun is the person up to that word, the
    noun outside; a span of that word alone is the person (in Dutch, before a word in lower case). The
    word without its -s must be a person the article names (the last word of a PER span) or a hand-checked
    person of the knowledge base (person: by folded key); in a span the model read as a person, also a
    given name or surname of the name lexicon (names: its flags), or, before a noun, the end of a name
    opened by a given name, where the word is a rare one ("Kaisers Nero" is the emperor's Nero). The
    word itself is no name ("Thomas", "Peters"), nor one of the endings of Latin names or nouns
    ("Vipsanius", "Boss"). found: sorted."""
    noun = _GENITIVE_NOUN.get(lang)
    if noun is None:
        return found
    surnames: set[str] | None = None
    out = found
    for i, f in enumerate(found):
        span = text[f.start : f.end]
        if f.entity_id is not None or f.type == "MISC" or not (span.endswith("s") or "s " in span):
            continue  # no word ending in -s: most spans, by two string tests
        words = [w.group(0) for w in _GENITIVE_WORD.finditer(text, f.start, f.end)]
        if len(words) == 1 and lang == "nl":  # the noun after the span
            after = _GENITIVE_WORD.match(text, f.end + 1) if text[f.end : f.end + 1] == " " else None
            words.append(after.group(0) if after else "")
        for k, word in enumerate(words):
            if len(word) < 4 or not word.endswith("s") or word.endswith(("ss", "us")) or not word[0].isupper() \
                    or word.isupper() or any(c in "fsl" for c in names(word)):
                continue
            before_noun = k + 1 < len(words) and noun(words[k + 1], names)
            if not (before_noun or len(words) == 1):
                continue
            stem = word[:-1]
            if surnames is None:
                surnames = {text[g.start : g.end].rpartition(" ")[2] for g in found if g.type == "PER"}
            if stem in surnames or person(fold(stem)) or (f.type == "PER" and zipf(word.lower(), lang) < 3.0 and (
                    any(c in "fs" for c in names(stem)) or (before_noun and k > 0 and "f" in names(words[0])))):
                if out is found:
                    out = list(found)
                out[i] = Found(f.start, text.index(word, f.start) + len(word), "PER")
                break
    return out


@lru_cache(maxsize=4096)
def _german_noun(word: str, names: Callable[[str], str]) -> bool:
    """A German common noun, or a compound whose head is one ("Comeback", "Abschiedsgala", "Tecumseh-Romane"),
    no name of the name lexicon."""
    if not word[:1].isupper() or word.isupper() or names(word) or word in _COMPANY_FORM_SET:
        return False
    head = word.rpartition("-")[2].lower()
    z = zipf(head, "de")
    if z > 0 and z < zipf(head, "en") - 1:
        return False  # English: "Guy Fawkes River"
    return z >= 3.0 or any(zipf(head[j:], "de") >= 3.5 for j in range(3, len(head) - 3))


def _dutch_noun(word: str, names: Callable[[str], str]) -> bool:
    """A Dutch word in lower case, no particle of a name ("van", "de")."""
    return len(word) > 1 and word.isalpha() and word.islower() and word not in rules.PARTICLES


_GENITIVE_NOUN: dict[str, Callable[[str, Callable[[str], str]], bool]] = {"de": _german_noun, "nl": _dutch_noun}


# A German motorway, federal, state or district road written with a space ("die A 7", "auf der B 276"),
# after a word that says road; written without one ("A7") the model knows it.
_DE_ROAD = re.compile(r"(?<![\w-])[ABLK] \d{1,3}(?![\w-])")
_DE_ROAD_BEFORE = re.compile(
    r"(?:\b(?:der|die|den|dem|auf|über|Richtung|zwischen|und|bei|ab|von|zur|zum|Autobahnen|Autobahn|Bundesstraße"
    r"|Bundesstraßen|Landesstraße|Kreisstraße)|/)[ \t]*$")


def _road_matches(text: str) -> list[re.Match[str]]:
    """_DE_ROAD's matches in order. Its letters followed by a blank are rare in German: str.find goes to
    them (a regex scan tries every position, ~15 ns a character)."""
    got = []
    for letter in "ABLK":
        i = text.find(letter + " ")
        while i >= 0:
            if (m := _DE_ROAD.match(text, i)) is not None:
                got.append(m)
            i = text.find(letter + " ", i + 2)
    return sorted(got, key=lambda m: m.start()) if len(got) > 1 else got


def german_roads(text: str, found: list[Found]) -> list[Found]:
    """German: a road named by letter and number with a space ("A 7", "B 276") after a word that says
    road is a place (GermEval, MobIE), also where the model read it as MISC; found: sorted by start."""
    out = found
    starts = [f.start for f in found]
    for m in _road_matches(text):
        start, end = m.span()
        if not _DE_ROAD_BEFORE.search(text, max(0, start - 20), start):
            continue
        i = bisect_right(starts, start) - 1
        if i >= 0 and found[i].end > start:
            if (found[i].start, found[i].end) == (start, end) and found[i].type == "MISC":
                if out is found:
                    out = list(found)
                out[i] = Found(start, end, "LOC")
            continue  # inside a longer name
        if i + 1 < len(found) and found[i + 1].start < end:
            continue
        if out is found:
            out = list(found)
        out.append(Found(start, end, "LOC"))
    return out if out is found else sorted(out, key=attrgetter("start"))


# A Dutch or Belgian road by letter and number after "de": "op de E40", "de A12", "vanaf de N37b", "de R0".
_NL_ROAD = re.compile(r"[EANR]\d{1,3}[a-z]?(?![\w-])")


def dutch_roads(text: str, found: list[Found]) -> list[Found]:
    """Dutch: a road named by letter and number after "de" is a place (CoNLL), also where the model read another
    type and linked nothing ("op de [E40]" read as an organisation). Found by str.find of "de " and each letter
    (most texts name no road). found: sorted by start."""
    hits = []
    for cue in ("de E", "de A", "de N", "de R", "De E", "De A", "De N", "De R"):
        i = text.find(cue)
        while i >= 0:
            if (i == 0 or not text[i - 1].isalnum()) and (m := _NL_ROAD.match(text, i + 3)) is not None:
                hits.append(m.span())
            i = text.find(cue, i + 4)
    if not hits:
        return found
    hits.sort()
    out = found
    added: list[Found] = []
    starts = [f.start for f in found]
    for a, b in hits:
        i = bisect_right(starts, b - 1) - 1
        if i < 0 or found[i].end <= a:
            added.append(Found(a, b, "LOC"))
        elif found[i][:2] == (a, b) and found[i].type != "LOC" and found[i].entity_id is None:
            out = list(found) if out is found else out
            out[i] = Found(a, b, "LOC")
    return sorted([*out, *added], key=attrgetter("start")) if added else out


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
# "WASHINGTON —", "AL-AIN , United Arab Emirates", and (wire copy) a place in capitals right before the date:
# "WASHINGTON 1996-12-06" (group 2 empty).
# (a hyphen glued to a word joins a compound: "CDU-Chef Helmut Kohl" opens no dateline)
_DATELINE = re.compile(r"(?m)^[ \t]*([A-Z][A-Z'’.-]+(?: [A-Z][A-Z'’.-]+){0,2})(?:[ \t]*([,(—–]|-(?![^\W\d_]))|[ \t]+()(?=\d{4}-\d\d-\d\d\b))")
# What every _DATELINE match opens with, at the text's start or after a line break (the first scans
# for its line break in C; (?m)^ makes the engine try every position).
_DATELINE_HEAD = re.compile(r"[ \t]*[A-Z][A-Z'’.-]")
_DATELINE_NEXT = re.compile(r"\n[ \t]*[A-Z][A-Z'’.-]")
_DASHES = frozenset("—–-")
_REGION_BEFORE_DATE = re.compile(r"[ \t]*([A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3})[ \t]+\d{4}-\d\d-\d\d\b")
# Labels wire copy and sites put before a dash ("UPDATE - The company said"): no place.
_WIRE_LABELS = frozenset(
    """update updated breaking exclusive analysis factbox wrapup insight column corrected correction refile
    interview preview review opinion editorial feature watch live video photos news sport sports business""".split())
_PROSE_AFTER = re.compile(r"[ \t]+[A-Z][a-z]*[ \t]+[a-z]")  # "KOBE – A total of": a sentence, not "SOCCER - JAPAN"
# An article opening German prose, whose nouns are capitalised ("BONN - Der Kanzler"): after a place's name only.
_ARTICLE_AFTER = re.compile(r"[ \t]+(?:Der|Die|Das|Ein|Eine|Im|Am|Nach|Bei|The|A|An)[ \t]+[A-ZÄÖÜ]")
_DATE_IN_LINE = re.compile(r"[^\n]{0,40}?\b(?:\d{4}-\d\d-\d\d|(?:19|20)\d\d|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2})\b")


def datelines(text: str, found: list[Found], lang: str, known: Callable[[str], bool],
              place: Callable[[str], bool]) -> list[Found]:
    """Add the place of a dateline the model missed ("WASHINGTON — ...", "AL-AIN , United Arab Emirates
    1996-12-06"): a well-known place before a dash or a bracket, any name before a comma when a date
    follows (a common word alone before a comma is not a place: "SIE , DIE ..."; two are, "SUN CITY"), any name in capitals
    right before an ISO date ("WASHINGTON 1996-12-06"), and one before a dash that opens a sentence
    ("KOBE – A total of"), unless it is a label of wire copy ("UPDATE - The company said") or as short
    as an acronym ("WPP - Tochter kauft"). A headline's
    "SOCCER - JAPAN ..." names no place. A place's name in capitals before a sentence, with or without a
    period, is its dateline too, also where the model read something else (_prose_datelines: "BONN. Der
    Kanzler", "BOCHUM Dass er"). place: whether a folded name is a place's in the KB and no common word's."""
    if _DATELINE_HEAD.match(text) is None and _DATELINE_NEXT.search(text) is None:
        return found  # no line opens with two capitals: _DATELINE finds nothing
    found = _prose_datelines(text, found, place)
    added = []
    # a name overlaps a mention when one starting before its end ends after its start: one bisect over the
    # starts with the furthest end so far (a page of headlines in capitals has thousands of both)
    starts = [f.start for f in found]
    reach = list(accumulate((f.end for f in found), max))
    drop: set[int] = set()  # indexes of the mentions the model read inside a known place's name
    regions: list[tuple[int, int]] = []
    for m in _DATELINE.finditer(text):
        start, end = m.span(1)
        name = m.group(1).rstrip("-")
        if not (name.endswith(".") and len(name) > 2 and name[-3] in " ." and name[-2].isalpha()):
            name = name.rstrip(".")  # the line's full stop, not an initial's ("FRANKFURT A. M.")
        end = start + len(name)
        if sum(c.isalpha() for c in name) < 3:
            continue
        key = join_key(fold_key(name))
        if (k := bisect_left(starts, end)) and reach[k - 1] > start:
            i = bisect_right(starts, start - 1)  # "[FRANKFURT A. M]. , 6. Dezember", "BONN -" read as an organisation
            if i == k or (i > 0 and found[i - 1].end > start) or reach[k - 1] > end or not place(key) \
                    or found[i][:3] == (start, end, "LOC"):
                continue
            drop.update(range(i, k))
            added.append(Found(start, end, "LOC"))
            continue
        if m.group(2) == "," and (r := _REGION_BEFORE_DATE.match(text, m.end())) is not None:
            regions.append(r.span(1))  # "HARTFORD , Connecticut 1996-10-07": the state or country a place too
        if known(key) or m.group(3) is not None \
                or (m.group(2) == "," and (" " in key or not common_word(key, lang)) and _DATE_IN_LINE.match(text, m.end()) is not None) \
                or (m.group(2) in _DASHES and len(name) > 3 and key not in _WIRE_LABELS
                    and (_PROSE_AFTER.match(text, m.end()) or (_ARTICLE_AFTER.match(text, m.end()) and place(key)))):
            added.append(Found(start, end, "LOC"))
    for a, b in regions:
        i = bisect_right(starts, a) - 1  # the mention at or before the region's start
        if i >= 0 and found[i][:2] == (a, b) and found[i].type != "LOC" and found[i].entity_id is None:
            drop.add(i)  # read as an organisation ("AUSTIN , [Texas] 1996-12-06")
            added.append(Found(a, b, "LOC"))
        elif not ((k := bisect_left(starts, b)) and reach[k - 1] > a):
            added.append(Found(a, b, "LOC"))
    if not added:
        return found
    return sorted([*(f for j, f in enumerate(found) if j not in drop), *added], key=attrgetter("start"))


# A name in capitals opening a line, then (after a period or not) a sentence: "BONN. Der Kanzler", "FRANKFURT A. M.
# Die Stadt", "BOCHUM Dass er".
_DATELINE_PROSE = re.compile(r"(?m)^[ \t]*([A-ZÄÖÜ][A-ZÄÖÜ'’-]{2,}(?:[ \t]+[A-ZÄÖÜ][A-ZÄÖÜ'’.-]*){0,2})\.?[ \t]+"
                             r"[A-ZÄÖÜ][a-zäöüß]+[ \t,]")


def _prose_datelines(text: str, found: list[Found], place: Callable[[str], bool]) -> list[Found]:
    """The place of each _DATELINE_PROSE dateline the KB knows: added, or put for the mentions the model read
    inside it ("[FRANKFURT A. M]." read as an organisation)."""
    starts = [f.start for f in found]
    drop: set[int] = set()  # indexes of the mentions inside a dateline's place
    added: list[Found] = []
    for m in _DATELINE_PROSE.finditer(text):
        start, end = m.span(1)
        if text[end - 1] == "." and text[end - 3 : end - 2].isalpha():
            end -= 1  # "BAD HOMBURG." ends before its period; an initial keeps its own ("FRANKFURT A. M.")
        if not place(join_key(fold_key(text[start:end]))):
            continue
        i = bisect_right(starts, start) - 1
        i = i if i >= 0 and found[i].end > start else i + 1  # the first mention that ends after the start
        k = bisect_left(starts, end)  # found[i:k] overlap the place
        if any(f.start < start or f.end > end for f in found[i:k]) or (k == i + 1 and found[i][:3] == (start, end, "LOC")):
            continue  # a mention reaching past it, or the place already
        drop.update(range(i, k))
        added.append(Found(start, end, "LOC"))
    if not added:
        return found
    return sorted([*(f for j, f in enumerate(found) if j not in drop), *added], key=attrgetter("start"))


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


def _one_name(name: str, lang: str) -> bool:
    """One word, or a person's full name of up to three words opening with a given name or a rare word
    no lexicon knows ("Boudewijn Siemons" after "Chief executive", which the model read as an organisation)."""
    first, _, rest = name.partition(" ")
    if not rest:
        return True
    return rest.count(" ") < 2 and (rules.given_name(first) or (not lexicon.flags(first) and zipf(first.lower(), lang) < _RARE))


_RARE = 3.0  # wordfreq Zipf: about one in a million words or fewer


_WORD_BEFORE_REVERSED = re.compile(r"\n?[ \t]+\.?([\w-]+)")


def given_and_surnames(text: str, pieces: list[tuple[int, int, str]], found: list[Found], lang: str) -> list[Found]:
    """German: a given name the name lexicon knows (each part of a hyphenated one: "Sarah-Michelle"), then a
    capitalised word that is a surname it knows or a rare word (German capitalises nouns), outside every mention,
    is a person: "die Favoritin Sarah-Michelle Kudla (SCC)"; an unlinked person the model found in the surname
    alone gets the given name. pieces: text.capital_pieces(text); found: sorted."""
    if lang != "de" or lexicon.given_names().isdisjoint(map(_PIECE_TEXT, pieces)):
        return found  # no given name among the capitalised pieces (the parts of "Sarah-Michelle" too), told in C
    added: list[Found] = []
    starts = [f.start for f in found]
    out = found
    k, n = 0, len(pieces)
    while k < n - 1:
        a, b, first = pieces[k]
        j = k + 1
        if text[b : b + 1] == "-":
            while j < n and text[pieces[j - 1][1] : pieces[j][0]] == "-" and j - k < 3:
                j += 1  # the parts of a hyphenated given name
        elif not _given_name_piece(first):
            k = j  # the usual case: a capitalised word that is no given name, told by one cached test
            continue
        if j >= n or text[pieces[j - 1][1] : pieces[j][0]] != " ":
            k = j
            continue
        given, (c, d, last) = text[a : pieces[j - 1][1]], pieces[j]
        # a name of its own: not the end of a hyphenated word, nor after a given name ("Pierre Jean David")
        if (k == 0 or (sep := text[pieces[k - 1][1] : a]) != "-" and not (sep == " " and _given_name_piece(pieces[k - 1][2]))) \
                and _given_name_piece(given) and _surname_piece(last) \
                and (d == len(text) or not (text[d].isalnum() or text[d] == "-")) and not inside(found, starts, a):
            i = bisect_left(starts, c)
            if i < len(found) and found[i].start == c and found[i].type == "PER" and found[i].entity_id is None:
                out = list(found) if out is found else out
                out[i] = Found(a, found[i].end, "PER")  # "Sarah-Michelle [Kudla]"
            elif not inside(found, starts, c):
                added.append(Found(a, d, "PER"))
            k = j + 1
            continue
        k = j
    return sorted([*out, *added], key=attrgetter("start")) if added else out


_PIECE_TEXT = itemgetter(2)


@lru_cache(maxsize=16384)
def _given_name_piece(word: str) -> bool:
    """A given name the lexicon knows that is no German word this frequent: "Thomas" (Zipf 5.0), not "Im" or "Den"."""
    return word[0].isupper() and all(p[1:].islower() and p.isalpha() for p in word.split("-")) and rules.given_name(word) \
        and not rules.is_calendar(word) and not rules.is_title(word) and zipf(word.lower(), "de") < _FUNCTION_WORD


@lru_cache(maxsize=16384)
def _surname_piece(word: str) -> bool:
    """A capitalised word of letters after a given name that is a surname (surname_or_rare) and no name of another
    kind the lexicon knows (a given name or a place alone: "Anna Berlin")."""
    return word[1:].islower() and word.isalpha() and surname_or_rare(word, "de") \
        and ("s" in (flags := lexicon.flags(word)) or not flags)


_RARE_NOUN = 3.0  # wordfreq Zipf in German: a capitalised word under this after a given name is a surname
_FUNCTION_WORD = 5.5  # wordfreq Zipf in German: given names stay under it ("Peter" 5.1), "im", "nur", "will" are over


def titled_person(text: str, found: list[Found], lang: str, person: Callable[[str], bool]) -> list[Found]:
    """An unlinked name read as an organisation or place right after a person's title is a person
    ("minister Hoekstra", "Bürgermeisterin Reker", "Chief executive Boudewijn Siemons"); a linked one
    keeps its reading ("Präsident Frankreichs"). So is a hand-checked person's name that the model read with
    the title before it ("[Premier Dehaene]" is "Premier [Dehaene]"). person: of a folded name."""
    out = found
    for i, f in enumerate(found):
        if f.type in ("ORG", "LOC", "MISC") and f.entity_id is None:
            word = word_before(text[max(0, f.start - 40) : f.start])
            if word is not None and rules.is_title(word) and _one_name(text[f.start : f.end], lang):
                if out is found:
                    out = list(found)
                out[i] = Found(f.start, f.end, "PER")
            elif (sp := text.find(" ", f.start, f.end)) > 0 and text[f.start : sp].lower() in rules.TITLES \
                    and person(join_key(fold_key(text[sp + 1 : f.end]))):
                if out is found:
                    out = list(found)
                out[i] = Found(sp + 1, f.end, "PER")
    return out


# An age written as an adjective before a name: "Der 32-jährige Holland", "De 28-jarige Jansen", "the
# 32-year-old Holland" (the cue a substring test finds first, then where the name starts).
_AGED = {"de": ("ährige", re.compile(r"(?<![\w-])\d{1,3}-[jJ]ährige[nr]?[ \t]+")),
         "nl": ("-jarige", re.compile(r"(?<![\w-])\d{1,3}-jarige[ \t]+")),
         "en": ("-year-old", re.compile(r"(?<![\w-])\d{1,3}-year-old[ \t]+"))}
_AGED_NAME = re.compile(r"[A-ZÀ-Ý][\w'’-]+(?:[ \t]+[A-ZÀ-Ý][\w'’-]+)?")


def aged_persons(text: str, found: list[Found], lang: str) -> list[Found]:
    """A name right after an age written as an adjective is a person ("Der 32-jährige Holland vom ERC
    Ingolstadt", where the model read the country; "De 28-jarige Jansen"; "the 32-year-old Holland"), without a
    place's or an organisation's id; a nationality there stays one ("the 32-year-old American"), and in German,
    which capitalises nouns, the name must be one the name lexicon knows or a rare word ("die 28-jährige
    Studentin" is no name). found: sorted."""
    cue, rx = _AGED.get(lang, ("", None))
    if rx is None or cue not in text:
        return found
    out = found
    added: list[Found] = []
    starts = [f.start for f in found]
    for m in rx.finditer(text):
        if (n := _AGED_NAME.match(text, m.end())) is None:
            continue
        first = n.group(0).split()[0]
        if rules.english_group(first) or rules.german_nationality(first) or first in _NL_DEMONYMS or rules.is_title(first):
            continue
        if lang == "de" and not any(c in "fs" for c in lexicon.flags(first)) and zipf(first.lower(), "de") >= 2.5:
            continue
        i = bisect_right(starts, n.start()) - 1
        if i >= 0 and found[i].end > n.start():  # a mention there: the name, if it starts with it
            f = found[i]
            if f.start == n.start() and f.end <= n.end() and f.type != "PER":
                if out is found:
                    out = list(found)
                out[i] = Found(f.start, f.end, "PER")
            continue
        end = n.end() if (i + 1 >= len(found) or found[i + 1].start >= n.end()) else n.start() + len(first)
        added.append(Found(n.start(), end, "PER"))
    return sorted([*out, *added], key=attrgetter("start")) if added else out


_TITLE_FORMS = frozenset(form for t in rules.TITLES | rules.SHORT_TITLES for form in (t, t.capitalize(), t.upper()))
_NO_COMPOUND_TITLES = frozenset({"en", "fr"})


def titled_names(text: str, spans: list[tuple[int, int]], words: list[str], pieces: list[tuple[int, int, str]],
                 found: list[Found], lang: str) -> list[Found]:
    """A capitalised name right after a person's title, which nothing found covers, is a person: "President
    Clinton", "Bundeskanzler Kohl", "minister Zalm", "Mr. Smith" (the title stays outside, as CoNLL marks
    it). Up to three words, after the first only name-like ones ("President Clinton Says" in a headline
    stops at "Says"), and a regnal number ("Paus Pius XI"). Read from the capitalised pieces outside any
    mention, each looking at the word before it. words: the model's words (headlines in prose case,
    English possessives off); pieces: text.capital_pieces(text); found: sorted."""
    if lang in _NO_COMPOUND_TITLES and _TITLE_FORMS.isdisjoint(words):
        return found  # no title among the words (one C-level pass; German and Dutch also write them in compounds)
    out: list[Found] = []
    n, nf, j = len(spans), len(found), 0
    starts: list[int] | None = None
    for a, _b, piece in pieces:
        # a name-like word (one cached test: most capitalised words are not), after a title as written
        # ("President ", "Mr. ")
        if not _titled_word(piece, lang, True) or a < 3 or text[a - 1] != " " \
                or not _titles_name(text[text.rfind(" ", 0, a - 1) + 1 : a - 1]):
            continue
        while j < nf and found[j].end <= a:
            j += 1
        if j < nf and found[j].start <= a:
            continue  # inside a mention
        k = bisect_left(spans, (a, -1))
        if not 0 < k < n or spans[k][0] != a or not _titled_word(words[k], lang, True):
            continue
        end = k + 1
        while end < min(n, k + 3) and spans[end][0] == spans[end - 1][1] + 1 and _titled_word(words[end], lang, False):
            end += 1
        if end < n and spans[end][0] == spans[end - 1][1] + 1 and words[end].isupper() and _ROMAN.fullmatch(words[end]):
            end += 1  # "Paus Pius XI"
        start, stop = spans[k][0], spans[end - 1][0] + len(words[end - 1])
        if starts is None:
            starts = [f.start for f in found]
        i = bisect_right(starts, stop) - 1
        if i >= 0 and found[i].end > start:
            continue  # the run reaches into a mention
        out.append(Found(start, stop, "PER"))
    if not out:
        return found
    return sorted([*found, *out], key=attrgetter("start"))


@lru_cache(maxsize=16384)
def _titles_name(word: str) -> bool:
    """Whether word (the text between two blanks) is a person's title before their name: "President",
    "minister", "Mr." (a short one with its dot), "(Bundeskanzler"."""
    word = word.lstrip("(\"“„‘'«")
    if word.endswith("."):
        return word[:-1].lower() in rules.SHORT_TITLES
    return word.isalpha() and rules.is_written_title(word)


def regnal_numbers(text: str, found: list[Found]) -> list[Found]:
    """A person's name and the Roman numeral after it, read as two names, are one ("Pius XI")."""
    out = found
    for i in range(len(found) - 1, 0, -1):
        f, g = out[i - 1], out[i]
        if g.type == "PER" and f.type == "PER" and g.start == f.end + 1 and text[f.end] == " " \
                and text[g.start : g.end].isupper() and _ROMAN.fullmatch(text, g.start, g.end):
            if out is found:
                out = list(found)
            out[i - 1 : i + 1] = [Found(f.start, g.end, "PER")]
    return out


@lru_cache(maxsize=16384)
def _titled_word(word: str, lang: str, first: bool) -> bool:
    """A word that can be (part of) a person's name after a title: capitalised, not in capitals, letters
    with inner hyphens or apostrophes, no title or calendar word; a known given name or surname, or a
    word the language seldom uses otherwise (German capitalises every noun: there only rarer ones)."""
    if len(word) < 2 or not word[0].isupper() or word.isupper() or not word.replace("-", "").replace("'", "").isalpha():
        return False
    if rules.is_title(word) or rules.is_calendar(word):
        return False
    if any(c in "fs" for c in lexicon.flags(word)):
        return True
    z = zipf(word.lower(), lang)
    return z < (3.0 if lang == "de" else 5.0 if first else 4.5)


def place_before_place(text: str, found: list[Found]) -> list[Found]:
    """An unlinked one-word name just before ", <linked place>" is a place too ("of Torrance,
    California", "aus Hanau, Hessen"): the model reads an unknown town as a surname; so is a name where
    news gives a person's home after their age ("Han Lee, 41, of Cambridge")."""
    out = found
    for i, f in enumerate(found):
        if f.type == "LOC" or f.entity_id is not None:
            continue
        nxt = found[i + 1] if i + 1 < len(found) else None
        if (f.type == "PER" and nxt is not None and nxt.type == "LOC" and nxt.entity_id is not None
                and text[f.end : nxt.start] == ", " and " " not in text[f.start : f.end]
                and not text.startswith(POSSESSIVES, nxt.end)) \
                or (text.endswith(" of ", 0, f.start) and _AGE_OF.search(text, max(0, f.start - 12), f.start)):
            if out is found:
                out = list(found)
            out[i] = Found(f.start, f.end, "LOC")
    if ", of " in text:  # a home the model missed
        starts = [f.start for f in out]
        added = []
        for m in _AGE_OF_NAME.finditer(text):
            a, b = m.span(1)
            i = bisect_right(starts, b - 1) - 1
            if not (i >= 0 and out[i].end > a):
                added.append(Found(a, b, "LOC"))
        if added:
            out = sorted([*out, *added], key=attrgetter("start"))
    return out


# Prepositions of place after which a capitalised word alone is a city ("top in Nice.", "nach Essen"), as
# written between blanks.
_LOCATIVES = {"nl": (" in ", " naar ", " uit "), "de": (" in ", " nach ", " aus "), "en": (" in ", " from ", " near ", " of "),
              "fr": (" à ",)}
_CITY_WORD = re.compile(r"[A-ZÀ-Ý][a-zß-ÿ]+(?![\w'’-])(?! [A-ZÀ-Ý])")


def cities_after_locatives(text: str, found: list[Found], lang: str, city: Callable[[str], bool],
                           org: Callable[[str], bool]) -> list[Found]:
    """A capitalised word after a preposition of place that the model left outside any name is a place
    where the knowledge base has a city of 100,000 or more by that name, and no person (city: of a folded
    key): "de Europese top in Nice", "nach Essen", which the model reads as words of the language. Only a
    word of letters that no capitalised word follows (not "in Nice Airport"). So is such a city the model
    read as an organisation there, unless an organisation of the KB has the name (org: of a folded key):
    "nach Tel Aviv", not "wechselt nach Dortmund" (the club). found: sorted."""
    preps = _LOCATIVES.get(lang, ())
    out = found
    for i, f in enumerate(found):
        if (f.type == "ORG" or (f.type == "PER" and _no_persons_word(text[f.start : f.end]))) \
                and text.endswith(preps, max(0, f.start - 6), f.start) \
                and not _CAPITAL_NEXT.match(text, f.end) and city(key := join_key(fold_key(text[f.start : f.end]))) and not org(key):
            if out is found:
                out = list(found)
            out[i] = Found(f.start, f.end, "LOC")
    found = out
    added: list[Found] = []
    starts: list[int] | None = None
    for prep in preps:
        at = text.find(prep)
        while at >= 0:  # found by str.find (C): most texts have a few
            a = at + len(prep)
            at = text.find(prep, a - 1)
            if not text[a : a + 1].isupper() or (m := _CITY_WORD.match(text, a)) is None:
                continue
            if starts is None:
                starts = [f.start for f in found]
            if inside(found, starts, a) or not city(fold(m.group(0))):
                continue
            added.append(Found(a, m.end(), "LOC"))
    return sorted([*found, *added], key=attrgetter("start")) if added else found


def nouns_before_places(text: str, found: list[Found], town: Callable[[str], bool], names: Callable[[str], bool]) -> list[Found]:
    """German: a span the model read as one name that is a common noun, a preposition of place and a town or
    city (town: of a folded key) is the place, the noun no name: "[Krieg im Irak]", "[Polizei in Rostock]". The
    noun as _german_noun reads one and more German than English ("Live in Boston" is a title), neither it nor the
    whole span a name of the knowledge base (names: of a folded key). Not a person's span. found: sorted."""
    out = found
    for i, f in enumerate(found):
        if f.type == "PER" or (m := _NOUN_BEFORE_PLACE.fullmatch(text, f.start, f.end)) is None:
            continue
        noun = m.group(1)
        if not town(join_key(fold_key(m.group(2)))) or not _german_noun(noun, lexicon.flags) \
                or zipf(low := noun.lower(), "de") <= zipf(low, "en") \
                or names(join_key(fold_key(noun))) or names(join_key(fold_key(text[f.start : f.end]))):
            continue
        out = list(found) if out is found else out
        out[i] = Found(m.start(2), f.end, "LOC")
    return out


def bodies_in_places(text: str, found: list[Found], names: Callable[[str], bool], town: Callable[[str], bool]) -> list[Found]:
    """An organisation's span that is a name of the KB, a preposition of place and a town or city is the two
    ("[Openbaar Ministerie in Brugge]": the linker kept the body and lost the town). names, town: of a folded
    key. found: sorted."""
    out: list[Found] | None = None  # found up to here, once one is split
    for i, f in enumerate(found):
        m = None
        if f.type == "ORG" and f.entity_id is None and f.end - f.start <= _BODY_IN_PLACE_MAX:
            m = _BODY_IN_PLACE.fullmatch(text, f.start, f.end)
            if m is not None and not (town(join_key(fold_key(m.group(2)))) and names(join_key(fold_key(m.group(1))))):
                m = None
        if m is not None:
            if out is None:
                out = found[:i]
            out += [Found(f.start, m.end(1), "ORG"), Found(m.start(2), f.end, "LOC")]
        elif out is not None:
            out.append(f)
    return found if out is None else out


_BODY_IN_PLACE = re.compile(r"(.+?) (?:in|im|te|à) ([A-ZÀ-Ý][\w'’-]*(?: [A-ZÀ-Ý][\w'’-]*)?)")
_BODY_IN_PLACE_MAX = 120  # characters: a body's name and a town's, not a sentence the model ran on


def adjectives_in_appositions(text: str, found: list[Found], names: Callable[[str], bool]) -> list[Found]:
    """German: a town's adjective and a common noun read as one organisation right before another name are that name's
    apposition ("Der [Münchner Konzern] Siemens", "die [Hamburger Reederei] Hapag-Lloyd"): the adjective is MISC
    (GermEval's derived place), the noun no name. Not a name of the KB ("Berliner Zeitung"). names: of a folded
    key. found: sorted."""
    out = found
    for i, f in enumerate(found[:-1]):
        if f.entity_id is not None or f.type != "ORG" or found[i + 1].start != f.end + 1 or text[f.end] != " " \
                or (m := _ADJECTIVE_NOUN.fullmatch(text, f.start, f.end)) is None:
            continue
        if _german_noun(m.group(2), lexicon.flags) and not names(join_key(fold_key(text[f.start : f.end]))):
            out = list(found) if out is found else out
            out[i] = Found(f.start, m.end(1), "MISC")
    return out


_ADJECTIVE_NOUN = re.compile(r"([A-ZÄÖÜ][a-zäöüß]+er) ([A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜa-zäöüß]+)*)")


# An article, a noun, a preposition of place and a name.
_NOUN_BEFORE_PLACE = re.compile(
    r"(?:(?:Der|Die|Das|Dem|Den|Des|Ein|Eine|Einem|Einen|Einer|Eines) )?([A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜa-zäöüß]+)*)"
    r" (?:in|im|aus|nach|bei|vor) ([A-ZÄÖÜ][\w.-]*(?: (?:am|an der|im) [A-ZÄÖÜ][\w.-]*)?)")


def place_genitives(text: str, pieces: list[tuple[int, int, str]], found: list[Found],
                    city: Callable[[str], bool]) -> list[Found]:
    """German: a place's genitive the model left out is a place, the -s inside the name ("Stuttgarts
    Manager", "Deutschlands Zukunft"): a word the name lexicon knows as a genitive whose stem the knowledge
    base has as a city of 100,000 or more, a region or a country and no person (city: of a folded key).
    pieces: capital_pieces(text). found: sorted."""
    added: list[Found] = []
    starts: list[int] | None = None
    n = len(text)
    for a, b, piece in pieces:
        if piece[-1] != "s" or "g" not in lexicon.flags(piece) or (b < n and (text[b] == "-" or text[b].isalnum())):
            continue
        if starts is None:
            starts = [f.start for f in found]
        if inside(found, starts, a) or not city(fold(piece[:-1])):
            continue
        added.append(Found(a, b, "LOC"))
    return sorted([*found, *added], key=attrgetter("start")) if added else found


_TOKEN = re.compile(r"[\w'’-]+|[^\w\s]")  # words and punctuation apart, as the tokenizer splits "Sen." in two


def places_in_persons(text: str, found: list[Found], city: Callable[[str], bool]) -> list[Found]:
    """English: a person read together with a place is the person and the place: "Elizabeth Warren of
    Massachusetts" (a full name before "of"; "Catherine of Aragon", "Charles II of England" are one name),
    and "District of Massachusetts Joshua Levy" read as "Massachusetts Joshua Levy" (a place, then a given
    name). The place is a city of 100,000 or more, a region or a country of the knowledge base and no person
    (city: of a folded key). found: sorted."""
    out: list[Found] = []
    for f in found:
        name = text[f.start : f.end]
        if f.type != "PER" or f.entity_id is not None or " " not in name:
            out.append(f)
            continue
        person, of, place = name.partition(" of ")
        if of and " " in person and " of " not in place and place[:1].isupper() and city(join_key(fold_key(place))) \
                and not _ROMAN.fullmatch(person.rpartition(" ")[2]):  # "Charles II of England" is one name
            toks = list(_TOKEN.finditer(person))
            k = rules.after_title([t.group(0) for t in toks], True)  # "Sen. Elizabeth Warren": the title stays out
            out += [Found(f.start + (toks[k].start() if k else 0), f.start + len(person), "PER"),
                    Found(f.end - len(place), f.end, "LOC")]
            continue
        first, _, rest = name.partition(" ")
        if " " in rest and rules.given_name(rest.partition(" ")[0]) and "f" not in lexicon.flags(first) \
                and city(join_key(fold_key(first))):  # not "David Vega Hernández" (David, Panama)
            out += [Found(f.start, f.start + len(first), "LOC"), Found(f.end - len(rest), f.end, "PER")]
            continue
        out.append(f)
    return out


def places_read_as_persons(text: str, found: list[Found], is_place: Callable[[str], bool]) -> list[Found]:
    """A name the model read as a person that is a well-known place and none of whose words the name
    lexicon knows as a given name or surname is the place ("Arizona gun dealer", "in Las Vegas"); an
    article the model took into it is left out ("An Arizona"). is_place: of a folded key."""
    out = found
    for i, f in enumerate(found):
        if f.type == "PER" and f.entity_id is None and (skip := _place_read_as_person(text[f.start : f.end], is_place)) is not None:
            if out is found:
                out = list(found)
            out[i] = Found(f.start + skip, f.end, "LOC")
    return out


def places_beside_places(text: str, found: list[Found], city: Callable[[str], bool], org: Callable[[str], bool]) -> list[Found]:
    """A city's name the model read as an organisation or a person, joined by "and" or a comma to a place it read
    as one, is the city too ("treinen tussen [Utrecht] en Amsterdam", not the club FC Utrecht; "Nuremberg and
    [Cologne]"); not where that place's name is an organisation's too, as two clubs are ("Ajax en Utrecht", the
    second read as the town). A person's name only where no word of it is a given name or surname of the name
    lexicon, or as the state after its town ("Charlottesville, [Virginia], on Wednesday"). city: of a folded key
    (a city of 100,000 or more, a region or a country); org: whether the KB names an organisation so. found:
    sorted."""
    out = found
    for i, f in enumerate(found):
        if f.type not in ("ORG", "PER") or f.entity_id is not None or " " in text[f.start : f.end]:
            continue
        state = False  # "Charlottesville, [Virginia],"
        if i + 1 < len(found) and found[i + 1].type == "LOC" and text[f.end : found[i + 1].start] in _JOINS:
            other = found[i + 1]
        elif i > 0 and found[i - 1].type == "LOC" and (join := text[found[i - 1].end : f.start]) in _JOINS:
            other = found[i - 1]
            state = "," in join and text[f.end : f.end + 1] in _STATE_AFTER
        else:
            continue
        if f.type == "PER" and ((not state and not _no_persons_word(text[f.start : f.end])) or _CAPITAL_NEXT.match(text, f.end)):
            continue  # "Rochford and [Southend] West": a constituency's name goes on
        if city(fold(text[f.start : f.end])) and not org(join_key(fold_key(text[other.start : other.end]))):
            out = list(found) if out is found else out
            out[i] = Found(f.start, f.end, "LOC")
    return out


def _no_persons_word(name: str) -> bool:
    """Whether no word of name is a given name or surname of the name lexicon."""
    return not any(c in lexicon.flags(w) for w in name.split() for c in "fs")


# What may follow a state named after its town ("Charlottesville, Virginia, on Wednesday").
_STATE_AFTER = frozenset((",", ".", ";", ")", "\n", ""))
# What joins two names of one kind in a list.
_JOINS = frozenset((" en ", " und ", " and ", " et ", ", ", " , "))
_JOINS_TUPLE = tuple(_JOINS)


def places_before_roles(text: str, found: list[Found], is_place: Callable[[str], bool], is_org: Callable[[str], bool]) -> list[Found]:
    """A well-known place read as an organisation before a role written in lower case is the place ("the former
    [New York] mayor", "the [Texas] governor"); a club's town stays the club ("Chelsea manager": the KB names an
    organisation so). is_place, is_org: of a folded key."""
    out = found
    for i, f in enumerate(found):
        if f.type != "ORG" or f.entity_id is not None or (m := _ROLE_AFTER.match(text, f.end)) is None \
                or not m.group(1).islower() or not rules.is_title(m.group(1)):
            continue
        key = join_key(fold_key(text[f.start : f.end]))
        if is_place(key) and not is_org(key):
            out = list(found) if out is found else out
            out[i] = Found(f.start, f.end, "LOC")
    return out


@lru_cache(maxsize=65536)
def _place_read_as_person(name: str, is_place: Callable[[str], bool]) -> int | None:
    """How many characters before the place's name in name (an article), or None: no such place."""
    head, _, rest = name.partition(" ")
    skip = len(name) - len(rest.lstrip()) if rest.strip() and head in _ARTICLES else 0  # "De  FRANKFURT": every blank
    name = name[skip:]
    if not _no_persons_word(name) or not is_place(join_key(fold_key(name))) \
            or (name.endswith("s") and "f" in lexicon.flags(name[:-1])):
        return None  # a given name's -s is a surname, not a place's genitive ("Davids" is no form of David, Panama)
    return skip


_ARTICLES = frozenset("A An The De Het Een Der Die Das Le La Les".split())


_AGE_OF = re.compile(r", \d{1,3}, of \Z")
_AGE_OF_NAME = re.compile(r", \d{1,3}, of ([A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?)")


_NAME = r"[A-Z][\w.'’&-]*(?: (?:[A-Z][\w.'’&-]*|de|van|of))*"
# "Arsenal 2 Derby 2", "Leeds 0 Nottingham Forest 0", "Chicago 2 ST LOUIS 2 ( OT )", "Portugal 1 Germany 1 ( halftime
# 0-0 )": a result line; "Newcastle 17 10 4 3 31 18 34": a table row.
# "Arsenal 2 ( Wright 23 , Bergkamp 67 ) Stoke 1 ( Sheron 44 )": each side's scorers in brackets after its goals.
_SCORERS = r"(?: \( ?[A-Z][^()\n]{0,150}\d ?\))?"
_RESULT_LINE = re.compile(rf"(?m)^[ \t]*({_NAME}) \d{{1,3}} ({_NAME}) \d{{1,3}}"
                          r"(?: \( ?(?:OT|SO|[23]OT|(?:halftime|half-time|HT) \d{1,2}-\d{1,2}) ?\))?[ \t]*$")
_RESULT_LINE_SCORERS = re.compile(rf"(?m)^[ \t]*({_NAME}) \d{{1,3}}{_SCORERS} ({_NAME}) \d{{1,3}}{_SCORERS}[ \t]*$")
_DIGIT_AT_LINE_END = re.compile(r"(?m)\d[ \t]*$")
_RESULT_TRAILERS = ("OT )", "OT)", "halftime ", "half-time ", "HT ")  # what a result line may end with instead of a digit
_TABLE_ROW = re.compile(rf"(?m)^[ \t]*(?:\d{{1,2}}\.? )?({_NAME})(?: \d{{1,3}}(?:[-:]\d{{1,3}})?){{3,}}[ \t]*$")
# "Lokeren - Standard 1-2.", "Bayern – Dortmund 2:1": a fixture and its score opening a line, prose may follow.
_WORD_NAME = r"[A-ZÀ-Ý][^\W\d_]*(?:[.'’-][^\W\d_]+)*"  # no digits: "SC Bastia", not "SC Bastia L2"
# "Lorient 1 - Lyon 0" too (a live report's score line).
_FIXTURE = re.compile(rf"[ \t]*({_WORD_NAME}(?: {_WORD_NAME})*)(?: \d{{1,2}} [-–] ({_WORD_NAME}(?: {_WORD_NAME})*) \d{{1,2}}(?![\d:.,])"
                      rf"| [-–] ({_WORD_NAME}(?: {_WORD_NAME})*) \d{{1,2}}[-:]\d{{1,2}}(?=[ \t]*(?:$|[\n.,;(])))")


def _fixtures(text: str) -> Iterator[re.Match[str]]:
    """_FIXTURE at the start of each line that has a dash between blanks, and after each colon, comma or semicolon of
    such a line ("Eerste klasse: Anderlecht - Lierse 2-0, Club Brugge - Germinal Ekeren 3-1"; "Uitslagen : Anderlecht
    - Standard 2-1 ; Genk - Beveren 4-0"): its first side is group 1, its second group 2 or 3."""
    pos = 0
    for line in text.split("\n"):
        if " - " in line or " – " in line:
            if (m := _FIXTURE.match(text, pos)) is not None:
                yield m
            for sep in (": ", ", ", "; "):
                i = line.find(sep)
                while i >= 0:
                    if (m := _FIXTURE.match(text, pos + i + 2)) is not None:
                        yield m
                    i = line.find(sep, i + 2)
        pos += len(line) + 1


def digit_at_line_end(text: str) -> bool:
    """Whether _DIGIT_AT_LINE_END.search(text) finds a match: a line (up to a line break or the end)
    whose last character before its blanks is a digit. Read line by line: that regex tries every digit."""
    return any(line.rstrip(" \t")[-1:].isdecimal() for line in text.split("\n"))


def scorers_at_line_end(text: str) -> bool:
    """Whether a line ends with a bracket closed after a digit ("Stoke 1 ( Sheron 44 )"), found by str.find."""
    i = text.find(")")
    while i >= 0:
        if text[i + 1 : i + 2] in ("", "\n"):
            j = i - 1
            while j >= 0 and text[j] in " \t":
                j -= 1
            if j >= 0 and text[j].isdecimal():
                return True
        i = text.find(")", i + 1)
    return False


def outside(found: list[Found], spans: list[tuple[int, int]]) -> list[Found]:
    """The mentions of found that overlap none of spans (sorted by start). A mention overlaps a span when a span
    starting before its end ends after its start: one bisect over the starts, with the furthest end so far (a
    table of 1 MB has 10^5 teams)."""
    starts = [a for a, _b in spans]
    reach = list(accumulate((b for _a, b in spans), max))
    return [f for f in found if not ((k := bisect_left(starts, f.end)) and reach[k - 1] > f.start)]


def results_and_tables(text: str, found: list[Found], is_country: Callable[[str], bool],
                       names: Callable[[str], bool]) -> list[Found]:
    """The teams of result lines, league-table rows and fixtures with their score opening a line
    ("Lokeren - Standard 1-2.", where the model read no person and the knowledge base names a side: names,
    of a folded key): clubs (ORG), or places when a country plays (LOC, CoNLL); a model span there takes
    that type, a missed team is added. Only lines of these shapes count, so prose with numbers is
    untouched."""
    teams: list[tuple[int, int]] = []
    if digit_at_line_end(text) or any(cue in text for cue in _RESULT_TRAILERS):
        for rx in (_RESULT_LINE, _TABLE_ROW):
            for m in rx.finditer(text):
                teams.extend(m.span(g) for g in range(1, rx.groups + 1))
    if scorers_at_line_end(text):  # "Arsenal 2 ( Wright 23 ) Stoke 1 ( Sheron 44 )"
        for m in _RESULT_LINE_SCORERS.finditer(text):
            teams.extend((m.span(1), m.span(2)))
    if " - " in text or " – " in text:
        starts = [f.start for f in found]
        for m in _fixtures(text):
            sides = [m.span(1), m.span(2) if m.group(2) else m.span(3)]
            i = bisect_right(starts, m.start()) - 1  # the mentions overlapping the fixture: found[max(i, 0):k]
            k = bisect_left(starts, m.end())
            if any(f.type == "PER" and f.end > m.start() for f in found[max(i, 0) : k]) \
                    or not any(names(join_key(fold_key(text[a:b]))) for a, b in sides):
                continue  # players ("Tommy Haas - Richard Gasquet 6:3"), or no side the knowledge base names
            teams.extend(sides)
    if not teams:
        return found
    teams = sorted(set(teams))
    out = outside(found, teams)
    for a, b in teams:
        typ = "LOC" if is_country(join_key(fold_key(text[a:b]))) else "ORG"
        out.append(Found(a, b, typ))
    return sorted(out, key=attrgetter("start"))


# A match's result in prose: a team, a verb that says who won or that they drew, the other team ("Barnsley beat
# Bradford 2-1", "Bochum verlor gegen Leverkusen 0:2", "Anderlecht versloeg Lokeren").
# "won met 2-0 van", "won zondag overtuigend met 4-0 van", "gewann mit 2:0 gegen": up to three words before the score
_SCORE_IN = {"nl": r"(?:[a-z]+ ){0,3}met \d{1,2}-\d{1,2}", "de": r"(?:[a-zäöü]+ ){0,3}mit \d{1,2}:\d{1,2}"}
_MATCH_VERBS = {
    "en": r"beat|beats|defeated|edged|thrashed|routed|crushed|hammered|trounced|drew with|drew against|lost to|lost at",
    "de": "schlug|besiegte|bezwang|verlor gegen|verlor bei|gewann gegen|gewann bei|unterlag|spielte unentschieden gegen|"
          + "|".join(f"{v} {_SCORE_IN['de']} {p}" for v in ("gewann", "verlor") for p in ("gegen", "bei")),
    "nl": "versloeg|klopte|won van|won bij|verloor van|verloor bij|speelde gelijk tegen|speelde gelijk bij|"
          + "|".join(f"{v} {_SCORE_IN['nl']} {p}" for v in ("won", "verloor") for p in ("van", "bij"))
          + "|gewonnen van|gewonnen bij|verloren van|verloren bij|verloren tegen|gelijkgespeeld tegen|gelijkgespeeld bij",
    "fr": r"a battu|bat|a dominé|domine|s'est imposé face à|s'est imposé contre|s'est incliné face à|s'est incliné contre"
          r"|a perdu contre|a perdu face à|a fait match nul contre|a été battu par",
}
_MATCH = {lang: re.compile(rf"[ \t]+(?:{verbs})[ \t]+(?:(?:the|den|die|dem|de|het|le|la|les)[ \t]+|l'|l’)?")
          for lang, verbs in _MATCH_VERBS.items()}
# A word of each verb (the first of three letters or more): most articles have none, which substring tests (C)
# tell faster than the regex
_MATCH_CUES = {lang: tuple({f" {next((w for w in v.split() if len(w) > 2), v.split()[0])} " for v in verbs.split("|")})
               for lang, verbs in _MATCH_VERBS.items()}
# Dutch participles: the winner opens the sentence, far before them ("Club Brugge heeft zaterdag met 3-1
# gewonnen van Anderlecht"), so the side after them is read alone, with the score before them.
_PARTICIPLES = frozenset("gewonnen verloren gelijkgespeeld".split())
# The subject of a Dutch participle's result, opening the sentence or after its verb: "Anderlecht heeft
# (zaterdag) met 2-0 gewonnen", "Gisteren heeft Anderlecht met 2-0 gewonnen" (the text up to the participle).
_NL_SIDE = r"([A-Z][\w'’.-]+(?:[ \t][A-Z][\w'’.-]+){0,2})"
_SUBJECT_AFTER = re.compile(rf"[ \t](?:heeft|hebben)[ \t]+{_NL_SIDE}[ \t]+(?:[a-z]+[ \t]+){{0,3}}met[ \t]")
_SUBJECT_FIRST = re.compile(rf"[ \t]*{_NL_SIDE}[ \t]+(?:heeft|hebben)[ \t]")
# What says the sentence reports a match: a score, or how a cricket match was won.
_MATCH_SCORE = re.compile(r"(?<![\d.,])\d{1,3}[ \t]*[-:][ \t]*\d{1,3}(?![\d,:]|\.\d)|\bby (?:an innings|\d+ runs|\w+ wickets?)\b")
_TEAM_AFTER = re.compile(r"[A-Z][\w'’-]+(?:[ \t][A-Z][\w'’-]+){0,2}")


def match_results(text: str, found: list[Found], lang: str, is_country: Callable[[str], bool],
                  names: Callable[[str], bool]) -> list[Found]:
    """The two sides of a match's result in prose are teams where the sentence gives a score: a club (ORG)
    read as a place ("Leicestershire beat Somerset by an innings", "Bochum verlor gegen Leverkusen 0:2"; after
    a Dutch participle the side after it alone, "heeft met 3-1 gewonnen van Anderlecht"),
    without the town's id; a country is its national team, a place (CoNLL); persons (tennis) keep their
    reading, and a pair with one is left alone. A side the model missed (a sentence's first word) is added
    when the knowledge base names it (names: of a folded key). found: sorted."""
    rx = _MATCH.get(lang)
    if rx is None or not any(cue in text for cue in _MATCH_CUES[lang]):
        return found
    out = found
    added: list[Found] = []
    starts = [f.start for f in found]
    for m in rx.finditer(text):
        tail = text[m.end() : m.end() + 120].split("\n", 1)[0].split(". ", 1)[0]
        participle = m.group(0).split()[0] in _PARTICIPLES
        head = text[max(0, m.start() - 120) : m.start()].rpartition("\n")[2].rpartition(". ")[2] if participle else ""
        if not (_MATCH_SCORE.search(tail) or _MATCH_SCORE.search(m.group(0)) or _MATCH_SCORE.search(head)):
            continue
        sides: list[tuple[int, Found]] = []  # (index in found, or -1 for a side to add; the side)
        subject = (_SUBJECT_AFTER.search(head) or _SUBJECT_FIRST.match(head)) if participle else None
        if subject is not None:  # "Anderlecht heeft zaterdag met 2-0 gewonnen van Club Brugge"
            ats = ((m.start() - len(head) + subject.end(1), True), (m.end(), False))
        else:
            ats = ((m.end(), False),) if participle else ((m.start(), True), (m.end(), False))
        for at, before in ats:
            i = bisect_right(starts, at - 1) - 1 if before else bisect_left(starts, at)
            if 0 <= i < len(found) and (found[i].end == at if before else found[i].start == at):
                sides.append((i, found[i]))
            elif (w := _TEAM_BEFORE.search(text, max(0, at - 60), at) if before else _TEAM_AFTER.match(text, at)) \
                    and not inside(found, starts, w.start()) and not inside(found, starts, w.end() - 1) \
                    and names(join_key(fold_key(w.group(0)))):
                sides.append((-1, Found(w.start(), w.end(), "ORG")))
        if len(sides) < 2 - (participle and subject is None) or any(f.type in ("PER", "MISC") for _i, f in sides):
            continue
        for i, f in sides:
            if is_country(join_key(fold_key(text[f.start : f.end]))):
                continue
            if i < 0:
                added.append(f)
            elif f.type != "ORG":
                if out is found:
                    out = list(found)
                out[i] = Found(f.start, f.end, "ORG")
    return sorted([*out, *added], key=attrgetter("start")) if added else out


def versus_headlines(text: str, cased: str, found: list[Found], is_country: Callable[[str], bool]) -> list[Found]:
    """The two sides of a headline in capitals over a match ("CRICKET - ENGLAND V PAKISTAN SCOREBOARD", "AJAX VS
    PSV"), as the model read it in prose case (cased): a country is its national team, a place (CoNLL); any other
    side a team. Sides the model missed are added; a mention across a side leaves it alone. found: sorted."""
    if cased is text or (" v " not in cased and " vs " not in cased and " vs. " not in cased):
        return found
    out = found
    added: list[Found] = []
    dropped: set[int] = set()
    starts = [f.start for f in found]
    for m in _VERSUS_LINE.finditer(cased):
        if cased[m.start() : m.end()] == text[m.start() : m.end()]:
            continue  # a line in prose case: the model read it as written
        i = bisect_right(starts, m.end(1)) - 1
        if i >= 0 and found[i].end > m.start(2):  # one mention across both sides ("SRI [LANKA V WEST INDIES]"): the sides
            dropped.add(i)
        for a, b in (m.span(1), m.span(2)):
            if text[b - 1] == "." and "." not in text[a : b - 1]:
                b -= 1  # the headline's full stop ("V WIGAN."), not an abbreviation's ("V U.S.")
            typ = "LOC" if is_country(join_key(fold_key(text[a:b]))) else "ORG"
            i = bisect_right(starts, b - 1) - 1
            if i >= 0 and i not in dropped and found[i].end > a:  # the model's mention there: a town read as a place is the club
                if found[i][:3] == (a, b, "LOC") and typ == "ORG":
                    out = list(found) if out is found else out
                    out[i] = Found(a, b, "ORG")
                continue
            added.append(Found(a, b, typ))
    if dropped:
        out = [f for j, f in enumerate(out) if j not in dropped]
    return sorted([*out, *added], key=attrgetter("start")) if added else out


def team_headlines(text: str, found: list[Found], is_org: Callable[[str], bool], is_country: Callable[[str], bool],
                   is_town: Callable[[str], bool]) -> list[Found]:
    """The first name of a wire headline over a team sport is a team: "SOCCER - BLACKBURN SIGN NORWEGIAN STRIKER"
    (British headlines give a team a plural verb, which the model reads as a person's). A name the KB knows as an
    organisation's, read as a person or a place, is the club (its id comes with retyped_ids); a country stays a
    place (its national team, CoNLL). Where the model read nothing, a town's or an organisation's name before the
    headline's verb is added ("SOCCER - LEEDS SACK MANAGER"), a country's as a place, and a league's acronym the KB
    knows as an organisation ("ICE HOCKEY - NHL STANDINGS"). The sport's label names no one ("ICE [HOCKEY]" read as a
    person). is_org, is_country, is_town: of a folded name. found: sorted."""
    if not any(sport in text for sport in _TEAM_SPORTS):
        return found
    out = found
    added: list[Found] = []
    starts = [f.start for f in found]
    label: set[int] = set()  # mentions inside the sport's label: "[HOCKEY]" of "ICE HOCKEY - NHL STANDINGS"
    for m in _TEAM_HEADLINE.finditer(text):
        i = bisect_left(starts, m.end())
        label.update(k for k in range(bisect_left(starts, m.start()), i) if found[k].entity_id is None)
        if i < len(found) and found[i].start == m.end():
            f = found[i]
            key = join_key(fold_key(text[f.start : f.end]))
            if f.type in ("PER", "LOC") and is_org(key) and not is_country(key):
                out = list(found) if out is found else out
                out[i] = Found(f.start, f.end, "ORG")
            continue
        # none there: one or two words before a headline's verb ("LEEDS SACK MANAGER", "WALES NAME SQUAD"), or a
        # league's acronym the KB knows ("NHL STANDINGS")
        words = text[m.end() : m.end() + 60].split(" ", 3)
        if words and 2 <= len(words[0]) <= 5 and words[0].isupper() and words[0].isalpha() and is_org(fold(words[0])) \
                and (i == len(found) or found[i].start > m.end() + len(words[0])):
            added.append(Found(m.end(), m.end() + len(words[0]), "ORG"))
            continue
        for n in (2, 1):
            if len(words) > n and words[n].lower() in _HEADLINE_VERBS and all(w.isupper() and w.isalpha() for w in words[:n]):
                name = " ".join(words[:n])
                key = join_key(fold_key(name))
                typ = "LOC" if is_country(key) else "ORG" if is_org(key) or is_town(key) else None
                if typ is not None and (i == len(found) or found[i].start > m.end() + len(name)):
                    added.append(Found(m.end(), m.end() + len(name), typ))
                break
    if label:
        out = [f for k, f in enumerate(out) if k not in label]
    return sorted([*out, *added], key=attrgetter("start")) if added else out


# A headline's verb after its subject: the report verbs and a few more of sports desks ("WALES NAME SQUAD").
_HEADLINE_VERBS = rules.REPORT_VERBS | frozenset("name get keep face set seek eye end extend".split())
_TEAM_SPORTS = ("SOCCER", "FOOTBALL", "RUGBY", "BASKETBALL", "HOCKEY", "BASEBALL", "HANDBALL", "VOLLEYBALL")
_TEAM_HEADLINE = re.compile(
    r"^[ \t]*(?:SOCCER|(?:AMERICAN |AUSTRALIAN RULES )?FOOTBALL|RUGBY(?: UNION| LEAGUE)?|BASKETBALL|(?:ICE )?HOCKEY|BASEBALL"
    r"|HANDBALL|VOLLEYBALL)[ \t]+[-–][ \t]+", re.M)


_SIDE = r"([A-Z][\w'’.&-]*(?:[ \t][A-Z][\w'’.&-]*){0,2})"
_VERSUS_LINE = re.compile(rf"(?<![\w'’.&-]){_SIDE}[ \t]+vs?\.?[ \t]+{_SIDE}(?![\w'’&-])")


def inside(found: list[Found], starts: list[int], pos: int) -> bool:
    """Whether pos falls inside one of found (sorted, non-overlapping; starts: their starts)."""
    i = bisect_right(starts, pos) - 1
    return i >= 0 and found[i].end > pos


# A company's name by its legal form ("Ford Motor Co", "Chrysler Corp", "Siemens AG", "Ahold NV"): capitalised
# words (with "&" or "of" between them), then the form; an article before it is no part of the name.
_COMPANY_FORMS = ("Corp", "Co", "Inc", "Ltd", "Plc", "PLC", "LLC", "AG", "GmbH", "NV", "SA", "SpA", "BV", "SE", "AB", "ASA",
                  "Oyj", "KGaA")
_COMPANY_FORM_SET = frozenset(_COMPANY_FORMS)
# The name before a form found at the end of the window searched (the longest that reaches it).
# An article is no part of the name, nor a name alone ("The AB blood group"); a possessive as wire copy spaces it is
# part of the name: "McDonald 's Corp".
_COMPANY_NAME = re.compile(r"(?<![\w&'’.-])(?!(?:The|Die|Der|De|Het|Le|La|Les)(?: |\Z))[A-Z][\w&'’-]*"
                           r"(?: (?:[A-Z][\w&'’-]*|&|of|'s|’s))*\Z")


def _legal_forms(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each legal form standing as a word after a blank, found by str.find (most articles
    have none: a regex scan would try every capital)."""
    for form in _COMPANY_FORMS:
        i = text.find(" " + form)
        while i >= 0:
            j = i + 1 + len(form)
            if j == len(text) or not (text[j].isalnum() or text[j] in "&'’-_"):
                yield i, j
            i = text.find(" " + form, j)


# Titles a hand-checked person's name is written with ("Papst Benedikt XVI.", "Prince Harry"): outside the mention.
_TITLES_BEFORE_NAMES = frozenset(
    "Pope Papst Paus Pape Prince Prinz Prins Princess Prinzessin Prinses Queen Königin Koningin King König Koning "
    "Sir Lord Dame".split()
)


def titles_outside(text: str, found: list[Found]) -> list[Found]:
    """A linked person's mention that opens with a title (the KB's name has it: "Papst Benedikt XVI.", "Prince
    Harry") starts after it, with its id: annotation leaves titles out ("Paus Pius XI" is "Pius XI")."""
    out = found
    for i, f in enumerate(found):
        if f.type == "PER" and f.entity_id is not None and (sp := text.find(" ", f.start, f.end)) > 0 \
                and text[f.start : sp] in _TITLES_BEFORE_NAMES:
            out = list(found) if out is found else out
            out[i] = Found(sp + 1, f.end, f.type, f.entity_id, f.name)
    return out


def titles_after_organisations(text: str, found: list[Found], is_org: Callable[[str], bool]) -> list[Found]:
    """An unlinked organisation's span that runs on from a name of the KB's organisations into a person's title is
    that organisation, the title outside ("[NATO] Secretary General Jens Stoltenberg", "[Bank of England] Governor");
    retyped_ids then gives it its id."""
    out = found
    for i, f in enumerate(found):
        if f.type != "ORG" or f.entity_id is not None or " " not in (name := text[f.start : f.end]):
            continue
        words = list(_WORD_RUN.finditer(name))
        for k in range(1, len(words)):
            if rules.is_title(words[k].group()) and is_org(join_key(fold_key(name[: words[k - 1].end()]))):
                out = list(found) if out is found else out
                out[i] = Found(f.start, f.start + words[k - 1].end(), "ORG")
                break
    return out


_WORD_RUN = re.compile(r"\S+")


def english_office_titles(text: str, found: list[Found]) -> list[Found]:
    """English: an office's title read as a name is none, before the person who holds it ("U.S. [Secretary of
    State] Warren Christopher", "Israeli [Foreign] Minister David Levy", "German [Health] Minister Horst Seehofer":
    an unlinked span of office words, then at most three more and a person's mention) or alone, with the office's
    head in it ("named Albright as [Secretary of State]"). found: sorted."""
    drop: set[int] = set()
    for i, f in enumerate(found):
        if f.type == "LOC" or f.entity_id is not None:
            continue
        words = text[f.start : f.end].split()
        if not words or not all(w in _EN_OFFICE_WORDS for w in words):
            continue
        if f.type != "PER" and not _EN_OFFICE_HEADS.isdisjoint(words):
            drop.add(i)
            continue
        if i + 1 < len(found) and found[i + 1].type == "PER" \
                and len(between := text[f.end : found[i + 1].start].split()) <= 3 and all(w in _EN_OFFICE_WORDS for w in between) \
                and (f.type != "PER" or between):
            drop.add(i)
    return [f for i, f in enumerate(found) if i not in drop] if drop else found


def events_after_places(text: str, found: list[Found]) -> list[Found]:
    """English: a place right before an event's last word is that event's name, MISC (CoNLL): "the [U.S.] Open
    tennis championships" is "U.S. Open", as "Monaco Grand Prix" and "Qatar Open" are read whole. found: sorted."""
    if not any(w in text for w in (" Open", " Cup", " Grand Prix", " Games", " OPEN", " CUP", " GRAND PRIX", " GAMES")):
        return found
    out = found
    for i, f in enumerate(found):
        if f.type != "LOC" or (m := _EN_EVENT_AFTER.match(text, f.end)) is None \
                or (i + 1 < len(found) and found[i + 1].start < m.end()):
            continue
        if out is found:
            out = list(found)
        out[i] = Found(f.start, m.end(), "MISC")
    return out


# in a headline in capitals only before its end or a dash ("TENNIS - RESULTS AT U.S. OPEN .")
_EN_EVENT_AFTER = re.compile(r" (?:(?:Open|Cup|Grand Prix|Games)\b(?![-‐'’])|(?:OPEN|CUP|GRAND PRIX|GAMES)(?= [.:-]| ?$))", re.M)


# Words of English office titles ("Secretary of State", "Foreign Minister", "Deputy Prime Minister"); not "Office":
# "Cabinet Office Minister Michael Gove" names a department, as "Treasury" does.
_EN_OFFICE_WORDS = frozenset("""Secretary State Foreign Minister Prime Deputy Vice President Defence Defense Interior Home
    Finance Trade Health Justice Education Energy Economy Economics Labour Labor Transport Agriculture
    Environment Culture Attorney General Chancellor Exchequer Chief Executive Governor Senator Speaker of the and for
    Affairs Commerce Industry Development Cabinet Junior Assistant Under Undersecretary""".split())


_EN_OFFICE_HEADS = frozenset("Secretary Minister President Chancellor Governor Senator Speaker Undersecretary".split())


def organisations_read_as_persons(text: str, found: list[Found], org_named: Callable[[str], bool]) -> list[Found]:
    """A name the model read as a person is an organisation when org_named(name) says so (organisation_name:
    "Agalev", "Sabena", "Goldman Sachs"); retyped_ids then gives its id."""
    out = found
    for i, f in enumerate(found):
        if f.type != "PER" or f.entity_id is not None or not org_named(text[f.start : f.end]):
            continue
        if out is found:
            out = list(found)
        out[i] = Found(f.start, f.end, "ORG")
    return out


def particle_surnames(text: str, found: list[Found]) -> list[Found]:
    """A person's name the model ended on a capitalised particle runs on through the particles after it to the
    surname: "[Luc Van] den Brande" is "Luc Van den Brande"; a mention the surname's word made ("[Bossche]",
    read as the adjective of Den Bosch) gives way. found: sorted."""
    out = found
    drop: set[int] = set()  # mentions the surname's word made
    starts: list[int] | None = None
    for i, f in enumerate(found):
        if f.type != "PER" or text[f.start : f.end].rpartition(" ")[2] not in _CAPITAL_PARTICLES \
                or (m := _PARTICLES_TO_SURNAME.match(text, f.end)) is None:
            continue
        if starts is None:
            starts = [g.start for g in found]
        k = bisect_left(starts, f.end, i + 1)
        if k < len(found) and found[k].start < m.end() and (found[k].start < m.start(1) or found[k].end > m.end()):
            continue  # a mention across the surname's edge
        out = list(found) if out is found else out
        out[i] = Found(f.start, m.end(), "PER")
        if k < len(found) and found[k].start < m.end():
            drop.add(k)  # inside the name now
    return [f for j, f in enumerate(out) if j not in drop] if drop else out


_CAPITAL_PARTICLES = frozenset("Van Vanden Vander De Der Den Ter Ten Le La Du Von".split())
_PARTICLES_TO_SURNAME = re.compile(r"(?:[ \t]+(?:den|der|de|ter|ten|van|la|le))+[ \t]+([A-Z][\w'’-]+)")


def persons_read_as_others(text: str, found: list[Found], person_only: Callable[[str], bool]) -> list[Found]:
    """An unlinked one-word name the model read as a place or an organisation that the KB has for a hand-checked
    person and for nothing else is that person ("weg van [Virenque] en Pantani"); retyped_ids then gives the id.
    person_only: of a folded name."""
    out = found
    for i, f in enumerate(found):
        if (f.type == "LOC" or f.type == "ORG") and f.entity_id is None and " " not in (name := text[f.start : f.end]) \
                and person_only(join_key(fold_key(name))):
            if out is found:
                out = list(found)
            out[i] = Found(f.start, f.end, "PER")
    return out


def persons_beside_persons(text: str, found: list[Found], lang: str, person: Callable[[str], bool]) -> list[Found]:
    """A capitalised word no mention covers, joined by "and" or a comma to a person's name, is a person when the KB
    has a hand-checked person by that name ("de sprint voor Steels en [Museeuw]"): the model read the list's other
    names; so is an unlinked name of two words there that opens with a given name ("Jonas Bjorkman and [Nicklas
    Kulti]", read as a place; not "Henri River", "Les Hauts-Geneveys"). Before linking, which gives the id (and the
    id of the person the article names in full). person: of a folded name. found: sorted."""
    added: list[Found] = []
    retyped = found
    for i, f in enumerate(found):
        if f.type != "PER":
            # "Jonas Bjorkman and [Nicklas Kulti]" read as a place: a given name opens it, a person is beside it
            if f.entity_id is None and f.type != "MISC" and (name := text[f.start : f.end]).count(" ") == 1 \
                    and rules.given_name((parts := name.split(" "))[0]) and "-" not in parts[1] \
                    and not common_word(parts[1].lower(), lang) and (
                        (i > 0 and found[i - 1].type == "PER" and text[found[i - 1].end : f.start] in _JOINS)
                        or (i + 1 < len(found) and found[i + 1].type == "PER" and text[f.end : found[i + 1].start] in _JOINS)):
                retyped = list(found) if retyped is found else retyped
                retyped[i] = Found(f.start, f.end, "PER")
            continue
        # (each regex only where the join is there: most persons stand alone)
        if text.startswith(_JOINS_TUPLE, f.end) and (m := _JOINED_AFTER.match(text, f.end)) \
                and (i + 1 == len(found) or found[i + 1].start >= m.end()) and person(fold(m.group(1))):
            added.append(Found(m.start(1), m.end(1), "PER"))
        if text.endswith(_JOINS_TUPLE, max(0, f.start - 5), f.start) \
                and (m := _JOINED_BEFORE.search(text, max(0, f.start - 40), f.start)) and (i == 0 or found[i - 1].end <= m.start(1)) \
                and not opens_sentence(text, m.start(1)) and person(fold(m.group(1))):
            added.append(Found(m.start(1), m.end(1), "PER"))
    if not added:
        return retyped
    return sorted({*retyped, *added}, key=attrgetter("start"))


# A capitalised word right after or before a name and "and" or a comma.
_JOINED_AFTER = re.compile(r"(?: ,| en| und| and| et|,) ([A-ZÄÖÜ][a-zäöüß]{2,})(?![\w'’-])")
_JOINED_BEFORE = re.compile(r"(?<![\w'’-])([A-ZÄÖÜ][a-zäöüß]{2,})(?: ,| en| und| and| et|,) \Z")


def organisation_name(name: str, org: Callable[[str], bool]) -> bool:
    """Whether a hand-checked organisation or a listed company bears name and no person of the KB does (org, of a
    folded key), nor the name lexicon a word of one word or the given name opening a longer one (not "Philips",
    "Ralph Lauren")."""
    first, sp, _ = name.partition(" ")
    return not (rules.given_name(first) if sp else lexicon.flags(name)) and org(join_key(fold_key(name)))


def possessive_companies(text: str, found: list[Found]) -> list[Found]:
    """A company's name with a possessive inside, as wire copy spaces it, is one organisation: an organisation's
    span right after an untagged capitalised word and " 's " runs from that word ("Moody 's Investors Service",
    read as "Investors Service"). found: sorted."""
    at = text.find(" 's ")
    if at < 0:
        return found  # the usual case, told in C
    out = found
    starts = [f.start for f in found]
    while at >= 0:
        k = bisect_left(starts, at + 4)
        if k < len(found) and found[k].start == at + 4 and found[k].type == "ORG" \
                and text[found[k].start : found[k].end].rpartition(" ")[2] in _COMPANY_HEADS \
                and (m := _WORD_BEFORE_POSSESSIVE.search(text, max(0, at - 40), at)) is not None \
                and (k == 0 or found[k - 1].end <= m.start()):
            f = found[k]
            out = list(found) if out is found else out
            out[k] = Found(m.start(), f.end, "ORG", f.entity_id, f.name)
        at = text.find(" 's ", at + 4)
    return out


# The last words of companies' names (not of parties or unions: "Clinton 's Democratic Party" is two names).
_COMPANY_HEADS = frozenset(
    """Service Services Securities Holdings Group Investors Stores Supermarkets Restaurants Partners Capital Bank
    Brewery Brewing International Industries Foods Records Entertainment Motors Airlines Corp Co Inc Ltd Plc""".split())
_WORD_BEFORE_POSSESSIVE = re.compile(r"(?<![\w'’.-])[A-Z][\w&-]*\Z")


def companies(text: str, words: list[str], found: list[Found], lang: str) -> list[Found]:
    """A company named with its legal form is one organisation, the form included (CoNLL), also where the
    model found nothing ("Ford Motor Co and Chrysler Corp were flat") or only a piece; a linked name at its
    start keeps its id ("General Motors Corp"). A mention reaching outside it is left alone. words: the
    tokens' text; found: sorted."""
    if _COMPANY_FORM_SET.isdisjoint(words):
        return found  # the usual case, decided in C
    names: list[Found] = []
    starts: list[int] | None = None
    for at, b in sorted(_legal_forms(text)):
        if (m := _COMPANY_NAME.search(text, max(0, at - 80), at)) is None or m.group(0).endswith("&"):
            continue  # "Vorbereitungen & Co": "and the like"
        if starts is None:
            starts = [f.start for f in found]
        a, name_end = m.start(), m.end()
        first, _, rest = m.group(0).partition(" ")
        if rest.startswith("of ") and first not in rules.EN_ORG_HEADS and zipf(first.lower(), "en") >= 4.0:
            a += len(first) + 4  # "Shares of General Motors Corp", not "Bank of America Corp"
        if text[b : b + 1] == "." and b + 1 < len(text) and text[b + 1] != "\n":
            b += 1  # the form's abbreviation dot ("Apple Inc. said"), not a paragraph's full stop
        lo, hi = bisect_left(starts, a), bisect_left(starts, b)
        if (lo > 0 and found[lo - 1].end > a) or (hi > lo and found[hi - 1].end > b):
            continue  # a mention reaching into it from outside
        inner = found[lo:hi]
        if lang == "de":  # German capitalises nouns: "Verbreitung Brenntag AG" is Brenntag's
            if inner and inner[0].start > a:
                a = inner[0].start
            while not inner and (sp := text.find(" ", a, name_end)) > 0 and not lexicon.flags(word := text[a:sp]) \
                    and zipf(word.lower(), "de") >= 3.5:
                a = sp + 1
        if any(f.type == "PER" and f.start == a and f.end == name_end for f in inner):
            continue  # a person's name before "Co" ("Philip Michael Walden Co-")
        if len(inner) == 1 and (inner[0].start, inner[0].end) == (a, b) and inner[0].type == "ORG":
            continue  # read as it is; a place or person by that name is the company ("Shares in Hoechst AG")
        keep = inner[0] if inner and inner[0].start == a and inner[0].type == "ORG" and inner[0].entity_id else None
        names.append(Found(a, b, "ORG", keep.entity_id if keep else None, keep.name if keep else None))
    if not names:
        return found
    return sorted([*outside(found, [(f.start, f.end) for f in names]), *names], key=attrgetter("start"))


# The world wars, by the names news gives them ("Zweiten Weltkriegs", "Tweede Wereldoorlog", "World War II").
_WORLD_WARS = {
    "en": ("World War", re.compile(r"\b(?:(?:First|Second) World War|World War (?:I{1,2}|One|Two|1|2))\b")),
    "de": ("Weltkrieg", re.compile(r"\b(?:(?:Erste|Zweite)[nrs]? |[12]\. ?)Weltkrieg(?:es|s|e)?\b")),
    "nl": ("Wereldoorlog", re.compile(r"\b(?:Eerste|Tweede) Wereldoorlog\b")),
    "fr": ("uerre mondiale", re.compile(r"\b(?:Première|Seconde|Deuxième) [Gg]uerre mondiale\b")),
}


# Cycling's grand tours and monuments and the tennis major named after places, by their fixed names in our
# languages: events (MISC, CoNLL), not the country or towns inside them ("Tour de [France]" was Q142).
_RACES = (
    "Tour de France", "Giro d'Italia", "Giro d’Italia", "Vuelta a España", "Ronde van Vlaanderen", "Ronde van Frankrijk",
    "Ronde van Italië", "Ronde van Spanje", "Tour of Flanders", "Flandern-Rundfahrt", "Paris-Roubaix", "Parijs-Roubaix",
    "Liège-Bastogne-Liège", "Luik-Bastenaken-Luik", "Lüttich-Bastogne-Lüttich", "Milan-San Remo", "Milaan-San Remo",
    "Mailand-Sanremo", "Milano-Sanremo", "Gent-Wevelgem", "Amstel Gold Race", "Paris-Nice", "Parijs-Nice",
    "Tirreno-Adriatico", "Roland Garros", "Roland-Garros", "Tour of Lombardy", "Giro di Lombardia", "Ronde van Lombardije",
    "Lombardei-Rundfahrt",
)
_RACES = _RACES + tuple(race.upper() for race in _RACES)  # in headlines too: "BUGNO WINS TOUR OF LOMBARDY"


# The races by a token each one's name holds (its first word, or the hyphenated whole): a text with none has no race.
_RACE_TOKENS: dict[str, list[str]] = {}
for _race in _RACES:
    _RACE_TOKENS.setdefault(_race.partition(" ")[0], []).append(_race)


_SHORT_RACES = frozenset({"Tour", "Ronde", "Giro", "Vuelta"})
# Not where the name goes on ("Ronde van Baskenland", "la Tour de Londres", "de la Tour d’Auvergne").
_SHORT_RACE = re.compile(r"\b(?:de|die|der|the|le|la|il)[ \t]+(Tour|Ronde|Giro|Vuelta)\b(?![-’']|[ \t]+(?:de|d’|d'|du|des|van|von|of|di)\b)")
# Words of a cycling report, which make "de Tour" or "the Giro" the race ("etappe", "peloton", "yellow jersey").
_CYCLING_CUES = ("etappe", "Etappe", "stage", "peloton", "Peloton", "renner", "Renner", "wielren", "Radprofi", "trui",
                 "Trikot", "jersey", "klassement", "Gesamtwertung", "koers", "cyclist", "cycling", "Radsport", "maillot")


def races(text: str, words: list[str], found: list[Found]) -> list[Found]:
    """The races of _RACES are one MISC mention each, unless a letter or digit touches it or a capitalised word
    goes on with the name (an album's title, "Tour de France Soundtracks"), and so is a grand tour or "de Ronde" by
    its short name after an article in a cycling report (one that names a race or a word of cycling); a mention
    overlapping one gives way. words: the tokens' text; found: sorted."""
    present = _RACE_TOKENS.keys() & words  # the usual case, none, decided in C
    short = any(name in text for name in _SHORT_RACES) and not _SHORT_RACES.isdisjoint(words)
    if not present and not short:
        return found
    got: list[tuple[int, int]] = []
    for race in (race for token in present for race in _RACE_TOKENS[token]):
        i = text.find(race)
        while i >= 0:
            j = i + len(race)
            if not (i and text[i - 1].isalnum()) and not (j < len(text) and text[j].isalnum()) and not _CAPITAL_NEXT.match(text, j):
                got.append((i, j))
            i = text.find(race, j)
    if short and (got or any(cue in text for cue in _CYCLING_CUES)):  # "in de Tour", "the Giro" in a cycling report
        for m in _SHORT_RACE.finditer(text):
            if not _CAPITAL_NEXT.match(text, m.end()) and not any(a <= m.start(1) < b for a, b in got):
                got.append(m.span(1))
    if not got:
        return found
    got.sort()
    return sorted([*outside(found, got), *(Found(a, b, "MISC") for a, b in got)], key=attrgetter("start"))


def world_wars(text: str, found: list[Found], lang: str) -> list[Found]:
    """The world wars are events, MISC (CoNLL, GermEval), also where the model read an organisation ("First
    World War") or nothing ("nach dem Ersten Weltkrieg"); a mention overlapping one gives way. found: sorted."""
    cue, rx = _WORLD_WARS.get(lang, ("", None))
    if rx is None or cue not in text:
        return found
    wars = [m.span() for m in rx.finditer(text)]
    if not wars:
        return found
    out = outside(found, wars)
    out.extend(Found(a, b, "MISC") for a, b in wars)
    return sorted(out, key=attrgetter("start"))


# A cricket scorecard's batting line ("N. Knight c Lara b Walsh 45", "G. Thorpe not out 80", "Saeed Anwar lbw b
# Cork 32") and a bowler's figures ("Ambrose 20-5-45-2"): every name in them is a player.
_CRICKET_NAME = r"[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,3}"
_BATTING_LINE = re.compile(
    rf"^[ \t]*(?P<bat>{_CRICKET_NAME})[ \t]+(?:(?:c[ \t]+(?P<c>{_CRICKET_NAME})[ \t]+|c[ \t]+&[ \t]+|lbw[ \t]+|st[ \t]+(?P<st>{_CRICKET_NAME})[ \t]+)?"
    rf"b[ \t]+(?P<b>{_CRICKET_NAME})|run out|not out|retired hurt)(?:[ \t]*\([^()\n]*\))?[ \t]+\d{{1,3}}[ \t]*$", re.M)
_BOWLING = re.compile(rf"(?<![\w'’.-])(?P<bowler>{_CRICKET_NAME})[ \t]+\d{{1,2}}(?:\.\d)?-\d{{1,2}}-\d{{1,3}}-\d{{1,2}}(?![\d-])")


_INNINGS = re.compile(r"\bovers[ \t]*\(([^()\n]{1,400})\)")
_INNINGS_ITEM = re.compile(r"[ \t]*([A-Z][\w'’.-]*(?:[ \t]+(?:de|van|ul|al|bin)?[ \t]*[A-Z][\w'’.-]*){0,3})[ \t]+\d{1,3}(?:-\d{1,3})?"
                           r"(?:[ \t]+not[ \t]+out)?[ \t]*")


def cricket_scorecards(text: str, found: list[Found]) -> list[Found]:
    """English: the names of a cricket scorecard's batting lines and bowling figures, and of an innings' summary in
    brackets after its overs, are players (CoNLL PER), where the model read a place ("England"-like lone surnames),
    an organisation or nothing. found: sorted."""
    innings = " overs (" in text or " overs(" in text
    if " b " not in text and " not out" not in text and " run out" not in text and not innings:
        return found  # no batting line: the usual case, told by substring tests (C)
    players: list[tuple[int, int]] = []
    for m in _BATTING_LINE.finditer(text):
        players.extend(m.span(g) for g in ("bat", "c", "st", "b") if m.start(g) >= 0)
    if players:  # a scorecard: its bowlers' figures too
        players.extend(m.span("bowler") for m in _BOWLING.finditer(text))
    if innings:  # an innings' summary: "50 overs ( Andy Flower 57 , Alistair Campbell 30 ; Wasim Akram 3-30 )"
        for m in _INNINGS.finditer(text):
            items = [_INNINGS_ITEM.fullmatch(item) for item in re.split(r"[,;]", m.group(1))]
            if all(items):
                offset = m.start(1)
                for item, piece in zip(items, re.split(r"([,;])", m.group(1))[::2]):
                    players.append((offset + item.start(1), offset + item.end(1)))
                    offset += len(piece) + 1
    if not players:
        return found
    players = sorted(set(players))
    out = outside(found, players)  # a mention on a player's name is replaced by the player (PER)
    out.extend(Found(a, b, "PER") for a, b in players)
    return sorted(out, key=attrgetter("start"))


# A personal pronoun that can refer back to a sentence's subject: in its own sentence after a comma or
# conjunction ("Embiid ..., though he did"), or opening the next one ("Embiid scored 10. He ...").
_EN_PRONOUN_AFTER = re.compile(r"[^.!?\n]*?(?:,|\b(?:and|but|though|although|as|after|before|when|while|because))[ \t]+(?:he|she)\b"
                               r"|[^.!?\n]*[.!?][ \t]+(?:He|She)\b")
_EN_IT = re.compile(r"\b(?:it|its|they|their)\b")
_EN_HE_NEXT = re.compile(r"\.[ \t]+(?:He|She)[ \t]")
_EN_LOCATIVE_BEFORE = re.compile(r"\b(?:in|to|at|from|near|into|of)[ \t]+\Z")
_EN_CLAUSE_VERB = re.compile(r"[ \t]+(?:was|is|has|had|did|scored|said|told|added|took|made|went|got|played|won|lost|starred|poured)\b")


def plural_titles(text: str, found: list[Found]) -> list[Found]:
    """English: a title in the plural alone names no one ("Ministers and the union", "MPs will vote"): an
    unlinked one-word mention that is one is dropped."""
    out = [f for f in found if not (f.entity_id is None and _plural_title(text[f.start : f.end]))]
    return found if len(out) == len(found) else out


def _plural_title(word: str) -> bool:
    low = word.lower()
    # not "Queens" (a borough) or "Lords" (a house of parliament): titles that are also names of those
    return len(low) > 2 and low[-1] == "s" and ((low[:-1] in rules.PERSON_TITLES and low != "lords") or low in ("mps", "meps"))


def countries_before_persons(text: str, found: list[Found], country: Callable[[str], Entity | None]) -> list[Found]:
    """English: a country's name read as a person before a possessive and a person's name, titles between, is the
    country, with its id ("Israel's Netanyahu", "Jordan 's King Hussein"); "Jordan's 30 points" stays the player.
    country: the country a folded name names, or None. found: sorted."""
    out = found
    for i in range(len(found) - 1):
        f, g = found[i], found[i + 1]
        if f.type != "PER" or g.type != "PER" or f.entity_id is not None \
                or _COUNTRY_OWNS.fullmatch(text, f.end, g.start) is None \
                or (e := country(join_key(fold_key(text[f.start : f.end])))) is None:
            continue
        if out is found:
            out = list(found)
        out[i] = Found(f.start, f.end, "LOC", e.id, e.name)
    return out


# A possessive, as written or as wire copy is tokenized, then capitalised titles: "'s ", " 's Prime Minister ".
_COUNTRY_OWNS = re.compile(r" ?['’]s (?:[A-Z][a-z]+ ){0,3}")


def persons_after_countries(text: str, found: list[Found], country: Callable[[str], Entity | None],
                            org: Callable[[str], bool]) -> list[Found]:
    """English: a name no mention covers after a country's possessive and before a word in lower case is a person,
    as sports copy names its players ("Brazil 's Ronaldo scored"); not a frequent word ("Britain 's Conservative
    government"), a party, group or nationality word, nor an organisation of the KB (org: of a folded name).
    country: the country a folded name names, or None. found: sorted."""
    if "s " not in text:
        return found
    added: list[Found] = []
    for i, f in enumerate(found):
        if f.type != "LOC" or (m := _OWNED_NAME.match(text, f.end)) is None \
                or (i + 1 < len(found) and found[i + 1].start < m.end(1)):
            continue
        name = m.group(1)
        if any(zipf(w.lower(), "en") >= 4.0 or rules.english_group(w) or rules.is_calendar(w) for w in name.split()) \
                or org(join_key(fold_key(name))) or country(join_key(fold_key(text[f.start : f.end]))) is None:
            continue
        added.append(Found(m.start(1), m.end(1), "PER"))
    return sorted([*found, *added], key=attrgetter("start")) if added else found


# (not before a market's or a body's word: "Japan 's Nikkei average", "Hong Kong 's Hang Seng index")
_OWNED_NAME = re.compile(r" ?['’]s ([A-Z][a-z]+(?: [A-Z][a-z]+){0,2}) (?=[a-z])(?!(?:average|index|share|shares|stock|"
                         r"stocks|market|bourse|bonds?|futures|government|parliament|party|army|cabinet|region|province)\b)")


def market_indices(text: str, words: list[str], spans: list[tuple[int, int]], found: list[Found]) -> list[Found]:
    """A stock index's name is no person, place or company of its own: MISC ("Nikkei ends up 1.5 percent", "Hong
    Kong 's Hang Seng index", "the Dow Jones industrial average"; the model read persons; "The 30-share DAX index"
    an organisation). A closed list; "Dow Jones" only before an index's word (Dow Jones & Co is the company). An
    index of one token the model left out is added ("Der Dax schloss", GermEval's MISC). words, spans: the
    tokens' text and offsets; found: sorted."""
    out = found
    for i, f in enumerate(found):
        if f.type == "MISC" or (name := text[f.start : f.end]) not in _MARKET_INDICES:
            continue
        if name in _DOW_JONES and _INDEX_WORD.match(text, f.end) is None:
            continue
        out = list(found) if out is found else out
        out[i] = Found(f.start, f.end, "MISC")
    if not any(cue in text for cue in _INDEX_CUES) or _INDEX_TOKENS.isdisjoint(words):
        return out  # most texts name no index: substring tests (C) first
    starts = [f.start for f in out]
    added = [Found(a, b, "MISC") for (a, b), w in zip(spans, words) if w in _INDEX_TOKENS and not inside(out, starts, a)]
    return sorted([*out, *added], key=attrgetter("start")) if added else out


_DOW_JONES = frozenset({"Dow Jones", "DOW JONES"})
_MARKET_INDICES = _DOW_JONES | frozenset({
    "Nikkei", "Nikkei 225", "NIKKEI", "Hang Seng", "HANG SENG", "Kospi", "KOSPI", "Sensex", "SENSEX", "Topix", "TOPIX",
    "DAX", "Dax", "MDAX", "SDAX", "TecDAX", "CAC 40", "CAC-40", "FTSE 100", "FTSE-100", "AEX", "BEL 20", "BEL-20", "Bel 20",
    "Bel-20", "Bel20", "Euro Stoxx", "EuroStoxx", "Euro Stoxx 50", "EuroStoxx 50", "S&P 500", "All Ordinaries",
})
_INDEX_TOKENS = frozenset("DAX Dax MDAX SDAX TecDAX AEX Bel-20 BEL-20 Bel20".split())
_INDEX_CUES = ("DAX", "Dax", "AEX", "Bel-20", "BEL-20", "Bel20")
_INDEX_WORD = re.compile(r" (?:industrial|Industrial|INDUSTRIAL|average|Average|AVERAGE|index|Index|INDEX)\b")


def pronoun_persons(text: str, found: list[Found]) -> list[Found]:
    """English: an unlinked one-word organisation or place that "he" or "she" refers back to is a person, and
    so is every other mention of that name: one that ends a sentence the next one opens with "He"/"She" ("The
    third quarter belonged to Embiid. He poured in 13 points"; not a place after "to", "in"...), or one that
    opens a sentence as a verb's subject with "he"/"she" later in it ("Embiid was the only one who could
    score, though he ..."), unless "it"/"they" or another person comes first. found: sorted, after
    propagation (which spreads one reading of a name over the article)."""
    persons: set[str] = set()
    for i, f in enumerate(found):
        if f.entity_id is not None or f.type not in ("ORG", "LOC") or " " in text[f.start : f.end]:
            continue
        if _EN_HE_NEXT.match(text, f.end):  # "The third quarter belonged to Embiid. He poured in 13 points"
            if not (f.type == "LOC" and _EN_LOCATIVE_BEFORE.search(text, max(0, f.start - 8), f.start)):
                persons.add(text[f.start : f.end])  # not "He moved to Tarrytown. He ..."
            continue
        if not opens_sentence(text, f.start) or not _EN_CLAUSE_VERB.match(text, f.end):
            continue
        end = min(len(text), f.end + 200)
        m = _EN_PRONOUN_AFTER.match(text, f.end, end)
        if m is None or _EN_IT.search(text, f.end, m.end()):
            continue  # "Google said it would appeal, and he ...": "it" was the name's
        if i + 1 < len(found) and found[i + 1].type == "PER" and found[i + 1].start < m.end():
            continue  # another person before the pronoun: it may be theirs
        persons.add(text[f.start : f.end])
    if not persons:
        return found
    return [Found(f.start, f.end, "PER") if f.entity_id is None and f.type in ("ORG", "LOC") and text[f.start : f.end] in persons
            else f for f in found]  # every mention of that name: one reading per article


# A club's name by its form: a club prefix, then one or two capitalised words ("FC Barcelona", "VfB Stuttgart",
# "Borussia Dortmund", "Inter Milan"), or one or two capitalised words, then a club suffix ("Leeds United",
# "Blackburn Rovers", "Liverpool FC").
_CLUB_PREFIXES = ("FC", "AC", "AS", "SC", "SV", "VfB", "VfL", "TSV", "TSG", "FSV", "SpVgg", "Borussia", "Eintracht",
                  "Olympique", "Dynamo", "Dinamo", "Sporting", "Inter", "Real")
_CLUB_SUFFIXES = ("United", "Rovers", "Wanderers", "Athletic", "Albion", "Hotspur", "AFC", "FC")
_CLUB = re.compile(
    rf"(?<![\w'’.-])(?:(?P<pre>(?:1\. )?(?:{'|'.join(_CLUB_PREFIXES)})) (?P<after>[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+)?)"
    rf"|(?P<before>[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+)?) (?:{'|'.join(_CLUB_SUFFIXES)}))(?![\w'’-])")
_CLUB_WORDS = frozenset(_CLUB_PREFIXES + _CLUB_SUFFIXES)  # one of them among the tokens: try _CLUB
# Prefixes that are also words or other names: a club only before a place ("Real Madrid", not "Real Estate").
_PLACE_AFTER = frozenset({"Inter", "Real", "Sporting", "AS", "AC", "SC"})
# Words right after a place that make it a club ("Newcastle manager Kevin Keegan", "Ajax-trainer" is one word).
_CLUB_ROLES = frozenset(
    """manager coach striker midfielder defender goalkeeper keeper captain winger forward boss chairman fans
    supporters trainer spits middenvelder verdediger doelman aanvoerder aanvaller Trainer Coach Stürmer
    Torhüter Torwart Keeper Kapitän Verteidiger Mittelfeldspieler Sportdirektor Manager""".split())
_ROLE_AFTER = re.compile(r" (\w+)")
_COMPASS = frozenset("West East North South Port Queens".split())


def sports_clubs(text: str, words: list[str], found: list[Found], lang: str, known: Callable[[str], bool],
                 is_country: Callable[[str], bool]) -> list[Found]:
    """Football clubs are organisations: a name of a club's form (_CLUB) replaces what the model read
    inside it (a place "Newcastle" in "Newcastle United", "Inter Milan" as a place); a town's name
    before a player's or a coach's role is its club ("Newcastle manager Kevin Keegan"), without the
    town's id; so is a town's name before a score ("beat Newcastle 2-0") or after a player's role and "of"
    ("L'attaquant de Lorient"). A country's name stays a place (a national team, CoNLL), and so does a German
    town's genitive before a role ("Erfurts Trainer", as CoNLL German marks it). words: the tokens' text;
    found: sorted."""
    out = found
    if not _CLUB_WORDS.isdisjoint(words):
        starts = [f.start for f in found]
        clubs: list[Found] = []
        for m in _CLUB.finditer(text):
            s, e = m.span()
            if m.group("pre"):
                first, _, second = m.group("after").partition(" ")
                if second and not known(join_key(fold_key(second))):
                    e = m.start("after") + len(first)  # "FC Bayern München", not "Borussia Dortmunds Spieler"
                if (m.group("pre") in _PLACE_AFTER and not known(join_key(fold_key(first)))) or not first.isalpha():
                    continue  # "SC Bastia L2" is a code
                if m.group("pre").isupper() and first.isupper() and not known(join_key(fold_key(m.group(0)))):
                    continue  # a headline in capitals: "SHEARER SCORES TWICE AS NEWCASTLE WIN" ("as"), not "AS ROMA"
            else:
                first, _, second = m.group("before").partition(" ")
                if second and first not in _COMPASS and common_word(first.lower(), lang):
                    s = m.start("before") + len(first) + 1  # "When Leeds United", but "West Ham United"
            lo, hi = bisect_right(starts, s - 1), bisect_left(starts, e)  # mentions starting inside
            if (lo and found[lo - 1].end > s) or any(f.end > e for f in found[lo:hi]):
                continue  # a mention reaches across the name's edge
            clubs.append(Found(s, e, "ORG"))
        if clubs:  # sorted, apart: the mentions inside one are the ones whose club before them reaches their end
            club_starts = [c.start for c in clubs]
            out = sorted([*(f for f in found if (k := bisect_right(club_starts, f.start) - 1) < 0 or clubs[k].end < f.end),
                          *clubs], key=attrgetter("start"))
    roles = not _CLUB_ROLES.isdisjoint(words)
    for i, f in enumerate(out):  # an anchored look after each place: cheaper than a scan of the text for scores
        if f.type == "LOC" and ((roles and _club_role_after(text, f, lang))
                                or ((m := _SCORE_AFTER.match(text, f.end)) and not rules.is_calendar(m.group(1)))
                                or _role_before(text, f.start)) \
                and not is_country(join_key(fold_key(text[f.start : f.end]))):
            if out is found:
                out = list(found)
            out[i] = Found(f.start, f.end, "ORG")
        elif roles and f.type == "PER" and f.entity_id is None and _club_role_after(text, f, lang) \
                and " " not in (name := text[f.start : f.end]) and known(key := join_key(fold_key(name))) and not is_country(key):
            if out is found:  # one word of the KB's read as a person before a club's role ("said Blackburn manager Tony Parkes")
                out = list(found)
            out[i] = Found(f.start, f.end, "ORG")
    return out


def _club_role_after(text: str, f: Found, lang: str) -> bool:
    """Whether a player's or a coach's role follows f ("Newcastle manager"), not after a German genitive ("Erfurts Trainer")."""
    return (m := _ROLE_AFTER.match(text, f.end)) is not None and m.group(1) in _CLUB_ROLES \
        and not (lang == "de" and "g" in lexicon.flags(text[f.start : f.end]))


def towns_of_clubs(text: str, found: list[Found]) -> list[Found]:
    """A town's name read as a place in an article that names the town's club in full ("Newcastle United ... Shearer
    put Newcastle ahead") is the club, with its id, unless a preposition of place comes before it ("in Newcastle",
    a venue) or the article names two clubs of the town. found: sorted."""
    clubs: dict[str, Found | None] = {}  # None: a town of two clubs ("Manchester United", "Manchester City")
    for f in found:
        if f.type == "ORG":
            town, sp, suffix = text[f.start : f.end].rpartition(" ")
            if sp and suffix in _TOWN_CLUB_SUFFIXES and town[:1].isupper():
                known = clubs.setdefault(town, f)
                if known is not None and text[known.start : known.end] != text[f.start : f.end]:
                    clubs[town] = None
    if not any(clubs.values()):
        return found
    out = found
    for i, f in enumerate(found):
        if f.type == "LOC" and (club := clubs.get(text[f.start : f.end])) is not None \
                and (word_before(text[max(0, f.start - 20) : f.start]) or "").lower() not in _PLACE_PREPOSITIONS:
            if out is found:
                out = list(found)
            out[i] = Found(f.start, f.end, "ORG", club.entity_id, club.name)
    return out


_TOWN_CLUB_SUFFIXES = frozenset(_CLUB_SUFFIXES) | {"City", "County", "Town"}  # "Newcastle United", "Stoke City"


def clubs_in_lists(text: str, found: list[Found]) -> list[Found]:
    """A place between clubs in a list, or after one ("tegen Hércules CF , Recreativo Huelva , Cádiz en Numancia",
    "Wolverhampton Wanderers , Brentford en Rotherham United"), is a club too: an organisation, without the town's
    id; not after a preposition of place ("Aufführungen in Leipzig und Dresden"). A club: a mention with a club's
    id, or a name a club's word opens or ends. found: sorted."""
    if len(found) < 2:
        return found
    club = [_club_mention(text, f) for f in found]
    if not any(club):
        return found
    # a list's items are clubs from a club on, both ways: "Hércules CF , Recreativo Huelva , Cádiz en Numancia"
    listed = [i > 0 and _LIST_GAP.fullmatch(text, found[i - 1].end, f.start) is not None for i, f in enumerate(found)]
    placed = [f.type == "LOC" and (word_before(text[max(0, f.start - 20) : f.start]) or "").lower() in _LIST_PLACE_PREPOSITIONS
              for f in found]
    for i in [*range(1, len(found)), *range(len(found) - 2, -1, -1)]:
        if not club[i] and found[i].type in ("ORG", "LOC") and not placed[i] and (
                (listed[i] and club[i - 1]) or (i + 1 < len(found) and listed[i + 1] and club[i + 1])):
            club[i] = True
    out = found
    for i, f in enumerate(found):
        if f.type == "LOC" and club[i] and not placed[i]:
            if out is found:
                out = list(found)
            out[i] = Found(f.start, f.end, "ORG")
    return out


def _club_mention(text: str, f: Found) -> bool:
    if f.type != "ORG":
        return False
    if f.entity_id is not None and f.entity_id.startswith("newsflow:club-"):
        return True
    name = text[f.start : f.end]
    first, _, rest = name.partition(" ")
    return bool(rest) and (first in _CLUB_WORDS or name.rpartition(" ")[2] in _CLUB_ENDS)


_CLUB_ENDS = _CLUB_WORDS | {"CF", "CD"}  # and the Spanish forms after a name: "Hércules CF"


# What separates the items of a list: a comma, "and" in en/de/nl/fr/es.
_LIST_GAP = re.compile(r"[ \t]*,[ \t]*|[ \t]+(?:and|und|en|et|y|e)[ \t]+")
_PLACE_PREPOSITIONS = frozenset("in at to from near into outside around via".split())
# and in a list of clubs, in de/nl/fr too (not "bei", "bij": "speelde bij Brescia , FC Porto en Genoa")
_LIST_PLACE_PREPOSITIONS = _PLACE_PREPOSITIONS | frozenset("im nahe aus nach te nabij naar uit à au aux".split())


# A player's or a coach's role, then "of" or "for", before a town: its club ("L'attaquant de Lorient", "striker
# for Newcastle", "Trainer von Augsburg"). Read word by word from the end (a case-blind regex searched before
# every place cost 100 µs on the Dutch seed, where "van" and "de" come before many).
_ROLES_BEFORE = frozenset(
    """attaquant défenseur gardien entraîneur joueur capitaine buteur milieu striker manager coach captain goalkeeper
    defender midfielder winger forward spieler stürmer trainer torhüter torwart kapitän speler aanvaller doelman
    verdediger middenvelder spits""".split())
_OF = frozenset("de du of for von vom bei van bij".split())
_ELIDED = ("d'", "d’")
_OF_TAILS = (*(f" {word} " for word in _OF), *_ELIDED)  # one C-level test first: most places have none before them


def _role_before(text: str, start: int) -> bool:
    """Whether a player's or a coach's role and "of" end right before start (_ROLES_BEFORE, _OF)."""
    if not text.endswith(_OF_TAILS, max(0, start - 5), start):
        return False
    before = text[max(0, start - 40) : start].rstrip(" \t")
    if before.endswith(_ELIDED):
        words = before[:-2].split()
    else:
        words = before.split()
        if len(words) < 2 or words[-1] not in _OF:
            return False
        words.pop()
    if not words:
        return False
    return words[-1].lower().rpartition("'")[2].rpartition("’")[2] in _ROLES_BEFORE  # "L'attaquant"


# A score after a name: "2-0", "2:1" (not a time, "10:30"); the word after it is read too ("10-12 June": dates).
_SCORE_AFTER = re.compile(r"[ \t]+(?:\d{1,2}[-–]\d{1,2}|\d:\d)(?![\d.:])[ \t]*(\w*)")


# Bodies named by a fixed pattern the model cuts up: a German association of "Deutscher" members
# ("Gewerkschaft Deutscher Lokomotivführer", where the model reads "Deutscher" as a nationality) and a Dutch
# ministry after "van" ("minister Harbers van Infrastructuur en Waterstaat", "ministerie van Buitenlandse Zaken").
_DE_ASSOCIATION = re.compile(
    r"(?<![\w-])(?:Gewerkschaft|Verband|Bundesverband|Zentralverband|Hauptverband|Bund|Vereinigung|Gesellschaft|Verein"
    r"|Börsenverein|Arbeitsgemeinschaft|Akademie) (?:Deutscher|Europäischer) [A-ZÄÖÜ][\wäöüß]+(?![\w-])")
# Portfolios of Dutch and Belgian ministers, which a ministry's name joins with ", " and " en ".
_NL_PORTFOLIOS = (
    "Algemene Zaken", "Binnenlandse Zaken", "Buitenlandse Zaken", "Buitenlandse Handel", "Economische Zaken",
    "Sociale Zaken", "Koninkrijksrelaties", "Defensie", "Landsverdediging", "Financiën", "Begroting", "Justitie",
    "Veiligheid", "Infrastructuur", "Waterstaat", "Verkeer", "Milieubeheer", "Milieu", "Leefmilieu", "Klimaat",
    "Energie", "Landbouw", "Natuurbeheer", "Natuur", "Visserij", "Voedselkwaliteit", "Innovatie", "Onderwijs",
    "Cultuur", "Wetenschappen", "Wetenschap", "Volksgezondheid", "Welzijn", "Sport", "Werkgelegenheid", "Arbeid",
    "Pensioenen", "Economie", "Middenstand", "Mobiliteit", "Ambtenarenzaken", "Telecommunicatie",
    "Ontwikkelingssamenwerking", "Volkshuisvesting", "Ruimtelijke Ordening", "Asiel", "Migratie", "Integratie",
    "Jeugd", "Gezin", "Wonen", "Vreemdelingenzaken", "Emancipatie", "Overheidsbedrijven", "Institutionele Hervormingen")
_NL_PORTFOLIO = "(?:" + "|".join(_NL_PORTFOLIOS) + ")"
_NL_MINISTRY = re.compile(rf"{_NL_PORTFOLIO}(?:(?:, | en ){_NL_PORTFOLIO})*(?![\w-])")  # tried after each "van "
# The minister's name right after "minister van Justitie": up to three capitalised words, a particle first.
_NL_MINISTER_AFTER = re.compile(r" ((?:(?:De|Van|Vande|Vanden|Van den|Van der|Di) )?[A-Z][\w'’-]+(?: [A-Z][\w'’-]+){0,2})")
_NL_PERSON_CUE = re.compile(r"(?i:minister|staatssecretaris|vice-premier|viceminister) van \Z")
_NL_MINISTRY_CUE = re.compile(r"(?i:minister|ministerie|staatssecretaris|departement)")
_NL_CUE_REACH = 60
_NL_MINISTERIE = "Ministerie van "


def named_bodies(text: str, found: list[Found], lang: str) -> list[Found]:
    """Organisations whose names have a fixed shape (_DE_ASSOCIATION, _NL_MINISTRY) replace what the model
    read inside them; a person's name the model ran into one ("Mark Harbers van Infrastructuur") keeps
    its part before it, and any other mention reaching in is dropped (a title's name before it is found
    again later: "Minister Bot van Buitenlandse Zaken"). The name right after "minister van <portfolio>"
    is the minister ("staatssecretaris van Buitenlandse Handel Neyts"). found: sorted."""
    bodies: list[tuple[int, int]] = []
    persons: list[tuple[int, int]] = []
    if lang == "de":
        if "Deutscher " not in text and "Europäischer " not in text:
            return found
        bodies = [m.span() for m in _DE_ASSOCIATION.finditer(text)]
    elif lang == "nl":
        # the cues without their first letter: plain substring tests (the case-blind regex costs 80 µs per KB)
        if "van " not in text or not any(cue in text for cue in ("inister", "taatssecretaris", "epartement")):
            return found
        # "het Ministerie van Financiën" written so is one name; after "minister(ie) van" the ministry is
        for m in _after_van(text):
            if not _NL_MINISTRY_CUE.search(text, max(0, m.start() - _NL_CUE_REACH), m.start()):
                continue
            bodies.append((m.start() - len(_NL_MINISTERIE) if text.endswith(_NL_MINISTERIE, 0, m.start()) else m.start(), m.end()))
            if _NL_PERSON_CUE.search(text, max(0, m.start() - 30), m.start()) and (n := _NL_MINISTER_AFTER.match(text, m.end())):
                name = n.group(1).split(" ")
                while name and not _titled_word(name[-1], lang, False):
                    name.pop()  # "minister van Justitie Verwilghen Maandag": the name ends before a common word
                if name:
                    persons.append((n.start(1), n.start(1) + len(" ".join(name))))
    else:
        return found
    if not bodies:
        return found
    out = list(found)
    for (a, b), typ in [*((body, "ORG") for body in bodies), *((person, "PER") for person in persons)]:
        kept: list[Found] = []
        for f in out:
            if f.end <= a or f.start >= b:
                kept.append(f)
            elif f.type == "PER" and f.start < a and (cut := text.rfind(" van ", f.start, a)) > f.start:
                kept.append(Found(f.start, cut, "PER"))
        out = [*kept, Found(a, b, typ)]
    return sorted(out, key=attrgetter("start"))


def _after_van(text: str) -> Iterator[re.Match[str]]:
    """_NL_MINISTRY's matches right after a word "van ": an anchored try at each (a scan of the text would
    try the portfolios at every character)."""
    p = text.find("van ")
    while p >= 0:
        if (p == 0 or not text[p - 1].isalnum()) and (m := _NL_MINISTRY.match(text, p + 4)):
            yield m
        p = text.find("van ", p + 4)


# German parties news names by one noun after an article: "die Grünen", "der Linken", "die Union" (CDU/CSU).
_DE_PARTIES = re.compile(r"(?<![\w-])(?:[Dd](?:ie|er|en))[ \t]+(Grünen|Linken?|Union)(?![\w-]|[ \t]+[A-ZÄÖÜ])")


def german_parties(text: str, found: list[Found]) -> list[Found]:
    """Add the parties German names by a noun after its article that the model missed ("die Grünen",
    "der Linken", "die Union"), as organisations for the linker; not before a name ("die Union Berlin")."""
    if "Grünen" not in text and "Linke" not in text and "Union" not in text:
        return found
    starts = [f.start for f in found]
    added = []
    for m in _DE_PARTIES.finditer(text):
        s, e = m.span(1)
        i = bisect_right(starts, s) - 1
        if not (i >= 0 and found[i].end > s) and not (i + 1 < len(found) and found[i + 1].start < e):
            added.append(Found(s, e, "ORG"))
    return sorted([*found, *added], key=attrgetter("start")) if added else found


def article_before_acronym(text: str, found: list[Found], lang: str) -> list[Found]:
    """A Dutch or French article opening a span is no part of the acronym after it ("De VLD", "Het CDA", "Le PSG",
    "La FNSEA"); it is of "De Standaard", "De Wever", "Le Monde" (one capital after it: a name, not an acronym)."""
    articles = _ARTICLES_BEFORE_ACRONYMS.get(lang)
    if articles is None:
        return found
    out = found
    for i, f in enumerate(found):
        if text.startswith(articles, f.start) and f.entity_id is None:
            k = text.find(" ", f.start, f.end) + 1
            rest = text[k : f.end]
            if k and " " not in rest and sum(map(str.isupper, rest)) >= 2:
                if out is found:
                    out = list(found)
                out[i] = Found(k, f.end, f.type)
    return out


_ARTICLES_BEFORE_ACRONYMS = {"nl": ("De ", "Het "), "fr": ("Le ", "La ", "Les ")}
_DE_ARTICLES = ("Der ", "Die ", "Das ", "Den ", "Dem ", "Des ")


def acronym_compounds(text: str, found: list[Found], known: Callable[[str], bool], org: Callable[[str], bool]) -> list[Found]:
    """A word of an acronym and a common noun joined by a hyphen, read as a name, is the acronym alone, the noun
    outside ("[PGA]-Tourkarte", "[OSV]-Bericht", "[KLM]-bemanningen", "[NATO]-led"), as news annotation marks
    the name in a compound; the whole stays where the KB names it ("EU-Kommission") or the rest is capitalised
    as names are ("UN-Sicherheitsrat" is one). An acronym the KB has as an organisation before a hyphen and a
    word in lower case is that organisation also where the model read the compound as MISC or nothing
    ("de [VRT]-journalist", "de [ACV]-vakbond"). known, org: of a folded key. found: sorted."""
    out = found
    for i, f in enumerate(found):
        if f.entity_id is not None or (h := text.find("-", f.start, f.end)) < 0 \
                or (m := _ACRONYM_COMPOUND.fullmatch(text, f.start, f.end)) is None:
            continue
        if f.type == "MISC" and not (m.group(2).islower() and org(fold(m.group(1)))):
            continue
        if m.group(2).isupper() or known(join_key(fold_key(text[f.start : f.end]))) or _NAME_HEADS.search(m.group(2)):
            continue  # "NSZ-ZJ": two acronyms
        out = list(found) if out is found else out
        out[i] = Found(f.start, h, "ORG" if f.type == "MISC" else f.type)
    added: list[Found] = []
    starts: list[int] | None = None
    b = text.find("-", 2)
    while b >= 0:  # each hyphen (str.find: a few per article) after capitals and before a lower-case letter
        a = b
        while a > 0 and b - a < 6 and "A" <= text[a - 1] <= "Z":
            a -= 1
        if 2 <= b - a <= 5 and (a == 0 or not (text[a - 1].isalnum() or text[a - 1] == "-")) \
                and text[b + 1 : b + 2].islower() and org(fold(text[a:b])):
            if starts is None:
                starts = [f.start for f in out]
            if not inside(out, starts, a):
                added.append(Found(a, b, "ORG"))
        b = text.find("-", b + 1)
    return sorted([*out, *added], key=attrgetter("start")) if added else out


# An acronym of two to five capitals, a hyphen and one word: "PGA-Tourkarte", "KLM-bemanningen".
_ACRONYM_COMPOUND = re.compile(r"([A-ZÄÖÜ]{2,5})-([^\W\d_]+)")
# Heads that make a compound a body's name of its own: "UN-Sicherheitsrat", "EU-Kommission", "SPD-Fraktion",
# "ZEIT-Online".
_NAME_HEADS = re.compile(r"(?i)(?:kommission|rat|gericht|gerichtshof|parlament|fraktion|partei|ministerium|amt|behörde|"
                         r"bank|agentur|verband|liga|online|kommissie|raad|hof|fractie|partij|ministerie|parlement|council|commission)$")


def german_article(text: str, found: list[Found], known: Callable[[str], bool]) -> list[Found]:
    """A German article opening a sentence is no part of the name after it ("Die Grünen kündigten",
    "Der Magistrat"), unless the knowledge base names the whole ("Die Welt", "Der Spiegel": known, of a
    folded key), or an adjective follows the article and the knowledge base does not name the words after
    it ("Die Toten Hosen"; "Die Deutsche Bank" loses its article); titles of works keep theirs (MISC)."""
    out = found
    for i, f in enumerate(found):
        if f.type != "MISC" and text.startswith(_DE_ARTICLES, f.start) and opens_sentence(text, f.start) \
                and not known(join_key(fold_key(text[f.start : f.end]))):
            k = text.index(" ", f.start) + 1
            rest = text[k : f.end]
            first = rest.partition(" ")[0]
            if first.endswith(("e", "en", "er", "es")) and zipf(first.lower(), "de") >= 3.0 \
                    and not known(join_key(fold_key(rest))):
                continue  # an adjective after the article: one name with it ("Die Toten Hosen")
            if out is found:
                out = list(found)
            out[i] = Found(k, f.end, f.type)
    return out


# A team in a standings line or a live report: its name, then its points, their change or a goal's minute
# in brackets ("Union (6 Pkt)", "Gladbach (+2)", "Ajax (34 ptn)", "Lorient (65')"). The brackets are found
# first (a literal "(" the engine scans for), then the name right before them (_TEAM_BEFORE, which
# match_results reads too: the side before its verb).
_STANDING = re.compile(rf"\((?:\d{{1,3}}[ \t]*(?i:{POINTS})\.?|[+−-]\d{{1,3}}|\d{{1,3}}(?:\+\d{{1,2}})?['’])\)")
_TEAM_BEFORE = re.compile(r"(?<![\w-])([A-ZÄÖÜ][\w.'-]*(?: [A-ZÄÖÜ][\w.'-]*){0,2})[ \t]*\Z")


def standings(text: str, found: list[Found], lang: str, is_country: Callable[[str], bool]) -> list[Found]:
    """A name before its points in brackets is a team: an organisation, a club (a country stays a place,
    CoNLL); a mention of exactly that name takes the type, without a town's id; a missed one is added."""
    if "(" not in text:
        return found
    out = found
    starts: list[int] | None = None
    added: list[Found] = []
    for bracket in _STANDING.finditer(text):
        m = _TEAM_BEFORE.search(text, max(0, bracket.start() - 60), bracket.start())
        if m is None:
            continue
        s, e = m.span(1)
        if is_country(join_key(fold_key(m.group(1)))):
            continue
        if starts is None:
            starts = [f.start for f in found]
        i = bisect_right(starts, e - 1) - 1  # the last mention starting inside or before the name
        if i >= 0 and found[i].end > s:
            if found[i].end == e and found[i].start >= s and found[i].type != "ORG":
                if out is found:
                    out = list(found)
                out[i] = Found(found[i].start, e, "ORG")  # "Auch Gladbach (+2)": the mention "Gladbach"
            continue
        while (k := text.find(" ", s, e)) != -1 and common_word(text[s:k].lower(), lang):
            s = k + 1  # "Auch Gladbach": a frequent word opens no team's name
        added.append(Found(s, e, "ORG"))
    return sorted([*out, *added], key=attrgetter("start")) if added else out


# Tennis: two or more set scores after a name, with a tie-break in brackets and the player's country in
# brackets before them ("Magnus Larsson ( Sweden ) 6-3 7-6 ( 7-5 )"); a set has at most 7 games.
_SET = r"[0-7]-[0-7](?:[ \t]*\([ \t]*\d{1,2}-\d{1,2}[ \t]*\))?"
_SET_SCORES = re.compile(rf"(?:[ \t]*\([^()\n]{{2,40}}\))?[ \t]+{_SET}(?:,?[ \t]+{_SET})+(?![\d-])")
# The winner before "beat" and the loser (and a seed's number before it: "beat 5 - Thomas Enqvist").
_WINNER_BEFORE = re.compile(r"(?<![\w'’-])([A-Z][\w'’-]+)(?:[ \t]*\([^()\n]{2,40}\))?[ \t]+(?:beat|defeated|bt|d\.)[ \t]+(?:\d{1,2}[ \t]*-[ \t]*)?\Z")


def inverted_speakers(text: str, found: list[Found], lang: str, known: Callable[[str], bool]) -> list[Found]:
    """Who speaks after the verb, as a quote's report writes it (", zegt Vandereycken .", ", aldus De Gucht ,",
    ", so Ketterer .", '" said Smith .'), or whose view a sentence opens with ("Volgens Verstraeten is er",
    "According to Smith ,"): the capitalised words between the verb and a stop are a person, added
    where the model found nothing and retyped where it read an unlinked place, organisation or MISC. Not a name
    the KB has as a place or organisation (known: of a folded key), a title or a day ("said Monday"). found: sorted."""
    if lang not in _SPEAKING:
        return found
    out = found
    added: list[Found] = []
    starts: list[int] = []
    for m in chain(_speakers(text, lang), _view_openers(text, lang)):
        if not starts:
            starts = [f.start for f in found]
        a, b = m.span(1)
        name = m.group(1)
        first = name.partition(" ")[0]
        if rules.is_title(first) or rules.is_calendar(first) or known(join_key(fold_key(name))):
            continue
        k = bisect_left(starts, a)
        if k < len(found) and found[k].start < b:  # the model read something there
            f = found[k]
            if (f.start, f.end) == (a, b) and f.type != "PER" and f.entity_id is None \
                    and (" " not in name or rules.given_name(first) or first in _CAPITAL_PARTICLES):  # not "Google Scholar"
                out = list(found) if out is found else out
                out[k] = Found(a, b, "PER")
        elif not inside(found, starts, a) and (" " in name or surname_or_rare(name, lang)):
            added.append(Found(a, b, "PER"))
    if not added:
        return out
    return sorted([*out, *added], key=attrgetter("start"))


# A speaker's name of up to three words (particles between), up to a stop.
_NAME_STOP = r"(?=[ \t]*(?:[.,;:!?]|$))"
_SPEAKER_NAME = r"([A-Z][\w'’-]+(?:[ \t]+(?:(?:van|de|der|den|ter|te|von|zu|da|di)[ \t]+)*[A-Z][\w'’-]+){0,2})" + _NAME_STOP
# Verbs of speech that put the speaker after them in a quote's report.
_SPEAKING = {lang: tuple(f" {verb} " for verb in verbs) for lang, verbs in {
    "nl": ("zegt", "zei", "aldus", "verklaarde", "verklaart", "meent", "stelt", "benadrukt", "benadrukte"),
    "de": ("sagte", "sagt", "so", "erklärte", "erklärt", "betonte", "meinte"),
    "en": ("said", "says"),
}.items()}  # each verb between blanks, as str.find looks for it
_SPEAKER_AFTER = re.compile(r"[ \t]*" + _SPEAKER_NAME)


def _speakers(text: str, lang: str) -> Iterator[re.Match[str]]:
    """The names after a verb of _SPEAKING[lang] that follows a comma or a quote (and blanks), each verb found by
    str.find: most texts have none, and a regex would try every comma."""
    for verb in _SPEAKING[lang]:
        at = text.find(verb)
        while at >= 0:
            j = at
            while j > 0 and text[j - 1] in " \t":
                j -= 1
            if j > 0 and text[j - 1] in _BEFORE_SPEECH and (m := _SPEAKER_AFTER.match(text, at + len(verb) - 1)) is not None:
                yield m
            at = text.find(verb, at + len(verb) - 1)


_BEFORE_SPEECH = frozenset(',"“”„')
# What opens a sentence with whose view it gives, and the name after it up to what must follow ("Volgens
# Verstraeten is er", "According to Smith ,"): found by str.find, the name matched where the opener ends.
_VIEW_OPENERS = {
    "nl": ("Volgens ", re.compile(_SPEAKER_NAME[: -len(_NAME_STOP)] + r"(?=[ \t]+(?:is|heeft|zal|zou|moet|kan|wil|was|waren|zijn"
                                                                       r"|hebben|gaat|ligt|staat|blijft|wordt)\b)")),
    "en": ("According to ", re.compile(_SPEAKER_NAME[: -len(_NAME_STOP)] + r"(?=[ \t]*,)")),
}


def _view_openers(text: str, lang: str) -> Iterator[re.Match[str]]:
    """The names after _VIEW_OPENERS[lang] where it opens a sentence (after a text's or line's start, or after . ! ? or a
    closing quote and blanks)."""
    opener = _VIEW_OPENERS.get(lang)
    if opener is None:
        return
    word, name = opener
    at = text.find(word)
    while at >= 0:
        j = at - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        opens = j < 0 or text[j] == "\n" or (text[j] in ".!?\"”" and j < at - 1)
        if opens and (m := name.match(text, at + len(word))) is not None:
            yield m
        at = text.find(word, at + len(word))


def goal_scorers(text: str, found: list[Found]) -> list[Found]:
    """The scorer of a goal in a match report's list is a person: the name between the score and the minute
    ("Tore: 1:0 Effenberg (23.), 2:0 Wohlfarth (67.)", "1-0 Kluivert (23)"), after the minute and before
    the score ("12' Vonasek 1-0"), in the bracket after a team's goals ("PSV 4 ( Nilis 12 , Cocu 45 )"), or
    with the minute after it in a list of goals ("Doelpunten : Radzinski ( 12 ) , Goor ( 81 )"): added where the
    model found nothing, retyped where it read another type and linked nothing or a place (a town's name is a
    player's there). found: sorted."""
    spans = _scorer_spans(text)
    if not spans:
        return found
    out = found
    added: list[Found] = []
    starts = [f.start for f in found]
    drop: list[tuple[int, int]] = []  # the minute's brackets: "(80., Foulelfmeter)" names no one
    for a, b, bracket in spans:
        if bracket is not None:
            drop.append(bracket)
        i = bisect_right(starts, b - 1) - 1
        if i < 0 or found[i].end <= a:
            added.append(Found(a, b, "PER"))
        elif found[i].start == a and found[i].end >= b and found[i][2:] != ("PER", None, None) \
                and (found[i].entity_id is None or found[i].type == "LOC"):
            out = list(found) if out is found else out
            out[i] = Found(a, b, "PER")  # "[Wilmots 1-1]" read as one MISC: the name alone; "Goor ( 81 )" is no town
    if drop:  # sorted and apart: the last bracket opening at or before a mention is the only one it can be inside
        opens = [x for x, _y in drop]
        out = [f for f in out if f.entity_id is not None or (k := bisect_right(opens, f.start) - 1) < 0 or f.end > drop[k][1]]
    return sorted([*out, *added], key=attrgetter("start")) if added else out


def function_words(text: str, found: list[Found], lang: str) -> list[Found]:
    """An unlinked mention that is one capitalised word among the language's most frequent ones (a pronoun, an
    article: '" We hebben slecht gespeeld "' read as a name after a quote) is none."""
    out = found
    for i, f in enumerate(found):
        if f.entity_id is None and f.end - f.start <= 4 and text[f.start].isupper() and text[f.start + 1 : f.end].islower() \
                and zipf(text[f.start : f.end].lower(), lang) > _FUNCTION_ZIPF:
            if out is found:
                out = found[:i]
            continue
        if out is not found:
            out.append(f)
    return out


_FUNCTION_ZIPF = 6.0  # wordfreq Zipf: "we", "het", "wir", "she" are over it; "may", "us" (6.0) and every name under


def scorers_in_prose(text: str, found: list[Found], lang: str) -> list[Found]:
    """German and Dutch: who scored, named right after the verb or "goals of" ("Die Tore erzielten Bode und Rufer",
    "Für die Münchner trafen Klinsmann und Scholl", "Voor Anderlecht scoorden Vidovic en Degryse", "door
    doelpunten van Van Nistelrooy en Bruggink"), one name or a list of them: each a surname the name lexicon knows
    or a word the language seldom uses, added where the model found nothing; a one-word place or organisation the
    model read in the list is the scorer too ("kwamen van Verheyen , [Mendoza] en [Simons]"). found: sorted."""
    verbs = _SCORING_VERBS.get(lang)
    if verbs is None or not any(v in text for v in verbs[0]):
        return found
    out = found
    added: list[Found] = []
    starts = [f.start for f in found]
    for m in chain(verbs[1].finditer(text), _scorers_before(text, lang)):
        pos, listed, read = m.end(), 0, []
        for _ in range(8):  # names joined by commas and "und"/"en"
            k = bisect_left(starts, pos)
            if k < len(found) and found[k].start == pos:  # a name the model read: a person, or one word
                f = found[k]
                if f.type != "PER" and " " in text[f.start : f.end]:
                    break
                read.append(k)
                end = f.end
            elif (w := _SCORER_NAME.match(text, pos)) is not None and surname_or_rare(w.group(0), lang) \
                    and not inside(found, starts, pos):
                added.append(Found(pos, w.end(), "PER"))
                end = w.end()
            else:
                break
            listed += 1
            if (j := _LIST_JOIN.match(text, end)) is None:
                break
            pos = j.end()
        for k in read:  # one word the model read otherwise, in a list or a surname: the scorer ("doelpunten van Ajax" stays)
            f = found[k]
            if f.type != "PER" and (f.entity_id is None or f.type != "ORG") and not rules.is_title(text[f.start : f.end]) \
                    and (listed > 1 or (f.entity_id is None and surname_or_rare(text[f.start : f.end], lang))):
                out = list(found) if out is found else out
                out[k] = Found(f.start, f.end, "PER")
    if not added:
        return out
    return sorted([*out, *added], key=attrgetter("start"))


def _scorers_before(text: str, lang: str) -> Iterator[re.Match[str]]:
    """Where a list of two or more names before a plural scoring verb starts ("Möller und Riedle trafen für den
    BVB", "Vidovic en Degryse scoorden"): a match ending there, as the verbs' matches end where their list starts."""
    verb = _PLURAL_SCORING.get(lang)
    if verb is None or not any(v in text for v in verb[0]):
        return
    for m in verb[1].finditer(text):
        yield _EMPTY_AT.match(text, m.start(1))


def _plural_scoring(capital: str, joiner: str, verbs: str) -> re.Pattern[str]:
    """Two or more names joined by commas and joiner, opening a line or following a stop, before one of verbs."""
    name = rf"{capital}[\w'’-]+"
    return re.compile(rf"(?:^|(?<=[.,;:]))[ \t]*((?:{name}(?:[ \t]*,[ \t]*|[ \t]+{joiner}[ \t]+))+{name})[ \t]+(?:{verbs})\b", re.M)


_PLURAL_SCORING = {
    "de": ((" trafen", " schossen", " erzielten"), _plural_scoring("[A-ZÄÖÜ]", "und", "trafen|schossen|erzielten")),
    "nl": ((" scoorden",), _plural_scoring("[A-Z]", "en", "scoorden")),
}
_EMPTY_AT = re.compile("")
_SCORING_VERBS = {
    "de": ((" erzielte", " schoss", " traf", "Tore von", "Treffer von"),
           re.compile(r"\b(?:erzielten|erzielte|schossen|schoss|trafen|traf|(?:Tore|Treffer)[ \t]+von)[ \t]+")),
    "nl": ((" scoorde", "doelpunten", "treffers van", "goals van"),
           re.compile(r"\b(?:scoorden?|(?:doelpunten|treffers|goals)[ \t]+(?:kwamen[ \t]+)?van)[ \t]+")),
}
_SCORER_NAME = re.compile(r"[A-ZÄÖÜ][a-zäöüßéèáíóúčćšž]+(?![\w-])")
_LIST_JOIN = re.compile(r"[ \t]*,[ \t]*|[ \t]+(?:und|en)[ \t]+")


@lru_cache(maxsize=16384)
def surname_or_rare(word: str, lang: str) -> bool:
    """Whether a capitalised word standing for a person (a scorer, a speaker) is a name: no title or calendar word,
    and a surname the name lexicon knows or a word the language seldom uses (German capitalises nouns)."""
    if len(word) < 3 or rules.is_title(word) or rules.is_calendar(word):
        return False
    return "s" in lexicon.flags(word) or zipf(word.lower(), lang) < _RARE_NOUN


_SCORER = r"([A-ZÄÖÜ][\w'’-]+(?:[ \t](?:van|de|der|den|von|da|di)?[ \t]?[A-ZÄÖÜ][\w'’-]+)?)"
# Each opens with a literal character, which the regex engine finds by a fast scan (most texts have no goals):
# the minute's bracket, then the score and the scorer before it; a minute's mark, then the scorer and the score.
_MINUTE_BRACKET = re.compile(r"\([ \t]?\d{1,3}\.?'?(?:[ \t]?,[^()\n]{0,30})?[ \t]?\)")  # as wire copy spaces it too: "( 23. )"
_SCORE_SCORER_BEFORE = re.compile(rf"(?<![\d:.-])\d{{1,2}}[:-]\d{{1,2}}[ \t]+{_SCORER}[ \t]*\Z")
# the minute written "12'" or, in Dutch and German lists, "12." (two digits at least: "1. FC Köln 2-1" is a club)
_MINUTE_SCORER = re.compile(rf"'[ \t]+{_SCORER}[ \t]+\d{{1,2}}-\d{{1,2}}(?![\d-])")
_DOT_SCORER = re.compile(rf"\. [ \t]*{_SCORER}[ \t]+\d{{1,2}}-\d{{1,2}}(?![\d-])")
_TWO_DIGITS = re.compile(r"(?<![\d.])\d{2,3}\Z")
# A team's goals, then its scorers with their minutes in brackets, as wire summaries write them ("PSV Eindhoven 4 (
# Nilis 12 , Cocu 45 , Van Gastel 75 penalty ) Roda JC 0"): opens with the score's digit and the bracket.
_SCORER_ENTRY = rf"{_SCORER}[ \t]+\d{{1,3}}(?:[ \t]+(?:pen|penalty|og|own goal))?"
_SCORER_LIST = re.compile(rf"\d[ \t]+\([ \t]?((?:{_SCORER_ENTRY}[ \t]?,[ \t]?)*{_SCORER_ENTRY})[ \t]?\)")
_LISTED_SCORER = re.compile(_SCORER_ENTRY)
# Scorers each with the minute in brackets after the name, two or more in a list after a label that says goals
# ("Doelpunten : Radzinski ( 12 ) , Koller ( 45 ) en Mornar ( 80 )", "Tore: Effenberg (23.), Wohlfarth (67.)"; not a
# table's "Ajax ( 45 ) , PSV ( 43 )").
_GOALS_LABEL = re.compile(r"(?:Doelpunten|Doelpuntenmakers|Tore|Torschützen|Goals|Scorers|Buts|Buteurs)[ \t]*:")  # a literal opens it
_MINUTE_AFTER = rf"{_SCORER}[ \t]?\([ \t]?\d{{1,3}}\.?'?[ \t]?\)"
_MINUTE_LIST = re.compile(rf"{_MINUTE_AFTER}(?:(?:[ \t]?,[ \t]?|[ \t]+(?:en|und|and|et)[ \t]+){_MINUTE_AFTER})+")
_MINUTE_LISTED = re.compile(_MINUTE_AFTER)


def _scorer_spans(text: str) -> list[tuple[int, int, tuple[int, int] | None]]:
    """(start, end, the minute's brackets or None) of each scorer goal_scorers reads, in order."""
    out: list[tuple[int, int, tuple[int, int] | None]] = []
    if "(" in text:
        for m in _MINUTE_BRACKET.finditer(text):
            if (s := _SCORE_SCORER_BEFORE.search(text, max(0, m.start() - 60), m.start())) is not None:
                out.append((*s.span(1), m.span()))
        for m in _SCORER_LIST.finditer(text):
            out += [(*n.span(1), None) for n in _LISTED_SCORER.finditer(text, m.start(1), m.end(1))]
        for label in _GOALS_LABEL.finditer(text):  # the list within the label's line
            line_end = text.find("\n", label.end())
            m = _MINUTE_LIST.search(text, label.end(), len(text) if line_end < 0 else line_end)
            if m is None or m.start() - label.end() > 80:
                continue
            seen = {(a, b) for a, b, _br in out}
            out += [(*n.span(1), None) for n in _MINUTE_LISTED.finditer(text, m.start(), m.end()) if n.span(1) not in seen]
    for scorer in (_MINUTE_SCORER, _DOT_SCORER):  # each found by its literal opening ("' ", ". ")
        for m in scorer.finditer(text):
            at = m.start()
            if at and text[at - 1].isdigit() and (scorer is _MINUTE_SCORER or _TWO_DIGITS.search(text, max(0, at - 4), at)) \
                    and not rules.is_calendar(m.group(1).partition(" ")[0]):
                out.append((*m.span(1), None))
    return sorted(out)


# Capitalised words before "beat" that name no one ("He beat Agassi 6-3 6-4").
_NOT_WINNERS = frozenset("He She It They We I You Who This That Then Also And But".split())


def set_scores(text: str, found: list[Found], is_country: Callable[[str], bool]) -> list[Found]:
    """A name right before tennis set scores is a player, a person, as is the name before "beat" that won
    them ("Hingis beat Seles 6-3 4-6 7-5", where the model read lone surnames as organisations). A linked
    name or a country (Davis Cup) keeps its reading. found: sorted."""
    if "-" not in text:
        return found
    out = found
    added: list[Found] = []
    starts: list[int] | None = None
    for i, f in enumerate(found):
        if not _SET_SCORES.match(text, f.end) or (f.type != "PER" and not _player(text, f, is_country)):
            continue
        if starts is None:  # only an article with set scores needs them
            starts = [g.start for g in found]
        if f.type != "PER":
            if out is found:
                out = list(found)
            out[i] = Found(f.start, f.end, "PER")
        m = _WINNER_BEFORE.search(text, max(0, f.start - 80), f.start)
        if m is None:
            continue
        a, b = m.span(1)
        k = bisect_right(starts, a) - 1
        if k >= 0 and found[k].end > a:  # a mention there: the winner's last name or all of it
            if found[k].end == b and _player(text, found[k], is_country):
                if out is found:
                    out = list(found)
                out[k] = Found(found[k].start, b, "PER")
        elif (m.group(1) not in _NOT_WINNERS and not rules.is_calendar(m.group(1))
              and not is_country(join_key(fold_key(m.group(1))))):
            added.append(Found(a, b, "PER"))
    return sorted([*out, *added], key=attrgetter("start")) if added else out


def affiliations(text: str, found: list[Found], is_country: Callable[[str], bool], is_org: Callable[[str], bool]) -> list[Found]:
    """A name in brackets right after a person's is what the person belongs to, an organisation: a party
    ("Engholm (SPD)"), a club in results ("Thilo Brill (LG Nord)", "Clemens Herfurth (TuS Lichterfelde)"),
    where the model read a place or a person; a place's id goes with it (the club is not the town). A country
    stays a place ("Hingis (Switzerland)"), and a person stays one unless a word of it is written like a club's
    short name ("TuS", "SCC", "LAC Olympia 88": an actor after a role, "Max (Florian David Fitz)", is kept).
    One the model left out is added (_bracketed_parties). is_org: whether a folded name is an organisation's in the KB."""
    if " (" not in text:
        return found
    out = _bracketed_parties(text, found, is_country, is_org)
    found = out
    for i in range(1, len(found)):
        f, g = found[i - 1], found[i]
        if f.type != "PER" or g.type == "ORG" or text[f.end : g.start] not in _OPEN_BRACKET \
                or not text.startswith(")", g.end + (text[g.end : g.end + 1] == " ")):
            continue  # "Engholm (SPD)", or as wire copy is tokenized, "Engholm ( SPD )"
        name = text[g.start : g.end]
        key = join_key(fold_key(name))
        if is_country(key) or (g.type == "LOC" and _REFEREE.search(text, max(0, f.start - 20), f.start)):
            continue  # a referee's bracket is the town: "Schiedsrichter : Heynemann ( Magdeburg )"
        if g.type == "PER" and not any(_club_word(w) for w in name.split()) and not is_org(key):
            continue
        if out is found:
            out = list(found)
        keep = g.entity_id is not None and g.type == "ORG"
        out[i] = Found(g.start, g.end, "ORG", g.entity_id if keep else None, g.name if keep else None)
    return out


_OPEN_BRACKET = frozenset({" (", " ( "})
# A ranked result line: a rank, a name, its country in brackets ("2. Picabo Street ( U.S. ) 1:46.11").
_RANKED = re.compile(r"[ \t]*\d{1,3}\.[ \t]+([A-ZÀ-Ý][\w'’-]*\.?(?:[ \t]+(?:[A-ZÀ-Ý][\w'’-]*\.?|van|de|der|von|da|di)){0,3})"
                     r"[ \t]+\([ \t]*([A-ZÀ-Ý][^()\n]{0,30}?)[ \t]*\)"
                     r"(?:[ \t]+([A-Z][\w'’&-]*(?:[ \t]+[A-Z][\w'’&-]*){0,2})(?=[ \t]+(?:\d|[a-z])))?")


def ranked_persons(text: str, found: list[Found], is_country: Callable[[str], bool],
                   is_org: Callable[[str], bool]) -> list[Found]:
    """The name on a ranked result line before its country in brackets is a person's ("2. [Picabo Street] ( U.S. )
    1:46.11": "Street" is a word, the model read nothing), whatever the model read there, and capitalised words after
    the bracket before a time or a word in lower case are the team ("( Italy ) [Mapei] 6 hours"); the country in brackets
    is what makes the line a ranking ("3. Genk ( 45 )" is none), and a name of the KB's organisations keeps its
    reading ("1. Ajax ( Netherlands )"). is_country, is_org: of a folded key. found: sorted."""
    if "1." not in text:
        return found  # a ranking opens with "1."
    names: list[tuple[int, int, str]] = []
    pos = 0
    for line in text.split("\n"):  # most lines open with no digit: no regex for them
        if line.lstrip(" \t")[:1].isdigit() and (m := _RANKED.match(line)) is not None \
                and is_country(join_key(fold_key(m.group(2)))) and not is_org(join_key(fold_key(m.group(1)))):
            names.append((pos + m.start(1), pos + m.end(1), "PER"))
            if m.group(3) and not is_country(join_key(fold_key(m.group(3)))):
                names.append((pos + m.start(3), pos + m.end(3), "ORG"))  # the rider's team: "( Italy ) Mapei 6 hours"
        pos += len(line) + 1
    if not names:
        return found
    same = {(f.start, f.end, f.type) for f in found}
    names = [n for n in names if n not in same]
    if not names:
        return found
    return sorted([*outside(found, [(a, b) for a, b, _ in names]), *(Found(*n) for n in names)], key=attrgetter("start"))


_REFEREE = re.compile(r"(?i)(?:schiedsrichter|referee|scheidsrechter|arbitre)[ \t]*:?[ \t]*\Z")
# One word in brackets, as after a person's name: "(SP)", "(AfD)", "(CD&V)", as wire copy is tokenized "( SPD )".
_BRACKETED = re.compile(r" \( ?([^\W\d_][\w&.-]{1,11}) ?\)")
# Capitals that name a party or a club after a person: "SPD", "VVD", "D66", "CD&V", "N-VA".
_AFFILIATION = re.compile(r"[A-ZÄÖÜ]{3,5}|[A-ZÄÖÜ]{1,4}[0-9]{1,2}|[A-Z]{1,3}[&-][A-Z]{1,3}")


def acronym_definitions(text: str, found: list[Found]) -> list[Found]:
    """A run of capitalised words, joined by small words, whose capitals spell the acronym in brackets right
    after it is one name, the acronym's: "[Organisation for Security and Cooperation in Europe] ( OSCE )" was an
    organisation and a place, "[Air and Marine Operations] (AMO)" a place and an organisation. It takes the
    acronym's type and id (an organisation's where the acronym is no mention, or was linked to a place of one word:
    "Syrian Arab News Agency ( SANA )" is no Sana'a) and replaces the mentions inside; not where a mention reaches
    out of it, nor for a technical term ("Artificial Intelligence (AI)"). found: sorted."""
    if " (" not in text:
        return found
    starts: list[int] = []
    out = found
    for m in _ACRONYM_AFTER.finditer(text):
        word = m.group(1)
        if word in _NOT_NAMES:
            continue
        start = _spelled_by(text, m.start(), word)
        if start is None:
            continue
        starts = starts or [f.start for f in found]
        i, k = bisect_left(starts, start), bisect_left(starts, m.start())
        if (i > 0 and found[i - 1].end > start) or (k > i and found[k - 1].end > m.start()) \
                or (k == i + 1 and found[i][:2] == (start, m.start())):
            continue  # a mention reaches out of the run, or the model read it whole
        j = bisect_left(starts, m.start(1))
        acr = found[j] if j < len(found) and found[j][:2] == m.span(1) else None
        if acr is not None and acr.type == "LOC" and acr.name is not None and " " not in acr.name:
            # a place of one word linked by the acronym's letters ("SANA" as Sana'a): the spelled name is no such
            # place ("Syrian Arab News Agency"), nor is the acronym
            acr = Found(acr.start, acr.end, "ORG")
            out = list(found) if out is found else out
            out[j] = acr
        typ, eid, name = (acr.type, acr.entity_id, acr.name) if acr is not None and acr.type != "MISC" else ("ORG", None, None)
        out = list(found) if out is found else out
        out[i:k] = [Found(start, m.start(), typ, eid, name)]
        found, starts = out, [f.start for f in out]
    return out


# An acronym in brackets: "( OSCE )", "(AMO)".
_ACRONYM_AFTER = re.compile(r" \( ?([A-ZÄÖÜ]{2,6}) ?\)")
# Small words inside a name that its acronym skips ("Organisation for Security and Cooperation in Europe").
_SKIPPED = frozenset("of for and in on the to at de du des la le et van voor en het der für und zur zum vom von".split())


def _spelled_by(text: str, end: int, acronym: str) -> int | None:
    """Where the run of words before end starts whose capitals (of each word and of each hyphenated part) spell
    acronym, its first word capitalised and every other word capitalised or a small word; None if none does."""
    words = list(_RUN_WORD.finditer(text, max(0, end - 120), end))
    need = len(acronym)
    got = 0
    for n, w in enumerate(reversed(words)):
        if text[w.end() : end].strip(" "):
            return None  # punctuation between the words: no run
        end = w.start()
        piece = w.group()
        if piece in _SKIPPED:
            continue
        caps = [p[0] for p in piece.split("-") if p[:1].isupper()]
        if not caps or not piece[0].isupper():
            return None
        got += len(caps)
        if got > need or "".join(caps) != acronym[need - got : need - got + len(caps)]:
            return None
        if got == need:
            before = words[len(words) - n - 2] if n + 1 < len(words) else None
            if before is not None and before.group()[0].isupper() and before.group().lower() not in _OPENERS \
                    and not text[before.end() : w.start()].strip(" "):
                return None  # the name runs on before the spelled words ("Big Blue Sky (BS)")
            return w.start() if got >= 2 else None
    return None


_OPENERS = _SKIPPED | frozenset("a an die das den dem des een ein eine les l".split())  # articles may open a sentence
_RUN_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def bracketed_abbreviations(text: str, found: list[Found]) -> list[Found]:
    """An acronym in brackets right after a name whose capitalised words' initials it spells is that name's
    abbreviation: its type and id ("Andhra Pradesh (AP)" is no news agency, "Verenigde Naties (VN)"), added
    where the model read nothing. An agency after a dateline's place keeps its own ("PARIS (AFP)")."""
    if " (" not in text:
        return found
    out = found
    added: list[Found] = []
    for i, f in enumerate(found):
        if f.type == "PER" or (m := _BRACKETED.match(text, f.end)) is None:
            continue
        word = m.group(1)
        if not (2 <= len(word) <= 6 and word.isalpha() and word.isupper()):
            continue
        initials = "".join(w[0] for w in _WORD_PIECES.findall(text, f.start, f.end) if w[0].isupper())
        if initials != word:
            continue
        a, b = m.span(1)
        same = Found(a, b, f.type, f.entity_id, f.name)
        if i + 1 < len(found) and found[i + 1].start < m.end():
            g = found[i + 1]
            if (g.start, g.end) != (a, b) or g == same:
                continue
            if out is found:
                out = list(found)
            out[i + 1] = same
        else:
            added.append(same)
    return sorted([*out, *added], key=attrgetter("start")) if added else out


_WORD_PIECES = re.compile(r"[^\W\d_]+")


def _bracketed_parties(text: str, found: list[Found], is_country: Callable[[str], bool],
                       is_org: Callable[[str], bool]) -> list[Found]:
    """A word in brackets right after a person's name that no mention covers is their party or club when the
    KB names an organisation so ("Vande Lanotte (SP)", "Weidel (AfD)", "Calvo (Groen)") or it is written in
    capitals as parties are ("Peumans (N-VA)", "(VVD)"); no country ("(USA)"), nor two capitals alone, which
    are often a country's code or a US party's letter ("(NL)", "(R)"), nor a unit or a title ("(CEO)"). A rider's
    country and team in results are a place and an organisation ("Museeuw (Bel/Mapei)"; unlinked mentions there
    give way)."""
    drop: set[int] = set()
    added: list[Found] = []
    for i, f in enumerate(found):
        if f.type == "PER" and (m := _RIDER_TEAM.match(text, f.end)) is not None:  # "Johan Museeuw (Bel/Mapei)"
            inner = [g for g in found[i + 1 : i + 4] if g.start < m.end()]  # sorted: at most the two names and a piece
            if all(g.entity_id is None for g in inner):
                drop.update(g.start for g in inner)
                added += (Found(*m.span(1), "LOC"), Found(*m.span(2), "ORG"))
            continue
        if f.type != "PER" or (m := _BRACKETED.match(text, f.end)) is None \
                or (i + 1 < len(found) and found[i + 1].start < m.end()):
            continue
        word = m.group(1)
        key = join_key(fold_key(word))
        if is_country(key) or not (is_org(key) or (_AFFILIATION.fullmatch(word) and word not in _NOT_NAMES)):
            continue
        added.append(Found(m.start(1), m.end(1), "ORG"))
    if not added:
        return found
    return sorted([*(f for f in found if f.start not in drop), *added], key=attrgetter("start"))


# A rider's country, abbreviated, and team in brackets after the name in results: "(Bel/Mapei)", "(Dui/Telekom)".
_RIDER_TEAM = re.compile(r" \( ?([A-Z][A-Za-z]{1,2})/([A-Z][\w&.'’-]*(?: [A-Z][\w&.'’-]*){0,2}) ?\)")


def _club_word(word: str) -> bool:
    """A word written like a club's short name: capitals after its first letter ("TuS", "SCC") or a digit."""
    return any(c.isdigit() for c in word) or (len(word) > 1 and any(c.isupper() for c in word[1:]))


def _player(text: str, f: Found, is_country: Callable[[str], bool]) -> bool:
    """An unlinked name of one or two words that is no country: who may be a tennis player."""
    name = text[f.start : f.end]
    return f.entity_id is None and f.type != "MISC" and name.count(" ") < 2 and not is_country(join_key(fold_key(name)))


# Words that open a building's name in German and Dutch ("Schloss Bellevue", "Kasteel Grevenbroek"): places (CoNLL).
_BUILDINGS = {"de": ("Schloss ", "Burg ", "Kloster ", "Palais ", "Festung ", "Zeche "),
              "nl": ("Kasteel ", "Paleis ", "Slot ", "Fort ", "Abdij ", "Klooster ", "Burcht ")}


def buildings(text: str, found: list[Found], lang: str) -> list[Found]:
    """An unlinked name that a word for a castle, palace or abbey opens is a place, whatever the model read."""
    heads = _BUILDINGS.get(lang)
    if heads is None:
        return found
    out = found
    for i, f in enumerate(found):
        if f.type != "LOC" and f.entity_id is None and text.startswith(heads, f.start) and " " in text[f.start : f.end]:
            if out is found:
                out = list(found)
            out[i] = Found(f.start, f.end, "LOC")
    return out


def venues(text: str, found: list[Found]) -> list[Found]:
    """An unlinked name that ends in a stadium's or an arena's word is the venue, a place, whatever the model read
    ("[Philips Stadion]", "[Olympisch Stadion]", "Wembley Stadium"), with the royal title that opens its name the
    model left out ("Koning [Boudewijnstadion]" is "Koning Boudewijnstadion"). found: sorted."""
    out = found
    for i, f in enumerate(found):
        if f.entity_id is not None or not (name := text[f.start : f.end].lower()).endswith(_VENUE_ENDINGS) \
                or (f.type == "PER" and " " in name):
            continue  # a person's span only as one word ("Boudewijnstadion"; "Bruce Arena" is a coach)
        start = f.start
        if (m := _ROYAL_BEFORE.search(text, max(0, start - 12), start)) is not None and (i == 0 or found[i - 1].end <= m.start()):
            start = m.start()
        if start != f.start or f.type != "LOC":
            out = list(found) if out is found else out
            out[i] = Found(start, f.end, "LOC")
    return out


_VENUE_ENDINGS = ("stadion", "stadium", " arena")
_ROYAL_BEFORE = re.compile(r"(?<![\w-])(?:Koning|Koningin|Prins|König|King|Queen|Prince)[ \t]\Z")


def acronym(cased: str, f: Found, lang: str) -> Found | None:
    """An acronym no place or person in the knowledge base bears ("CBP", "AMO", "HSI", "SCC") names an
    organisation: the model reads unknown capitals as persons or products, and in English as places
    (German ones it reads as places mostly are: "DDR", "FFM"). A unit's or a technical term's capitals
    are no name at all (None: "GDP", "GMT + 0200 ( CEST )", "( home team in CAPS )"). cased: the text as the model read it (an
    acronym stays in capitals in a headline read in prose case)."""
    if f.entity_id is None and 2 <= f.end - f.start <= 5:
        word = cased[f.start : f.end]
        if word in _NO_NAME:
            return None
        if (f.type in ("PER", "MISC") or (f.type == "LOC" and lang == "en")) and word.isalpha() and word.isupper() \
                and word not in _NOT_NAMES and not _ROMAN.fullmatch(word):
            return Found(f.start, f.end, "ORG")
    return f


# A Roman numeral written by the rules ("XIV", "MCM"), not any run of its letters ("VLD", "VVD": parties).
_ROMAN = re.compile(r"M{0,4}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_CAPS_NEIGHBOUR_BEFORE = re.compile(r"[A-ZÄÖÜ]{2,}[^\w\n]{1,3}$")
_CAPS_NEIGHBOUR_AFTER = re.compile(r"[^\w\n]{1,3}[A-ZÄÖÜ]{2,}")
# Capitals that are no name: units, currencies, document and technical terms, time zones.
_NOT_NAMES = frozenset(
    """ISBN ISSN PDF RT TV DNA RNA LKW PKW CEO CFO CTO COO GDP BIP PS KW KWH MW GW AM PM OK PR PC VR AR
    AI KI SMS GPS USB CD DVD HD LED LCD WLAN WIFI SEV GMT CEST CET MEZ MESZ UTC UKW HIV AIDS COVID SARS
    FAQ PIN ID TAN IBAN BIC EUR USD CHF GBP JPY ABS SUV XL XXL VIP HTML HTTP URL SQL API CPU GPU RAM
    SOS UFO LGBT LGBTQ MRT CT EKG NB PPS IQ BMI PH ICE PLZ MwSt XML JSON CSS PHP LLC INC LTD PLC CAPS""".split()
)
# Those of them that name nothing, whatever the model read (a "CD" is a product, "UFO" a union, "PS" a party).
_NO_NAME = frozenset("""ISBN ISSN PDF TV DNA RNA CEO CFO CTO COO GDP BIP KW KWH MW GW OK AR VR GMT CEST CET MEZ MESZ UTC
    FAQ PIN TAN IBAN BIC PLZ MwSt CAPS""".split())


def _common_in_capitals(word: str, lang: str) -> bool:
    """A word written in capitals for emphasis ("HIER", "OK", "NEW"); wordfreq counts acronyms as
    words too, and well-known ones reach Zipf 4.5 ("hsv", "zdf", "nato"), hence the high bar."""
    return zipf(word.lower(), lang) >= 4.8


def unknown_acronyms(text: str, cased: str, pieces: list[tuple[int, int, str]], found: list[Found], lang: str) -> list[Found]:
    """An all-caps word of three or four letters that no mention covers names an organisation in news
    ("HSV", "DFL", "MOPO"), unless it is a common word, a Roman numeral or a unit or technical term;
    not in a line written in capitals (cased: the text as the model read it, where such a line is
    in prose case). pieces: capital_pieces(text); found: sorted by start."""
    out: list[Found] = []
    taken = iter(found)
    nxt = next(taken, None)
    for a, b, word in pieces:
        if not (3 <= b - a <= 4 and word.isupper() and word.isalpha()) \
                or (a > 0 and text[a - 1] in "-_") or text[b : b + 1] in ("-", "_"):
            continue  # not an acronym standing alone ("HSV-Comeback", "CO2")
        while nxt is not None and nxt.end <= a:
            nxt = next(taken, None)
        if nxt is not None and nxt.start < b:
            continue  # inside a mention
        if word in _NOT_NAMES or _ROMAN.fullmatch(word) or cased[a:b] != word or _common_in_capitals(word, lang) \
                or _CAPS_NEIGHBOUR_BEFORE.search(text, max(0, a - 30), a) or _CAPS_NEIGHBOUR_AFTER.match(text, b):
            continue  # a run of capitals is a heading or a name written in capitals, not an acronym
        out.append(Found(a, b, "ORG"))
    if not out:
        return found
    return sorted([*found, *out], key=attrgetter("start"))


# German short names of championships, alone or in a compound: "die WM", "Schwimm-WM", "FINA-WM", "U21-EM".
_DE_CHAMPIONSHIP = re.compile(r"(?:WM|EM)(?![\w-])")
_COMPOUND_BEFORE = re.compile(r"[\w-]*-$")


def german_championships(text: str, found: list[Found]) -> list[Found]:
    """German: a world or European championship written short ("die WM", "Schwimm-WM") is an event,
    MISC (GermEval OTH), whatever the model read; found: sorted by start."""
    out = found
    starts = [f.start for f in found]
    for m in _DE_CHAMPIONSHIP.finditer(text):
        start, end = m.span()
        if start > 0 and text[start - 1] == "-" and (head := _COMPOUND_BEFORE.search(text, max(0, start - 40), start)):
            start = head.start()  # the compound's first parts ("Schwimm-", "U21-")
            while text[start] == "-":
                start += 1  # a dash before the word is no part of it
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "-"):
            continue  # the end of another word ("SYSTEM"), or a compound longer than 40 characters
        i = bisect_left(starts, end) - 1  # the last mention starting before the word ends
        if i >= 0 and found[i].end > start:
            if (found[i].start, found[i].end) == (start, end) and found[i].type != "MISC":
                if out is found:
                    out = list(found)
                out[i] = Found(start, end, "MISC")
            continue  # inside a longer name ("FINA-WM 2023" as the model read it) stays as it is
        if out is found:
            out = list(found)
        out.append(Found(start, end, "MISC"))
    return out if out is found else sorted(out, key=attrgetter("start"))


# The last part of a street's, square's, waterway's or stadium's name ("Vijzelgracht", "Karl-Marx-Allee", "Weserstadion").
_STREET_ENDINGS = {
    "nl": ("straat", "weg", "laan", "gracht", "plein", "kade", "singel", "vaart", "dijk", "steeg", "markt", "dreef",
           "tunnel", "brug", "stadion"),
    "de": ("straße", "strasse", "platz", "allee", "gasse", "brücke", "ufer", "damm", "chaussee", "stadion"),
}
_STREET_ENDINGS_ANY_CASE = {lang: (*ends, *(e.capitalize() for e in ends)) for lang, ends in _STREET_ENDINGS.items()}
# Dutch words of a place's kind before its name ("de gemeente Schoorl", "het klooster Koutloumousiou").
_NL_PLACE_NOUNS = ("gemeente", "stad", "dorp", "plaats", "provincie", "regio", "eiland", "rivier", "hoofdstad", "wijk",
                   "kanton", "departement", "graafschap", "hertogdom", "deelgemeente", "klooster", "kasteel")
_NL_AFTER_PLACE_NOUN = re.compile(r"\b(?:" + "|".join(_NL_PLACE_NOUNS) + r") ([A-ZÀ-Þ][^\W\d_]*)\b")
_NL_PLACE_NOUNS_BLANK = tuple(noun + " " for noun in _NL_PLACE_NOUNS)


def after_place_noun(text: str) -> list[re.Match[str]]:
    """_NL_AFTER_PLACE_NOUN.finditer(text), tried only where str.find sees a place noun and a blank
    (the regex alone tries every position: ~0.1 ms on a 3.7 KB article). Its matches cannot overlap
    (each starts on a word boundary and ends after the word it captures), so matching at each such
    position in order finds the same ones."""
    at: set[int] = set()
    for noun in _NL_PLACE_NOUNS_BLANK:
        p = text.find(noun)
        while p >= 0:
            at.add(p)
            p = text.find(noun, p + 1)
    match = _NL_AFTER_PLACE_NOUN.match
    return [m for p in sorted(at) if (m := match(text, p)) is not None]


def streets_and_places(text: str, spans: list[tuple[int, int]], words: list[str], pieces: list[tuple[int, int, str]],
                       found: list[Found], lang: str) -> list[Found]:
    """A capitalised word named like a street ("Aalbersestraat") is a place, also where the model read
    a person or an organisation ("Cornelis Outshoornstraat"); in Dutch so is a capitalised name after a
    word of a place's kind ("de gemeente Schoorl", also where the model read a person: "de stad Arganil"). Words of the language are not ("Hoofdweg" is).
    pieces: capital_pieces(text), where such names can start and end; found: sorted by start."""
    endings = _STREET_ENDINGS.get(lang)
    if endings is None:
        return found
    out = [Found(f.start, f.end, "LOC") if f.type in ("PER", "ORG") and f.entity_id is None
           and text[f.start : f.end].endswith(endings) and _street(text[f.start : f.end].rpartition(" ")[2], endings, lang)
           else f for f in found]
    n = len(spans)
    tokens: list[int] = []  # the candidates' token indices
    retype: set[tuple[int, int]] = set()  # names right after a word of a place's kind
    ends_any_case = _STREET_ENDINGS_ANY_CASE[lang]
    for _a, b, piece in pieces:
        if piece.endswith(ends_any_case):  # the last piece of "Karl-Marx-Allee"
            k = bisect_left(spans, (b, -1)) - 1  # the token ending at b, if any
            if 0 <= k < n and spans[k][1] == b and _street(words[k], endings, lang):
                tokens.append(k)
    if lang == "nl":
        for m in after_place_noun(text):
            k = bisect_left(spans, (m.start(1), -1))
            if k < n and spans[k] == m.span(1) and not common_word(m.group(1).lower(), lang):
                tokens.append(k)
                retype.add(m.span(1))
        if retype:  # "de stad Arganil" read as a person: the name of a place's kind is the place
            out = [Found(f.start, f.end, "LOC") if (f.start, f.end) in retype and f.type in ("PER", "ORG")
                   and f.entity_id is None else f for f in out]
    if not tokens:
        return out
    starts = [f.start for f in found]
    added: list[Found] = []
    for k in sorted(set(tokens)):
        a, b = spans[k]
        i = bisect_left(starts, b) - 1
        if not (i >= 0 and found[i].end > a):  # not inside a mention
            added.append(Found(a, b, "LOC"))
    if not added:
        return out
    return sorted([*out, *added], key=attrgetter("start"))


def _street(word: str, endings: tuple[str, ...], lang: str) -> bool:
    low = word.lower()
    return word[:1].isupper() and low.endswith(endings) and len(word) >= 7 and word.replace("-", "").isalpha() \
        and not common_word(low, lang)


# Dutch names of peoples (CoNLL-2002 MISC); not those that are also a country's name ("Polen", "Zweden").
_NL_DEMONYMS = frozenset(
    """Belg Belgen Brit Britten Nederlander Nederlanders Duitser Duitsers Fransman Fransen Engelsman Engelsen
    Amerikaan Amerikanen Rus Russen Japanner Japanners Chinezen Italiaan Italianen Spanjaard Spanjaarden Turk
    Turken Marokkaan Marokkanen Surinamer Surinamers Griek Grieken Romein Romeinen Noor Noren Deen Denen Fries
    Friezen Vlaming Vlamingen Waal Walen Oostenrijker Oostenrijkers Zwitser Zwitsers Hongaar Hongaren Israëliër
    Israëliërs Palestijn Palestijnen Syriër Syriërs Afghanen Irakees Irakezen Iraniër Iraniërs Europeaan
    Europeanen Afrikaan Afrikanen Aziaten Arabier Arabieren Jood Joden Moslim Moslims Christenen Katholieken
    Protestanten Indianen Noordelijken Zuidelijken Oekraïner Oekraïners Australiërs Canadezen Mexicanen
    Brazilianen Argentijnen Indonesiërs Koerden Schotten Ieren Portugezen Tsjechen Slowaken Serviërs Kroaten
    Bosniërs Albanezen Roemenen Bulgaren Letten Litouwers Esten Finnen Egyptenaren Tunesiërs Algerijnen
    Nigerianen Kenianen Zuid-Afrikanen Vietnamezen Koreanen Thai Indiërs Pakistanen""".split()
)


def dutch_nationalities(text: str, spans: list[tuple[int, int]], words: list[str], pieces: list[tuple[int, int, str]],
                        found: list[Found]) -> list[Found]:
    """Dutch, CoNLL-2002: names of peoples ("Belgen") and adjectives of nationality ("de Britse vloot")
    are MISC also where the model left them out or read a people's name alone as another type ("de
    Italiaan"); a capitalised adjective opening a sentence only before a lower-case word ("Britse troepen",
    not a name such as "Franse Alpen"). pieces: capital_pieces(text); found: sorted by start."""
    starts = [f.start for f in found]
    added: list[Found] = []
    out = found
    n = len(spans)
    for a, b, w in pieces:
        bare = w in _NL_BARE_ADJECTIVES  # "Vlaams", "Belgisch": before a noun
        if not (w in _NL_DEMONYMS or bare or (len(w) >= 5 and w.endswith(_NL_ADJ_ENDS) and _NL_ADJ.search(w))) \
                or (k := bisect_left(spans, (a, -1))) == n or spans[k] != (a, b):
            continue  # not a whole token of either kind
        lower_next = k + 1 < n and words[k + 1][:1].islower()
        if bare and not lower_next:
            continue  # "Nederlands" alone is the language
        i = bisect_left(starts, b) - 1
        if i >= 0 and found[i].end > a:
            if (w in _NL_DEMONYMS or (bare and found[i].entity_id is None)) and found[i].start == a \
                    and found[i].end == b and found[i].type != "MISC":
                if out is found:
                    out = list(found)
                out[i] = Found(a, b, "MISC")  # "de Italiaan" read as a place, "Vlaams minister-president" as a body
            continue  # inside a mention
        if w in _NL_DEMONYMS or not opens_sentence(text, a) or lower_next:
            added.append(Found(a, b, "MISC"))
    if not added:
        return out
    return sorted([*out, *added], key=attrgetter("start"))


# English: the last word of a name that says its kind (CoNLL: facilities such as streets and bridges are places).
_EN_PLACE_HEADS = frozenset(
    "Street Avenue Boulevard Road Bridge Parkway Lane Square Drive Highway Expressway Beach Island Islands River "
    "Lake Valley Mountains County Sea Canal Gulf Strait Straits Peninsula Desert "
    "Rd Ave Blvd Pkwy Ln Hwy St Dr Pl Ct".split()  # last in a name, these abbreviate streets: "Parklawn Dr."
)
# Words that name a body of water or land before "of" and the place it belongs to ("Gulf of Mexico").
_EN_PLACE_OF = re.compile(r"(?<![\w-])(?:Gulf|Strait|Straits|Bay|Sea|Isle|Cape) of \Z")
# Capitalised words and "and" just before an organisation's name: its first half ("Securities and
# Exchange Commission", "Trade and Agriculture Commission").
_AND_BEFORE = re.compile(r"\b(?:The )?((?:[A-Z][a-z]+ ){0,2}[A-Z][a-z]+) and $")


def _plain_word(word: str) -> bool:
    """A capitalised English word that is a frequent word and none the name lexicon knows as a given name or
    surname: alone before "and", the first half of a body's name ("Customs and Border Protection", "Air and Marine
    Operations"), not a name of its own ("Johnson and Hall Brothers")."""
    return zipf(word.lower(), "en") >= 3.0 and not any(c in "fs" for c in lexicon.flags(word))


# The last words of English bodies' names that no title of a work ends with ("Fight Club", "Dead Poets Society" do).
_EN_BODY_HEADS = frozenset(
    """Commission Committee Council Agency Authority Board Bureau Administration Department Ministry Institute
    Foundation Association Federation Corporation Company University Bank Organization Organisation Fund
    Reserve""".split()
)
_EN_NAME_LINKS = frozenset(("and", "of", "for", "on", "the", "&"))


def english_bodies(text: str, found: list[Found]) -> list[Found]:
    """Not English: a name in English the model read as a title (MISC) is an organisation when its last word
    says it is a body ("bij de [Securities and Exchange Commission]", "de [Federal Reserve]")."""
    out = found
    for i, f in enumerate(found):
        if f.type != "MISC" or f.entity_id is not None:
            continue
        words = text[f.start : f.end].split(" ")
        if len(words) > 1 and words[-1] in _EN_BODY_HEADS and all(w[:1].isupper() or w in _EN_NAME_LINKS for w in words):
            out = list(found) if out is found else out
            out[i] = Found(f.start, f.end, "ORG")
    return out


def english_heads(text: str, found: list[Found], is_country: Callable[[str], bool]) -> list[Found]:
    """An unlinked name of two or more words whose last word says its kind gets that type ("Bruckner
    Boulevard" a place, "Jacobi Hospital" an organisation), whatever the model read (but a person read
    as a given name and a known surname stays one: "Anthony Lake"); a country's
    name starts after its article ("in The Netherlands" -> "Netherlands", CoNLL) unless the
    article is part of the name ("The Gambia"); an organisation's name so marked starts at the
    capitalised words and "and" before it ("Securities and Exchange Commission"); one whose first word
    says so before "of" is an organisation ("Department of Defense")."""
    out = found
    gone: set[int] = set()  # names the model read inside the first half of a name ("Customs" LOC)
    ends = [f.end for f in found]  # found is sorted and non-overlapping: so are the ends
    for i, f in enumerate(found):
        if f.type == "LOC" and (m := _EN_PLACE_OF.search(text, max(0, f.start - 12), f.start)):
            if out is found:  # "Gulf of Mexico" is a place of its own, not Mexico
                out = list(found)
            out[i] = Found(m.start(), f.end, "LOC")
            continue
        if f.entity_id is not None or f.type == "MISC":
            continue
        name = text[f.start : f.end]
        head, _, last = name.rpartition(" ")
        if not head:
            continue
        typ = "LOC" if last in _EN_PLACE_HEADS else "ORG" if last in rules.EN_ORG_HEADS else f.type
        first, _, rest = name.partition(" ")
        if first in rules.EN_ORG_HEADS and rest.startswith("of ") and not is_country(join_key(fold_key(name))) \
                and not (first == "Department" and is_country(join_key(fold_key(rest[3:])))):
            typ = "ORG"  # "Department of Defense", "University of Oxford"; not "the Moselle Department of France"
        if f.type == "PER" and " " not in head and rules.given_name(head) and "s" in lexicon.flags(last):
            typ = "PER"  # "Anthony Lake": a given name, then a surname that is also a kind of place
        start = f.start
        if typ == "LOC" and head[:1].isdigit() and (number := head.partition(" ")[0]).isdigit():
            start += len(number) + 1  # an address's house number is no part of the street: "4125 Albemarle St"
        if typ == "LOC" and name.startswith("The ") and not is_country(join_key(fold_key(name))) \
                and is_country(join_key(fold_key(name[4:]))):
            start += 4
        if typ == "ORG" and (last in rules.EN_ORG_HEADS or f.type == "ORG") \
                and (m := _AND_BEFORE.search(text, max(0, f.start - 50), f.start)) \
                and (last in rules.EN_ORG_HEADS or (" " not in m.group(1) and _plain_word(m.group(1)))):
            inside = set(range(bisect_right(ends, m.start(1)), i))  # the mentions between its start and f
            if all(found[j].entity_id is None and found[j].start >= m.start(1) for j in inside):
                start = m.start(1)  # unless a linked name, or one reaching outside, is in the way
                gone |= inside
        if typ != f.type or start != f.start:
            if out is found:
                out = list(found)
            out[i] = Found(start, f.end, typ)
    return [f for j, f in enumerate(out) if j not in gone] if gone else out


# Up to two capitalised words and a public body's kind right after a place's name: one body with the place
# ("Boston Police Department", "Hyogo Prefectural Police", "Cambridge City Council"); not "Department" or
# "Court" alone ("the Moselle Department of France", "Earls Court" are places).
_BODY_AFTER_PLACE = re.compile(
    r"(?: [A-Z][a-z]+){0,2}? (?:Police|Police Department|Fire Department|City Council|Council|County Council"
    r"|District Court|Sheriff's Office|Sheriff’s Office|Public Schools|School District|Transit Authority"
    r"|Port Authority)(?![\w'’-])(?! [A-Z])")


def bodies_after_places(text: str, found: list[Found]) -> list[Found]:
    """English: a place's name, then up to two capitalised words and a public body's kind, is that body, an
    organisation without the place's id ("a Puerto Rico Police Department K-9" was a place and another place;
    "The Hyogo Prefectural Police"). found: sorted."""
    if not any(w in text for w in ("Police", "Department", "Council", "Court", "Office", "Authority", "School")):
        return found
    out = found
    starts = [f.start for f in found]
    drop: set[int] = set()
    for i, f in enumerate(found):
        if f.type not in ("LOC", "ORG") or i in drop or (m := _BODY_AFTER_PLACE.match(text, f.end)) is None:
            continue
        if f.type == "ORG" and f.entity_id is not None:
            continue  # a linked organisation's name before such a word is left as the model read it
        j = bisect_left(starts, m.end())  # mentions inside the body's words give way to it
        drop.update(range(i + 1, j))
        if out is found:
            out = list(found)
        out[i] = Found(f.start, m.end(), "ORG")
    return [f for k, f in enumerate(out) if k not in drop] if drop else out


# Institutions English news names by one capitalised word (CoNLL: ORG).
_EN_INSTITUTIONS = re.compile(r"\b(?:Congress|Senate|Parliament|Commons|Pentagon|(?<=the )Lords|Labour)\b")
_CAPITAL_NEXT = re.compile(r"[ \t]+[A-Z]")
_CAPITAL_BEFORE = re.compile(r"(?<!\S)(?!The\b)[A-Z][\w.’']*[ \t]+$")


def english_institutions(text: str, found: list[Found]) -> list[Found]:
    """English: "Congress", "the Senate", "Parliament", "the Commons", "the Lords", "the Pentagon", "Labour"
    standing alone are organisations, also where the model read one alone as another type; next to another
    capitalised word they are part of a longer name ("Senate Majority Leader", "European Parliament") and
    left to the model. found: sorted by start."""
    starts = [f.start for f in found]
    out: list[Found] = []
    retyped = found
    for m in _EN_INSTITUTIONS.finditer(text):
        i = bisect_right(starts, m.start()) - 1
        if i >= 0 and found[i].start == m.start() and found[i].end == m.end():
            if found[i].type != "ORG" and found[i].entity_id is None:
                if retyped is found:
                    retyped = list(found)
                retyped[i] = Found(m.start(), m.end(), "ORG")  # "give Parliament the final say" read as a person
            continue
        if (i >= 0 and found[i].end > m.start()) or (i + 1 < len(found) and found[i + 1].start < m.end()):
            continue  # inside or across a mention
        if _CAPITAL_NEXT.match(text, m.end()) or (
                m.group(0) != "Labour" and _CAPITAL_BEFORE.search(text, max(0, m.start() - 30), m.start())):
            continue  # "Labour" after a capital is still the party ("Opposition Labour leader", "New Labour")
        out.append(Found(m.start(), m.end(), "ORG"))
    return sorted([*retyped, *out], key=attrgetter("start")) if out else retyped


def nl_adjective(text: str, f: Found, lang: str, known: Callable[[str], bool]) -> Found:
    """Dutch adjectives of nationality (Amerikaanse, Russische) and language names ("cursus
    Nederlands", "auf Deutsch") are MISC (CoNLL), not places. A Dutch place or organisation that such an
    adjective opens and a word in lower case follows is only that adjective ("het [Australische] leger",
    "[Griekse] tekst"); capitals after it make one name ("Middellandse Zee", "Duitse Orde"), and so does a
    name the knowledge base knows (known: of a folded key)."""
    if f.type in ("PER", "MISC"):
        return f
    word = text[f.start : f.end]
    shape = _adjective_shape(word, lang)
    if shape == 0:
        return f
    if shape < 0:
        return Found(f.start, f.end, "MISC")
    if not known(join_key(fold_key(word))):
        return Found(f.start, f.start + shape, "MISC")
    return f


def towns_after_adjectives(text: str, found: list[Found], place: Callable[[str], bool]) -> list[Found]:
    """Dutch: "het Limburgse Genk", "het Franse Lille": a town (neuter: "het") after an adjective of its region or
    country, read as one place, is two mentions, the adjective MISC and the town a place, when the KB names the
    town (place: of a folded key) and not the whole. A region takes "de" and keeps its name ("de Vlaamse Ardennen")."""
    if "het " not in text and "Het " not in text:
        return found
    out: list[Found] = []
    for f in found:
        if f.type != "LOC" or text.find(" ", f.start, f.end) < 0:
            out.append(f)
            continue
        first, _, rest = text[f.start : f.end].partition(" ")
        if rest[:1].isupper() and _NL_ADJ.search(first) and word_before(text[max(0, f.start - 12) : f.start]) in ("het", "Het") \
                and place(join_key(fold_key(rest))) and not place(join_key(fold_key(text[f.start : f.end]))):
            out += (Found(f.start, f.start + len(first), "MISC"), Found(f.start + len(first) + 1, f.end, "LOC"))
        else:
            out.append(f)
    return out


@lru_cache(maxsize=65536)
def _adjective_shape(word: str, lang: str) -> int:
    """nl_adjective's reading of a place's or organisation's word(s) alone: -1 all MISC, n > 0 the first
    n characters MISC unless the knowledge base knows the whole name, 0 neither."""
    if (lang == "nl" and _NL_ADJ.search(word)) or word in _LANGUAGE_NAMES.get(lang, ()):
        return -1
    first, sep, rest = word.partition(" ")
    if lang == "nl" and sep and _NL_ADJ.search(first) and not all(w[:1].isupper() for w in rest.split()):
        return len(first)
    return 0


# A single capitalised word ending like a Dutch adjective of nationality (Franse, Amerikaanse, Belgische).
_NL_ADJ = re.compile(r"^(?:[A-ZÀ-Ý][^\W\d_]*-)?[A-ZÀ-Ý][^\W\d_]+(?:se|sche)$")  # "Zuid-Afrikaanse" too
_NL_ADJ_ENDS = ("se", "sche")  # what a piece (no line break in it) must end with for _NL_ADJ
# Dutch adjectives of countries and regions in their bare form, as before a neuter noun ("Vlaams minister-president",
# "Belgisch kampioen"); alone, most of these name the language.
_NL_BARE_ADJECTIVES = frozenset(
    """Nederlands Belgisch Vlaams Waals Brussels Frans Duits Engels Brits Amerikaans Europees Italiaans Spaans Russisch
    Chinees Japans Turks Pools Grieks Deens Zweeds Noors Fins Iers Schots Portugees Zwitsers Oostenrijks Hongaars
    Tsjechisch Israëlisch Palestijns Iraaks Iraans Canadees Australisch Mexicaans Braziliaans Argentijns Marokkaans
    Surinaams Indonesisch Indiaas Servisch Kroatisch Bosnisch Albanees Roemeens Bulgaars Oekraïens Limburgs Fries
    Afrikaans Egyptisch Syrisch Libanees Koreaans Vietnamees Cubaans Chileens Colombiaans Nigeriaans Kameroens
    Congolees Rwandees Luxemburgs Ests Lets Litouws Sloveens Slowaaks Macedonisch Georgisch Armeens""".split()
)
_LANGUAGE_NAMES = {
    "nl": frozenset("Nederlands Engels Frans Duits Spaans Italiaans Russisch Arabisch Turks Pools Chinees Japans".split()),
    "de": frozenset("Deutsch Englisch Französisch Spanisch Italienisch Russisch Arabisch Türkisch Polnisch Chinesisch".split()),
}
