"""The story aggregate: what the `stories` topic says about one event, folded article by article.

Invariant: an aggregate is a pure fold of the state entries of its articles (in any order but for the
representative titles, which are the first seen per language), so every worker that read the same entries
publishes the same record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from schemas.models import Story, StoryEntity

MAX_SOURCES = 50
TOP_ENTITIES = 10


@dataclass(slots=True)
class StoryAggregate:
    id: str
    first_seen: float
    last_seen: float
    articles: int = 0
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    entities: dict[str, list[object]] = field(default_factory=dict)  # QID -> [articles mentioning it, name]
    titles: dict[str, str] = field(default_factory=dict)  # language -> first title seen in it

    def add(self, *, t: float, language: str, source: str, title: str | None,
            entities: list[tuple[str, str]]) -> None:
        self.first_seen, self.last_seen = min(self.first_seen, t), max(self.last_seen, t)
        self.articles += 1
        if language not in self.languages:
            self.languages = (*self.languages, language)
        if source not in self.sources and len(self.sources) < MAX_SOURCES:
            self.sources = (*self.sources, source)
        for qid, name in entities:
            seen = self.entities.get(qid)
            if seen is None:
                self.entities[qid] = [1, name]
            else:
                seen[0] = int(seen[0]) + 1  # type: ignore[call-overload]
        if title:
            self.titles.setdefault(language, title)
        if len(self.entities) > 4 * TOP_ENTITIES:  # keep the aggregate small: the tail never makes the top
            self.entities = dict(self._ranked()[: 2 * TOP_ENTITIES])

    def _ranked(self) -> list[tuple[str, list[object]]]:
        return sorted(self.entities.items(), key=lambda kv: (-int(kv[1][0]), kv[0]))  # type: ignore[call-overload]

    def record(self) -> Story:
        return Story(
            id=self.id,
            first_seen=datetime.fromtimestamp(self.first_seen, UTC),
            last_seen=datetime.fromtimestamp(self.last_seen, UTC),
            articles=self.articles,
            languages=sorted(self.languages),
            sources=sorted(self.sources),
            top_entities=[StoryEntity(entity_id=qid, name=str(name), articles=int(n))  # type: ignore[call-overload]
                          for qid, (n, name) in self._ranked()[:TOP_ENTITIES]],
            titles=dict(sorted(self.titles.items())),
        )
