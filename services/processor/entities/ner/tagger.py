"""Entity tagging core: CRF spans, then linking (entities/link.py), over one text.

Pipeline for a text:
1. tokenize (offsets kept) and split sentences;
2. scan the feature gazetteer (ner/gazetteer.py) once: the CRF's gazetteer features;
3. CRF (model.crfsuite, trained by ner/train.py) tags each sentence BIO PER/ORG/LOC, spans trimmed;
4. link.link: KB ids for the spans by context, confident KB names the model missed added, in-document
   coreference (a surname takes the full name's id). The KB (entities/kb/) is separate from the
   feature gazetteer, which must stay what the model was trained with.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import lru_cache, partial
from operator import itemgetter
from pathlib import Path

from services.processor.entities.link import Found, Linker, default_linker, zipf
from services.processor.entities.ner import lexicon, mentions, rules
from services.processor.entities.propagate import propagate
from services.processor.entities.ner.crf import LinearCRF
from services.processor.entities.ner.gazetteer import Gazetteer, Match, load
from services.processor.entities.ner.text import Span, capital_pieces, fold, opens_sentence, sentences, tokens_pieces_breaks
from services.processor.entities.ner.truecase import truecase

log = logging.getLogger(__name__)
LANGUAGES = ("nl", "de", "en", "fr")  # the languages with a trained model (train.py)
_end = itemgetter(1)


def model_path(lang: str) -> Path:
    return Path(__file__).parent / f"model.{lang}.crfsuite"


def gaz_marks(spans: list[Span], matches: list[Match]) -> list[tuple[int, str]]:
    """(token index, tag) for the tokens a gazetteer match covers: B-/I-TYPE when the match covers
    the whole token, P-TYPE when it covers part of it. Sparse: matches are few."""
    out: list[tuple[int, str]] = []
    j = 0
    n = len(spans)
    for m in matches:
        j = bisect_right(spans, m.start, lo=j, key=_end)  # the first token ending after m.start
        k, first = j, True
        typ = m.entry.entity.type
        while k < n and spans[k][0] < m.end:
            s, e = spans[k]
            out.append((k, ("B-" if first else "I-") + typ if s >= m.start and e <= m.end else "P-" + typ))
            first = False
            k += 1
    return out


_B = {t: "B-" + t for t in ("PER", "ORG", "LOC", "MISC")}
_I = {t: "I-" + t for t in ("PER", "ORG", "LOC", "MISC")}


def boundary_marks(text: str, spans: list[Span], matches: list[Match], lang: str) -> list[tuple[int, str]]:
    """gaz_marks of the matches that sit on token boundaries (not "US" inside "US-Beamten"; in English
    also a name before a possessive, "Hitler’s"): the model's gazetteer features. One look-up of each
    match's first token decides both; a match on boundaries covers its tokens whole (B-, I-)."""
    out: list[tuple[int, str]] = []
    n = len(spans)
    for m in matches:
        k = bisect_left(spans, (m.start, -1))
        if k < n and spans[k][0] == m.start:
            j = k
            while j < n and spans[j][1] < m.end:
                j += 1
            if j < n and spans[j][1] == m.end:
                typ = m.entry.entity.type
                out.append((k, _B.get(typ) or "B-" + typ))
                if j > k:
                    i_tag = _I.get(typ) or "I-" + typ
                    out.extend((i, i_tag) for i in range(k + 1, j + 1))
                continue
        if lang == "en" and text.startswith(mentions.POSSESSIVES, m.end) and _on_boundaries(spans, m.start, m.end + 2):
            out.extend(gaz_marks(spans, [m]))
    return out


def gaz_tags(spans: list[Span], matches: list[Match]) -> list[str | None]:
    """gaz_marks as a per-token list (None: no match), the form features.py takes."""
    tags: list[str | None] = [None] * len(spans)
    for k, tag in gaz_marks(spans, matches):
        tags[k] = tag
    return tags


class Tagger:
    """Each language's CRF is loaded on its first use (a worker pays only for the languages it sees)."""

    def __init__(
        self, gazetteer: Gazetteer | None = None, languages: tuple[str, ...] = LANGUAGES, linker: Linker | None = None
    ) -> None:
        self.gaz = gazetteer or load()
        self.linker = linker or default_linker()
        self.models: dict[str, LinearCRF] = {}  # loaded so far
        # per tagger: German asks its linker whether a word names a hand-checked person
        self._name_like = lru_cache(maxsize=65536)(partial(_name_like, person=self.linker.curated_person))
        self._organisation_name = lru_cache(maxsize=65536)(partial(mentions.organisation_name, org=self.linker.organisation_not_person))
        self._curated_person_only = lru_cache(maxsize=65536)(self.linker.curated_person_only)
        self._paths: dict[str, Path] = {}
        for lang in languages:
            path = model_path(lang)
            if path.exists():
                self._paths[lang] = path
            else:  # still link known names; the bench and tests show the missing model
                log.warning("NER model %s missing: names from the knowledge base only", path)

    def model_for(self, lang: str) -> str | None:
        """Id of the model that tags lang, or None: that language gets knowledge-base names only."""
        return f"crf-{lang}" if lang in self._paths else None

    def crf(self, lang: str) -> LinearCRF | None:
        """The CRF of lang, loaded now if not yet; None without a model."""
        crf = self.models.get(lang)
        if crf is None and lang in self._paths:
            crf = self.models[lang] = LinearCRF(self._paths[lang])
        return crf

    def crf_spans(self, text: str, spans: list[Span], marks: list[tuple[int, str]], lang: str,
                  words: list[str] | None = None, sents: list[tuple[int, int]] | None = None) -> list[Found]:
        """Model spans over every sentence of text (BIO, a span never crosses a sentence start).
        words, sents: the tokens' text and sentences(text, spans), when the caller has them."""
        crf = self.crf(lang)
        if crf is None:
            return []
        if words is None:
            words = [text[s:e] for s, e in spans]
        if sents is None:
            sents = sentences(text, spans)
        runs = crf.runs(words, sents, marks)
        if lang == "en":
            runs = rules.nationalities(text, spans, _split_at_verbs(words, runs, crf, sents, self.linker.curated_person),
                                       self.linker.is_org)
        elif lang == "de":
            runs = rules.german_events(text, spans, rules.german_nationalities(words, runs))
        elif lang == "nl":
            runs = rules.dutch_events(text, spans, runs)
        runs = rules.agencies(words, rules.correct(text, spans, runs))
        out = [Found(spans[a][0], spans[b - 1][1], t) for a, b, t in runs]
        if lang == "en":
            out = [Found(rules.strip_opener(text, rules.strip_article(text, f.start, f.end, f.type), f.end, f.type),
                         rules.strip_possessive(text, f.start, rules.person_before_possessive(text, f.start, f.end, f.type)),
                         f.type) for f in out]
            # a group word split off a list or an article only now ("attacks on Jews, Slavs", "The Jews")
            out = [Found(f.start, f.end, "MISC") if f.type != "MISC" and rules.english_group(text[f.start : f.end]) else f
                   for f in out]
        return out

    def capitalised_names(self, text: str, cased: str, spans: list[Span], sents: list[tuple[int, int]],
                          pieces: list[tuple[int, int, str]], words: list[str], found: list[Found], lang: str) -> list[Found]:
        """Dutch, English and French capitalise names and little else: a run of capitalised words
        inside a sentence that the model left outside any name, none of them a frequent word, is a
        person's name if that is the name type the model scores highest for its first word ("was
        Dehaene verbolgen"; the other types' guesses lost on the dev sets); so is a sentence's first
        word before a lower-case one if the model's scores for PER there come near O's ("Yeltsin
        was"). Not in sentences written in title case or capitals (headlines: cased, the text as the
        model read it, has them in prose case), where capitals say nothing. sents: sentences(text, spans); pieces: capital_pieces(text);
        found: sorted by start."""
        crf = self.crf(lang)
        if crf is None:
            return found
        capitals = [a for a, _b, piece in pieces if piece[0].isupper()]  # where capitalised words start
        # A token starting at a piece is name-like only as that piece (all letters: no joiner, no digit
        # after it; "Hitler’s" read as "Hitler"); with the model's words from text, that piece's own
        # text is one cached test and the rest need no look-up.
        starts = [a for a, _b, piece in pieces if self._name_like(piece, lang)] if cased is text else capitals
        n = len(spans)
        names = [k for p in starts if (k := bisect_left(spans, (p, -1))) < n and spans[k][0] == p and self._name_like(words[k], lang)]
        if not names and _SPEECH_VERBS.isdisjoint(words):
            return found
        found_starts = [f.start for f in found]
        out: list[Found] = []
        lower: list[set[str]] = []  # the words the article writes in lower case, read once when first asked

        def written_lower(word: str) -> bool:
            """Whether the article (as the model read it) has word in lower case: a noun opening a sentence
            ("Scoreboard on the second day", under "ENGLAND V ZIMBABWE SCOREBOARD", which truecase lowers) is no name."""
            if not lower:
                lower.append(set(filter(str.islower, words)))
            return word.lower() in lower[0]

        for a, b in sents:
            lo, hi = bisect_left(names, a + 1), bisect_left(names, b)
            if a + 1 < b and ((lead := lo > 0 and names[lo - 1] == a and _lower_or_possessive(words, a + 1, b))
                              or words[a + 1] in _SPEECH_VERBS) \
                    and not mentions.inside(found, found_starts, spans[a][0]) and not written_lower(words[a]):
                # A name opening a sentence before a lower-case word ("Yeltsin was", "Asch liet"): capitals say
                # nothing there, so only where the model's emission scores for PER come near O's; or before a
                # verb of speech, a name whatever the model scores ("Stepanovic sagte").
                if (lead and not _inflected(words[a], lang) and (guess := crf.name_guess(words, a, a, b))[0] == "PER"
                        and guess[1] > _LEAD_MARGIN) or (words[a + 1] in _SPEECH_VERBS and self._speaker(words[a], lang)
                                                          and not _score_after(words, a + 2, b)):
                    out.append(Found(spans[a][0], spans[a][0] + len(words[a]), "PER"))
            if lo == hi:
                continue  # no candidate after the sentence's first word
            first, last = spans[a][0], spans[b - 1][1]
            if (bisect_left(capitals, last) - bisect_left(capitals, first)) * 2 > b - a \
                    or (cased is not text and cased[first:last] != text[first:last]):
                continue  # a headline
            in_sentence = set(names[lo:hi])
            end = 0
            for k in names[lo:hi]:
                if k < end or mentions.inside(found, found_starts, spans[k][0]) or opens_sentence(text, spans[k][0]) \
                        or (lang == "de" and words[k - 1].lower() in rules.DE_DETERMINERS):
                    continue  # German: "die Sitte", "ihre Helme" are nouns whatever surnames they also are
                end = k + 1
                while end in in_sentence and not mentions.inside(found, found_starts, spans[end][0]):
                    end += 1
                if lang == "en" and end == k + 1 and rules.english_group(words[k]):
                    out.append(Found(spans[k][0], spans[k][0] + len(words[k]), "MISC"))  # "Catalan", "Serbs"
                    continue
                typ = crf.name_type(words, k, a, b)
                if typ == "PER" or (typ == "LOC" and words[k - 1].lower() in _LOCATIVE):
                    # words may read "Hitler’s" as "Hitler": the name ends where its word does
                    out.append(Found(spans[k][0], spans[end - 1][0] + len(words[end - 1]), typ))
        if not out:
            return found
        return sorted([*found, *out], key=lambda f: f.start)

    def _place_or_organisation(self, key: str) -> bool:
        """Whether folded key names an organisation or a place of the KB that is not weak (no surname's namesake)."""
        return self.linker.is_org(key) or self.linker.well_known_place(key) or self.linker.city(key)

    def _speaker(self, word: str, lang: str) -> bool:
        """Whether a sentence's first word before a verb of speech is a person's name: _speaker's, or a surname of
        the KB's politicians and hand-checked persons the name lexicon lacks ("Clinton said"); no city of 100,000 or
        more, region, country or organisation of the KB ("France said", "Reuters said")."""
        key = fold(word)
        if not (_speaker(word, lang) or (_titled_word(word) and self.linker.surname(key)
                                         and not rules.is_title(word) and not rules.is_calendar(word))):
            return False
        return not (self.linker.city(key) or self.linker.is_org(key))

    def tag(self, text: str, lang: str) -> list[Found]:
        # pieces: where names can start, shared by the gazetteer's and the KB's scan.
        spans, pieces, breaks, words = tokens_pieces_breaks(text)
        if not spans:
            return []
        # The model and its gazetteer features read headlines in prose case; the linker reads the text
        # as written (its rules for adding names know capitals), and offsets are the same in both.
        cased = truecase(text, spans, words, lang, self.linker.well_known)
        if cased is text:
            model_words, model_pieces = words, pieces
        else:
            model_words, model_pieces = [cased[s:e] for s, e in spans], capital_pieces(cased)
        marks = boundary_marks(text, spans, self.gaz.scan(cased, lang, model_pieces), lang)
        if lang == "en":  # "Hitler’s" is one token: the model knows the name, not its possessive
            model_words = mentions.without_possessives(cased, spans, model_words)
        sents = sentences(cased, spans, breaks if cased is text else None)
        found = self.crf_spans(cased, spans, marks, lang, model_words, sents)
        if lang in _CAPITALISED_NAMES:
            found = self.capitalised_names(text, cased, spans, sents, pieces, model_words, found, lang)
        found = mentions.nouns_before_names(
            text, [mentions.nl_adjective(text, t, lang, self.linker.names)
                   for f in found for t in _trim(text, spans, _without_verbs(text, f, lang))], lang)
        found = mentions.acronym_compounds(text, found, self.linker.names, self.linker.is_org)
        found = mentions.streets_and_places(text, spans, words, pieces, found, lang)
        found = mentions.article_before_acronym(text, found, lang)
        if lang == "nl":
            found = mentions.dutch_roads(text, mentions.dutch_nationalities(text, spans, words, pieces, found))
            found = mentions.towns_after_adjectives(text, found, self.linker.town_or_city)
            found = mentions.named_bodies(text, found, lang)
        elif lang == "en":
            found = mentions.english_institutions(text, mentions.english_heads(text, found, self.linker.is_country))
            found = mentions.places_in_persons(text, found, self.linker.city)
        elif lang == "de":
            found = mentions.named_bodies(text, mentions.german_parties(text, mentions.german_article(text, found, self.linker.names)), lang)
            found = mentions.nouns_before_places(text, found, self.linker.town_or_city, self.linker.names)
            found = mentions.adjectives_in_appositions(text, found, self.linker.names)
            found = mentions.place_genitives(text, pieces, found, self.linker.city)
        if lang != "en":
            found = mentions.english_bodies(text, found)
        found = mentions.bodies_in_places(text, found, self.linker.names, self.linker.town_or_city)
        found = mentions.cities_after_locatives(text, found, lang, self.linker.city, self.linker.is_org)
        found = mentions.places_read_as_persons(text, found, self.linker.well_known_place)  # before the team rules
        found = mentions.places_beside_places(text, found, self.linker.city, self.linker.is_org)
        found = mentions.places_before_roles(text, found, self.linker.well_known_place, self.linker.is_org)
        found = mentions.datelines(text, mentions.versus_headlines(text, cased, found, self.linker.is_country), lang,
                                   self.linker.well_known, self.linker.town_or_city)
        found = mentions.team_headlines(text, found, self.linker.is_org, self.linker.is_country, self.linker.town_or_city)
        found = mentions.results_and_tables(text, found, self.linker.is_country, self.linker.names)
        found = mentions.ranked_persons(text, found, self.linker.is_country, self.linker.is_org)
        found = mentions.persons_beside_persons(text, found, lang, self._curated_person_only)  # linked below, coref too
        found = mentions.titles_outside(text, mentions.abbreviations_whole(text, self.linker.link(text, lang, found, pieces)))
        if lang == "de":
            found = mentions.german_common_nouns(text, found, lexicon.flags, self.linker.names)
        found = mentions.genitives(text, found, lang, lexicon.flags, self.linker.curated_person)
        found = mentions.regnal_numbers(text, mentions.titled_names(text, spans, model_words, pieces, found, lang))
        found = mentions.venues(text, mentions.buildings(text, found, lang))
        found = mentions.sports_clubs(text, words, found, lang, self.linker.names, self.linker.is_country)
        found = mentions.clubs_in_lists(text, mentions.towns_of_clubs(text, found))
        found = mentions.standings(text, found, lang, self.linker.is_country)
        found = mentions.titled_person(text, mentions.place_before_place(text, found), lang, self.linker.curated_person)
        found = mentions.aged_persons(text, found, lang)
        found = mentions.goal_scorers(text, mentions.scorers_in_prose(text, found, lang))
        found = mentions.inverted_speakers(text, found, lang, self._place_or_organisation)
        found = mentions.affiliations(text, mentions.set_scores(text, found, self.linker.is_country),
                                      self.linker.is_country, self.linker.is_org)
        found = mentions.world_wars(text, mentions.match_results(text, found, lang, self.linker.is_country, self.linker.names), lang)
        found = mentions.races(text, words, found)
        found = mentions.titles_after_organisations(text, mentions.nationals_before_names(text, words, found, lang), self.linker.is_org)
        found = mentions.particle_surnames(text, found)
        found = mentions.persons_read_as_others(
            text, mentions.organisations_read_as_persons(text, found, self._organisation_name), self._curated_person_only)
        found = self.linker.retyped_ids(text, lang, mentions.companies(text, words, found, lang))
        found = self.linker.titled_surnames(text, lang, found)
        if lang == "en":
            found = mentions.bodies_after_places(text, mentions.plural_titles(text, mentions.cricket_scorecards(text, found)))
            found = mentions.possessive_companies(text, found)
            found = mentions.countries_before_persons(text, mentions.english_office_titles(text, found), self.linker.country)
            found = mentions.persons_after_countries(text, found, self.linker.country, self.linker.is_org)
            found = mentions.events_after_places(text, found)
        found = [g for f in found if (g := mentions.acronym(cased, f, lang)) is not None]
        # an acronym the rules above made an organisation gets its id ("The IRA bombed", read as a person)
        found = mentions.bracketed_abbreviations(text, self.linker.retyped_ids(
            text, lang, mentions.acronym_definitions(text, mentions.unknown_acronyms(text, cased, pieces, found, lang))))
        if lang == "de":  # after acronym(), which reads a short name in capitals as an organisation
            found = mentions.german_roads(text, mentions.german_championships(text, found))
            found = mentions.given_and_surnames(text, pieces, found, lang)
        found = propagate(text, spans, mentions.function_words(text, mentions.market_indices(text, words, spans, found), lang), lang, words)
        if lang == "en":  # a name a pronoun made a person gets a person's id ("... to Embiid. He scored")
            persons = mentions.pronoun_persons(text, found)
            if persons is not found:  # it returns found itself when it retyped nothing
                found = self.linker.retyped_ids(text, lang, persons)
        return found


# How far below O a sentence's first word may score PER and still be read as a name (dev sets: -1 to -4 alike).
_LEAD_MARGIN = -3.5
_CAPITALISED_NAMES = frozenset({"nl", "en", "fr", "de"})
# Words after which a name is mostly a place ("in Ulster", "naar Koerland").
_LOCATIVE = frozenset("in naar uit te nabij bij near at from to into à au aux en vers".split())


def _lower_or_possessive(words: list[str], k: int, b: int) -> bool:
    """Whether token k (of a sentence ending before b) is a word in lower case or a possessive written
    apart ("Yeltsin 's aides", as wire copy is tokenized)."""
    w = words[k]
    return (w.isalpha() and w.islower()) or (w in ("'", "’") and k + 1 < b and words[k + 1] == "s") \
        or (w == "," and k + 1 < b and words[k + 1].isalpha() and words[k + 1].islower())


def _name_like(word: str, lang: str, person: Callable[[str], bool]) -> bool:
    """A capitalised word in lower case after its capital, no frequent word, month, weekday or title.
    person: whether a folded word names a hand-checked person of the knowledge base."""
    if not (len(word) > 2 and word[0].isupper() and word[1:].islower() and word.isalpha()):
        return False
    z = zipf(word.lower(), lang)
    # wordfreq knows names of the web; an unknown form is more often a misspelling or an OCR error
    if not (0 < z < 3.5 and not rules.is_calendar(word) and not rules.is_title(word)):
        return False
    # German capitalises every noun: there only a word the name lexicon knows as a person's name counts,
    # or the surname of a person the knowledge base has by hand ("Blatter und Beckenbauer")
    return lang != "de" or any(c in "fs" for c in lexicon.flags(word)) or person(fold(word))


# Verbs of speech, and of a result, right after a sentence's first word: that word is who speaks or who won
# ("Stepanovic sagte", "Museeuw zei", "Museeuw won de Ronde"; not "werd": "Assyrië werd een staat").
_SPEECH_VERBS = frozenset(
    """said says told added sagte sagt erklärte erklärt betonte betont meinte meint warnte kritisierte
    zei zegt verklaarde benadrukte reageerde déclare affirme estime explique
    won beat finished scored gewann siegte wint verloor eindigde klopte scoorde vindt meent""".split())


def _score_after(words: list[str], k: int, end: int) -> bool:
    """Whether a score follows within three words of k ("Aalesund wint met 7 - 2": a team won)."""
    return any(w[:1].isdigit() and ("-" in w or ":" in w or (k + i + 1 < end and words[k + i + 1] in ("-", ":")))
               for i, w in enumerate(words[k : min(end, k + 3)]))


def _speaker(word: str, lang: str) -> bool:
    """Whether a sentence's first word before a verb of speech is a name: capitalised letters, a surname or a rare
    word (mentions.surname_or_rare; "Experten", "Officials", "Beobachter" say things too), and in English no
    plural ("Eyewitnesses said": "said" takes any subject)."""
    if not _titled_word(word) or not mentions.surname_or_rare(word, lang):
        return False
    low = word.lower()
    return not (lang == "en" and low.endswith("s") and "s" not in lexicon.flags(word)
                and max(zipf(low[:-1], lang), zipf(low[:-2], lang)) >= _SINGULAR)


def _titled_word(word: str) -> bool:
    """A word of letters, a capital then lower case."""
    return word[0].isupper() and word[1:].islower() and word.isalpha()


_SINGULAR = 2.5  # wordfreq Zipf of a plural's singular ("eyewitness" 3.3) over which the plural is no name


def _inflected(word: str, lang: str) -> bool:
    """An English word with a verb's or an adverb's ending that no lexicon knows as a name: a sentence's
    first word in its own right ("Ousted president's messages"), not a surname ("Reed", "Ahmed" are known)."""
    return lang == "en" and word.endswith(("ed", "ing", "ly")) and not lexicon.flags(word)


def _on_boundaries(spans: list[Span], start: int, end: int) -> bool:
    k = bisect_left(spans, (start, -1))
    if k == len(spans) or spans[k][0] != start:
        return False
    while k < len(spans) and spans[k][1] < end:
        k += 1
    return k < len(spans) and spans[k][1] == end


_BRACKETS = frozenset("()")
# Words that open a sentence before a name and never a name themselves ("Volgens De Morgen", "Maar Nevland").
_OPENING_WORDS = frozenset(
    """Volgens Ook Maar Toen Want Dus Nadat Omdat Tijdens Zonder Dankzij Sinds Hoewel Terwijl Aldus Namens Laut Auch
    Aber Nachdem Während Trotz Wegen Seit Ohne Obwohl Zudem Dennoch Gemäß Für Gegen Beim Bei Durch Nach According Although Despite During
    Meanwhile However While""".split())
_EDGE_PUNCT = frozenset(",;:-–—/\"'“”„‘’«»!?")


_OPENS_TOKEN = frozenset(" \t\n(\"“„‘«[")  # a character after which a capital starts a token
_ENDS_TOKEN = frozenset(" \t\n,;:!?)\"”»]")  # a character before which a letter ends a token


def _clean_edges(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] begins and ends on token boundaries with a capital first and a letter
    last: then its first token is no lower-case word, bracket or punctuation, nor is its last (what
    _trim looks up the tokens for). Neither neighbour can join a token across the boundary: a
    blank, an opening bracket or quote before a capital; a blank or a closing mark after a letter
    (no number, word or dotted abbreviation goes on across those)."""
    return text[start].isupper() and text[end - 1].isalpha() and (start == 0 or text[start - 1] in _OPENS_TOKEN) \
        and (end == len(text) or text[end] in _ENDS_TOKEN or _possessive_at(text, end))


def _possessive_at(text: str, end: int) -> bool:
    """Whether an English possessive follows a name that ends at end ("Embiid's", "Celtics'"): the name's
    token runs on past it, and the rules after the model cut the possessive off."""
    if text[end] not in "'’":
        return False
    if end + 1 < len(text) and text[end + 1] == "s":
        return end + 2 == len(text) or not text[end + 2].isalnum()
    return text[end - 1] == "s" and (end + 1 == len(text) or not text[end + 1].isalnum())


def _split_at_verbs(words: list[str], runs: list[tuple[int, int, str]], crf: LinearCRF,
                    sents: list[tuple[int, int]], person: Callable[[str], bool]) -> list[tuple[int, int, str]]:
    """English: a model run (token indices) across one of rules.REPORT_VERBS is the names on either side of
    it, each typed by the model's emission scores in its sentence (crf.name_type; a run of several
    words by its first), or a person where one word names a hand-checked person of the knowledge base
    (person: of a folded word; "Clinton said"). Other lower-case words stay: names of teams, works and
    bodies have them ("Dundee United", "Gone with the Wind")."""
    out: list[tuple[int, int, str]] = []
    for a, b, typ in runs:
        cut = [k for k in range(a + 1, b - 1) if words[k] in rules.REPORT_VERBS]
        if not cut:
            out.append((a, b, typ))
            continue
        s = bisect_right(sents, (a, len(words))) - 1
        lo, hi = sents[s] if s >= 0 else (0, len(words))
        for x, y in zip([a, *(k + 1 for k in cut)], [*cut, b]):
            if x < y:
                out.append((x, y, "PER" if y == x + 1 and person(fold(words[x])) else crf.name_type(words, x, lo, hi)))
    return out


def _without_verbs(text: str, f: Found, lang: str) -> Found:
    """Dutch and English: a person's span the model ran on into the words after the name ends before them ("[Dirk
    Frimout] vloog als eerste"): a last word in lower case that is a frequent word of the language and no particle.
    Not in German, whose OCR'd and older texts split names ("Donizet ti", "Ernst v . Wildenbruch")."""
    if f.type != "PER" or (lang != "nl" and lang != "en"):
        return f
    while (sp := text.rfind(" ", f.start, f.end)) > f.start and (w := text[sp + 1 : f.end]).islower() and w.isalpha() \
            and len(w) >= 3 and w not in rules.PARTICLES and zipf(w, lang) >= 3.5:
        f = Found(f.start, sp, f.type)
    return f


def _trim(text: str, spans: list[Span], f: Found) -> list[Found]:
    """Names do not start with a lower-case word ("gebied van Energie"), nor start or end with a comma
    or a stray bracket: trim those tokens off a model span (none left: drop it). A lower-case last word
    stays ("Neotropisch gebied", "Engelse nationale elftal"): trimming it cost more than it won on the dev sets."""
    if _clean_edges(text, f.start, f.end) and ((sp := text.find(" ", f.start, f.end)) < 0 or text[f.start : sp] not in _OPENING_WORDS):
        return [f]  # the usual case, read off the characters at f's edges
    if f.type == "MISC" and text[f.start].islower() and rules.german_nationality(text[f.start : f.end]):
        return [f]  # "die tunesischen Behörden": an adjective is how German writes this MISC
    first = bisect_left(spans, (f.start, -1))
    toks = spans[first : bisect_right(spans, f.end, lo=first, key=_end)]  # the tokens inside f
    if toks:  # the usual case: nothing at either edge to trim (what junk() below would find)
        head, tail = text[toks[0][0] : toks[0][1]], text[toks[-1][0] : toks[-1][1]]
        if not (head in _EDGE_PUNCT or head in _BRACKETS or head.islower() or head in _OPENING_WORDS
                or tail in _EDGE_PUNCT or tail in _BRACKETS):
            return [f]
    lo, hi = 0, len(toks)

    def junk(i: int, tail: bool) -> bool:
        w = text[toks[i][0] : toks[i][1]]
        if w in _EDGE_PUNCT or (not tail and w in _OPENING_WORDS and i + 1 < hi):
            return True
        if w.islower() and w not in rules.AGENCIES:  # "dpa" is a name
            return not tail
        inside = text[toks[lo][0] : toks[hi - 1][1]]
        if tail:  # an opening bracket, or a closing one without its opener
            return w == "(" or (w == ")" and "(" not in inside)
        return w == ")" or (w == "(" and ")" not in inside)

    while lo < hi and junk(hi - 1, True):
        hi -= 1
    while lo < hi and junk(lo, False):
        lo += 1
    if lo == hi:
        return []
    if (lo, hi) == (0, len(toks)):
        return [f]
    return [Found(toks[lo][0], toks[hi - 1][1], f.type)]
