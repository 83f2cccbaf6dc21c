"""Character-level cleaning: refuse binary payloads, repair mojibake, NFC, whitespace per line."""

from __future__ import annotations

import re
import unicodedata

import ftfy
from ftfy import chardata
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES

from services.processor.errors import StepError

# Keep typography (curly quotes, full-width CJK punctuation): only repair what is broken. No HTML
# unescaping: whether ftfy does it depends on a "<" elsewhere in the text, which breaks idempotency.
_FTFY = ftfy.TextFixerConfig(unescape_html=False, uncurl_quotes=False, fix_character_width=False, explain=False, normalization="NFC")
_SPACE = re.compile(r"[^\S\n]+")  # any Unicode whitespace but the newline
# zero-width, BOM, soft hyphen; U+FFFD carries no text (and dropping it keeps the output passing check_payload)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\ufffd]")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e]")
# Categories Cc and Cs as character classes: a regex scan instead of a Python loop per character.
_CONTROL_BUT_TAB_NL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_NOT_SPACE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def over_limit(what: str, size: int, limit: int, setting: str, unit: str = "bytes") -> StepError:
    """The dead-letter reason for a size refusal: which limit, and by how much."""
    return StepError("normalize", f"{what} is {size:,} {unit}, over {setting}={limit:,} by {size - limit:,}")


def check_text_size(text: str, max_body_bytes: int, what: str = "text") -> None:
    """The text kept (stored, sent on) is at most NEWSFLOW_MAX_BODY_BYTES in UTF-8."""
    size = utf8_size(text)
    if size > max_body_bytes:
        raise over_limit(what, size, max_body_bytes, "NEWSFLOW_MAX_BODY_BYTES")


def check_markup_size(page: str, max_markup_chars: int, what: str = "page markup") -> None:
    """Markup (HTML, a JSON record) is limited in characters: a page of N bytes decodes to at most N
    characters, so a limit equal to the fetch limit admits every page the fetcher admits."""
    if len(page) > max_markup_chars:
        raise over_limit(what, len(page), max_markup_chars, "NEWSFLOW_MAX_MARKUP_CHARS", "characters")


def check_payload(body: str, max_body_bytes: int) -> None:
    """Refuse oversize and non-text payloads before spending time on them (body: text kept as it is)."""
    check_text_size(body, max_body_bytes)
    check_content(body)


def check_content(body: str, *, markup: bool = False) -> None:
    """Refuse binary payloads: NUL bytes in text, or mostly control/undecodable characters.

    In markup a stray NUL is not text (parsers drop it; pages have them in padding): only the ratio counts.
    """
    if not markup and "\x00" in body:
        raise StepError("normalize", "binary payload: body contains NUL bytes")
    sample = body[:100_000]
    visible = sum(map(len, sample.split()))  # characters that are not whitespace (str.split uses \s's set)
    if visible:
        controls = len(_CONTROL_NOT_SPACE.findall(sample))
        replacement = sample.count("\ufffd")
        if (controls + replacement) / visible > 0.05:
            raise StepError("normalize", "binary payload: too many control or undecodable characters")


def _ftfy_gate() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Two cheap scans that together find every text on which ftfy (as configured) could change anything.

    ftfy's encoding repair only acts where its badness regex matches; every alternative of that regex needs
    a non-ASCII character of its mojibake categories and spans at most 7 characters, so searching it only
    around such characters finds exactly its matches, at a fraction of the cost of scanning every position.
    Its other fixers act only on the characters of `triggers` (C1 and other control characters, ligatures,
    terminal escapes); Ã and Â are there too because "^[ÃÂ] " matches at the start of any line ftfy fixes.
    """
    classes = "".join(MOJIBAKE_CATEGORIES.values())
    member = re.compile(f"[{classes}]")
    literal = {c for c in BADNESS_RE.pattern if ord(c) > 127}
    suspects = sorted(literal | {chr(c) for c in range(128, 0x10000) if member.match(chr(c))} - {"\n"})
    others = {chr(c) if isinstance(c, int) else c for c in (*chardata.CONTROL_CHARS, *chardata.LIGATURES)}
    others |= {"\x1b", "Ã", "Â"}
    others |= {chr(c) for c in range(0x80, 0xA0)}
    as_class = lambda chars: "[" + "".join(re.escape(c) for c in sorted(chars) if 0xD800 > ord(c) or ord(c) > 0xDFFF) + "]"  # noqa: E731
    return re.compile(as_class(others)), re.compile(as_class(suspects) + "+")


_FTFY_TRIGGERS, _MOJIBAKE_SUSPECTS = _ftfy_gate()


def ftfy_may_change(text: str) -> bool:
    """False only when ftfy.fix_text(text, _FTFY) would return NFC(text) (proved by construction, tested)."""
    if _FTFY_TRIGGERS.search(text):
        return True
    for run in _MOJIBAKE_SUSPECTS.finditer(text):
        if BADNESS_RE.search(text, max(0, run.start() - 7), run.end() + 7):
            return True
    return False


def fix_text(text: str) -> str:
    """Mojibake repair, NFC, one kind of line break, single spaces; repeated until stable (idempotent)."""
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")  # lone surrogates -> U+FFFD
    for _ in range(6):
        # ftfy is most of normalize's cost and has nothing to do on almost every text: ask first.
        fixed = ftfy.fix_text(text, _FTFY) if ftfy_may_change(text) else text
        fixed = _LINE_BREAKS.sub("\n", fixed)
        fixed = _CONTROL_BUT_TAB_NL.sub("", fixed)
        fixed = unicodedata.normalize("NFC", _INVISIBLE.sub("", fixed))
        # Collapse spacing inside the loop: ftfy reads "à¢\t0" and "à¢ 0" differently.
        fixed = "\n".join(clean_line(line) for line in fixed.split("\n"))
        if fixed == text:
            break
        text = fixed
    return text


def clean_line(line: str) -> str:
    """Collapse every run of whitespace (tabs, NBSP, thin spaces...) to one space; strip."""
    if "\n" in line:
        return _SPACE.sub(" ", line).strip()
    return " ".join(line.split())  # str.split() splits on exactly what \s matches (str.isspace), faster


def clean_inline(text: str | None) -> str | None:
    """A one-line field (title, author): fixed, single-spaced, None when empty."""
    if text is None:
        return None
    out = clean_line(fix_text(text).replace("\n", " "))
    return out or None
