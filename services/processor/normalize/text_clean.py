"""Character-level cleaning: refuse binary payloads, repair mojibake, NFC, whitespace per line."""

from __future__ import annotations

import re
import unicodedata

import ftfy

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
_WHITESPACE = re.compile(r"\s+")


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
    visible = len(sample) - sum(map(len, _WHITESPACE.findall(sample)))
    if visible:
        controls = len(_CONTROL_NOT_SPACE.findall(sample))
        replacement = sample.count("\ufffd")
        if (controls + replacement) / visible > 0.05:
            raise StepError("normalize", "binary payload: too many control or undecodable characters")


def fix_text(text: str) -> str:
    """Mojibake repair, NFC, one kind of line break, single spaces; repeated until stable (idempotent)."""
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")  # lone surrogates -> U+FFFD
    for _ in range(6):
        fixed = ftfy.fix_text(text, _FTFY)
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
    return _SPACE.sub(" ", line).strip()


def clean_inline(text: str | None) -> str | None:
    """A one-line field (title, author): fixed, single-spaced, None when empty."""
    if text is None:
        return None
    out = clean_line(fix_text(text).replace("\n", " "))
    return out or None
