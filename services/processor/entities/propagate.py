"""One name, one reading per article: a name found once is found again where the model missed it.

News repeats its names ("Bochum - ... das Werk in Bochum"); a CRF deciding each sentence alone
misses some repeats. After linking, every other exact occurrence of a found name (same spelling, on
word boundaries, overlapping no mention) gets that mention's type and id, and a linked or multi-word
person's surname alone gets the person's, also where the model read it as an organisation or place
("Michael Bloomberg ... Bloomberg said"; German genitives too: "Elders Karriere"). Pure over (text,
tokens, mentions); a single-word name that is also a frequent word of the language ("Polizei",
"Bergen") is never spread unless linked; a surname is, unless it is a very frequent word ("Will"),
and a surname that is also a word ("Brown") not where a sentence starts. A city spread to a team's
mention ("73' Lyon") is the club, without the city's id.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from itertools import compress, count
from operator import itemgetter

from services.processor.entities.link import Found, common_word, given_name_before, names_team, very_common_word, zipf
from services.processor.entities.ner.mentions import without_possessives
from services.processor.entities.ner.rules import DE_DETERMINERS, PARTICLES, given_name, is_calendar, is_title
from services.processor.entities.ner.text import Span, opens_sentence

_MIN_CHARS = 3  # "AP", "EU": too short to spread on spelling alone
_MAX_WORDS = 8
# Words that open persons' names without being their first names.
_NOT_GIVEN = frozenset(
    "king queen prince princess pope saint koning koningin prins prinses paus sint könig königin prinz prinzessin "
    "papst sankt roi reine prince princesse pape".split()
)
# Verbs and words after a sentence's first word that make a linked person's surname the person there ("Major said").
_SPEAKS = frozenset(
    """said says told added insisted warned argued was is has had will would could also who sagte sagt erklärte
    betonte ist hat war wird zei zegt verklaarde heeft wil""".split())
_TOWN_IDS = "geonames:"  # GeoNames towns: the KB's smaller places, whose names are often surnames too
_WORD_ZIPF = 5.0  # "brown", "king", "young"; names used as often ("trump" 4.9) are rarer than that


def _spreadable(word: str, linked: bool, lang: str) -> bool:
    return len(word) >= _MIN_CHARS and word[0].isupper() and (linked or not common_word(word.casefold(), lang))


def propagate(text: str, tokens: list[Span], found: list[Found], lang: str,
              words: list[str] | None = None) -> list[Found]:
    """found (sorted, non-overlapping) plus the other occurrences of its names; sorted, non-overlapping.
    words: the tokens' text, when the caller has it."""
    if not found:
        return found
    if words is None:
        words = [text[s:e] for s, e in tokens]
    # "Hitler’s" is one token: the name is matched and marked without its possessive
    words = without_possessives(text, tokens, words)
    found = _surnames_are_persons(text, found)
    forms: dict[tuple[str, ...], Found] = {}
    ambiguous: set[str] = set()  # surnames that are also words ("Brown"): not where a sentence starts
    given: dict[tuple[str, ...], Found] = {}  # persons' first names
    lower: list[set[str]] = []

    def written_lower(word: str) -> bool:
        # whether a word of the article is word in lower case; most names are nowhere in the text in lower
        # case, and the set of its lower-case words is built only for one that is
        if word not in text:
            return False
        if not lower:
            lower.append(set(filter(str.islower, words)))
        return word in lower[0]

    n = len(tokens)
    starts = list(map(itemgetter(0), tokens))  # bisected as ints: cheaper than comparing tuples
    k = 0  # found is sorted and non-overlapping: every token before k ends before the next mention starts
    # News repeats its names: a mention with the words, type, id and name of one before adds nothing
    # below (a form's first mention stays unless a linked one replaces an unlinked one).
    seen: set[tuple[tuple[str, ...], str, str | None, str | None]] = set()
    for f in found:
        start, end, typ, eid, name = f
        if typ == "MISC":
            continue
        k = bisect_left(starts, start, k)
        seq: list[str] = []
        while k < n and starts[k] + len(words[k]) <= end:
            seq.append(words[k])
            k += 1
        if not seq or len(seq) > _MAX_WORDS:
            continue
        key = tuple(seq)
        if (mention := (key, typ, eid, name)) in seen:
            continue
        seen.add(mention)
        linked = eid is not None
        if (len(seq) > 1 or _spreadable(seq[0], linked, lang)) and seq[0][:1].isupper():
            known = forms.get(key)
            if known is None or (linked and known.entity_id is None):  # a linked mention's id wins
                forms[key] = f
        if typ == "PER" and len(seq) > 1 and _surname_spreadable(seq[-1], linked, lang):
            known = forms.get((seq[-1],))
            if known is None or (known.type != "PER" and known.entity_id is None):
                forms[(seq[-1],)] = f
                if not _spreadable(seq[-1], False, lang) and _used_as_word(seq[-1], lang, written_lower):
                    ambiguous.add(seq[-1])  # linked too: "Gordon Brown ... Brown bears are common"
            if lang == "de" and not seq[-1].endswith(("s", "ß", "x", "z")):  # "Elders Karriere"
                forms.setdefault((seq[-1] + "s",), f)
            # Dutch writes a surname's particle in lower case after a given name and with a capital without it
            if len(seq) > 2 and seq[-2] in PARTICLES:  # "Jaap van Dissel ... Van Dissel adviseert": its capital alone
                j = len(seq) - 2
                while j > 1 and seq[j - 1] in PARTICLES:
                    j -= 1
                forms.setdefault((seq[j].capitalize(), *seq[j + 1 :]), f)
            first = seq[0]  # "Walter A. Clyburn Reed ... Walter said": a person, id unknown
            if len(first) >= _MIN_CHARS and first[0].isupper() and not is_title(first) \
                    and first.casefold() not in _NOT_GIVEN and not _used_as_word(first, lang, written_lower):
                given.setdefault((first,), Found(start, end, "PER"))
    for form, f in given.items():
        if form not in forms:  # a name found on its own (a place, an organisation) keeps its reading
            forms[form] = f
            if not _spreadable(form[0], False, lang):
                ambiguous.add(form[0])
    if not forms:
        return found
    # A headline in capitals names them too ("CUTTITTA BACK FOR ITALY"): a form in capitals whose first
    # word the article has (one without cased letters is kept unasked). The few heads are looked up
    # among the words (hashed once, as the scan below needs them) rather than every word asked isupper.
    heads = [(form, f, form[0].upper()) for form, f in forms.items() if f.type != "MISC"]
    caps = {head for _, _, head in heads}.intersection(words)
    for form, f, head in heads:
        if head in caps or not head.isupper():
            forms.setdefault((head, *map(str.upper, form[1:])), f)
    # the lengths of the forms each first word opens, longest first: an occurrence tries one lookup per
    # length (at most _MAX_WORDS), not every form with its first word (thousands in a list of names)
    lengths: dict[str, list[int]] = {}
    for form in forms:
        have = lengths.setdefault(form[0], [])
        if len(form) not in have:
            have.append(len(form))
    for have in lengths.values():
        have.sort(reverse=True)
    taken = [(f.start, f.end) for f in found]
    added: list[Found] = []
    n, t, i, n_taken = len(tokens), 0, 0, len(taken)
    for k in list(compress(count(), map(lengths.__contains__, words))):  # where a name can start, in order
        if k < i:
            continue  # inside the occurrence added last
        i = k
        start = starts[i]
        while t < n_taken and taken[t][1] <= start:
            t += 1
        if t < n_taken and taken[t][0] <= start:
            continue  # inside a mention: no occurrence can be free here
        hit = None
        for length in lengths[words[i]]:
            j = i + length
            if j <= n and (form := tuple(words[i:j])) in forms:
                hit = (form, j)
                break
        if hit is None:
            continue
        form, j = hit
        if len(form) == 1 and form[0] in ambiguous and opens_sentence(text, start) \
                and not (forms[form].entity_id is not None and j < n and words[j] in _SPEAKS):
            continue  # "Brown bears", not "Major said"
        if len(form) == 1 and j < n and words[j][:1].isupper() and is_title(form[0]):
            continue  # "Jonathan Lord ... Lord Curry": a title before a name, not the surname
        if len(form) == 1 and lang == "de" and i > 0 and words[i - 1].lower() in DE_DETERMINERS \
                and common_word(form[0].casefold(), lang) and not given_name(form[0]):
            continue  # "In Essen regnete es ... Das Essen war kalt": a German noun after its article ("dem Josef" is one)
        if len(form) == 1 and is_calendar(form[0]) and _dated(words, i):
            continue  # "Theresa May ... in May", "on 3 May": the month
        end = starts[j - 1] + len(words[j - 1])
        free = t == n_taken or taken[t][0] >= end
        if free and _word_edges(text, start, end):
            ref = forms[form]
            if len(form) == 1 and ref.type == "PER" and ref.entity_id is not None and ref.end - ref.start > len(form[0]) \
                    and (first := given_name_before(text, start, lang)) is not None:
                if (t == 0 or taken[t - 1][1] <= first) and (not added or added[-1].end <= first):
                    added.append(Found(first, end, "PER"))  # "Kenji Fujimori" beside "Alberto Fujimori": a relative
                i = j
                continue
            if ref.type == "LOC" and ref.entity_id is not None and names_team(text, start, end):
                added.append(Found(start, end, "ORG"))  # "73' Lyon": the club, not the city named elsewhere
            else:
                added.append(Found(start, end, ref.type, ref.entity_id, ref.name))
            i = j
    if not added:
        return found
    return sorted([*found, *added], key=lambda f: f.start)


def _surname_spreadable(word: str, linked: bool, lang: str) -> bool:
    """A person's surname is spread unless it is a very frequent word ("Will", "May", "White"):
    inside a sentence a capitalised "Brown" or "Rich" in an article about Jim Rich is that person."""
    return _spreadable(word, linked, lang) or (len(word) >= _MIN_CHARS and word[0].isupper() and not very_common_word(word.casefold(), lang))


def _used_as_word(name: str, lang: str, written_lower: Callable[[str], bool]) -> bool:
    """A frequent word that is also a surname is read as the word where a sentence starts if it is one
    of the language's most frequent words ("Young", "Brown") or the article also writes it in lower
    case (written_lower: whether a word of the article is this lower-case one); wordfreq counts names
    too, so frequency alone would also stop "Hitler" and "Nixon"."""
    word = name.casefold()
    return _frequent(word, lang) or written_lower(word)


def _frequent(word: str, lang: str) -> bool:
    return zipf(word, lang) >= _WORD_ZIPF


def _surnames_are_persons(text: str, found: list[Found]) -> list[Found]:
    """A one-word mention read as an organisation or place that is the last word of a person's full
    name in the same article is that person ("Michael Bloomberg ... Bloomberg said"), unless linked
    as something else (a country called Jordan beside Michael Jordan) other than a GeoNames town, the
    namesake of many a surname ("Russell Westbrook ... Westbrook" is not Westbrook, Maine), or than a
    place before a verb of play that no place does ("Michael Jordan ... Jordan scored 30"). A first name
    of such a person before a verb of speech is that person too ("Victoria Beckham ... Victoria said")."""
    surnames: dict[str, Found] = {}
    firsts: set[str] = set()
    for f in found:
        if f.type == "PER":
            name = text[f.start : f.end]
            first, last = name.partition(" ")[0], name.rpartition(" ")[2]
            if last != name and len(last) >= _MIN_CHARS and last[0].isupper():
                known = surnames.get(last)
                if known is None or (known.entity_id is None and f.entity_id is not None):
                    surnames[last] = f
                firsts.add(first)
    if not surnames:
        return found
    out = found
    upper: dict[str, Found] = {}  # the surnames in capitals, for a headline's ("SELES BEATS CAPRIATI")
    for i, f in enumerate(found):
        if f.type not in ("ORG", "LOC"):
            continue
        word = text[f.start : f.end]
        if word in firsts and word not in surnames and _next_word(text, f.end) in _SPEAKS:
            out = list(found) if out is found else out  # "Victoria Beckham ... Victoria said": the person, id unknown
            out[i] = Found(f.start, f.end, "PER")
            continue
        if f.entity_id is not None and not f.entity_id.startswith(_TOWN_IDS) \
                and not (word in surnames and surnames[word].entity_id is not None and _next_word(text, f.end) in _SCORES):
            continue  # "Michael Jordan ... Jordan scored 30" is the player; "Jordan said" may be the country
        if (ref := surnames.get(word)) is None and word.isupper():
            if not upper:
                upper.update((last.upper(), p) for last, p in surnames.items())
            ref = upper.get(word)
        if ref is not None:
            if out is found:
                out = list(found)
            out[i] = Found(f.start, f.end, "PER", ref.entity_id, ref.name)
    return out


# Words before a month that make it the month ("in May", "Anfang Mai", "eind mei"), folded.
_BEFORE_MONTHS = frozenset(
    """in on of since until till by from to early late last next mid end during before after through this each every
    im am seit bis ab vom zum anfang ende mitte diesen letzten nächsten op sinds tot eind begin half vorig volgend
    en depuis jusqu fin début""".split())


def _dated(words: list[str], k: int) -> bool:
    """Whether the calendar word at token k is the month or day: a number or a word of time before it, a number
    after it."""
    before = words[k - 1].casefold() if k > 0 else ""
    after = words[k + 1] if k + 1 < len(words) else ""
    return before in _BEFORE_MONTHS or before[:1].isdigit() or after[:1].isdigit()


# Verbs after a player's surname that no country does ("Jordan scored 30").
_SCORES = frozenset("scored netted grabbed dunked pitched homered rushed hit".split())


def _next_word(text: str, end: int) -> str:
    """The word after text[:end], past its blanks (within 20 characters); "" after a mark or the text's end."""
    rest = text[end : end + 21]
    words = rest.split(None, 1) if rest[:1] in (" ", "\t") else ()
    return words[0] if words else ""


def _word_edges(text: str, start: int, end: int) -> bool:
    """Not part of a longer word (Bochumer, US-Beamten) nor of an e-mail address ("Andrew@GriffithMP.com")."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before in "-‐@") and not (after.isalnum() or after in "-‐@")
