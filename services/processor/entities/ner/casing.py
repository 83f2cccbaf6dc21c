"""Restore the casing of lower-cased training sentences (MultiCoNER), for training only.

MultiCoNER's text is lower-cased, while news is not: trained as it is, a model would learn that
names are lower-case. Each token gets the form it most often has in cased text of the same
language when not sentence-initial (so "monday" -> "Monday", "papst" -> "Papst", "nato" -> "NATO");
entity tokens default to a capital first letter (name particles stay lower-case), German words
not in the table default to a capital unless they end like an adjective or verb form, and the first word of a sentence gets a capital.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

# Lower-case inside a name or title unless first ("Harald II van Denemarken", "Lord of the Rings").
_PARTICLES = frozenset(
    """van von de der den het ten ter du des la le les di da dos del della of the and und en et zu zum zur am
    im an y al bin ibn a in on for to with at by from een die das dem ein eine für mit auf aus bei nach
    op voor met uit bij naar sur pour avec dans par aux""".split()
)
# German words the tables lack are mostly compound nouns; these endings mark adjectives and verb forms.
_DE_NOT_NOUN = re.compile(
    r"(?:lich|isch|ig|bar|sam|haft|los|iert|ieren|end|ert|elt|te|ten|tet|st|ische|ischen|liche|lichen|ige|igen|igt)$"
)


def casing_table(sentences: Iterable[list[str]]) -> dict[str, str]:
    """lower-case form -> its most frequent written form, counted off sentence starts."""
    counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for toks in sentences:
        for t in toks[1:]:
            if any(c.isalpha() for c in t):
                counts[t.lower()][t] += 1
    out = {}
    for low, forms in counts.items():
        form, n = forms.most_common(1)[0]
        if form == low or n >= 2:  # one capitalised sighting (a title, a heading) is not evidence
            out[low] = form
    return out


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def recase(tokens: list[str], tags: list[str], table: dict[str, str], lang: str) -> list[str]:
    """Cased tokens for one lower-cased sentence (tags: its BIO labels)."""
    out: list[str] = []
    for tok, tag in zip(tokens, tags):
        if not any(c.isalpha() for c in tok) or tok != tok.lower():
            out.append(tok)
            continue
        known = table.get(tok)
        if tag != "O":
            if known is not None and known != tok:
                out.append(known)
            elif tag.startswith("I-") and tok in _PARTICLES:
                out.append(tok)
            else:
                out.append(_cap(tok))
        elif known is not None:
            out.append(known)
        elif lang == "de" and len(tok) > 4 and tok.isalpha() and not _DE_NOT_NOUN.search(tok):
            out.append(_cap(tok))
        else:
            out.append(tok)
    for i, tok in enumerate(out):
        if any(c.isalpha() for c in tok):
            out[i] = _cap(tok)
            break
    return out
