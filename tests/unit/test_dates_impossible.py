"""Impossible dates are rejected (no date, with a warning), never moved to a nearby real day."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from schemas.models import RawArticle
from services.processor.normalize import normalize
from services.processor.normalize.dates import impossible_dates, parse_date

FETCHED = datetime(2025, 6, 1, tzinfo=UTC)
IMPOSSIBLE = ["2025-13-01T10:00+01:00", "2025-02-30", "2025-03-00", "2025-02-29T10:00:00Z", "30.02.2025 10:00",
              "2025-2-30", "31 April 2025", "2025-04-07T25:00:00Z"]
PARAGRAPH = "<p>" + "Die Regierung hat heute neue Pläne vorgestellt, die viele Bürger betreffen. " * 8 + "</p>"


@pytest.mark.parametrize("text", IMPOSSIBLE)
def test_parse_date_rejects_impossible_dates(text: str) -> None:
    parsed = parse_date(text, zone="Europe/Berlin")
    assert parsed.value is None and "impossible date" in (parsed.warning or "")


def test_impossible_dates_scan() -> None:
    text = "am 2025-13-01 und 30.02.2025, nicht 2025-04-07, 07.04.2025, 04/30/2025 (US) oder Version 1.2.3"
    assert impossible_dates(text) == ["2025-13-01", "30.02.2025"]


def _page(head: str, body: str) -> str:
    return f"<html><head><title>Titel der Seite</title>{head}</head><body><article><h1>Titel der Seite</h1>{body}</article></body></html>"


@pytest.mark.parametrize("date", ["2025-13-01T10:00+01:00", "2025-02-30", "2025-03-00"])
@pytest.mark.parametrize("where", ["meta", "time", "text", "json", "metadata"])
def test_normalize_never_shifts_an_impossible_date(date: str, where: str) -> None:
    if where == "json":
        raw = RawArticle(source="x", content_type="application/json", fetched_at=FETCHED,
                         body=orjson.dumps({"title": "T", "body": "Some text. More text.", "date": date}).decode())
    elif where == "metadata":
        raw = RawArticle(source="x", body="Some text.\n\nMore text.", metadata={"published_at": date}, fetched_at=FETCHED)
    else:
        head = f'<meta property="article:published_time" content="{date}">' if where == "meta" else ""
        body = {"meta": "", "time": f'<time datetime="{date}">{date}</time>', "text": f"<p>{date}</p>"}[where]
        raw = RawArticle(source="x", content_type="text/html", body=_page(head, body + PARAGRAPH), fetched_at=FETCHED)
    article = normalize(raw, now=FETCHED)
    assert article.published_at is None, article.warnings  # before: 2025-01-13, 2025-02-01, 2025-03-01 (HTML)


def test_a_real_date_on_the_page_still_counts() -> None:
    page = _page('<meta property="article:published_time" content="2025-04-07T16:39:00+02:00">', PARAGRAPH)
    raw = RawArticle(source="x", content_type="text/html", body=page, fetched_at=FETCHED)
    assert normalize(raw, now=FETCHED).published_at == datetime(2025, 4, 7, 14, 39, tzinfo=UTC)
