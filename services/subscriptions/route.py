"""Which subscriptions, and so which topics, an enriched article goes to. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from schemas.models import EnrichedArticle
from services.subscriptions.filters import facts, matches
from services.subscriptions.spec import Subscription


def matching(subscriptions: Sequence[Subscription], article: EnrichedArticle) -> list[Subscription]:
    """The subscriptions whose filter `article` matches, in file order."""
    known = facts(article)
    return [s for s in subscriptions if matches(s.filter, article, known)]


def route(subscriptions: Sequence[Subscription], article: EnrichedArticle) -> list[str]:
    """The output topics `article` is copied to, in file order."""
    return [s.output_topic for s in matching(subscriptions, article)]
