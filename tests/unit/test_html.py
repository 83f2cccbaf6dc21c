"""HTML pages: no text lost (comments, inline code, odd markup), the right charset, size limits on what is
kept, the headline rather than the site's name. Pages are small fixtures written for these tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from lxml import etree

from schemas.models import DeadLetter, RawArticle
from services.processor.enrich import normalize_message
from services.processor.errors import StepError
from services.processor.normalize import normalize
from services.processor.normalize.html_extract import _lines_from_body, choose_title
from services.processor.normalize.html_meta import PageMeta, parse_html
from services.producer.charset import decode_page

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "html"


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def html_article(body: str, url: str = "https://example.org/a", **limits: int):
    raw = RawArticle(source="test", url=url, content_type="text/html", body=body, fetched_at=NOW)
    return normalize(raw, now=NOW, **limits)


# --- 1. comments ---------------------------------------------------------------------------------

def test_text_after_a_comment_inside_a_paragraph_is_kept() -> None:
    art = html_article(page("comments.html"))
    for tail in ("eleven years. The first one leaves at ten.", "included in the price. Children travel free.",
                 "on Monday afternoon. Hotels expect more guests.", "phones and laptops. Pets are allowed."):
        assert tail in art.body
    assert "ad slot" not in art.body and "googleoff" not in art.body


def test_parsed_tree_has_no_comments_or_processing_instructions() -> None:
    tree = parse_html('<?xml version="1.0" encoding="utf-8"?><html><body><!-- c --><p>a<?pi x?>b</p></body></html>')
    assert tree is not None  # an XML declaration in a decoded page is no reason to give up
    assert not [n for n in tree.iter() if not isinstance(n.tag, str)]
    assert tree.findtext(".//p") == "ab"


# --- 2. inline code and odd markup -------------------------------------------------------------

def test_paragraphs_and_items_with_inline_code_keep_their_text() -> None:
    art = html_article(page("inline_code.html"))
    texts = [b.text for b in art.blocks]
    assert ('Open the file with open(path, encoding="utf-8") inside a with block, so that it is closed again '
            "even when the loop stops early with an error.") in texts
    assert "Use enumerate(f, start=1) when you want line numbers for your error messages." in texts
    assert "Nothing is read before the loop asks for it." in texts
    assert ("heading", "Large files") in [(b.kind, b.text) for b in art.blocks]


def body_lines(xml: str) -> list[tuple[str | None, str]]:
    return [(ln.kind, ln.text) for ln in _lines_from_body(etree.fromstring(xml))]


def test_walk_reads_every_text_and_tail_once() -> None:
    # trafilatura's output vocabulary: head, p, list/item, hi, code, lb, table/row/cell.
    assert body_lines("<body><head>Title</head>Loose text after the heading.<p>Para.</p>More loose text.</body>") == [
        ("heading", "Title"), ("paragraph", "Loose text after the heading."), ("paragraph", "Para."),
        ("paragraph", "More loose text.")]
    assert body_lines("<body><list><item>Lead <hi>bold</hi> and <code>x()</code> end.</item>"
                      "<item><head>H</head><p>Inner.</p>Trailing text.</item></list></body>") == [
        ("paragraph", "Lead bold and x() end."), ("heading", "H"), ("paragraph", "Inner."),
        ("paragraph", "Trailing text.")]
    assert body_lines("<body><p>One<lb/>two</p><code>block()</code><head>A <hi>b</hi></head>"
                      "<table><row><cell>a<lb/>b</cell><cell>c</cell></row></table></body>") == [
        ("paragraph", "One"), ("paragraph", "two"), ("paragraph", "block()"), ("heading", "A b"),
        ("paragraph", "a b | c")]


# --- 3. charset ----------------------------------------------------------------------------------

def test_valid_utf8_wins_over_a_stale_meta_charset() -> None:
    data = (PAGES / "utf8_declared_gb2312.html").read_bytes()
    text = decode_page(data, {})
    assert "城市地铁新线路今天开通" in text
    art = html_article(text)
    assert art.title == "城市地铁新线路今天开通" and "第五条地铁线路" in art.body


@pytest.mark.parametrize(
    ("data", "headers", "expected"),
    [
        ('<meta charset="gb2312"><p>中文正文</p>'.encode("gb18030"), {}, "中文正文"),  # meta, when UTF-8 fails
        ('<meta charset="iso-8859-1"><p>Café “x”</p>'.encode("cp1252"), {}, "Café “x”"),  # WHATWG: latin-1 = cp1252
        ("<p>Café</p>".encode("cp1252"), {"Content-Type": "text/html; charset=windows-1252"}, "Café"),  # header
        ('<meta charset="utf-8"><p>Café</p>'.encode("cp1252"), {"content-type": "text/html; charset=cp1252"},
         "Café"),  # header before meta
        ("<p>Grüße</p>".encode("utf-16"), {"content-type": "text/html; charset=iso-8859-1"}, "Grüße"),  # BOM first
        (b"\xef\xbb\xbf<p>plain</p>", {}, "<p>plain</p>"),  # UTF-8 BOM dropped
        (b"<p>ascii only</p>", {"content-type": "text/html; charset=utf-16"}, "<p>ascii only</p>"),
        (("<p>Привет, это новости о погоде и о городе на этой неделе. Синоптики обещают дождь и сильный ветер"
          " в выходные.</p>" * 3).encode("cp1251"), {}, "Привет, это новости о погоде"),  # no declaration: detection
    ],
)
def test_charset_order_of_evidence(data: bytes, headers: dict[str, str], expected: str) -> None:
    assert expected in decode_page(data, headers)


# --- 4. size limits apply to what is kept ---------------------------------------------------------

def padded_page(paragraphs: int, padding_chars: int) -> str:
    """A page whose markup is mostly script and navigation, around an article of `paragraphs` paragraphs."""
    script = "<script>var tracking = '" + "x" * padding_chars + "';</script>"
    nav = "<nav>" + "".join(f'<a href="/s{i}">Section {i}</a> ' for i in range(50)) + "</nav>"
    paras = "".join(f"<p>Paragraph {i} of the report describes the council meeting about the new bridge "
                    f"over the river in plenty of ordinary words.</p>" for i in range(paragraphs))
    return f"<html><head><title>Report</title>{script}</head><body>{nav}<article><h1>Report</h1>{paras}</article></body></html>"


def test_page_over_the_body_limit_whose_text_fits_is_stored() -> None:
    body = padded_page(5, 30_000)
    assert len(body) > 30_000
    art = html_article(body, max_body_bytes=10_000)
    assert "Paragraph 4 of the report" in art.body and len(art.body.encode()) < 10_000


def test_extracted_text_over_the_limit_is_refused_with_the_limit_and_excess() -> None:
    body = padded_page(40, 0)
    with pytest.raises(StepError) as exc:
        html_article(body, max_body_bytes=2_000)
    size = int(exc.value.reason.split(" bytes")[0].split()[-1].replace(",", ""))
    assert exc.value.stage == "normalize"
    assert exc.value.reason == (f"extracted text is {size:,} bytes, over NEWSFLOW_MAX_BODY_BYTES=2,000 "
                                f"by {size - 2_000:,}")


def test_stray_nul_bytes_in_markup_do_not_refuse_the_page() -> None:
    body = page("comments.html").replace("<!-- footer -->", "<img src=x.gif>" + "\x00" * 10)
    assert "Pets are allowed." in html_article(body).body
    with pytest.raises(StepError, match="binary payload"):  # mostly control characters is still binary
        html_article("<p>" + "\x00\x01\x02 ab" * 50 + "</p>")


def test_markup_over_the_markup_limit_is_dead_lettered_with_the_limit() -> None:
    raw = RawArticle(source="test", url="https://example.org/a", content_type="text/html",
                     body=padded_page(5, 30_000), fetched_at=NOW)
    size = len(raw.body)
    out = normalize_message(orjson.dumps(raw.model_dump(mode="json")), now=NOW, max_body_bytes=1_000_000,
                            max_markup_chars=20_000)
    assert isinstance(out, DeadLetter) and out.stage == "normalize"
    assert out.error == (f"page markup is {size:,} characters, over NEWSFLOW_MAX_MARKUP_CHARS=20,000 "
                         f"by {size - 20_000:,}")


# --- 5. titles -----------------------------------------------------------------------------------

def test_logo_h1_contained_in_the_title_is_not_the_headline() -> None:
    art = html_article(page("logo_title.html"), url="https://harbourgazette.example/news/storm")
    assert art.title == "Storm floods the old harbour after a night of rain"
    assert art.source == "Harbour Gazette"


@pytest.mark.parametrize(
    ("h1", "title", "site", "logos", "url", "expected"),
    [
        # the site's name by og:site_name, by a logo linking home, by the host, or only by being the shorter part
        (["Harbour Gazette"], "Storm floods the harbour - Harbour Gazette", "Harbour Gazette", [], None,
         "Storm floods the harbour"),
        (["Gazette Online"], "Storm floods the harbour | Gazette Online", None, ["Gazette Online"], None,
         "Storm floods the harbour"),
        (["harbourgazette.example"], "Storm floods the harbour - harbourgazette.example", None, [],
         "https://www.harbourgazette.example/a", "Storm floods the harbour"),
        (["The Gazette"], "Storm floods the harbour - The Gazette", None, [], None, "Storm floods the harbour"),
        # the headline <h1> still wins over a title with a site suffix, even a long one
        (["Storm floods the harbour"], "Storm floods the harbour | National Park of the Northern Coast", None, [],
         None, "Storm floods the harbour"),
    ],
)
def test_title_rule(h1: list[str], title: str, site: str | None, logos: list[str], url: str | None,
                    expected: str) -> None:
    meta = PageMeta(titles={"html_title": title}, h1=h1, logos=logos, site_name=site)
    assert choose_title(meta, None, [site] if site else [], url) == expected
