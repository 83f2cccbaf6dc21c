"""Parse news dates in several languages to timezone-aware UTC, never guessing.

Zone rule (documented in the normalize module too):
1. an explicit offset or zone in the string wins (ISO 8601 "+02:00", "Z", RFC 822 "GMT"/"+0200");
2. else the caller's `zone` hint (from the dateline label language, the metadata or the URL's
   country domain, see `zone_for`), e.g. Europe/Berlin for a German dateline;
3. else a month name that belongs to one language only (e.g. "März", "mei", "avril") gives that
   language's zone;
4. else UTC, and the result carries a warning saying so.
A date without a time of day is a calendar date, not an instant: it is stored as 00:00 UTC of that
day (no zone conversion, which would move it to the previous day) with precision "day".
Anything not matched is None plus a warning: dates are never guessed. A date that matches a format
but names no real day or time ("2025-13-01", "2025-02-30", "2025-03-00", "25:00") is rejected the
same way ("impossible date ..."), never moved to a nearby day; `impossible_dates` finds such strings in a
page so that a guess derived from one (trafilatura's date swaps day and month, or clamps the day) is
refused too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

# Month names and common abbreviations per language (lowercase, without trailing dot).
_MONTHS: dict[str, dict[str, int]] = {
    "en": {"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
           "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
           "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12},
    "de": {"januar": 1, "jänner": 1, "jan": 1, "februar": 2, "feb": 2, "märz": 3, "maerz": 3, "mär": 3, "mrz": 3,
           "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8,
           "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
           "dezember": 12, "dez": 12},
    "nl": {"januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "april": 4, "apr": 4, "mei": 5,
           "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
           "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12},
    "fr": {"janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "mars": 3, "avril": 4,
           "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "août": 8, "aout": 8, "septembre": 9,
           "sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "décembre": 12, "decembre": 12,
           "déc": 12, "dec": 12},
    "es": {"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
           "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12},
    "it": {"gennaio": 1, "febbraio": 2, "marzo": 3, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
           "agosto": 8, "settembre": 9, "ottobre": 10, "novembre": 11, "dicembre": 12},
    "pt": {"janeiro": 1, "fevereiro": 2, "março": 3, "marco": 3, "abril": 4, "maio": 5, "junho": 6, "julho": 7,
           "agosto": 8, "setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12},
}
_MONTH_LANGS: dict[str, set[str]] = {}
for _lang, _table in _MONTHS.items():
    for _name in _table:
        _MONTH_LANGS.setdefault(_name, set()).add(_lang)
_MONTH_NUM = {name: num for table in _MONTHS.values() for name, num in table.items()}

# Zones for languages and country domains whose news is (almost) all in one zone.
LANG_ZONES = {"de": "Europe/Berlin", "nl": "Europe/Amsterdam", "fr": "Europe/Paris"}
_TLD_ZONES = {"de": "Europe/Berlin", "at": "Europe/Vienna", "ch": "Europe/Zurich", "nl": "Europe/Amsterdam",
              "be": "Europe/Brussels", "fr": "Europe/Paris", "lu": "Europe/Luxembourg", "it": "Europe/Rome",
              "es": "Europe/Madrid", "pl": "Europe/Warsaw", "fi": "Europe/Helsinki", "uk": "Europe/London"}

_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTH_NUM), key=len, reverse=True))
_TIME = r"(?:\s*(?:,|um|à|a las|at|om|-|–|\|)?\s*(?P<h>\d{1,2})(?:[:.hH](?P<mi>\d{2}))(?::(?P<s>\d{2}))?\s*(?P<ampm>[ap]\.?\s?m\.?)?(?:\s*(?:uhr|uur|h|hrs|horas|heures))?)?"
_WEEKDAY = r"(?:[^\W\d]{2,12}\.?,?\s+)?"
_PATTERNS = [
    # 07.04.2025 16:39 / 7-4-2025 / 07/04/2025 (day first; see _slash_ok for "/")
    re.compile(rf"^{_WEEKDAY}(?P<d>\d{{1,2}})(?P<sep>[./-])(?P<m>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}){_TIME}$", re.I),
    # 2025/04/07
    re.compile(rf"^(?P<y>\d{{4}})/(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}}){_TIME}$", re.I),
    # 7 april 2025, 7. April 2025, 7 de abril de 2025, Monday 7 April 2025
    re.compile(rf"^{_WEEKDAY}(?P<d>\d{{1,2}})(?:\.|er|st|nd|rd|th)?\s*(?:de\s+)?(?P<mon>{_MONTH_RE})\.?,?\s*(?:de\s+)?(?P<y>\d{{4}}){_TIME}$", re.I),
    # April 7, 2025
    re.compile(rf"^{_WEEKDAY}(?P<mon>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}}){_TIME}$", re.I),
]
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$", re.I)
# Loose ISO-like forms seen in the wild: "2022-1-26T14:32:06+02:00", "2022-05-05T22:12:00 UTC", "2022-5-5 22:17:36"
_LOOSE_ISO = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T ](?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<z>Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?$", re.I)
_EPOCH = re.compile(r"^@?(?P<t>\d{9,10})(?:\.\d+)?$")
_RFC822 = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[A-Z]{1,5}|[+-]\d{4})?$")


@dataclass(frozen=True)
class ParsedDate:
    value: datetime | None  # aware, UTC
    local: str | None = None  # ISO string in the source's zone (or the calendar date)
    precision: str | None = None  # "minute" | "day"
    warning: str | None = None


def zone_for(*, lang: str | None = None, url: str | None = None) -> str | None:
    """Zone hint from a language code or a URL's country domain; None when neither tells."""
    if lang and lang.lower()[:2] in LANG_ZONES:
        return LANG_ZONES[lang.lower()[:2]]
    if url:
        host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip(), flags=re.I).split("/", 1)[0].split(":", 1)[0]
        tld = host.rsplit(".", 1)[-1].lower()
        return _TLD_ZONES.get(tld)
    return None


def _finish(naive: datetime, has_time: bool, zone: str | None, text: str) -> ParsedDate:
    if not has_time:
        return ParsedDate(naive.replace(tzinfo=UTC), naive.date().isoformat(), "day")
    if zone:
        local = naive.replace(tzinfo=ZoneInfo(zone))
        return ParsedDate(local.astimezone(UTC), local.isoformat(), "minute")
    return ParsedDate(naive.replace(tzinfo=UTC), naive.isoformat(), "minute",
                      f"date {text!r} has no time zone: assumed UTC")


def _aware(dt: datetime, text: str) -> ParsedDate:
    return ParsedDate(dt.astimezone(UTC), dt.isoformat(), "minute")


# Numeric dates as they appear in markup and text: 2025-13-01, 2025/02/30, 2025.3.0, 30.02.2025, 30/02/2025.
_NUMERIC_DATE = re.compile(r"(?<![\d.:/-])(?:(?P<y>\d{4})(?P<s1>[-/.])(?P<m>\d{1,2})(?P=s1)(?P<d>\d{1,2})"
                           r"|(?P<d2>\d{1,2})(?P<s2>[./])(?P<m2>\d{1,2})(?P=s2)(?P<y2>\d{4}))(?![\d])")


YEAR_LOOKS = 200


def _real_day(year: int, month: int, day: int) -> bool:
    try:
        datetime(year, month, day)
    except ValueError:
        return False
    return True


def impossible_dates(text: str, year: str | None = None) -> list[str]:
    """Numeric dates in `text` that name no real day (month 0 or over 12, day 0 or past the month's end).
    Day/month order is taken both ways for "dd.mm.yyyy"/"dd/mm/yyyy": only a string impossible in both
    counts, so "04/30/2025" (a US date) is not reported. With `year`, only dates of that year are looked
    for, around its first YEAR_LOOKS occurrences (a full scan of a megabyte page costs too much). Pure."""
    if year is not None:
        found: list[str] = []
        start, looks = text.find(year), 0
        while start >= 0 and looks < YEAR_LOOKS:
            looks += 1
            for date in impossible_dates(text[max(0, start - 7): start + len(year) + 8]):
                if year in date and date not in found:
                    found.append(date)
            start = text.find(year, start + 1)
        return found
    found = []
    for m in _NUMERIC_DATE.finditer(text):
        if m["y"]:
            y, first, second = int(m["y"]), int(m["m"]), int(m["d"])
            bad = not _real_day(y, first, second)
        else:
            y, first, second = int(m["y2"]), int(m["d2"]), int(m["m2"])
            bad = not _real_day(y, second, first) and not _real_day(y, first, second)
        if bad and 1000 <= y <= 2999:
            found.append(m[0])
    return found


def parse_date(text: str | None, *, zone: str | None = None) -> ParsedDate:
    """Parse one date string (news formats in en/de/nl/fr/es/it/pt, ISO 8601, RFC 822)."""
    if not text or not text.strip():
        return ParsedDate(None)
    s = " ".join(text.split()).strip(" ,;|/")
    if len(s) > 80:
        return ParsedDate(None, warning=f"date {s[:80]!r}... too long to be a date")
    if impossible_dates(s):
        return ParsedDate(None, warning=f"impossible date {s!r} (no such day): ignored")
    try:
        if _ISO.match(s):
            iso = s.replace(" ", "T", 1) if len(s) > 10 else s
            dt = datetime.fromisoformat(iso.replace(",", "."))
            if dt.tzinfo is not None:
                return _aware(dt, s)
            return _finish(dt, len(s) > 10, zone, s)
        if m := _LOOSE_ISO.match(s):
            g = m.groupdict()
            naive = datetime(int(g["y"]), int(g["m"]), int(g["d"]), int(g["h"] or 0), int(g["mi"] or 0), int(g["s"] or 0))
            if g["z"]:
                z = g["z"].upper()
                offset = timedelta(0) if z in ("Z", "UTC", "GMT") else (1 if z[0] == "+" else -1) * timedelta(
                    hours=int(z[1:3]), minutes=int(z[-2:]))
                return _aware(naive.replace(tzinfo=timezone(offset)), s)
            return _finish(naive, g["h"] is not None, zone, s)
        if m := _EPOCH.match(s):
            return _aware(datetime.fromtimestamp(int(m.group("t")), UTC), s)
        if _RFC822.match(s):
            dt = parsedate_to_datetime(s)
            if dt.tzinfo is not None:
                return _aware(dt, s)
            return _finish(dt, True, zone, s)
        for pat in _PATTERNS:
            m = pat.match(s)
            if not m:
                continue
            g = m.groupdict()
            month_zone = None
            if g.get("mon"):
                name = g["mon"].lower()
                month = _MONTH_NUM[name]
                langs = _MONTH_LANGS[name]
                if len(langs) == 1:
                    month_zone = LANG_ZONES.get(next(iter(langs)))
            else:
                month = int(g["m"])
                if g.get("sep") == "/" and int(g["d"]) <= 12 and zone is None:
                    return ParsedDate(None, warning=f"date {s!r} is ambiguous (day/month order unknown)")
            hour = int(g["h"]) if g.get("h") else None
            minute = int(g["mi"]) if g.get("mi") else 0
            if hour is not None and g.get("ampm"):
                pm = g["ampm"].lower().startswith("p")
                if not 1 <= hour <= 12:
                    break
                hour = hour % 12 + (12 if pm else 0)
            naive = datetime(int(g["y"]), month, int(g["d"]), hour or 0, minute, int(g.get("s") or 0))
            return _finish(naive, hour is not None, zone or month_zone, s)
    except ValueError as exc:  # matched a format, but no such day or time (e.g. 25:00, 31 April)
        return ParsedDate(None, warning=f"impossible date {s!r} ({exc}): ignored")
    except (OverflowError, TypeError, IndexError, KeyError):
        pass
    return ParsedDate(None, warning=f"unparseable date {s!r}")


def plausible(parsed: ParsedDate, fetched_at: datetime) -> ParsedDate:
    """Refuse dates in the future (beyond a day of clock skew) or before 1990: likely misparsed."""
    if parsed.value is None:
        return parsed
    if parsed.value > fetched_at + timedelta(days=1) or parsed.value.year < 1990:
        return ParsedDate(None, warning=f"implausible date {parsed.local!r} ignored")
    return parsed
