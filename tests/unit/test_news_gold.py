"""The Dutch dev set's builder (bench/news_nl_gold_build.py) and news_gold.texts(lang="nl").

Placement is pure and tested on made-up text; the check that the committed gold equals a rebuild from the .ann file
needs ../shared (or $NEWSFLOW_SHARED) and skips without it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import news_gold  # noqa: E402
import news_nl_gold_build as build  # noqa: E402

SHARED = Path(os.environ.get("NEWSFLOW_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))


def test_surfaces_are_placed_in_order_at_whole_words() -> None:
    text = "Nathan zag Nathans broer; Nathan ging naar Oost-Nathan en KLM-bemanningen."
    items = build.parse_ann("x\tPER:Nathan\tPER:Nathans\tPER:Nathan\tLOC:Oost-Nathan\tORG:KLM")["x"]
    spans = build.place("x", text, items)
    assert [text[s:e] for s, e, _ in spans] == ["Nathan", "Nathans", "Nathan", "Oost-Nathan", "KLM"]
    assert spans[2][0] == text.index("Nathan ging")


def test_a_surface_only_inside_a_word_needs_the_glued_marker() -> None:
    text = "De BioenergieMünchen-lijn."
    with pytest.raises(build.AnnError, match="München"):
        build.place("x", text, build.parse_ann("x\tLOC:München")["x"])
    assert build.place("x", text, build.parse_ann("x\tLOC~:München")["x"]) == [[13, 20, "LOC"]]


def test_a_missing_surface_or_bad_line_fails_loudly() -> None:
    with pytest.raises(build.AnnError, match="not found"):
        build.place("x", "Rusland en de VS.", build.parse_ann("x\tLOC:VS\tLOC:Rusland")["x"])
    with pytest.raises(build.AnnError, match="bad field"):
        build.parse_ann("x\tPLACE:Rusland")
    with pytest.raises(build.AnnError, match="twice"):
        build.parse_ann("x\tLOC:Rusland\nx")


@pytest.mark.skipif(not (SHARED / "corpora" / "langid" / "sentences.jsonl").exists(), reason="needs ../shared")
def test_committed_gold_equals_a_rebuild_from_the_ann_file() -> None:
    gold, docs = build.build(SHARED)
    assert len(docs) == 1001 and list(docs)[0] == "nl:0" and list(docs)[-1].startswith("seed:")
    committed = [json.loads(ln) for ln in news_gold.GOLD_NL.read_text(encoding="utf-8").splitlines() if ln]
    assert committed == gold
