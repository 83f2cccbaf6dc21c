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
    unusual = _unusual(sample)  # holds every whitespace character but " " and "\n", and every control
    spaces = sample.count(" ") + sample.count("\n") + sum(sample.count(c) for c in unusual if c.isspace())
    visible = len(sample) - spaces  # characters that are not whitespace (str.isspace, \s)
    if visible:
        controls = sum(sample.count(c) for c in unusual if _CONTROL_NOT_SPACE.match(c))
        replacement = sample.count("\ufffd")
        if (controls + replacement) / visible > 0.05:
            raise StepError("normalize", "binary payload: too many control or undecodable characters")


def _ftfy_gate() -> tuple[frozenset[str], frozenset[str]]:
    """What decides whether ftfy (as configured) could change a text: triggers, suspects, runs of suspects.

    ftfy's encoding repair only acts where its badness regex matches. Every alternative of that regex
    spans at most 7 characters and, as no mojibake category holds an ASCII character, either needs two
    adjacent non-ASCII characters of its categories or literals ("suspects"), or one of a few characters
    that make a match on their own (C1 controls, Ã, Â, Œ, œ: `[Œœ][^A-Za-z]`, `^[ÃÂ][ ]`), which are
    triggers. So the regex is searched only around runs of two or more suspects: an accented letter or a
    typographic quote between ASCII characters costs nothing (tests/unit/test_normalize_fast.py derives this
    from the parsed badness regex). ftfy's other fixers act only on triggers (C1 and other control
    characters, ligatures, terminal escapes).
    """
    classes = "".join(MOJIBAKE_CATEGORIES.values())
    member = re.compile(f"[{classes}]")
    literal = {c for c in BADNESS_RE.pattern if ord(c) > 127}
    suspects = literal | {chr(c) for c in range(128, 0x10000) if member.match(chr(c))} - {"\n"}
    triggers = {chr(c) if isinstance(c, int) else c for c in (*chardata.CONTROL_CHARS, *chardata.LIGATURES)}
    triggers |= {"\x1b", "Ã", "Â", "Œ", "œ"}
    triggers |= {chr(c) for c in range(0x80, 0xA0)}
    return frozenset(triggers), frozenset(suspects)


_FTFY_TRIGGERS, _SUSPECTS = _ftfy_gate()
# "Unusual": every character but printable ASCII and the newline; no step of fix_text acts on anything
# else. Found through the UTF-8 bytes with bytes.translate, which is far faster than a regex scan: deleting
# the plain ASCII bytes leaves the unusual characters' bytes, whole; turning every ASCII byte into a space
# leaves the runs of adjacent non-ASCII characters as words.
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\n"
_ASCII_TO_SPACE = bytes(b if b >= 0x80 else 0x20 for b in range(256))
_BREAK_CHARS = frozenset("\r\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e")
_CONTROL_CHARS = frozenset(c for c in map(chr, range(0xE000)) if _CONTROL_BUT_TAB_NL.match(c))
_INVISIBLE_CHARS = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\ufffd")


def _unusual(text: str) -> set[str]:
    if text.isascii():
        return set(text.encode("ascii").translate(None, _PLAIN_ASCII).decode("ascii"))
    return set(text.encode("utf-8", "surrogatepass").translate(None, _PLAIN_ASCII).decode("utf-8", "surrogatepass"))


def _ftfy_may_change(text: str, unusual: set[str]) -> bool:
    """`ftfy_may_change` given the text's unusual characters (`_unusual`)."""
    if not unusual.isdisjoint(_FTFY_TRIGGERS):
        return True
    if not unicodedata.is_normalized("NFC", text):
        # ftfy reads the text composed: "»e\u0301" is the mojibake "»é" (MacRoman for "Ȏ") there
        text = unicodedata.normalize("NFC", text)
        unusual = _unusual(text)
        if not unusual.isdisjoint(_FTFY_TRIGGERS):
            return True
    if len(unusual & _SUSPECTS) == 0:
        return False
    cursor = 0
    for word in text.encode("utf-8", "surrogatepass").translate(_ASCII_TO_SPACE).split():
        if len(word) < 4:  # one character: two need at least 2 + 2 bytes
            continue
        run = word.decode("utf-8", "surrogatepass")  # maximal run of adjacent non-ASCII characters, in order
        if len(run) < 2 or not any(a in _SUSPECTS and b in _SUSPECTS for a, b in zip(run, run[1:], strict=False)):
            continue
        # Its first occurrence after the runs handled so far is this run: an earlier one would lie in a
        # run with the same adjacent suspects, which was handled.
        at = text.find(run, cursor)
        if at < 0:  # cannot happen (see above); if it did, the plain search decides
            return bool(BADNESS_RE.search(text))
        if BADNESS_RE.search(text, max(0, at - 7), at + len(run) + 7):
            return True
        cursor = at + len(run)
    return False


def ftfy_may_change(text: str) -> bool:
    """False only when ftfy.fix_text(text, _FTFY) would return NFC(text) (proved by construction, tested)."""
    return _ftfy_may_change(text, _unusual(text))


def _fix_once(text: str) -> str:
    """One round of fix_text. Each regex pass runs only when the text holds a character it acts on."""
    unusual = _unusual(text)
    if unusual:
        # ftfy is most of normalize's cost and has nothing to do on almost every text: ask first.
        if _ftfy_may_change(text, unusual):
            text = ftfy.fix_text(text, _FTFY)
            unusual = _unusual(text)
        if not unusual.isdisjoint(_BREAK_CHARS):
            text = _LINE_BREAKS.sub("\n", text)
        if not unusual.isdisjoint(_CONTROL_CHARS):
            text = _CONTROL_BUT_TAB_NL.sub("", text)
        if not unusual.isdisjoint(_INVISIBLE_CHARS):
            text = _INVISIBLE.sub("", text)
        text = unicodedata.normalize("NFC", text)
    # Collapse spacing inside the loop: ftfy reads "à¢\t0" and "à¢ 0" differently.
    if _single_spaced(text, unusual):
        return text
    return "\n".join([clean_line(line) for line in text.split("\n")])


def _single_spaced(text: str, unusual: set[str]) -> bool:
    """True when every line is already clean_line's output: the only spacing is single spaces between words
    (the unusual characters hold every whitespace character but the space and the newline)."""
    if any(c.isspace() for c in unusual):
        return False
    return not ("  " in text or " \n" in text or "\n " in text or text.startswith(" ") or text.endswith(" "))


def fix_text_stable(text: str) -> tuple[str, bool]:
    """fix_text, and whether its result is stable (fix_text of it is itself; false only after 6 rounds)."""
    if not text.isascii():
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")  # lone surrogates -> U+FFFD
    for _ in range(6):
        fixed = _fix_once(text)
        if fixed == text:
            return text, True
        text = fixed
    return text, False


def fix_text(text: str) -> str:
    """Mojibake repair, NFC, one kind of line break, single spaces; repeated until stable (idempotent)."""
    return fix_text_stable(text)[0]


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
