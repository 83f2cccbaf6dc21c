"""Lines -> article structure: dateline, title, boilerplate and attribution out, heading/paragraph blocks.

Idempotency by construction: every block is one line without line breaks; every removal rule is
repeated until nothing changes, so running the step on its own output (body = blocks joined by
blank lines, title = the title) finds nothing more to remove and classifies the same blocks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from schemas.models import Block, BlockKind
from services.processor.normalize import boilerplate
from services.processor.normalize.dates import LANG_ZONES, ParsedDate, parse_date
from services.processor.normalize.text_clean import clean_line, fix_text_stable

_LABELS = {
    "de": r"veröffentlichungsdatum|veröffentlicht(?: am)?|erstellt(?: am)?|datum|publiziert(?: am)?",
    "de_upd": r"stand|aktualisiert(?: am)?|zuletzt aktualisiert(?: am)?",
    "nl": r"gepubliceerd(?: op)?|publicatiedatum|geplaatst(?: op)?|datum",
    "nl_upd": r"bijgewerkt(?: op)?|laatste update|aangepast(?: op)?",
    "fr": r"publié(?: le)?|date de publication|mis en ligne(?: le)?",
    "fr_upd": r"mis à jour(?: le)?|actualisé(?: le)?",
    "en": r"published(?: on| at)?|posted(?: on)?|date|first published(?: on)?",
    "en_upd": r"updated(?: on| at)?|last updated(?: on)?|modified",
}
_LABEL_RE = {k: re.compile(rf"^(?:{v})\s*:?\s*", re.I) for k, v in _LABELS.items()}
_SOURCE_SEP = re.compile(r"\s+(?:/|\||·|•|–|—|-)\s+")
_FINAL_PUNCT = tuple(".!?…:;,\"'”’»)]。！？：；")
_TITLE_MAX = 300


@dataclass(frozen=True)
class Line:
    text: str
    kind: BlockKind | None = None  # known from markup (HTML), else decided by the heuristic


@dataclass
class Structured:
    title: str | None
    blocks: list[Block]
    published: ParsedDate | None = None
    updated: ParsedDate | None = None
    dateline_source: str | None = None
    attribution: str | None = None
    dateline_place: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Dateline:
    date: ParsedDate
    source: str | None
    updated: bool


def parse_dateline(line: str, zone: str | None) -> Dateline | None:
    """'Veröffentlichungsdatum: 07.04.2025 16:39 / Welt Nachrichten' -> date (+ zone of the label's language) and source."""
    if len(line) > 120:
        return None
    label_lang, updated, rest = None, False, line
    for key, pat in _LABEL_RE.items():
        m = pat.match(line)
        if m and m.end() > 0:
            label_lang, updated, rest = key[:2], key.endswith("_upd"), line[m.end() :]
            break
    zone = LANG_ZONES.get(label_lang or "", zone)
    parts = _SOURCE_SEP.split(rest, maxsplit=1)
    date = parse_date(parts[0], zone=zone)
    if date.value is None:
        # "07.04.2025 16:39 Uhr" without separator: no source
        return None
    source = clean_line(parts[1]).strip(" .") if len(parts) > 1 else None
    if source is not None and not (2 <= len(source) <= 60 and any(ch.isalpha() for ch in source)):
        return None
    return Dateline(date, source or None, updated)


def _key(text: str) -> str:
    """Comparison key for repeated titles: case, spacing and end punctuation do not matter."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split()).strip(" .:!?")


def _is_heading_candidate(text: str) -> bool:
    if len(text) > 120 or not any(ch.isalpha() for ch in text):
        return False
    if len(text.split()) > 14:
        return False
    return not text.endswith(_FINAL_PUNCT)


def classify(lines: list[Line]) -> list[Block]:
    """Heading: markup says so, or a short line without sentence-final punctuation followed by a paragraph."""
    cand = [ln.kind == "heading" if ln.kind else _is_heading_candidate(ln.text) for ln in lines]
    blocks = []
    for i, ln in enumerate(lines):
        if ln.kind:
            kind = ln.kind
        else:
            kind = "heading" if cand[i] and i + 1 < len(lines) and not cand[i + 1] else "paragraph"
        blocks.append(Block(kind=kind, text=ln.text))
    return blocks


def split_lines(text: str) -> list[Line]:
    """Fixed text -> non-empty single-spaced lines (a paragraph per line, as the seeds have it)."""
    stable = False  # text is fix_text's stable output: fix_text(text) == text, no need to run it again
    for _ in range(6):  # splitting glued counters may let ftfy see a line differently: repeat until stable
        glued = boilerplate.split_glued(text)
        if stable and glued == text:
            break
        split, stable = fix_text_stable(glued)
        if split == text:
            break
        text = split
    # fix_text's stable output is single-spaced line by line already
    return [Line(t) for t in (text.split("\n") if stable else map(clean_line, text.split("\n"))) if t]


def structure(lines: list[Line], *, title: str | None, zone: str | None) -> Structured:
    out = Structured(title=None, blocks=[])
    lines = list(lines)

    def take_leading_datelines() -> bool:
        changed = False
        while lines:
            dl = dateline(lines[0].text)
            if dl is None:
                return changed
            if dl.updated:
                out.updated = out.updated or dl.date
            else:
                out.published = out.published or dl.date
            out.dateline_source = out.dateline_source or dl.source
            lines.pop(0)
            changed = True
        return changed

    verdicts: dict[str, str | bool] = {}  # line text -> an agency, True (boilerplate), False (text)

    def verdict(text: str) -> str | bool:
        # Pure per line, and the fixed-point loop below asks about the same lines every round.
        found = verdicts.get(text)
        if found is None:
            found = verdicts[text] = boilerplate.is_boilerplate(text) or boilerplate.attribution_of(text) or False
        return found

    headers: dict[str, bool] = {}

    def header(text: str) -> bool:
        found = headers.get(text)
        if found is None:
            found = headers[text] = boilerplate.is_related_header(text)
        return found

    datelines: dict[str, Dateline | None] = {}

    def dateline(text: str) -> Dateline | None:
        if text not in datelines:
            datelines[text] = parse_dateline(text, zone)
        return datelines[text]

    def drop_boilerplate() -> bool:
        before = len(lines)
        kept = []
        for ln in lines:
            found = verdict(ln.text)
            if found is True:
                continue
            if found:
                out.attribution = out.attribution or found
                continue
            kept.append(ln)
        lines[:] = kept
        cut = boilerplate.trailer_start([ln.text for ln in lines], header)
        if cut is not None:
            del lines[cut:]
        return len(lines) != before

    def drop_title_repeats(t: str) -> bool:
        changed = False
        while lines and _key(lines[0].text) == _key(t):
            lines.pop(0)
            changed = True
        return changed

    def strip_agency_dateline() -> bool:
        # "LONDON (Reuters) - The bank said...": agency credited, dateline prefix out of the first paragraph.
        m = boilerplate.AGENCY_DATELINE.match(lines[0].text) if lines else None
        if not m:
            return False
        out.attribution = out.attribution or m.group("a")
        out.dateline_place = out.dateline_place or (m.group("place") or "").strip() or None
        lines[0] = Line(lines[0].text[m.end() :], lines[0].kind)
        return True

    def step() -> bool:
        changed = drop_boilerplate() | take_leading_datelines() | strip_agency_dateline()
        return (drop_title_repeats(title) | changed) if title is not None else changed

    for _ in range(100):  # bounded fixed-point loop: each round that changes something removes text
        if not step():
            break
    if title is None and len(lines) > 1 and len(lines[0].text) <= _TITLE_MAX:
        title = lines.pop(0).text
        for _ in range(100):
            if not step():
                break

    out.title = title
    out.blocks = classify(lines)
    return out
