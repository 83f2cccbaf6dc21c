"""Which subscriptions, and so which topics, an enriched article goes to. Pure.

`Routes` is a set of subscriptions compiled once (when the file is read), then asked per article. The
decision is `filters.matches` for each subscription, in file order, sharing one `Facts` per article:
entity sets are built only when a filter gets as far as asking for them, and every keyword of the set is
looked for in one pass over the text (`KeywordScan`) instead of one search per subscription.
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas.models import EnrichedArticle
from services.subscriptions.filters import Facts, KeywordScan, matches
from services.subscriptions.spec import Subscription


class Routes:
    """A set of subscriptions compiled for routing (immutable: a reload compiles a new one)."""

    def __init__(self, subscriptions: Sequence[Subscription] = ()) -> None:
        self.subscriptions = tuple(subscriptions)
        keywords = [k for s in self.subscriptions for k in s.filter.keywords]
        self._scan = KeywordScan(keywords) if keywords else None

    def __bool__(self) -> bool:
        return bool(self.subscriptions)

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(s.output_topic for s in self.subscriptions)

    def matching(self, article: EnrichedArticle) -> list[Subscription]:
        """The subscriptions whose filter `article` matches, in file order."""
        known = Facts(article, self._scan)
        return [s for s in self.subscriptions if matches(s.filter, article, known)]


def matching(subscriptions: Sequence[Subscription], article: EnrichedArticle) -> list[Subscription]:
    """The subscriptions whose filter `article` matches, in file order (compiles them: use `Routes` per set)."""
    return Routes(subscriptions).matching(article)


def route(subscriptions: Sequence[Subscription], article: EnrichedArticle) -> list[str]:
    """The output topics `article` is copied to, in file order."""
    return [s.output_topic for s in matching(subscriptions, article)]
