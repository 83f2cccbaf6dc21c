"""An HTML page's bytes -> text in the charset the bytes are actually in. Pure.

Order of evidence (`decode_page`):
1. bytes that are valid UTF-8 and hold non-ASCII: UTF-8, whatever a header or <meta> says. Multi-byte
   UTF-8 sequences almost never occur by chance in another encoding, while a stale declaration on a
   UTF-8 page is common (a copied template's `<meta charset=gb2312>`): trusting it makes mojibake.
2. a byte order mark (UTF-32 and UTF-16 either way round, UTF-8);
3. the HTTP Content-Type charset;
4. `<meta charset>` / `<meta http-equiv=Content-Type>` in the first 16 KB;
5. detection (charset_normalizer) on bytes that no declaration decodes.
A declared charset is used only when the whole page decodes under it without error; labels are mapped
as browsers map them (WHATWG: iso-8859-1 is windows-1252, gb2312 is gb18030, shift_jis is cp932, …).
A UTF-16/32 label without a BOM is ignored (a page whose <meta> can be read is not UTF-16).
Last resort: UTF-8 with U+FFFD for what does not decode. Invariant: the text has at most as many
characters as the page has bytes, so a limit in characters equal to the fetch limit in bytes admits
every page the fetcher admits.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Mapping

from charset_normalizer import from_bytes

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_META_SCAN_BYTES = 16_384
_DETECT_SAMPLE = 20_000  # detection reads the start and the end of a large page, not all of it
# WHATWG Encoding Standard: the legacy labels whose decoder browsers swap for a superset.
_WHATWG = {
    **dict.fromkeys(("iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819", "ascii",
                     "us-ascii", "windows-1252", "x-cp1252"), "cp1252"),
    **dict.fromkeys(("iso-8859-9", "iso8859-9", "iso_8859-9", "latin5", "l5", "windows-1254"), "cp1254"),
    **dict.fromkeys(("iso-8859-11", "iso8859-11", "tis-620", "windows-874", "dos-874"), "cp874"),
    **dict.fromkeys(("gb2312", "gb_2312", "gb_2312-80", "csgb2312", "chinese", "gbk", "x-gbk", "cp936"), "gb18030"),
    **dict.fromkeys(("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j"), "cp932"),
    **dict.fromkeys(("euc-kr", "ks_c_5601-1987", "ks_c_5601-1989", "ksc5601", "korean", "windows-949"), "cp949"),
    **dict.fromkeys(("big5", "big5-hkscs", "cn-big5", "x-x-big5", "csbig5"), "big5hkscs"),
}


def _codec(label: str) -> str | None:
    """A charset label -> a Python codec name (WHATWG mapping first); None if unknown or UTF-16/32."""
    label = label.strip().strip("\"'").lower()
    name = _WHATWG.get(label, label)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return None if codec.startswith(("utf-16", "utf-32")) else name


def _declared(body: bytes, headers: Mapping[str, str]) -> Iterator[str]:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    match = _HEADER_CHARSET.search(content_type)
    if match:
        yield match.group(1)
    meta = _META_CHARSET.search(body[:_META_SCAN_BYTES])
    if meta:
        yield meta.group(1).decode("ascii", "ignore")


def _detected(body: bytes) -> str | None:
    sample = body if len(body) <= 2 * _DETECT_SAMPLE else body[:_DETECT_SAMPLE] + body[-_DETECT_SAMPLE:]
    best = from_bytes(sample).best()
    return best.encoding if best is not None else None


def decode_page(body: bytes, headers: Mapping[str, str]) -> str:
    """The page's text; see the module docstring for the order of evidence."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is not None and not text.isascii():
        return text
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(codec, errors="replace")
    for label in _declared(body, headers):
        codec = _codec(label)
        if codec is None:
            continue
        try:
            return body.decode(codec)
        except UnicodeDecodeError:
            continue
    if text is not None:  # ASCII only and no usable declaration
        return text
    guess = _detected(body)
    if guess is not None:
        try:
            return body.decode(guess)
        except (UnicodeDecodeError, LookupError):  # a guess from a sample may not fit the whole page
            pass
    return body.decode("utf-8", errors="replace")
