"""Corrections to the model's spans that no training set teaches well enough, as pure rules.

- Weekday and month names are not entities ("Thursday" LOC, "Friday" ORG); at the edge of a span
  they are cut off ("Tuesday, as sh…").
- Dates and years at the edge of a span are not part of the name ("LONDON 1996-12-06").
- A comma or semicolon ends a name: "TIGNES , France" is two places; so does a score between two
  names ("Fulham 0 Brentford 0").
- A dateline (an all-caps word opening a line, followed by a date, a dash or a comma) names a place.
- An English possessive ("Italy's") is not part of the name.
- A person's title is not part of the name ("Chancellor Helmut Kohl", "Bundeskanzler Olaf Scholz").
- A news agency's name or abbreviation ("dpa", "ANP", "(AFP)") is an organisation, and never part of
  the dateline's place ("DEN HAAG (ANP)" is a place and an agency).
- English nationality words are MISC (CoNLL convention) and are cut off the front of a name
  ("Norwegian Kjetil Andre Aamodt": MISC + PER); party and religious group words, events, treaties and
  laws are MISC too ("Democrats", "Paris Agreement"); German nationality words and events likewise
  ("die tunesischen Behörden", "UN-Klimakonferenz").
- A bracket without its partner, or before a count, ends a name ("CBP) Air", "Bayern (26 Pkt)"); so
  do the second team's goals ("Gladbach 2 Werder 1"); a number alone names no one.
- A short run of capitalised words after a person's title is that person, whatever the model read
  ("Trade Secretary Liz Truss", "Regierungschef Hichem Mechichi"); a German noun of kind before a
  name is no part of it ("Partei Attayar").
- An English sentence's opening article or adverb is no part of the name after it ("The Sixers",
  "Later Hitler").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from functools import lru_cache
from itertools import compress, count, starmap

from services.processor.entities.kb.store import join_key
from services.processor.entities.link import zipf
from services.processor.entities.ner import lexicon
from services.processor.entities.ner.peoples import EN_GROUPS as _EN_GROUPS
from services.processor.entities.ner.peoples import EN_MISC_WORDS as _EN_MISC_WORDS
from services.processor.entities.ner.peoples import EN_NATIONALITY as _EN_NATIONALITY
from services.processor.entities.ner.peoples import EN_NATIONS_BEFORE_NAMES as _EN_NATIONS_BEFORE_NAMES
from services.processor.entities.ner.peoples import EN_TWO_WORD_NATIONALS as _EN_TWO_WORD_NATIONALS
from services.processor.entities.ner.text import Span, fold_key, opens_sentence
from services.processor.entities.ner.titles import PERSON_TITLES, SHORT_TITLES, TITLE_ENDINGS, TITLES, is_title

# Verbs of reports and wire headlines between two names, which the model reads as one: "Clinton said
# Republicans", "SAMPRAS BEATS IVANISEVIC" (in prose case, as the model reads a headline); British headlines
# give a team a plural verb ("BLACKBURN SIGN NORWEGIAN STRIKER", "LEEDS SACK WILKINSON").
REPORT_VERBS = frozenset(
    """said says told tells added asked urged urges warned warns beats beat defeats edges downs stuns tops sinks
    holds wins loses meets backs rejects sacks names signs joins leaves quits visits calls slams replaces
    sign sack defeat edge down stun top sink hold win lose meet back reject join leave quit visit replace
    appoint appoints recall recalls drop drops axe axes clinch clinches crush crushes thrash thrashes rout routs""".split())

_CALENDAR = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december montag dienstag mittwoch donnerstag freitag samstag sonntag
    sonnabend januar jänner februar märz mai juni juli oktober dezember maandag dinsdag woensdag donderdag
    vrijdag zaterdag zondag januari februari maart mei augustus lundi mardi mercredi jeudi vendredi samedi
    dimanche janvier février fevrier mars avril juin juillet août aout septembre octobre novembre décembre
    decembre""".split()
)
_DATE = re.compile(r"^(?:\d{1,4}[-./]\d{1,2}(?:[-./]\d{1,4})?|1[89]\d\d|20\d\d|\d{1,2}\.)$")
_BREAKS = frozenset(",;")
_POSSESSIVE_S = frozenset("Ss")
_APOSTROPHES = frozenset("'’")
# A dash before a word in lower case ends a name too ("Regierungspartei Ennahda – der Partei, die"); titles of
# works run across one ("Jag – im Auftrag der Ehre"), so not in a MISC span.
_DASHES = frozenset("–—")
# The last word of an event, a contest, a treaty or a law.
_EN_EVENTS = frozenset(
    """Agreement Treaty Accord Accords Act Bill Protocol Revolution Olympics Games Cup Championship
    Championships Open Prize Awards Summit Festival Grand Prix Tour Marathon Rally""".split()
)

# Agencies by a name that is also a surname: only in a dateline's brackets ("Bonn (Reuter) -", as German wire
# copy of the 1990s wrote Reuters), not "DRK-Generalsekretär Christian Reuter".
_BRACKETED_AGENCIES = frozenset({"Reuter"})
# Case-sensitive: "AP"/"dpa" as written by the agencies (a lower-case "ap" or "Dpa" is something else).
AGENCIES = frozenset("dpa DPA AFP ANP APA AP Belga KNA epd Reuters AFX SDA Keystone-SDA ATS TASS EFE ANSA Kyodo Xinhua".split())


def is_calendar(word: str) -> bool:
    return word.lower().rstrip(".") in _CALENDAR


_WEEKDAYS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday montag dienstag mittwoch donnerstag freitag
    samstag sonntag sonnabend maandag dinsdag woensdag donderdag vrijdag zaterdag zondag lundi mardi mercredi
    jeudi vendredi samedi dimanche""".split()
)


def _given_month(ws: list[str], i: int, end: int) -> bool:
    """A month that opens a person's name before another capitalised name is a first name
    ("August Strindberg", "June Carter")."""
    return i + 1 < end and ws[i + 1][:1].isupper() and ws[i][:1].isupper() and not ws[i].endswith(".") \
        and ws[i].lower() not in _WEEKDAYS


def _surname_month(text: str, spans: list[Span], ws: list[str], i: int, end: int, after: int) -> bool:
    """A month that ends a person's name after a given name, with no number after it, is a surname ("Theresa
    May said", "Brian May"; not "Hans Müller 3. Mai"). ws[i:end]: the name's words; after: the token after it."""
    return end - i >= 2 and ws[end - 1][:1].isupper() and ws[end - 1].lower() not in _WEEKDAYS \
        and given_name(ws[end - 2]) and not (after < len(spans) and text[spans[after][0] : spans[after][0] + 1].isdigit())


@lru_cache(maxsize=65536)
def _junk(word: str) -> bool:
    return is_calendar(word) or bool(_DATE.match(word))


def correct(text: str, spans: list[Span], found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """found: model spans as (first token, last+1 token, type) over spans (token offsets of text).
    Returns the corrected spans in the same form, in order."""
    out: list[tuple[int, int, str]] = []
    for a, b, typ in found:
        if b - a == 1:  # most spans: one token, none of the splits below applies
            s, e = spans[a]
            w = text[s:e]
            if _names_alone(w):
                out.append((a, b, "LOC" if w.isupper() and _dateline(text, spans, a, b) else typ))
            continue
        ws = [text[s:e] for s, e in spans[a:b]]  # the span's words: ws[k - a] is token k
        pieces: list[tuple[int, int]] = []
        start = a
        for k in range(a, b + 1):
            if k < start:
                continue  # inside a count in brackets
            w = ws[k - a] if k < b else ""
            # a label before a colon opening the sentence is no name ("[Voetbal] : Anderlecht wint"); a title's stays
            label = w == ":" and typ != "PER" and typ != "MISC" and _label(text, spans, start, k)
            if k == b or w in _BREAKS or (w == ":" and typ == "PER") or label or (w.isdigit() and _score(text, spans, a, b, k)) \
                    or (w in _DASHES and typ != "MISC" and k + 1 < b and ws[k + 1 - a].islower()) \
                    or ((w == "(" or w == ")") and _stray_bracket(ws, k - a)):
                if k > start and not label:
                    pieces.append((start, k))
                start = k + 1
                if w == "(" and k + 1 < b and ws[k + 1 - a][0].isdigit():
                    while start < b and ws[start - 1 - a] != ")":
                        start += 1  # "Bayern (26 Pkt)": the count is no name either
        for lo, hi in pieces:
            while lo < hi and _junk(ws[lo - a]) and not (typ == "PER" and _given_month(ws, lo - a, hi - a)):
                lo += 1
            if lo < hi and ws[lo - a] in _POSSESSIVE_S and lo > 0 and text[spans[lo - 1][0] : spans[lo - 1][1]] in _APOSTROPHES:
                lo += 1  # a possessive's "S" after its apostrophe token ("WOMEN 'S [WORLD CUP]")
            while lo < hi and _junk(ws[hi - 1 - a]) and not (typ == "PER" and _surname_month(text, spans, ws, lo - a, hi - a, hi)):
                hi -= 1
            if hi - lo > 1 and _goals(ws[hi - 1 - a]) and ((lo > 0 and _goals(text[spans[lo - 1][0] : spans[lo - 1][1]]))
                                                          or _SCORE_ON.match(text, spans[hi - 1][1])):
                hi -= 1  # "Gladbach 2 Werder 1": the second team's goals; "AC Milan 2-1": its own
            office = _office(ws, lo - a, hi - a)
            if lo == hi or all(w.lower() in TITLES for w in ws[lo - a : hi - a]) or lo + office == hi:
                continue  # "Papst", "Prime Minister", "Secretary of State": a title alone names no one
            held = office and (typ == "PER" or given_name(ws[lo + office - a]))
            if held:
                lo += office  # "[Secretary of State] Warren Christopher", "Minister of Foreign Affairs [Ali Alatas]"
            while typ != "PER" and hi - lo > 1 and ws[hi - 1 - a].lower() in TITLES and ws[hi - 1 - a][0].isupper() \
                    and hi < len(spans) and text[spans[hi][0] : spans[hi][0] + 1].isupper():
                hi -= 1  # "[U.N.] Ambassador Madeleine Albright", "[Bundesbank] President Hans Tietmeyer": the holder's title
            if not any(_has_letter(w) for w in ws[lo - a : hi - a]):
                continue  # "Lee, 68, of Torrance": a number names no one
            while typ == "PER" and hi - lo > 1 and ws[lo - a].lower() in TITLES:
                lo += 1  # "Chancellor Helmut Kohl"
                if hi - lo > 1 and ws[lo - a] == ".":
                    lo += 1  # "Dr. Jones"
            j = lo
            while j < hi - 1 and ws[j - a].islower():
                j += 1  # an adjective before the kind: "sozialdemokratische Partei Attayar"
            if 1 < hi - j <= 4 and _class_noun(ws[j - a]) and all(w[0].isupper() for w in ws[j + 1 - a : hi - a]):
                lo = j + 1  # "Partei Attayar", "Weltverband FINA": the name is what follows its kind
            name = after_title(ws[lo - a : hi - a], typ == "PER" or typ == "ORG")
            if name:  # "International Trade Secretary Liz Truss", "Ms Truss" (read as ORG)
                title = lo + name - 1 - (ws[lo + name - 1 - a] == ".")  # the title word's token
                before = ws[lo - a : title - a]
                if len(before) == 1 and english_group(before[0]):
                    out.append((lo, lo + 1, "MISC"))  # "Democratic Sen. Elizabeth Warren" (CoNLL)
                elif 1 < len(before) <= 4 and before[-1] in EN_ORG_HEADS and all(w[:1].isupper() for w in before):
                    out.append((lo, title, "ORG"))  # "Cambridge Police Commissioner Christine Elow"
                lo, piece_typ = lo + name, "PER"
                if (of := of_place(ws[lo - a : hi - a])) < hi - lo:  # "... William Cohen of Maine": the state a place
                    out.append((lo, lo + of, "PER"))
                    lo, piece_typ = lo + of + 1, "LOC"
            else:
                piece_typ = "PER" if held else typ
            out.append((lo, hi, "LOC" if _dateline(text, spans, lo, hi) else piece_typ))
    return out


# What an office of "<title> of <...>" is of: "Secretary of State", "Minister of the Interior".
_OFFICES = frozenset(
    """state defense defence treasury commerce labor labour energy agriculture education health transport
    transportation interior finance justice war trade industry culture economy""".split())


def _office(ws: list[str], i: int, end: int) -> int:
    """The number of words of an office's title at ws[i:end] ("Secretary of State", "Minister of Foreign
    Affairs", "Secretary of the Interior"), 0 if none opens there."""
    if end - i < 3 or ws[i + 1] != "of" or ws[i].lower() not in TITLES:
        return 0
    j = i + 2 + (ws[i + 2] == "the")
    if j < end and ws[j].lower() in _OFFICES:
        return j + 1 - i
    if j + 1 < end and ws[j] in ("Foreign", "Home") and ws[j + 1] == "Affairs":
        return j + 2 - i
    return 0


@lru_cache(maxsize=65536)
def _names_alone(word: str) -> bool:
    """Whether a one-token span of word is kept (correct's rules for a span of one word: no break,
    bracket, date, calendar word or title, and a letter in it): a property of the word alone."""
    return not (word in _BREAKS or word == "(" or word == ")" or _junk(word) or word.lower() in TITLES or not _has_letter(word))


def _has_letter(word: str) -> bool:
    return not word.isdigit() and any(c.isalpha() for c in word)


# German nouns that name a kind of organisation or place, put before a name in apposition.
_CLASS_NOUNS = frozenset(
    """Partei Regierungspartei Oppositionspartei Schwesterpartei Verband Weltverband Dachverband Landesverband
    Konzern Unternehmen Firma Autobauer Hersteller Verein Stadt Gemeinde Ort Dorf Bundesland Sender
    Fernsehsender Zeitung Magazin Nachrichtenagentur Agentur Organisation Hilfsorganisation Bewegung Miliz
    Terrormiliz Stiftung Fluggesellschaft Airline Internetkonzern Chiphersteller Versicherer Discounter
    Kreisstadt Hauptstadt Landeshauptstadt Provinzhauptstadt Großstadt Kleinstadt Hafenstadt Metropole""".split()
)
# The heads of German compounds that name a kind of organisation ("Ölgesellschaft", "Chemiekonzern",
# "Fußball-Bundesligisten", "Spartensender"); not -bank: "Landesbank Baden-Württemberg" is one name.
_CLASS_ENDINGS = ("gesellschaft", "konzern", "hersteller", "ligist", "ligisten", "sender", "zeitung", "agentur",
                  "versicherer", "verein", "verband", "partei")


def _class_noun(word: str) -> bool:
    return word in _CLASS_NOUNS or (word.endswith(_CLASS_ENDINGS) and word[:1].isupper())


# Lower-case particles inside a person's name after a title ("Oberbürgermeister von Schoeler").
PARTICLES = frozenset("von van der den de zu vom ter ten te da di del du le la".split())


def is_written_title(word: str) -> bool:
    """is_title, or any title word written in lower case: "premier Kok", "coach Klopp" (capitalised, some
    open other names: "Premier League")."""
    return is_title(word) or (word in TITLES and word.islower())


def after_title(words: list[str], person_or_org: bool) -> int:
    """Where a person's name starts in words after their last title word ("Trade Secretary Liz
    Truss" -> 3), or 0: only a short run of capitalised words after a title is a name. Only titles
    that are never the first word of another kind of name count ("Premier League", "General
    Electric", "Lady Snowblood" are not persons), or, in a span read as a person or an organisation,
    one of those before a given name the name lexicon knows, and no place, or before a last word the lexicon
    knows as a surname only ("Premier Guy Verhofstadt", "Premier Dehaene"; not "Queen Victoria", nor the place
    "Prince Edward County")."""
    for k in range(len(words) - 2, -1, -1):
        dot = int(words[k + 1] == ".")  # "Rep. Alexandria Ocasio-Cortez"
        if is_title(words[k]) or (dot and words[k].lower() in SHORT_TITLES) \
                or (person_or_org and words[k].lower() in TITLES
                    and (given_name(words[k + 1]) or (k + 2 == len(words) and lexicon.flags(words[k + 1]) == "s"))):
            rest = words[k + 1 + dot :]
            rest = rest[: of_place(rest)]  # "Senator William Cohen of Maine": the person before the place
            if 0 < len(rest) <= 4 and rest[-1][0].isupper() \
                    and all((w[0].isupper() or w in PARTICLES) and w.lower() not in TITLES for w in rest):
                return k + 1 + dot
            return 0
    return 0


def of_place(words: list[str]) -> int:
    """Where "of" and a place of one or two capitalised words end a person's name after a title ("Republican Senator
    William Cohen of Maine"): the index of "of" in words, after two capitalised words at least; else len(words)."""
    n = len(words)
    for p in (n - 2, n - 3):
        if p >= 2 and words[p] == "of" and all(w[:1].isupper() for w in words[:p]) and all(w[:1].isupper() for w in words[p + 1 :]):
            return p
    return n


def given_name(word: str) -> bool:
    """Whether the name lexicon knows word as a given name and no place's, or each part of a hyphenated one
    ("Jean-Luc", "Karl-Heinz": the lexicon holds single words only)."""
    if "-" in word[1:-1]:
        return all(given_name(part) for part in word.split("-"))
    return word in lexicon.given_names()


_SCORE_ON = re.compile(r"[-:–]\d")  # the rest of a score after a team's goals ("2-1", "2:1")


def _goals(tok: str) -> bool:
    return tok.isdigit() and (len(tok) == 1 or (len(tok) == 2 and tok[0] != "0"))


def _label(text: str, spans: list[Span], a: int, b: int) -> bool:
    """Whether tokens a..b, before a colon, are a word opening a sentence as its label ("Voetbal : Anderlecht
    wint", "Sport: Bayern"): one frequent word of our languages that names no one."""
    word = text[spans[a][0] : spans[a][1]]
    return b == a + 1 and not word.isupper() and opens_sentence(text, spans[a][0]) and not lexicon.flags(word) \
        and max(zipf(word.lower(), lang) for lang in ("en", "de", "nl", "fr")) >= 3.0


def _stray_bracket(words: list[str], k: int) -> bool:
    """Whether words[k], a bracket, has no partner inside the span ("CBP) Air": two names); a
    bracketed part of one name stays ("Frankfurt (Oder)"); a count in brackets is no part of it."""
    if words[k] == "(":
        return (k + 1 < len(words) and words[k + 1][0].isdigit()) or ")" not in words[k + 1 :]
    return "(" not in words[:k]


def _score(text: str, spans: list[Span], a: int, b: int, k: int) -> bool:
    """Whether token k, inside the span a..b, is a match score between two names ("Leeds 2 Everton"):
    one or two digits, not led by 0 ("SG 01 Höchst"), a capital on both sides."""
    if not a < k < b - 1:
        return False
    tok = text[spans[k][0] : spans[k][1]]
    return (tok.isdigit() and (len(tok) == 1 or (len(tok) == 2 and tok[0] != "0"))
            and text[spans[k - 1][1] - 1].isalpha() and text[spans[k + 1][0]].isupper())


def agencies(words: list[str], found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """News agencies as ORG: each agency token (words: the tokens' text) is its own span, cut out of a
    longer one together with the brackets around it; agency tokens the model left untagged are added."""
    if AGENCIES.isdisjoint(words) and (_BRACKETED_AGENCIES.isdisjoint(words) or not _bracketed(words)):
        return sorted(r for r in found if r[0] < r[1])  # the usual case, decided in C: the spans as they are
    out: list[tuple[int, int, str]] = []
    for a, b, typ in found:
        start = a
        for k in range(a, b):
            if not _agency(words, k) or (b - a > 1 and typ == "ORG" and k > a and words[k - 1] != "("):
                continue  # "Reuters Foundation" stays one name
            hi = k
            while hi > start and words[hi - 1] == "(":
                hi -= 1
            if hi > start:
                out.append((start, hi, typ))
            out.append((k, k + 1, "ORG"))
            start = k + 1
            while start < b and words[start] == ")":
                start += 1
        if start < b:
            out.append((start, b, typ))
    covered = {k for a, b, _ in out for k in range(a, b)}
    out.extend((k, k + 1, "ORG") for k in compress(count(), map(AGENCIES.__contains__, words)) if k not in covered)
    if not _BRACKETED_AGENCIES.isdisjoint(words):
        out.extend((k, k + 1, "ORG") for k, w in enumerate(words)
                   if w in _BRACKETED_AGENCIES and k not in covered and _agency(words, k))
    return sorted(out)


def _agency(words: list[str], k: int) -> bool:
    return words[k] in AGENCIES or (words[k] in _BRACKETED_AGENCIES and 0 < k < len(words) - 1
                                    and words[k - 1] == "(" and words[k + 1] == ")")


def _bracketed(words: list[str]) -> bool:
    """Whether one of _BRACKETED_AGENCIES stands in brackets among words."""
    return any(_agency(words, k) for k, w in enumerate(words) if w in _BRACKETED_AGENCIES)


def nationalities(text: str, spans: list[Span], found: list[tuple[int, int, str]],
                  org_named: Callable[[str], bool]) -> list[tuple[int, int, str]]:
    """English, CoNLL conventions: nationality words are MISC, cut off the front of a longer span (and
    a common word opening the sentence before one is dropped);
    party, religious and ethnic group words alone are MISC ("Democrats", "Latino"; "Democratic Party"
    stays an organisation); events, treaties and laws are MISC ("Asian Cup", "Paris Agreement",
    "Agriculture Bill")."""
    out: list[tuple[int, int, str]] = []
    taken = set()
    found = _nations_before_names(text, spans, found)
    for a, b, typ in found:
        if b - a > 1 and _without_possessive(text[spans[b - 1][0] : spans[b - 1][1]]) in _EN_EVENTS \
                and (typ != "PER" or text[spans[a][0] : spans[a][1]] in _EN_NATIONALITY):  # "German Open" read as a person
            out.append((a, b, "MISC"))
            taken.update(range(a, b))
            continue
        if b - a == 2 and text[spans[a + 1][0] : spans[a + 1][1]] in _EN_NATIONALITY and opens_sentence(text, spans[a][0]) \
                and zipf(text[spans[a][0] : spans[a][1]].lower(), "en") >= 2.5 and not given_name(text[spans[a][0] : spans[a][1]]):
            a += 1  # a sentence's first word is no part of the nationality after it ("Ousted Catalan president")
        if b - a == 2 and text[spans[a][0] : spans[a][1]] in _COMPASS and text[spans[a + 1][0] : spans[a + 1][1]] in _EN_NATIONALITY:
            out.append((a, b, "MISC"))  # "South African", "North Korean": one nationality
            taken.update(range(a, b))
            continue
        cut = a
        while b - a >= 2 and text[spans[a][0] : spans[a + 1][1]] in _EN_TWO_WORD_NATIONALS:
            out.append((a, a + 2, "MISC"))  # "[New Zealander] Frank Nobilo"
            a += 2
        while a < b and text[spans[a][0] : spans[a][1]] in _EN_NATIONALITY:
            out.append(_with_compass(text, spans, a, taken))
            a += 1
        if b - a == 1 and text[spans[a][0] : spans[a][1]] in _EN_GROUPS:
            typ = "MISC"
        if a < b:
            out.append((a, b, typ))
        taken.update(range(cut, b))
    covered = set(taken)  # the tokens of taken and of out, kept as out grows (a lookup, not a pass over out)
    for a, b, _ in out:
        covered.update(range(a, b))
    # nationality and group words the model left untagged (the tokens compared by one C-level pass)
    for k in compress(count(), map(_EN_MISC_WORDS.__contains__, map(text.__getitem__, starmap(slice, spans)))):
        if k not in covered:
            out.append(got := _with_compass(text, spans, k, covered))
            covered.update(range(got[0], got[1]))
    for pair in _EN_TWO_WORD_NATIONALS:
        at = text.find(pair)
        while at >= 0:
            k = bisect_left(spans, (at, 0))
            if k + 1 < len(spans) and spans[k][0] == at and spans[k + 1][1] == at + len(pair) \
                    and k not in covered and k + 1 not in covered:
                out.append((k, k + 2, "MISC"))
                covered.update((k, k + 1))
            at = text.find(pair, at + 1)
    return _persons_after_nationals(text, spans, sorted(out), org_named)


def _persons_after_nationals(text: str, spans: list[Span], found: list[tuple[int, int, str]],
                             org_named: Callable[[str], bool]) -> list[tuple[int, int, str]]:
    """A name of two or three words right after a nationality, opening with a given name, is a person whatever
    the model read ("American [Mark O'Meara]", read as an organisation), unless the KB names an organisation
    so ("German [Mercedes Benz]"). org_named: of a folded key."""
    out = found
    for i in range(1, len(found)):
        a, b, typ = found[i]
        pa, pb, ptyp = found[i - 1]
        if typ == "PER" or typ == "MISC" or ptyp != "MISC" or pb != a or not 2 <= b - a <= 3:
            continue
        nation = text[spans[pa][0] : spans[pb - 1][1]]
        if text[spans[pb - 1][1] : spans[a][0]] == " " and given_name(text[spans[a][0] : spans[a][1]]) \
                and text[spans[b - 1][0] : spans[b - 1][1]] not in EN_ORG_HEADS \
                and (nation in _EN_NATIONALITY or nation in _EN_TWO_WORD_NATIONALS) \
                and not org_named(join_key(fold_key(text[spans[a][0] : spans[b - 1][1]]))):
            out = list(found) if out is found else out
            out[i] = (a, b, "PER")
    return out


def _nations_before_names(text: str, spans: list[Span], found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A word of _EN_NATIONS_BEFORE_NAMES before a person's name of two or more words is MISC: cut off the
    front of the span the model read as one name, or alone before the person's span."""
    if _EN_NATIONS_BEFORE_NAMES.isdisjoint(map(text.__getitem__, starmap(slice, spans))):
        return found
    out: list[tuple[int, int, str]] = []
    for i, (a, b, typ) in enumerate(found):
        word = text[spans[a][0] : spans[a][1]]
        if word not in _EN_NATIONS_BEFORE_NAMES:
            out.append((a, b, typ))
        elif b - a >= 3 and typ == "PER":
            out += [(a, a + 1, "MISC"), (a + 1, b, "PER")]
        elif b - a == 1 and i + 1 < len(found) and found[i + 1][0] == b and found[i + 1][2] == "PER" \
                and found[i + 1][1] - b >= 2:
            out.append((a, b, "MISC"))
        else:
            out.append((a, b, typ))
    # untagged, right before a person's name of two or more words
    starts = {a: b for a, b, typ in found if typ == "PER" and b - a >= 2}
    covered = {k for a, b, _ in found for k in range(a, b)}
    for k in compress(count(), map(_EN_NATIONS_BEFORE_NAMES.__contains__, map(text.__getitem__, starmap(slice, spans)))):
        if k not in covered and k + 1 in starts and text[spans[k][1] : spans[k + 1][0]] == " ":
            out.append((k, k + 1, "MISC"))
    return sorted(out)


# German articles and determiners (with the contracted prepositions): the capitalised word after one is a noun.
DE_DETERMINERS = frozenset(
    """der die das den dem des ein eine einer einem einen eines kein keine keiner keinem keinen keines mein
    meine dein deine sein seine ihr ihre unser unsere euer eure dieser diese dieses diesem diesen jeder jede
    jedes jedem jeden im am vom zum zur beim ins""".split()
)


# Compass words that make one nationality with the word after them ("South African", "West German").
_COMPASS = frozenset("North South East West Central".split())


def _with_compass(text: str, spans: list[Span], k: int, taken: set[int]) -> tuple[int, int, str]:
    """The nationality word k as MISC, with the free compass word before it ("North Korean", "West Indian")."""
    if k > 0 and k - 1 not in taken and text[spans[k - 1][0] : spans[k - 1][1]] in _COMPASS \
            and text[spans[k - 1][1] : spans[k][0]] == " ":
        return (k - 1, k + 1, "MISC")
    return (k, k + 1, "MISC")


# The last word of an English organisation's name: its kind ("Jacobi Hospital", "Cambridge Police").
EN_ORG_HEADS = frozenset(
    """Hospital Police Court University College School Council Department Office Agency Commission Committee
    Association Union Party Bank Institute Club Corporation Corp Inc Ltd Company Group Foundation Ministry Senate
    Parliament Assembly Authority Board Service Services Federation League Society Academy Museum Administration
    Bureau""".split()
)


def english_group(word: str) -> bool:
    """A nationality, party, religious or ethnic group word alone: MISC in English (CoNLL)."""
    return word in _EN_NATIONALITY or word in _EN_GROUPS


# English words that open a sentence and never a name ("Later Hitler's party", "Unlike Nixon").
_EN_OPENERS = frozenset(
    """Later Unlike Despite Although Though However Meanwhile When While After Before Since Like If As But
    And Or So Yet Then Now Today Yesterday Tomorrow Also Even Only Still Earlier Instead Thus Perhaps Maybe
    Why How Where What Who Which That This These Those Many Some Most Every Each All Both Several Such
    Another Among Against Without Within Through Throughout During Following According Including Unless
    Until Once Because Whether Dear Thanks Please Yes Oh Has Had Have Was Were Is Are Would Could
    Should Can Did Does Do In On At For From With By Of To Former""".split()
)


def strip_opener(text: str, start: int, end: int, typ: str) -> int:
    """Start of an English name without a word that opens the sentence before it ("Later Hitler")."""
    word_end = text.find(" ", start, end)
    if word_end > 0 and text[start:word_end].rstrip(".") in _EN_OPENERS and typ != "MISC" and opens_sentence(text, start):
        return word_end + 1
    return start


def strip_article(text: str, start: int, end: int, typ: str) -> int:
    """Start of an English name without the article that opens its sentence ("The Sixers went"): news
    annotation leaves it out. Inside a sentence a capital says it is part of the name ("The Hague",
    "The Times"); a title of a work keeps it ("The Legend of Zhen Huan")."""
    if typ != "MISC" and end - start > 4 and text.startswith("The ", start) and opens_sentence(text, start):
        return start + 4
    return start


# German adjectives and nouns of nationality or region ("deutschen", "tunesische", "Russen", "Berliner"):
# MISC in CoNLL German; the model, trained mostly without that class, leaves them untagged.
_DE_NATION_STEMS = (
    "deutsch österreichisch schweizerisch französisch italienisch spanisch portugiesisch britisch englisch "
    "schottisch irisch walisisch niederländisch holländisch belgisch luxemburgisch dänisch schwedisch "
    "norwegisch finnisch isländisch polnisch tschechisch slowakisch ungarisch rumänisch bulgarisch griechisch "
    "türkisch russisch ukrainisch belarussisch weißrussisch serbisch kroatisch bosnisch slowenisch albanisch "
    "mazedonisch estnisch lettisch litauisch amerikanisch us-amerikanisch kanadisch mexikanisch brasilianisch "
    "argentinisch chilenisch kolumbianisch venezolanisch peruanisch kubanisch chinesisch japanisch koreanisch "
    "südkoreanisch nordkoreanisch indisch pakistanisch afghanisch iranisch irakisch syrisch israelisch "
    "palästinensisch libanesisch jordanisch saudisch ägyptisch libysch tunesisch algerisch marokkanisch "
    "nigerianisch südafrikanisch kenianisch äthiopisch australisch neuseeländisch europäisch afrikanisch "
    "asiatisch arabisch bayerisch sächsisch hessisch schwäbisch niedersächsisch westfälisch thüringisch "
    "brandenburgisch rheinisch ostdeutsch westdeutsch"
).split()
_DE_NATION = frozenset(_DE_NATION_STEMS)
_DE_NATION_NOUNS = frozenset(
    """deutsche deutschen deutscher russen franzosen briten amerikaner amerikanerin amerikanerinnen amerikanern
    italiener spanier polen türken ukrainer chinesen japaner israelis palästinenser syrer afghanen iraner
    tunesier österreicher schweizer niederländer belgier europäer afrikaner araber berliner münchner hamburger
    kölner frankfurter""".split()
)


# The last word of a German event, contest, treaty or law ("UN-Klimakonferenz", "Erneuerbare-Energien-Gesetz").
_DE_EVENT_ENDINGS = ("konferenz", "gesetz", "gipfel", "meisterschaft", "meisterschaften", "spiele", "pokal", "turnier",
                     "festival", "abkommen", "vertrag", "-wm", "-em", "olympia", "championships", "classic", "cup", "open")


# Dutch: the last word of an event, a contest or a treaty ("Tweede Wereldoorlog", "Olympische Winterspelen"),
# and the first word of one ("Verdrag van Schengen", "Slag bij Waterloo", "Ronde van Vlaanderen").
_NL_EVENT_ENDINGS = ("oorlog", "spelen", "verdrag", "kampioenschap", "kampioenschappen", "toernooi", "festival",
                     "akkoord", "conferentie", "-wk", "-ek", "cup", "classic")
_NL_EVENT_OPENERS = frozenset("Verdrag Slag Ronde Vrede Beleg Tour".split())
# Latin names of zoological and botanical families ("Tineidae", "Myrtaceae"): no place, no organisation.
_TAXON_ENDINGS = ("idae", "inae", "aceae", "oidea")


def german_events(text: str, spans: list[Span], found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """German: an organisation or place whose last word names an event or a law is MISC."""
    return [(a, b, "MISC" if typ in ("ORG", "LOC") and text[spans[b - 1][0] : spans[b - 1][1]].lower().endswith(_DE_EVENT_ENDINGS)
             else typ) for a, b, typ in found]


def dutch_events(text: str, spans: list[Span], found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Dutch: an organisation or place that names an event, a contest or a treaty is MISC (CoNLL-2002);
    a family name of biology ("Elateridae") is dropped."""
    out: list[tuple[int, int, str]] = []
    for a, b, typ in found:
        last = text[spans[b - 1][0] : spans[b - 1][1]]
        if typ in ("ORG", "LOC"):
            if b - a == 1 and last.endswith(_TAXON_ENDINGS) and last[:1].isupper():
                continue
            if last.lower().endswith(_NL_EVENT_ENDINGS) or (b - a > 1 and text[spans[a][0] : spans[a][1]] in _NL_EVENT_OPENERS):
                typ = "MISC"
        out.append((a, b, typ))
    return out


# Every written form, lower-case and capitalised: one set lookup a token.
_DE_NATION_FORMS = frozenset(
    f for form in [*(stem + end for stem in _DE_NATION for end in ("", "e", "en", "er", "es", "em")), *_DE_NATION_NOUNS]
    for f in (form, form[0].upper() + form[1:], form.replace("us-", "US-"))
)


def german_nationality(word: str) -> bool:
    return word in _DE_NATION_FORMS


@lru_cache(maxsize=8)
def nationality_words(lang: str) -> frozenset[str]:
    """German nationality forms (german_nationality) or English group words (english_group), by language."""
    return _EN_NATIONALITY | _EN_GROUPS if lang == "en" else _DE_NATION_FORMS if lang == "de" else frozenset()


def _ends_in_nation(word: str) -> bool:
    return "-" in word and word.rpartition("-")[2] in _DE_NATION_FORMS


def german_nationalities(words: list[str], found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """German: nationality adjectives and nouns (words: the tokens' text) as MISC where the model left
    them untagged, and so is a compound one ends ("US-amerikanische"); a capitalised one inside a longer name
    stays part of it ("Deutsche Bank", "Hamburger SV")."""
    if any(b - a == 1 and _ends_in_nation(words[a]) for a, b, _ in found):  # "US-amerikanische", "US-Amerikaner"
        found = [(a, b, "MISC" if b - a == 1 and _ends_in_nation(words[a]) else t) for a, b, t in found]
    if _DE_NATION_FORMS.isdisjoint(words):  # the usual case, decided in C
        return found
    hits = compress(count(), map(_DE_NATION_FORMS.__contains__, words))
    taken = {k for a, b, _ in found for k in range(a, b)}
    extra = [(k, k + 1, "MISC") for k in hits if k not in taken]
    return sorted([*found, *extra]) if extra else found


def _without_possessive(word: str) -> str:
    return word[:-2] if len(word) > 3 and word.endswith(("'s", "’s")) else word


def strip_possessive(text: str, start: int, end: int) -> int:
    """End of an English name without its possessive ending: "Italy's" -> "Italy", and as wire copy is tokenized,
    "Israel 's" -> "Israel" (no blank left at the end)."""
    if end - start > 3 and text[end - 2 : end] in ("'s", "’s"):
        end -= 2
        while end > start + 1 and text[end - 1] in " \t":
            end -= 1
        return end
    if end - start > 2 and text[end - 1] in "'’" and text[end - 2] == "s":
        return end - 1
    return end


_INNER_POSSESSIVE = re.compile(r"['’]s ")


def person_before_possessive(text: str, start: int, end: int, typ: str) -> int:
    """End of an English person's name that the model ran on past its possessive ("Puigdemont's Catalan
    independence" -> "Puigdemont's"): a person's name holds none ("McDonald's Corp" may)."""
    if typ != "PER" or (m := _INNER_POSSESSIVE.search(text, start, end)) is None:
        return end
    return m.start() + 2


def _dateline(text: str, spans: list[Span], lo: int, hi: int) -> bool:
    """An all-caps name that opens a line and is followed by a date, a dash, a comma or "(Reuters)"."""
    s, e = spans[lo][0], spans[hi - 1][1]
    name = text[s:e]
    if not (name.isupper() and any(c.isalpha() for c in name) and len(name) > 2):
        return False
    before = text[max(0, s - 200) : s]  # a dateline opens its line: only blanks since the line break
    nl = before.rfind("\n")
    if (nl < 0 and s > 200) or before[nl + 1 :].strip():
        return False
    if hi >= len(spans):
        return False
    nxt = text[spans[hi][0] : spans[hi][1]]
    return nxt in (",", "-", "–", "—", "(") or bool(_DATE.match(nxt))
