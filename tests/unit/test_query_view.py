"""How `newsflow query` shows articles: whole words, one name per entity."""

from __future__ import annotations

from services.query_view import entity_names, names_cell, shorten


def test_shorten_cuts_at_word_boundaries() -> None:
    assert shorten("Red Sox win the World Series", 60) == "Red Sox win the World Series"
    assert shorten("Red Sox win the World Series", 12) == "Red Sox win…"
    assert shorten("Red Sox win the World Series", 8) == "Red Sox…"
    for width in range(4, 30):
        cut = shorten("Red Sox win the World Series", width)
        assert len(cut) <= width
        assert all(word in "Red Sox win the World Series".split() for word in cut.rstrip("…").split())
    assert shorten("Donaudampfschifffahrtsgesellschaft", 10) == "Donaudamp…"  # one word longer than the cell
    assert shorten(None, 5) == "" and shorten("  a \n b ", 10) == "a b"


def test_one_name_per_entity() -> None:
    mentions = [
        {"text": "Poetin", "entity_id": "Q7747", "canonical_name": "Vladimir Putin"},
        {"text": "Putin", "entity_id": "Q7747", "canonical_name": "Vladimir Putin"},
        {"text": "Deutsche Bahn", "entity_id": None, "canonical_name": None},
        {"text": "Deutschen Bahn", "entity_id": None, "canonical_name": None},
        {"text": "Deutsche Bahn", "entity_id": None, "canonical_name": None},
        {"text": "Vladimir Putin", "entity_id": None, "canonical_name": None},  # an unlinked form of a linked name
        {"text": "Berlin", "entity_id": None, "canonical_name": "Berlin"},
    ]
    assert entity_names(mentions) == ["Vladimir Putin", "Deutsche Bahn", "Berlin"]


def test_names_cell_keeps_names_whole() -> None:
    names = ["Vladimir Putin", "Donald Trump", "Kirill Dmitriev", "Moskou"]
    assert names_cell(names, 200) == "Vladimir Putin, Donald Trump, Kirill Dmitriev, Moskou"
    assert names_cell(names, 40) == "Vladimir Putin, Donald Trump +2 more"
