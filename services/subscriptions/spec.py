"""The subscriptions file: named filters, each with the topic its matching articles are copied to.

```yaml
subscriptions:
  - name: putin-nl                 # [a-z0-9][a-z0-9._-]*, unique
    topic: articles.sub.putin-nl   # optional; default articles.sub.<name>
    filter:                        # see services/subscriptions/filters.py; omitted = everything
      languages: [nl]
      entity_ids: [Q7747]
```

`load_subscriptions` validates with pydantic and reports every problem as `FILE:LINE: where: what`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from services.subscriptions.filters import Filter
from services.subscriptions.yamlmarks import YamlError, line_of, load_with_lines

TOPIC_PREFIX = "articles.sub."
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_TOPIC = re.compile(r"[A-Za-z0-9._-]{1,249}")


class Subscription(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Lower-case letters, digits, '.', '_', '-'; unique in the file.")
    topic: str | None = Field(default=None, description="Output topic; default articles.sub.<name>.")
    filter: Filter = Field(default_factory=Filter)

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(f"{name!r}: a name is 1-100 of a-z 0-9 . _ - and starts with a letter or digit")
        return name

    @field_validator("topic")
    @classmethod
    def _topic(cls, topic: str | None) -> str | None:
        if topic is not None and (not _TOPIC.fullmatch(topic) or topic in (".", "..")):
            raise ValueError(f"{topic!r} is not a valid Kafka topic name (1-249 of A-Z a-z 0-9 . _ -)")
        return topic

    @property
    def output_topic(self) -> str:
        return self.topic or f"{TOPIC_PREFIX}{self.name}"


class SubscriptionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    subscriptions: tuple[Subscription, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> SubscriptionsFile:
        names: set[str] = set()
        topics: dict[str, str] = {}
        for sub in self.subscriptions:
            if sub.name in names:
                raise ValueError(f"subscription name {sub.name!r} is used twice")
            names.add(sub.name)
            if sub.output_topic in topics:
                raise ValueError(f"subscriptions {topics[sub.output_topic]!r} and {sub.name!r} "
                                 f"both write to {sub.output_topic!r}")
            topics[sub.output_topic] = sub.name
        return self


class SubscriptionsError(ValueError):
    """The file is missing, not YAML, or not a valid subscriptions file; `problems` are `FILE:LINE: ...`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _where(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_subscriptions(text: str, origin: str = "<subscriptions>") -> tuple[Subscription, ...]:
    """Validate the text of a subscriptions file. Raises SubscriptionsError. Pure."""
    try:
        data, lines = load_with_lines(text)
    except YamlError as exc:
        raise SubscriptionsError([f"{origin}: not valid YAML: {exc}"]) from None
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise SubscriptionsError([f"{origin}:1: expected a mapping with a 'subscriptions' list"])
    try:
        return SubscriptionsFile.model_validate(data).subscriptions
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False, include_input=False, include_context=False):
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            line = line_of(lines, loc) or 1
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{origin}:{line}: {_where(loc) or 'subscriptions'}: {msg}")
        raise SubscriptionsError(problems) from None


def load_subscriptions(path: Path) -> tuple[Subscription, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SubscriptionsError([f"{path}: cannot read the subscriptions file: {exc}"]) from None
    return parse_subscriptions(text, str(path))


def reserved_conflicts(subscriptions: Iterable[Subscription], reserved: Iterable[str]) -> list[str]:
    """Subscriptions whose output topic is one of the pipeline's own topics (would feed back into it)."""
    taken = set(reserved)
    return [f"subscription {s.name!r} writes to {s.output_topic!r}, a topic of the pipeline itself"
            for s in subscriptions if s.output_topic in taken]
