"""Normalize step: seeds, text rules, dates, HTML, JSON, identity, limits."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from schemas.models import RawArticle
from services.processor.normalize.dates import parse_date
from services.processor.errors import StepError
from services.processor.normalize.identity import canonical_url, content_hash
from services.processor.normalize import normalize

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
SEEDS = Path(os.environ.get("NEWSFLOW_SHARED", Path(__file__).resolve().parents[3] / "shared")) / "seeds"
NL_TITLE = "Rusland staat open voor economische samenwerking met de VS in kritieke grondstoffen"


def raw(body: str, *, content_type: str = "text/plain", source: str = "files", **kw: object) -> RawArticle:
    return RawArticle(source=source, body=body, content_type=content_type, fetched_at=NOW, **kw)  # type: ignore[arg-type]


def seed(prefix: str) -> str:
    files = sorted(SEEDS.glob(f"{prefix}_*.txt")) if SEEDS.is_dir() else []
    if not files:
        pytest.skip(f"seed {prefix} not in {SEEDS}")
    return files[0].read_text(encoding="utf-8")


def check_invariants(art) -> None:
    assert art.body == "\n\n".join(b.text for b in art.blocks)
    assert art.content_hash == content_hash(art.body)
    assert len(art.id) == 34 and art.id[1] == "-"


# --- seeds ------------------------------------------------------------------------------------

def test_dutch_seed_title_once_attribution_and_trailer_out() -> None:
    art = normalize(raw(seed("000")), now=NOW)
    check_invariants(art)
    assert art.title == NL_TITLE
    assert not art.body.startswith(NL_TITLE) and NL_TITLE not in art.body
    assert art.attribution == "CNN"
    assert "Rapporten van CNN" not in art.body
    assert "Kommentare" not in art.body
    assert "Oekraïne" in art.body and "OekraÃ¯ne" not in art.body
    assert ("heading", "Samenwerking tussen de VS en Rusland") in [(b.kind, b.text) for b in art.blocks]
    assert art.blocks[0].kind == "paragraph"


def test_german_seed_dateline_source_and_title() -> None:
    art = normalize(raw(seed("003")), now=NOW)
    check_invariants(art)
    assert art.published_at == datetime(2025, 4, 7, 14, 39, tzinfo=UTC)
    assert art.metadata["published_at_local"] == "2025-04-07T16:39:00+02:00"
    assert art.source == "Welt Nachrichten" and art.metadata["site_name"] == "Welt Nachrichten"
    assert art.metadata["producer_source"] == "files"
    assert art.title == "US-Russland-Investitionsgespräche erwartet"
    assert "Veröffentlichungsdatum" not in art.body and "Investitionsgespräche erwartet" not in art.body
    assert not art.warnings


def test_german_seed_with_glued_comment_counter() -> None:
    art = normalize(raw("Kommentare (0)" + seed("003")), now=NOW)
    assert art.published_at == datetime(2025, 4, 7, 14, 39, tzinfo=UTC)
    assert art.source == "Welt Nachrichten"
    assert "Kommentare" not in art.body


# --- text rules -------------------------------------------------------------------------------

def test_title_line_repeated_kept_once_and_raw_title_wins() -> None:
    text = "Een titel\nEen titel\nEerste alinea van het stuk, met een punt.\nTweede alinea, ook met punt."
    art = normalize(raw(text), now=NOW)
    assert art.title == "Een titel"
    assert art.body.split("\n\n")[0] == "Eerste alinea van het stuk, met een punt."
    art2 = normalize(raw(text, title="Andere titel"), now=NOW)
    assert art2.title == "Andere titel" and art2.body.startswith("Een titel")


@pytest.mark.parametrize(
    "trailer",
    ["Kommentare (0)", "Reacties (12)", "Comments (3)", "Commentaires", "Lees ook", "Mehr zum Thema",
     "Share this article", "Lees ook: Poetin wil praten", "Lire aussi : autre chose"],
)
def test_boilerplate_trailers_removed(trailer: str) -> None:
    art = normalize(raw(f"Titel\nDer erste Absatz des Artikels endet hier.\n{trailer}"), now=NOW)
    assert art.body == "Der erste Absatz des Artikels endet hier."


@pytest.mark.parametrize(
    ("line", "agency"),
    [("Rapporten van CNN, aangevuld met Lauren Kent en Michael Williams.", "CNN"),
     ("Mit Material von dpa", "dpa"), ("(Reuters)", "Reuters"), ("with reporting by AP", "AP"),
     ("Avec AFP", "AFP"), ("Mit Material der Nachrichtenagenturen dpa und AFP", "dpa, AFP")],
)
def test_attribution_line_to_metadata(line: str, agency: str) -> None:
    art = normalize(raw(f"Titel\nDer erste Absatz des Artikels endet hier.\n{line}"), now=NOW)
    assert art.attribution == agency
    assert art.body == "Der erste Absatz des Artikels endet hier."


def test_agency_dateline_prefix() -> None:
    art = normalize(raw("Title\nLONDON (Reuters) - The bank raised rates on Thursday."), now=NOW)
    assert art.attribution == "Reuters" and art.body == "The bank raised rates on Thursday."


def test_whitespace_nfc_and_mojibake() -> None:
    art = normalize(raw("Title\r\nCafe\u0301\u00a0 au   lait\t co\u00c3\u00bbte cher.\r\n\r\n\r\nSecond  line."), now=NOW)
    assert art.body == "Café au lait coûte cher.\n\nSecond line."


def test_heading_heuristic() -> None:
    text = "Kop\nIntro paragraph with a full stop.\nA sub heading\nBody paragraph that is long enough and ends.\nLast words"
    art = normalize(raw(text), now=NOW)
    assert [b.kind for b in art.blocks] == ["paragraph", "heading", "paragraph", "paragraph"]


# --- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [("07.04.2025 16:39", "Europe/Berlin", datetime(2025, 4, 7, 14, 39, tzinfo=UTC)),
     ("7 april 2025", None, datetime(2025, 4, 7, tzinfo=UTC)),
     ("7. April 2025", None, datetime(2025, 4, 7, tzinfo=UTC)),
     ("April 7, 2025", None, datetime(2025, 4, 7, tzinfo=UTC)),
     ("7 avril 2025", None, datetime(2025, 4, 7, tzinfo=UTC)),
     ("2025-04-07T16:39:00+02:00", None, datetime(2025, 4, 7, 14, 39, tzinfo=UTC)),
     ("Mon, 07 Apr 2025 14:39:00 GMT", None, datetime(2025, 4, 7, 14, 39, tzinfo=UTC)),
     ("7 März 2025 16:39", None, datetime(2025, 3, 7, 15, 39, tzinfo=UTC))],
)
def test_parse_date(text: str, zone: str | None, expected: datetime) -> None:
    parsed = parse_date(text, zone=zone)
    assert parsed.value == expected and parsed.warning is None


def test_date_without_zone_is_utc_with_warning_and_garbage_is_none() -> None:
    assert parse_date("April 7, 2025 4:39 PM").value == datetime(2025, 4, 7, 16, 39, tzinfo=UTC)
    assert "assumed UTC" in (parse_date("April 7, 2025 4:39 PM").warning or "")
    bad = parse_date("sometime next week")
    assert bad.value is None and bad.warning


def test_dutch_dateline_amsterdam() -> None:
    art = normalize(raw("Gepubliceerd op: 7 april 2025 09:15 | NOS\nTitel\nDe eerste alinea van het artikel."), now=NOW)
    assert art.published_at == datetime(2025, 4, 7, 7, 15, tzinfo=UTC) and art.source == "NOS"


# --- HTML -------------------------------------------------------------------------------------

HTML = """<html><head><title>Het grote nieuws - Voorbeeldkrant</title>
<meta property="og:site_name" content="Voorbeeldkrant">
<meta property="article:published_time" content="2025-04-07T16:39:00+02:00">
<link rel="canonical" href="HTTPS://Example.NL/nieuws/1?utm_source=x#top">
<script type="application/ld+json">{"@type": "NewsArticle", "author": {"@type": "Person", "name": "Jan Jansen"}}</script>
<style>.x{color:red}</style><script>var secret = "do not show";</script></head>
<body><nav>Home | Sport</nav><article><h1>Het grote nieuws</h1>
<p>De eerste alinea van het grote nieuws is lang genoeg om als hoofdtekst te tellen, met veel woorden erin.</p>
<h2>Een tussenkop</h2>
<p>De tweede alinea vertelt meer over het nieuws en is ook lang genoeg om mee te tellen voor de tekst.</p>
<p>De derde alinea sluit het verhaal af met nog meer woorden, zodat er genoeg tekst is om te vinden.</p>
</article><footer>Alle rechten voorbehouden</footer></body></html>"""


def test_html_extraction_fields() -> None:
    art = normalize(raw(HTML, content_type="text/html", url="https://example.nl/nieuws/1"), now=NOW)
    check_invariants(art)
    assert art.title == "Het grote nieuws"
    assert art.author == "Jan Jansen"
    assert art.published_at == datetime(2025, 4, 7, 14, 39, tzinfo=UTC)
    assert art.url == "https://example.nl/nieuws/1"
    assert art.source == "Voorbeeldkrant"
    assert "do not show" not in art.body and "color:red" not in art.body and "<" not in art.body
    assert ("heading", "Een tussenkop") in [(b.kind, b.text) for b in art.blocks]


# --- JSON -------------------------------------------------------------------------------------

def test_json_text_and_html_bodies() -> None:
    rec = {"headline": "Kop", "articleBody": "Eerste alinea met punt.\nTweede alinea met punt.",
           "link": "https://example.nl/a", "byline": {"name": "Piet"}, "datePublished": "2025-04-07T10:00:00Z",
           "site": "Krant"}
    art = normalize(raw(orjson.dumps(rec).decode(), content_type="application/json"), now=NOW)
    assert (art.title, art.author, art.source, art.url) == ("Kop", "Piet", "Krant", "https://example.nl/a")
    assert art.published_at == datetime(2025, 4, 7, 10, tzinfo=UTC)
    assert art.body == "Eerste alinea met punt.\n\nTweede alinea met punt."
    html_rec = {"title": "T", "body": "<p>One para.</p><script>x()</script><h2>Sub</h2><p>Two para.</p>"}
    art2 = normalize(raw(orjson.dumps(html_rec).decode(), content_type="application/json"), now=NOW)
    assert [(b.kind, b.text) for b in art2.blocks] == [("paragraph", "One para."), ("heading", "Sub"), ("paragraph", "Two para.")]


@pytest.mark.parametrize("payload", ["[1, 2]", '{"title": "no body"}', "{not json", "[" * 5000 + "]" * 5000, '"text"'])
def test_json_refused(payload: str) -> None:
    with pytest.raises(StepError) as exc:
        normalize(raw(payload, content_type="application/json"), now=NOW)
    assert exc.value.stage == "normalize" and exc.value.reason


# --- limits -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "reason"),
    [("a" * 101, "text is 101 bytes, over NEWSFLOW_MAX_BODY_BYTES=100 by 1"), ("Title\nbin\x00ary", "NUL"), ("\x01\x02\x03\x04 abc" * 10, "binary"),
     ("Kommentare (0)\nShare this article", "empty")],
)
def test_refused_payloads(body: str, reason: str) -> None:
    with pytest.raises(StepError, match=reason):
        normalize(raw(body), now=NOW, max_body_bytes=100)


# --- identity ---------------------------------------------------------------------------------

def test_canonical_url_and_stable_id() -> None:
    assert canonical_url("HTTPS://WWW.Example.com:443/a?utm_source=x&b=2&a=1&fbclid=z#frag") == "https://www.example.com/a?a=1&b=2"
    a = normalize(raw("T\nBody text.", url="https://example.com/a?utm_medium=m"), now=NOW)
    b = normalize(raw("T\nOther text.", url="https://EXAMPLE.com/a#x"), now=NOW)
    assert a.id == b.id and a.id.startswith("u-")
    c = normalize(raw("T\nBody text."), now=NOW)
    d = normalize(raw("T\nBody text.", source="other"), now=NOW)
    assert c.id.startswith("t-") and c.id != d.id


def test_short_html_fragment_keeps_its_text_and_feed_date() -> None:
    # A feed entry's HTML summary is too short for trafilatura; its text must not be lost.
    from datetime import UTC, datetime

    from schemas import RawArticle
    from services.processor.normalize import normalize

    raw = RawArticle(source="feed", content_type="text/html", url="https://example.org/a",
                     body="<p>Short summary of the <b>news</b> item.</p><script>alert(1)</script>",
                     fetched_at=datetime(2025, 4, 8, tzinfo=UTC), metadata={"published_at": "Mon, 07 Apr 2025 14:39:00 GMT"})
    article = normalize(raw, now=datetime(2025, 4, 8, tzinfo=UTC))
    assert article.body == "Short summary of the news item."
    assert article.published_at == datetime(2025, 4, 7, 14, 39, tzinfo=UTC)
