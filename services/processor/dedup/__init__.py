"""Near-duplicates and stories: pure decisions over an in-memory, time-windowed state (`Related`).

signature.py  text -> MinHash signature and LSH band keys (word shingles, per language)
keys.py       article -> language-independent story keys (entity ids, numbers) + same-language words
index.py      a segmented, expiring inverted index: uint64 key -> article slots (one compiled lookup)
window.py     per-article numbers in ring arrays by slot; compiled best-copy and best-story scoring
state.py      `Related`: decide near_duplicate_of / similarity / story_id, fold entries from the state topic
stories.py    the story aggregate and its public record
"""

from services.processor.dedup.state import Features, Related, Relation, features_of, warm_up

__all__ = ["Features", "Related", "Relation", "features_of", "warm_up"]
