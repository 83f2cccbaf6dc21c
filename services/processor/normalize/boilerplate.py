"""Boilerplate lines (comment counters, share/related trailers) and agency attribution lines.

Every rule matches a whole line, so removing lines can be repeated until nothing changes
(the text step relies on that for idempotency). Languages covered: nl, de, en, fr (+ es/it/pt
for the most common forms).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

_COMMENTS = r"(?:kommentare?|reacties?|reactie|comments?|commentaires?|commentaire|comentarios?|commenti|comentários?)"
# "Kommentare (0)", "Reacties (12)", "3 Comments", "Comments: 3": glued to neighbouring text in some dumps.
COUNTER = re.compile(rf"{_COMMENTS}\s*[(\[]\s*\d+\s*[)\]]|\b\d+\s+{_COMMENTS}\b", re.I)
_GLUED_AFTER = re.compile(rf"({_COMMENTS}\s*[(\[]\s*\d+\s*[)\]])(?=\S)", re.I)
_COUNTER = re.compile(r"[(\[]\s*\d+\s*[)\]]")
_GLUED_BEFORE = re.compile(rf"(?<=[.!?\"”»)])\s*({_COMMENTS}\s*[(\[]\s*\d+\s*[)\]])", re.I)

_BOILERPLATE_LINE = re.compile(
    r"^(?:"
    rf"{_COMMENTS}\s*(?:[(\[]\s*\d+\s*[)\]]|:\s*\d+)?"
    rf"|\d+\s+{_COMMENTS}"
    r"|(?:share|deel|teilen|partager|compartir|condividi|compartilhe)(?:\s+(?:this|dit|deze|den|ce|cet|este|questo|esta))?"
    r"(?:\s+(?:article|artikel|bericht|beitrag|post|story|página|articolo|artigo|nota))?(?:\s+(?:on|via|op|auf|sur|en|per)\s+\S+)?"
    r"|(?:lees|lees ook|read|read more|read also|also read|lesen sie auch|lesen sie mehr|mehr zum thema|mehr dazu|weitere artikel"
    r"|lire aussi|à lire aussi|a lire aussi|lire la suite|voir aussi|sur le même sujet|related|related articles|more on this"
    r"|more from|meer over dit onderwerp|meer nieuws|gerelateerde artikelen|lee también|leia também|leggi anche)"
    r"|(?:advertentie|advertisement|anzeige|publicité|werbung|sponsored)"
    r"|(?:print|drucken|afdrukken|imprimer|e-?mail|tweet|whatsapp|facebook|twitter|linkedin)"
    r"|(?:follow us on \S+|volg ons op \S+|folgen sie uns auf \S+|suivez-nous sur \S+)"
    r"|(?:alle rechten voorbehouden|alle rechte vorbehalten|all rights reserved|tous droits réservés)\.?"
    r"|©.{0,80}"
    r")\s*[:.!]?$",
    re.I,
)
# A related-links header followed by only short lines is a trailer: everything from it is dropped.
_RELATED_HEADER = re.compile(
    r"^(?:lees ook|meer over dit onderwerp|gerelateerd|mehr zum thema|lesen sie auch|das könnte sie auch interessieren"
    r"|weitere artikel|related(?: articles| stories)?|read more|more on this|you may also like|lire aussi|à lire aussi"
    r"|sur le même sujet|voir aussi|lee también|leia também|leggi anche)\s*:?$",
    re.I,
)
# "Lees ook: <other article>" as one line is a link, not article text.
_READ_ALSO_INLINE = re.compile(
    r"^(?:lees ook|lees meer|ook interessant|lesen sie auch|lesen sie mehr|mehr zum thema|read more|read also|also read"
    r"|related|lire aussi|à lire aussi|a lire aussi|voir aussi|lee también|leia também|leggi anche)\s*:\s*\S.{0,200}$",
    re.I,
)

_KNOWN = r"Reuters|AP|AFP|dpa|ANP|Belga|APA|SDA|KNA|epd|EFE|ANSA|Bloomberg|CNN|BBC|Associated Press|Agence France-Presse|sid|kna|Xinhua|TASS|Interfax"
_AGENCY = r"[A-Z][\w.&/-]*(?:\s+[A-Z][\w.&/-]*){0,3}|[a-z]{2,5}"  # "CNN", "Associated Press", "dpa"
_ATTRIBUTION = [
    # nl: "Rapporten van CNN, aangevuld met ...", "Met informatie van ANP", "Bron: ANP"
    re.compile(rf"^(?:rapporten|rapportage|verslaggeving|berichtgeving)\s+van\s+(?P<a>{_AGENCY})\b.*$", re.I),
    re.compile(rf"^met\s+(?:informatie|materiaal|bijdragen)\s+van\s+(?P<a>.+)$", re.I),
    # de: "Mit Material von dpa", "Mit Material der Nachrichtenagenturen dpa und AFP", "Quelle: dpa"
    re.compile(r"^mit\s+material\s+(?:von|der|des)\s+(?:nachrichtenagentur(?:en)?\s+)?(?P<a>.+)$", re.I),
    # en: "with reporting by AP", "Additional reporting by Reuters", "The Associated Press contributed to this report."
    re.compile(r"^(?:with\s+|additional\s+)?reporting\s+(?:by|from)\s+(?P<a>.+)$", re.I),
    re.compile(r"^(?:the\s+)?(?P<a>.+?)\s+contributed\s+to\s+this\s+(?:report|story|article)\.?$", re.I),
    # fr: "Avec AFP", "Avec l'AFP", "Source : AFP"
    re.compile(r"^(?i:avec)\s+(?:l['’])?(?P<a>[A-Z][\w.&/-]*(?:\s+(?:et|,)\s+[A-Z][\w.&/-]*)*)\.?$"),
    re.compile(r"^(?:bron|quelle|source|fuente|fonte)\s*:\s*(?P<a>.+)$", re.I),
    # "(Reuters)", "(dpa)", "(AFP/dpa)" alone on a line
    re.compile(rf"^\((?P<a>(?:{_KNOWN})(?:\s*[/,]\s*(?:{_KNOWN}))*)\)\.?$", re.I),
]
# "LONDON (Reuters) - text": agency dateline at the start of the first paragraph.
AGENCY_DATELINE = re.compile(
    rf"^(?P<place>[A-ZÀ-Ý][A-ZÀ-Ý .'/-]{{1,40}}(?:,\s*[A-Za-zÀ-ÿ .]{{2,30}})?)?\s*\((?P<a>{_KNOWN})\)\s*[-–—:]\s+(?=\S)"
)
_AGENCY_SPLIT = re.compile(r"\s*(?:,|;|/|\+|\band\b|\bund\b|\ben\b|\bet\b|\by\b|\be\b)\s*", re.I)
_STOP_AT = re.compile(r"\b(?:aangevuld|ergänzt|editing|edited|écrit|geschreven|geschrieben|written|compiled)\b.*$", re.I)


_COUNTED = re.compile(rf"{_COMMENTS}\s*[(\[]\s*\d+\s*[)\]]", re.I)  # _GLUED_AFTER without its lookahead
_LONGEST_WORD = 12  # "commentaires": each alternative of _COMMENTS matches this many characters at most


def _at_counters(text: str, pattern: re.Pattern[str], before: bool) -> str:
    """`pattern.sub` for _GLUED_AFTER (before=False: "\n" after the match) or _GLUED_BEFORE (before=True:
    the spacing before the word becomes "\n"), searching only just before each counter.

    Both patterns end with a counter right after a comment word and spacing, and a word never holds a
    bracket, so each match ends at a counter's end and starts after the previous counter: at most 12
    characters (the word) before the spacing in front of the counter, or for _GLUED_BEFORE, the spacing
    in front of that too. Searching that window from its start finds the same leftmost match as a scan
    of the whole text, at a cost independent of its length (tests/unit/test_normalize_fast.py).
    """
    out: list[str] = []
    last = prev_end = 0
    for counter in _counters(text):
        start, end = counter.span()
        lo = start
        while lo > prev_end and text[lo - 1].isspace():  # \s is str.isspace
            lo -= 1
        lo = max(prev_end, lo - _LONGEST_WORD)
        if before:
            while lo > prev_end and text[lo - 1].isspace():
                lo -= 1
        m = pattern.search(text, lo, end)
        prev_end = end
        if m is None:
            continue
        if before:
            out += (text[last:m.start()], "\n", m.group(1))
            last = end
        elif end < len(text) and not text[end].isspace():  # the lookahead (?=\S)
            out += (text[last:end], "\n")
            last = end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _counters(text: str) -> Iterator[re.Match[str]]:
    """`_COUNTER.finditer(text)`: counters start with a bracket and never overlap, so trying the pattern at
    each bracket (found by str.find, far faster than re's scan) finds the same matches."""
    paren, square = text.find("("), text.find("[")
    while paren >= 0 or square >= 0:
        at = paren if square < 0 or 0 <= paren < square else square
        m = _COUNTER.match(text, at)
        pos = m.end() if m else at + 1
        if m:
            yield m
        if paren >= 0 and paren < pos:
            paren = text.find("(", pos)
        if square >= 0 and square < pos:
            square = text.find("[", pos)


def split_glued(text: str) -> str:
    """Put comment counters glued to their neighbours ("Kommentare (0)Veröffentlichungsdatum") on their own line.

    Same result as `_GLUED_BEFORE.sub(r"\n\1", _GLUED_AFTER.sub(r"\1\n", text))`."""
    if next(_counters(text), None) is None:  # both patterns need a counter
        return text
    return _at_counters(_at_counters(text, _COUNTED, before=False), _GLUED_BEFORE, before=True)


def is_boilerplate(line: str) -> bool:
    return len(line) <= 120 and (bool(_BOILERPLATE_LINE.match(line)) or bool(_READ_ALSO_INLINE.match(line)))


def attribution_of(line: str) -> str | None:
    """The agency a whole attribution line credits ("CNN"), or None when the line is not one."""
    if len(line) > 200:
        return None
    for pat in _ATTRIBUTION:
        m = pat.match(line)
        if m:
            agencies = _agencies(m.group("a"))
            if agencies:
                return agencies
    return None


def _agencies(raw: str) -> str | None:
    raw = _STOP_AT.sub("", raw).strip(" .;:,()")
    names = []
    for part in _AGENCY_SPLIT.split(raw):
        part = part.strip(" .;:,()")
        if part and len(part) <= 40 and len(part.split()) <= 4:
            names.append(part)
        if len(names) == 3:
            break
    # Names are people after the first comma in "Rapporten van CNN, aangevuld met ...": keep agencies only
    # when the first one looks like one (short, capitalised or an all-lowercase acronym like dpa).
    return ", ".join(names) if names else None


def is_related_header(line: str) -> bool:
    return bool(_RELATED_HEADER.match(line))


def trailer_start(lines: list[str], is_header: Callable[[str], bool] = is_related_header) -> int | None:
    """Index of a related-links header that only short lines follow (at most 12), else None.
    `is_header` is `is_related_header` or a cache of it."""
    for i in range(max(0, len(lines) - 13), len(lines)):
        if is_header(lines[i]) and all(len(x) <= 160 for x in lines[i + 1 :]):
            return i
    return None
