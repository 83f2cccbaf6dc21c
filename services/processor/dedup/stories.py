"""The story aggregate: what the `stories` topic says about one event, folded article by article.

Invariant: an aggregate is a pure fold of the state entries of its articles (in any order but for the
representative titles, which are the first seen per language), so every worker that read the same entries
publishes the same record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from schemas.models import Story, StoryEntity

MAX_SOURCES = 50
TOP_ENTITIES = 10


@dataclass(slots=True)
class StoryAggregate:
    """One story's fold. Tuples rather than dicts and lists: a window holds hundreds of thousands of these,
    most with one article, and a tuple of five costs a third of a dict of five."""

    id: str
    first_seen: float
    last_seen: float
    articles: int = 0
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    qids: tuple[str, ...] = ()  # entities, parallel to names and counts (articles mentioning each)
    names: tuple[str, ...] = ()
    counts: tuple[int, ...] = ()
    titles: tuple[str, ...] = ()  # language, its first title seen, language, title, ...

    def add(self, *, t: float, language: str, source: str, title: str | None,
            entities: list[tuple[str, str]]) -> None:
        self.first_seen, self.last_seen = min(self.first_seen, t), max(self.last_seen, t)
        self.articles += 1
        if self.articles == 1:  # most stories have one article: its own fields, no merging
            self.languages, self.sources = (language,), (source,)
            if entities:
                qids = tuple(dict.fromkeys(q for q, _ in entities))
                if len(qids) == len(entities) <= 4 * TOP_ENTITIES:
                    self.qids, self.names, self.counts = qids, tuple(n for _, n in entities), (1,) * len(qids)
                else:
                    self._add_entities(entities)
            if title:
                self.titles = (language, title)
            return
        if language not in self.languages:
            self.languages = (*self.languages, language)
        if source not in self.sources and len(self.sources) < MAX_SOURCES:
            self.sources = (*self.sources, source)
        if entities:
            self._add_entities(entities)
        if title and language not in self.titles[0::2]:
            self.titles = (*self.titles, language, title)

    def _add_entities(self, entities: list[tuple[str, str]]) -> None:
        qids, names, counts = list(self.qids), list(self.names), list(self.counts)
        for qid, name in entities:
            try:
                counts[qids.index(qid)] += 1
            except ValueError:
                qids.append(qid)
                names.append(name)
                counts.append(1)
        if len(qids) > 4 * TOP_ENTITIES:  # keep the aggregate small: the tail never makes the top
            kept = self._ranked(qids, names, counts)[: 2 * TOP_ENTITIES]
            qids, counts, names = [q for q, _, _ in kept], [n for _, n, _ in kept], [m for _, _, m in kept]
        self.qids, self.names, self.counts = tuple(qids), tuple(names), tuple(counts)

    @staticmethod
    def _ranked(qids: list[str] | tuple[str, ...], names: list[str] | tuple[str, ...],
                counts: list[int] | tuple[int, ...]) -> list[tuple[str, int, str]]:
        return sorted(zip(qids, counts, names, strict=True), key=lambda e: (-e[1], e[0]))

    def record(self) -> Story:
        return Story(
            id=self.id,
            first_seen=datetime.fromtimestamp(self.first_seen, UTC),
            last_seen=datetime.fromtimestamp(self.last_seen, UTC),
            articles=self.articles,
            languages=sorted(self.languages),
            sources=sorted(self.sources),
            top_entities=[StoryEntity(entity_id=qid, name=name, articles=n)
                          for qid, n, name in self._ranked(self.qids, self.names, self.counts)[:TOP_ENTITIES]],
            titles=dict(sorted(zip(self.titles[0::2], self.titles[1::2], strict=True))),
        )
