"""`Related`: the near-duplicate and story decisions, over every article of the time window.

Pure and in memory; the runtime persists what it returns (`take_entries`) on a compacted topic keyed by
article id and folds that topic back in (`apply`) on start and from other workers (runtime/related.py).

Invariants:
* A decision is made once per article id: deciding again (a record re-read after a crash or a rebalance)
  returns the recorded decision, so replays are idempotent and the topic can be folded in any order.
* Only articles seen before, within `window` seconds (processing time), are candidates.
* `near_duplicate_of` is an article in the same language with estimated Jaccard >= `threshold`
  (word 3-shingles, MinHash, LSH with 16 bands x 4 rows); it points at the earliest such copy still in
  the window (the root of a chain of copies) when that one is itself similar enough, else at the best match.
* A near-duplicate joins its original's story; any other article joins the story of the best-scoring
  earlier article (weighted cosine over story keys, keys shared by more than `max_df` articles ignored)
  when that score is >= `story_threshold`, else it starts a story whose id derives from its own id.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from hashlib import blake2b

import numpy as np
import numpy.typing as npt
import orjson

from services.processor.dedup import signature as sg
from services.processor.dedup.index import NO_CAP, SEGMENT, KeyIndex
from services.processor.dedup.keys import StoryKeys, text_story_keys
from services.processor.dedup.stories import StoryAggregate
from services.processor.dedup.window import SlotArrays

TOP_ENTITIES = 5  # per article, carried into the story aggregate
LEAD_WORDS = 150
# Candidates per LSH band: its newest copies. A band shared by more articles than that is a text republished
# that often (two unrelated texts share a band with probability ~J**4): any of the newest is a copy, and a
# copy of a copy points at the root. Bounds the cost of an article whatever the window holds.
BAND_KEEP = 32
_NO_KEYS = np.zeros(0, dtype=np.uint64)


@dataclass(frozen=True)
class Features:
    """What the decisions need from one enriched article (computed by the pure enrich step)."""

    id: str
    source: str
    title: str | None
    language: str
    signature: sg.Signature | None
    keys: StoryKeys
    entities: tuple[tuple[str, str], ...]  # (QID, name), most mentioned first


def features_of(*, article_id: str, source: str, title: str | None, body: str, language: str,
                entities: Iterable[tuple[str, str, int]]) -> Features:
    """entities: (QID, name, mentions) of the linked entities."""
    ranked = sorted(entities, key=lambda e: -e[2])
    codes = sg.codes_of(body)  # read once by both passes
    sig = sg.text_signature(body, codes)  # "und" texts are compared among themselves: a copy is a copy in any language
    # Story keys come from the title and the lead: they name the event, and the cost stays bounded.
    keys = text_story_keys(language=language, entity_ids=[q for q, _, _ in ranked], title=title, body=body,
                           lead_words=LEAD_WORDS, codes=codes)
    return Features(id=article_id, source=source, title=title, language=language, signature=sig, keys=keys,
                    entities=tuple((q, n) for q, n, _ in ranked[:TOP_ENTITIES]))


@lru_cache(maxsize=256)
def _limits(bands: int, keys: int, max_df: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(caps, keep) for a lookup of `bands` band keys then `keys` story keys: a band key yields its newest
    BAND_KEEP postings however many there are, a story key shared by more than max_df articles none. Shared:
    never written (not flagged read-only, which numba would compile for separately)."""
    caps = np.concatenate([np.full(bands, NO_CAP, dtype=np.int64), np.full(keys, max_df, dtype=np.int64)])
    keep = np.concatenate([np.full(bands, BAND_KEEP, dtype=np.int64), np.full(keys, NO_CAP, dtype=np.int64)])
    return caps, keep


@dataclass(frozen=True)
class Relation:
    near_duplicate_of: str | None
    similarity: float | None
    story_id: str


def story_id_for(article_id: str) -> str:
    return "st-" + blake2b(article_id.encode("utf-8"), digest_size=8).hexdigest()


@dataclass
class _Chunk:
    """The strings of SEGMENT consecutive slots (their numbers are in the window's `SlotArrays`)."""

    first: int
    newest: float = float("-inf")
    ids: list[str] = field(default_factory=list)
    near: list[str | None] = field(default_factory=list)
    stories: list[str] = field(default_factory=list)  # one string object per story, shared by its articles


@dataclass
class Related:
    """The window's articles: signatures, story keys, decisions and story aggregates."""

    window: float = 48 * 3600.0
    threshold: float = 0.6
    story_threshold: float = 0.25
    max_df: int = 200
    _chunks: list[_Chunk] = field(default_factory=list)
    _slots: dict[str, int] = field(default_factory=dict)  # article id -> slot
    _arrays: SlotArrays = field(default_factory=SlotArrays)
    _index: KeyIndex = field(default_factory=KeyIndex)
    _stories: dict[str, StoryAggregate] = field(default_factory=dict)
    _pending: list[tuple[bytes, bytes]] = field(default_factory=list)

    # -- reading ---------------------------------------------------------------------------------------
    def _chunk(self, slot: int) -> _Chunk | None:
        if not self._chunks or slot < self._chunks[0].first:
            return None
        return self._chunks[(slot - self._chunks[0].first) // SEGMENT]

    def known(self, article_id: str) -> Relation | None:
        slot = self._slots.get(article_id)
        if slot is None:
            return None
        chunk = self._chunk(slot)
        assert chunk is not None
        i = slot - chunk.first
        sim = self._arrays.sim(slot)
        return Relation(chunk.near[i], None if sim is None else round(sim, 4), chunk.stories[i])

    def story_of(self, article_id: str) -> str | None:
        relation = self.known(article_id)
        return relation.story_id if relation else None

    def story(self, story_id: str) -> StoryAggregate | None:
        return self._stories.get(story_id)

    def __len__(self) -> int:
        return len(self._slots)

    # -- deciding --------------------------------------------------------------------------------------
    def decide(self, f: Features, now: float) -> Relation:
        """The relation of article f to the window's articles; records f (and queues its entry) if new."""
        recorded = self.known(f.id)
        if recorded is not None:
            return recorded
        self.expire(now)
        cutoff = now - self.window
        bands = sg.band_keys(f.signature, f.language) if f.signature is not None else _NO_KEYS
        keys = f.keys.array
        # One lookup for both: each band key's newest BAND_KEEP postings (a candidate is checked by its
        # signature), story keys shared by more than max_df articles ignored. Ordered by key: bands first.
        caps, keep = _limits(bands.size, keys.size, self.max_df)
        which, found = self._index.lookup(np.concatenate([bands, keys]) if bands.size else keys, caps, keep)
        split = int(np.searchsorted(which, bands.size))
        near, sim, original = self._near_duplicate(f, cutoff, found[:split])
        if original is not None:
            story = self._story_at(original)
        else:
            story = self._best_story(f, cutoff, which[split:], found[split:], bands.size) or story_id_for(f.id)
        relation = Relation(near, sim, story)
        self._add(f, now, relation, bands)
        self._pending.append((f.id.encode("utf-8"), encode_entry(f, now, relation)))
        return relation

    def _story_at(self, slot: int) -> str:
        chunk = self._chunk(slot)
        assert chunk is not None
        return chunk.stories[slot - chunk.first]

    def _near_duplicate(self, f: Features, cutoff: float, found: npt.NDArray[np.int64]
                        ) -> tuple[str | None, float | None, int | None]:
        """found: the slots posted under f's band keys."""
        if f.signature is None or not found.size:
            return None, None, None
        slot, agree = self._arrays.best_copy(f.signature, found, cutoff)
        if slot < 0 or (score := sg.similarity_of(agree)) < self.threshold:
            return None, None, None
        chunk = self._chunk(slot)
        assert chunk is not None
        root = chunk.near[slot - chunk.first]
        if root is not None and (root_slot := self._slots.get(root)) is not None:
            root_sig = self._arrays.sig(root_slot)
            if root_sig is not None and self._arrays.time(root_slot) >= cutoff:
                root_score = sg.similarity(f.signature, root_sig)
                if root_score >= self.threshold:
                    return root, round(root_score, 4), root_slot
        return chunk.ids[slot - chunk.first], round(score, 4), slot

    def _best_story(self, f: Features, cutoff: float, which: npt.NDArray[np.int64], found: npt.NDArray[np.int64],
                    base: int) -> str | None:
        """Weighted cosine over shared story keys; which[i] - base: the index in f.keys of found[i]'s key."""
        if not found.size:
            return None
        slot, score = self._arrays.best_story(which, found, f.keys.weights, f.keys.weight, cutoff, base,
                                              self.story_threshold)
        return self._story_at(slot) if slot >= 0 and score >= self.story_threshold else None

    # -- recording -------------------------------------------------------------------------------------
    def _add(self, f: Features, t: float, relation: Relation, bands: npt.NDArray[np.uint64] | None = None) -> None:
        """bands: f's band keys, when the caller has them."""
        slot = self._arrays.push(t, f.keys.weight, relation.similarity, f.signature)
        if not self._chunks or slot - self._chunks[-1].first >= SEGMENT:
            self._chunks.append(_Chunk(first=slot))
        chunk = self._chunks[-1]
        chunk.newest = max(chunk.newest, t)
        chunk.ids.append(f.id)
        chunk.near.append(relation.near_duplicate_of)
        aggregate = self._stories.get(relation.story_id)
        if aggregate is None:
            aggregate = self._stories[relation.story_id] = StoryAggregate(id=relation.story_id, first_seen=t, last_seen=t)
        chunk.stories.append(aggregate.id)
        if f.signature is not None:
            postings = np.concatenate([f.keys.array, sg.band_keys(f.signature, f.language) if bands is None else bands])
        else:
            postings = f.keys.array
        self._index.add(slot, postings, t)
        self._slots[f.id] = slot
        aggregate.add(t=t, language=sys.intern(f.language), source=sys.intern(f.source), title=f.title,
                      entities=[(sys.intern(q), sys.intern(n)) for q, n in f.entities])

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """Fold one record of the state topic (own or another worker's); known ids and tombstones are skipped."""
        if key is None or value is None:
            return
        entry = decode_entry(value)
        if entry is None:
            return
        f, t, relation = entry
        if f.id in self._slots:
            return
        self._add(f, t, relation)

    def take_entries(self) -> list[tuple[bytes, bytes]]:
        """State entries decided since the last call, to persist (key = article id)."""
        out, self._pending = self._pending, []
        return out

    def expire(self, now: float) -> None:
        """Forget whole chunks older than the window, and the stories of their articles that are older too;
        memory stays bounded by it. Every story is checked when a chunk holding one of its articles goes, and
        the chunk holding its latest article only goes once that article is older than the window (in any
        order the entries were folded in), so no pass over all stories is needed."""
        cutoff = now - self.window
        self._index.expire(cutoff)
        while self._chunks and len(self._chunks[0].ids) == SEGMENT and self._chunks[0].newest < cutoff:
            dropped = self._chunks.pop(0)
            for article_id in dropped.ids:
                self._slots.pop(article_id, None)
            for story_id in dict.fromkeys(dropped.stories):
                aggregate = self._stories.get(story_id)
                if aggregate is not None and aggregate.last_seen < cutoff:
                    del self._stories[story_id]
            self._arrays.drop_before(dropped.first + SEGMENT)


def encode_entry(f: Features, t: float, relation: Relation) -> bytes:
    return orjson.dumps({
        "id": f.id, "t": t, "source": f.source, "title": f.title, "lang": f.language,
        "sig": base64.b64encode(f.signature.tobytes()).decode() if f.signature is not None else None,
        "keys": _hex16(f.keys.array), "kinds": "".join(f.keys.kinds),
        "ents": [list(e) for e in f.entities],
        "near": relation.near_duplicate_of, "sim": relation.similarity, "story": relation.story_id,
    })


def _hex16(keys: npt.NDArray[np.uint64]) -> list[str]:
    """Each key as 16 lower-case hex digits (as format(k, "016x")), from one hex string of the big-endian bytes."""
    digits = keys.astype(">u8").tobytes().hex()
    return [digits[i:i + 16] for i in range(0, len(digits), 16)]


def decode_entry(value: bytes) -> tuple[Features, float, Relation] | None:
    """An entry of the state topic, or None for one this version cannot read (it is then ignored)."""
    try:
        d = orjson.loads(value)
        sig = None
        if d["sig"]:
            sig = np.frombuffer(base64.b64decode(d["sig"]), dtype=np.uint16).copy()
            if sig.size != sg.NUM_PERM:
                sig = None
        keys = StoryKeys(keys=tuple(int(k, 16) for k in d["keys"]), kinds=tuple(d["kinds"]))
        f = Features(id=d["id"], source=d["source"], title=d["title"], language=d["lang"], signature=sig, keys=keys,
                     entities=tuple((q, n) for q, n in d["ents"]))
        return f, float(d["t"]), Relation(d["near"], d["sim"], d["story"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None


def warm_up() -> None:
    """Load the compiled kernels (numba's cache) and build the typed list the index lookup takes: about a
    second once per process, spent at start rather than on the first articles or the first sealed segment."""
    related = Related(_index=KeyIndex(segment=2))
    texts = [" ".join(f"w{n}x{i}" for i in range(sg.MIN_WORDS * 2)) for n in (1, 2, 3, 1)]  # the last a copy
    # Reaches the best-copy and the best-story scoring, with sealed segments, and the lead pass with and
    # without a title (read-only code points: a specialization of its own) and content-word keys.
    for n, text in enumerate(texts):
        related.decide(features_of(article_id=f"warm-{n}", source="warm", title=f"Warm Up {n}" if n else None,
                                   body=text, language="en" if n in (0, 3) else "und", entities=[("Q1", "one", 1)]),
                       float(n))
