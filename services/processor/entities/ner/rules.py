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
  ("Norwegian Kjetil Andre Aamodt": MISC + PER).
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import compress, count

from services.processor.entities.ner.text import Span

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
_EN_NATIONALITY = frozenset(
    """Afghan Albanian Algerian American Angolan Argentine Argentinian Armenian Australian Austrian
    Azerbaijani Bangladeshi Belarusian Belgian Bolivian Bosnian Brazilian British Bulgarian Burmese
    Cambodian Cameroonian Canadian Chilean Chinese Colombian Congolese Croatian Cuban Cypriot Czech
    Danish Dutch Ecuadorian Egyptian English Eritrean Estonian Ethiopian European Filipino Finnish French
    Georgian German Ghanaian Greek Haitian Hungarian Icelandic Indian Indonesian Iranian Iraqi Irish
    Israeli Italian Ivorian Jamaican Japanese Jordanian Kazakh Kenyan Korean Kosovar Kurdish Kuwaiti
    Latvian Lebanese Libyan Lithuanian Luxembourgish Macedonian Malaysian Malian Maltese Mexican Moldovan
    Mongolian Montenegrin Moroccan Namibian Nepali Nigerian Norwegian Pakistani Palestinian Panamanian
    Paraguayan Peruvian Polish Portuguese Qatari Romanian Russian Rwandan Saudi Scottish Senegalese
    Serbian Singaporean Slovak Slovenian Somali Spanish Sudanese Swedish Swiss Syrian Taiwanese Thai
    Tunisian Turkish Ugandan Ukrainian Uruguayan Uzbek Venezuelan Vietnamese Welsh Yemeni Zambian
    Zimbabwean Africans Americans Asians Australians Britons Canadians Chinese Europeans Germans Israelis
    Italians Palestinians Russians Ukrainians Asian African Arab Arabs Latin Nordic Scandinavian Baltic
    Balkan Caribbean Western Eastern""".split()
)
_TITLES = frozenset(
    """president vice chancellor prime minister premier secretary chairman chairwoman chief executive
    coach striker captain manager mr mrs ms dr prof sir lord lady king queen prince princess pope
    cardinal bishop archbishop senator governor mayor general colonel major sergeant judge ambassador
    spokesman spokeswoman defender midfielder goalkeeper bundeskanzler bundeskanzlerin kanzler kanzlerin
    präsident präsidentin ministerpräsident ministerpräsidentin bundespräsident minister ministerin
    papst trainer kapitän herr frau botschafter bürgermeister bürgermeisterin vorstandschef
    konzernchef chef chefin premier minister-president staatssecretaris burgemeester koning koningin
    paus président ministre""".split()
)


# Case-sensitive: "AP"/"dpa" as written by the agencies (a lower-case "ap" or "Dpa" is something else).
AGENCIES = frozenset("dpa DPA AFP ANP APA AP Belga KNA epd Reuters AFX SDA Keystone-SDA ATS TASS EFE ANSA Kyodo Xinhua".split())


def is_calendar(word: str) -> bool:
    return word.lower().rstrip(".") in _CALENDAR


@lru_cache(maxsize=65536)
def _junk(word: str) -> bool:
    return is_calendar(word) or bool(_DATE.match(word))


def correct(text: str, spans: list[Span], found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """found: model spans as (first token, last+1 token, type) over spans (token offsets of text).
    Returns the corrected spans in the same form, in order."""
    out: list[tuple[int, int, str]] = []
    for a, b, typ in found:
        pieces: list[tuple[int, int]] = []
        start = a
        for k in range(a, b + 1):
            if k == b or text[spans[k][0] : spans[k][1]] in _BREAKS or _score(text, spans, a, b, k):
                if k > start:
                    pieces.append((start, k))
                start = k + 1
        for lo, hi in pieces:
            while lo < hi and (
                _junk(text[spans[lo][0] : spans[lo][1]])
                or (typ == "PER" and hi - lo > 1 and text[spans[lo][0] : spans[lo][1]].lower() in _TITLES)
            ):
                lo += 1
            while lo < hi and _junk(text[spans[hi - 1][0] : spans[hi - 1][1]]):
                hi -= 1
            if hi - lo == 1 and text[spans[lo][0] : spans[lo][1]].lower() in _TITLES:
                continue  # "Papst", "President": a title alone names no one
            if lo < hi:
                out.append((lo, hi, "LOC" if _dateline(text, spans, lo, hi) else typ))
    return out


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
    out: list[tuple[int, int, str]] = []
    for a, b, typ in found:
        start = a
        for k in range(a, b):
            if words[k] not in AGENCIES or (b - a > 1 and typ == "ORG" and k > a and words[k - 1] != "("):
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
    return sorted(out)


def nationalities(text: str, spans: list[Span], found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """English: nationality words as MISC, cut off the front of a longer span; others unchanged."""
    out: list[tuple[int, int, str]] = []
    taken = set()
    for a, b, typ in found:
        while a < b and text[spans[a][0] : spans[a][1]] in _EN_NATIONALITY:
            out.append((a, a + 1, "MISC"))
            a += 1
        if a < b:
            out.append((a, b, typ))
        taken.update(range(a, b))
    for k, (s, e) in enumerate(spans):  # nationality words the model left untagged
        if k not in taken and text[s:e] in _EN_NATIONALITY and not any(a <= k < b for a, b, _ in out):
            out.append((k, k + 1, "MISC"))
    return sorted(out)


def strip_possessive(text: str, start: int, end: int) -> int:
    """End of an English name without its possessive ending: "Italy's" -> "Italy"."""
    if end - start > 3 and text[end - 2 : end] in ("'s", "’s"):
        return end - 2
    if end - start > 2 and text[end - 1] in "'’" and text[end - 2] == "s":
        return end - 1
    return end


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
