"""The filter of a subscription (also of `newsflow tail` and the HTTP API), and `matches`. Pure.

Semantics: every field that is set must hold (AND across fields); within a list any value will do
(OR). Unset or empty lists match everything.

- `languages`: the article's language code (`und` included as a code).
- `entity_ids`: the article mentions one of these ids (Wikidata QIDs or namespaced ids).
- `entity_types`: the article has a mention of one of these types (PER, ORG, LOC, MISC).
- `sources`: the source name, exactly (case-insensitive).
- `keywords`: one of these words or phrases occurs in the title or the body, as whole words, ignoring
  case (both lower-cased; Unicode-aware: "Bahn" matches "Die Bahn," but not "Bahnhof").
- `duplicates`: `include` (default), `exclude` (only articles with no `duplicate_of`) or `only`.
- `published_after`: `published_at` is later than this; an article without a published date does not
  match a filter that sets it.
- `near_duplicates`: like `duplicates`, for `near_duplicate_of` (docs/stories.md).
- `stories`: the article's `story_id` is one of these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from functools import cached_property
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas.models import EnrichedArticle, EntityType

Duplicates = Literal["include", "exclude", "only"]


class Filter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    languages: tuple[str, ...] = Field(default=(), description='ISO 639-1 codes, e.g. ["nl", "de"].')
    entity_ids: tuple[str, ...] = Field(default=(), description='Entity ids, e.g. ["Q7747"].')
    entity_types: tuple[EntityType, ...] = ()
    sources: tuple[str, ...] = ()
    keywords: tuple[str, ...] = Field(default=(), description="Whole words or phrases in the title or body.")
    duplicates: Duplicates = "include"
    published_after: AwareDatetime | None = None
    near_duplicates: Duplicates = "include"
    stories: tuple[str, ...] = Field(default=(), description="Story ids (`story_id`), e.g. [\"st-0123456789abcdef\"].")

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        for code in codes:
            if not re.fullmatch(r"[a-z]{2,3}", code):
                raise ValueError(f"{code!r} is not a lower-case ISO 639 code (e.g. nl, de, en, und)")
        return codes

    @field_validator("entity_ids", "sources", "keywords", "stories")
    @classmethod
    def _no_blanks(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if any(not v.strip() for v in values):
            raise ValueError("empty values are not allowed")
        return values

    @cached_property
    def _keyword_pattern(self) -> re.Pattern[str]:
        """Any of the keywords as a whole word, in lower-cased text (`folded`)."""
        words = sorted({re.escape(keyword_key(k)) for k in self.keywords}, key=len, reverse=True)
        return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)")

    @cached_property
    def _keyword_keys(self) -> frozenset[str]:
        return frozenset(keyword_key(k) for k in self.keywords)

    @cached_property
    def _sources(self) -> frozenset[str]:
        return frozenset(s.casefold() for s in self.sources)


def keyword_key(word: str) -> str:
    """A keyword as compared: stripped and lower-cased (matched against lower-cased text: `folded`)."""
    return word.strip().lower()


def folded(text: str) -> str:
    """Text as keywords are looked for in it: lower-cased once, then matched case-sensitively (cheaper
    than a case-insensitive pattern, and the same for a keyword and the text)."""
    return text.lower()


class KeywordScan:
    """Which of many filters' keywords occur in an article, in one pass over its title and body.

    Same semantics as a filter's own pattern (whole words or phrases in the `folded` text): one alternation of
    every keyword, longest first, tried as a lookahead at each word start, so overlapping keywords are all
    seen ("Die Bahn" and "Bahn" both count in "Die Bahn"). At one position the alternation yields only the
    longest keyword that fits; the shorter keywords that are its prefixes are tried there too.
    """

    def __init__(self, keywords: Iterable[str]) -> None:
        self.keys = tuple(sorted({keyword_key(k) for k in keywords}, key=len, reverse=True))
        # One capturing group (not one per keyword: that defeats the regex engine's fast scan); the text
        # is folded, so the group's text is the key itself.
        alternatives = "|".join(re.escape(k) for k in self.keys)
        self._pattern = re.compile(rf"(?<!\w)(?=({alternatives})(?!\w))")
        self._prefixes = {
            longer: tuple((key, re.compile(re.escape(key) + r"(?!\w)")) for key in self.keys[i + 1:]
                          if longer.startswith(key))
            for i, longer in enumerate(self.keys)}

    def found(self, texts: Iterable[str]) -> frozenset[str]:
        """The keys (`keyword_key`) of the keywords in these `folded` texts (an article's title and body)."""
        hits: set[str] = set()
        for text in texts:
            for match in self._pattern.finditer(text):
                key = match.group(1)
                hits.add(key)
                for shorter, pattern in self._prefixes[key]:
                    if pattern.match(text, match.start()):
                        hits.add(shorter)
            if len(hits) == len(self.keys):
                break
        return frozenset(hits)


class Facts:
    """What several filters ask of one article, each computed once on first use (routing tests many
    filters per article). With a `KeywordScan`, keyword filters look up its one pass instead of each
    searching the text."""

    def __init__(self, article: EnrichedArticle, scan: KeywordScan | None = None) -> None:
        self._article, self._scan = article, scan

    @cached_property
    def entity_ids(self) -> frozenset[str]:
        a = self._article
        return frozenset({m.entity_id for m in a.entities if m.entity_id} | {s.entity_id for s in a.entity_summary if s.entity_id})

    @cached_property
    def entity_types(self) -> frozenset[str]:
        a = self._article
        return frozenset({m.type for m in a.entities} | {s.type for s in a.entity_summary})

    @cached_property
    def texts(self) -> tuple[str, str]:
        """Title and body, `folded`."""
        return folded(self._article.title or ""), folded(self._article.body)

    @cached_property
    def keywords(self) -> frozenset[str] | None:
        return self._scan.found(self.texts) if self._scan is not None else None


def facts(article: EnrichedArticle, scan: KeywordScan | None = None) -> Facts:
    return Facts(article, scan)


def matches(flt: Filter, article: EnrichedArticle, known: Facts | None = None) -> bool:
    """Whether `article` passes `flt` (see the module docstring). Cheapest tests first; `known` may carry
    `facts(article)` (or a routing table's Facts, with its keyword scan) when the caller tests many filters."""
    if flt.duplicates == "exclude" and article.duplicate_of:
        return False
    if flt.duplicates == "only" and not article.duplicate_of:
        return False
    if flt.near_duplicates == "exclude" and article.near_duplicate_of:
        return False
    if flt.near_duplicates == "only" and not article.near_duplicate_of:
        return False
    if flt.stories and article.story_id not in flt.stories:
        return False
    if flt.languages and article.language.code not in flt.languages:
        return False
    if flt.sources and article.source.casefold() not in flt._sources:
        return False
    if flt.published_after is not None and (article.published_at is None or article.published_at <= flt.published_after):
        return False
    if flt.entity_ids or flt.entity_types:
        known = known or facts(article)
        if flt.entity_ids and known.entity_ids.isdisjoint(flt.entity_ids):
            return False
        if flt.entity_types and known.entity_types.isdisjoint(flt.entity_types):
            return False
    if flt.keywords:
        found = known.keywords if known is not None else None
        if found is not None:
            return not found.isdisjoint(flt._keyword_keys)
        pattern = flt._keyword_pattern
        title, body = known.texts if known is not None else (folded(article.title or ""), folded(article.body))
        if not pattern.search(title) and not pattern.search(body):
            return False
    return True


def since(value: str, now: datetime) -> datetime:
    """`2h`, `30m`, `45s`, `3d` before `now`, or an ISO 8601 time with an offset. Raises ValueError."""
    from datetime import timedelta

    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", value)
    if found:
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[found.group(2)]
        return now - timedelta(**{unit: float(found.group(1))})
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"--since {value!r}: use a duration (30m, 2h, 3d) or an ISO 8601 time with an offset") from None
    if moment.tzinfo is None:
        raise ValueError(f"--since {value!r}: give the time's offset (e.g. 2026-12-01T08:00+01:00 or ...Z)")
    return moment


def filter_from_options(language: list[str] | None, entity: list[str] | None, entity_type: list[str] | None,
                        source: list[str] | None, keyword: list[str] | None, duplicates: str,
                        published_after: str | None) -> Filter:
    """The Filter that CLI options or query parameters describe; raises ValueError with a readable message."""
    try:
        return Filter(languages=tuple(language or ()), entity_ids=tuple(entity or ()),
                      entity_types=tuple(entity_type or ()), sources=tuple(source or ()),  # type: ignore[arg-type]
                      keywords=tuple(keyword or ()), duplicates=duplicates,  # type: ignore[arg-type]
                      published_after=published_after)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where}: {first['msg'].removeprefix('Value error, ')}") from None
