"""Near-duplicates and stories through the real broker: processor (with its related state) and sink."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas import EnrichedArticle, RawArticle, Story, decode, encode
from services.config import Settings
from services.sink.store import open_store
from tests.support.kafka_io import read_topic, send_values, wait_for
from tests.support.processes import Service

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)
ORIGINAL = (
    "Die Europäische Zentralbank senkt den Einlagensatz um 0,25 Prozentpunkte auf 2,75 Prozent. Das teilte "
    "EZB-Präsidentin Christine Lagarde am Donnerstag in Frankfurt mit.\n\n"
    "Für das kommende Jahr rechnet die Notenbank mit einer Inflation von 2,1 Prozent im Euroraum. Es ist die "
    "vierte Zinssenkung in Folge. Ökonomen hatten den Schritt weitgehend erwartet.\n\n"
    "Sparer bekommen damit weniger Zinsen auf ihr Tagesgeld, Kredite dürften etwas günstiger werden. "
    "Die nächste Sitzung des EZB-Rats ist für Januar angesetzt."
)
# A republished copy: another headline, re-wrapped lines, the last paragraph cut, an agency trailer.
COPY = ("Zinsen sinken weiter\n\n" + textwrap.fill(ORIGINAL.split("\n\n")[0], 60)
        + "\n\n" + ORIGINAL.split("\n\n")[1] + "\n\nMit Material von dpa und AFP.")
ENGLISH = ("ECB cuts rates to 2.75% in fourth straight reduction\n\n"
           "The European Central Bank lowered its deposit rate by 0.25 percentage points to 2.75 percent, "
           "President Christine Lagarde said in Frankfurt on Thursday.\n\n"
           "The bank expects eurozone inflation to ease to 2.1 percent next year. It was the fourth "
           "consecutive cut, and economists had widely expected the move.")


def raw(body: str, source: str, title: str | None = None) -> bytes:
    return encode(RawArticle(source=source, body=body, title=title, fetched_at=NOW,
                             url=f"https://{source}/ecb-{abs(hash(body)) % 10**8}"))


def test_an_edited_copy_is_a_near_duplicate_and_one_story_across_languages(
        make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings()
    original = raw(ORIGINAL, "handelsblatt.example", title="EZB senkt Leitzins auf 2,75 Prozent")
    asyncio.run(send_values(settings, settings.topic_raw, [(b"o", original)]))
    processor = Service("process", settings, tmp_path).start()
    sink = Service("sink", settings, tmp_path).start()
    try:
        # The original is decided first: the copy and the translation must find it in the state.
        first = asyncio.run(read_topic(settings, settings.topic_enriched, expect=1, timeout=120))
        assert len(first) == 1, processor.tail()
        asyncio.run(send_values(settings, settings.topic_raw, [(b"c", raw(COPY, "zeitung.example")),
                                                                (b"e", raw(ENGLISH, "ft.example"))]))
        records = asyncio.run(read_topic(settings, settings.topic_enriched, expect=3, timeout=120))
        articles = {a.source: a for a in (decode(EnrichedArticle, r.value) for r in records)}
        assert set(articles) == {"handelsblatt.example", "zeitung.example", "ft.example"}, processor.tail()
        orig, copy, english = (articles[s] for s in ("handelsblatt.example", "zeitung.example", "ft.example"))
        assert copy.near_duplicate_of == orig.id and copy.similarity is not None and copy.similarity >= 0.6
        assert orig.near_duplicate_of is None and english.near_duplicate_of is None
        assert orig.story_id is not None and copy.story_id == orig.story_id == english.story_id
        stories = asyncio.run(read_topic(settings, settings.topic_stories, expect=3, timeout=60))
        latest = [decode(Story, r.value) for r in stories if r.key == orig.story_id.encode()][-1]
        assert latest.articles == 3 and latest.languages == ["de", "en"]
        assert latest.titles["de"] == "EZB senkt Leitzins auf 2,75 Prozent"
        store = open_store(settings.database_url)
        try:
            assert asyncio.run(wait_for(lambda: (store.story(orig.story_id) or {}).get("articles") == 3
                                        and len(store.query(story_id=orig.story_id)) == 3, timeout=60)), sink.tail()
            rows = {r["id"]: r for r in store.query(story_id=orig.story_id)}
            assert rows[copy.id]["near_duplicate_of"] == orig.id
        finally:
            store.close()
        assert processor.alive() and sink.alive()
    finally:
        processor.stop()
        sink.stop()
