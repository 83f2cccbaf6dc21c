"""Property tests: normalize raises nothing but StepError, and is idempotent on its own output."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.models import RawArticle
from services.processor.errors import StepError
from services.processor.normalize import normalize

NOW = datetime(2025, 5, 1, tzinfo=UTC)
# Arbitrary text plus the material the rules look at: line breaks, datelines, counters, agencies, mojibake.
FRAGMENTS = st.sampled_from([
    "\n", "\n\n", "\r\n", " ", "\u00a0", "Kommentare (0)", "Reacties (12)", "Lees ook", "Mehr zum Thema\n",
    "Veröffentlichungsdatum: 07.04.2025 16:39 / Welt Nachrichten\n", "7 april 2025", "(Reuters)", "Avec AFP",
    "Rapporten van CNN, aangevuld met X.", "LONDON (Reuters) - ", "OekraÃ¯ne", "Titel\n", "Share this article",
    "Een zin met een punt.", "Kop zonder punt", "&amp;amp;", "\u2028", "\x85", "e\u0301", "\ufeff", "<p>", "\t",
])
TEXT = st.lists(st.one_of(st.text(max_size=40), FRAGMENTS), max_size=30).map("".join)


def run(body: str, title: str | None = None, content_type: str = "text/plain"):
    raw = RawArticle(source="files", body=body, title=title, content_type=content_type, fetched_at=NOW)  # type: ignore[arg-type]
    return normalize(raw, now=NOW)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=TEXT, title=st.one_of(st.none(), st.text(max_size=30)), content_type=st.sampled_from(["text/plain", "text/html", "application/json"]))
def test_only_step_errors(body: str, title: str | None, content_type: str) -> None:
    try:
        art = run(body, title, content_type)
    except StepError as exc:
        assert exc.stage == "normalize" and exc.reason
        return
    assert art.body == "\n\n".join(b.text for b in art.blocks) and art.body


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=TEXT, title=st.one_of(st.none(), st.text(max_size=30)))
def test_idempotent(body: str, title: str | None) -> None:
    try:
        first = run(body, title)
    except StepError:
        return
    second = run(first.body, first.title)
    assert (second.title, second.body, second.blocks) == (first.title, first.body, first.blocks)
