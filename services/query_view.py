"""How `newsflow query` (and `up`) show stored articles: pure functions over the store's rows."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.table import Table

ELLIPSIS = "…"
_INFLECTION = re.compile(r"(?:en|es|er|s|n|e)$")  # German/Dutch/English endings on names ("Deutschen Bahn")


def shorten(text: str | None, width: int) -> str:
    """`text` on one line, at most `width` characters, cut at a word boundary with "…" (a single word longer
    than the cell is the only thing ever cut inside). Pure."""
    flat = " ".join((text or "").split())
    if len(flat) <= width:
        return flat
    head = flat[: width - 1]
    cut = head.rfind(" ")
    if flat[width - 1] != " " and cut > 0:  # the cut falls inside a word: end at the word before
        head = head[:cut]
    return head.rstrip(" ,;:-") + ELLIPSIS


def _name_key(text: str) -> tuple[str, ...]:
    return tuple(_INFLECTION.sub("", w) if len(w) > 4 else w for w in text.casefold().split())


def entity_names(mentions: Iterable[Mapping[str, Any]]) -> list[str]:
    """One name per entity, most mentioned first: a linked entity by its canonical name (whatever surface
    forms it had), an unlinked one by its most frequent form, inflected forms of one name taken as one
    ("Deutsche Bahn", "Deutschen Bahn"), and an unlinked form of a linked entity's name folded into it. Pure."""
    linked: dict[str, str] = {}
    counts: Counter[Any] = Counter()
    forms: dict[Any, Counter[str]] = {}
    for m in mentions:
        entity_id = m.get("entity_id")
        if entity_id:
            key: Any = ("id", entity_id)
            linked.setdefault(entity_id, m.get("canonical_name") or m.get("text") or entity_id)
        else:
            key = ("name", _name_key(m.get("text") or ""))
        counts[key] += 1
        forms.setdefault(key, Counter())[m.get("text") or ""] += 1
    by_name = {_name_key(name): ("id", eid) for eid, name in linked.items()}
    merged: Counter[Any] = Counter()
    for key, n in counts.items():
        merged[by_name.get(key[1], key) if key[0] == "name" else key] += n
    names = []
    for key, _ in sorted(merged.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        name = linked[key[1]] if key[0] == "id" else forms[key].most_common(1)[0][0]
        if name and name not in names:
            names.append(name)
    return names


def names_cell(names: Sequence[str], width: int) -> str:
    """Whole names joined while they fit, then "+N more". Pure."""
    shown: list[str] = []
    for i, name in enumerate(names):
        rest = len(names) - i - 1
        candidate = ", ".join([*shown, name])
        suffix = f" +{rest} more" if rest else ""
        if len(candidate) + len(suffix) > width and shown:
            return ", ".join(shown) + f" +{len(names) - i} more"
        shown.append(shorten(name, width))
    return ", ".join(shown)


def article_table(rows: Sequence[Mapping[str, Any]], title: str) -> Table:
    table = Table(title=title, show_lines=False)
    for col in ("id", "lang", "published", "source", "title", "people / orgs / places"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(row["id"][:12], row["language"], (row["published_at"] or "")[:16], shorten(row["source"], 24),
                      shorten(row["title"], 60), names_cell(entity_names(row["entities"]), 80))
    return table
