"""Entity linking: the model's spans get KB ids when context makes the entity clear; confident KB names
the model missed are added; a bare surname takes the id of the full name seen in the same text.

link(text, lang, spans) is pure over the built KB (kb/kb.tsv.gz, loaded once). Precision first: an
ambiguous name without context gets no id rather than a wrong one. How a candidate is chosen:
1. its alias must be usable in the article's language (curated, a label in that language or English,
   or, for a span the model tagged with the entity's type, any name the KB has);
2. its type must fit the span's: PER only with PER; ORG/LOC cross only for countries, regions,
   curated organisations and companies by a name no other entity has ("Russland" as an actor, "EU"
   tagged LOC);
3. neighbouring words veto: an organisation word (FC, Records, AG) next to a place name; a person cue
   (Herr, Mr, "32-jährige") before a place or organisation name; a language name after a language cue
   ("cursus Nederlands", "auf Deutsch"); a definite article before a small town's name ("langs de Waal":
   the river, not the town);
4. a small town or a subdivision of another country than the language's home needs its country named
   in the article (a subdivision's exonym in the article's language does not: "Sizilien"; a Belgian town
   in Dutch does not: _NEAR_HOME);
5. a party name that parties of several countries use ("Conservative Party", "Parti socialiste") links
   only when the article mentions the party's country (or it is the language's home country);
6. a politician's common full name ("Michael Johnson") links only in an article that uses a word of
   politics (en, de, nl, fr: _POLITICS);
7. a US state or its postal code written right after the name ("Augusta, Georgia", "Wilmington, DE") keeps
   only the namesake of that state;
8. among the rest, prior (countries and capitals over small towns) plus a bonus when the entity's
   country is mentioned in the article by another name; the best must lead the next by a margin, else no id.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

import wordfreq

from services.processor.entities.kb.store import (CURATED, GENERIC, KB, LANG_BITS, LOCAL, OTHER, VARIANT, WEAK, Candidate, Entity, Hit,
                                                   join_key, load)
from services.processor.entities.ner.peoples import people_word
from services.processor.entities.ner.text import fold, fold_key
from services.processor.entities.ner.titles import titles_a_name


class Found(NamedTuple):
    """A mention: text[start:end], its type (PER/ORG/LOC/MISC) and, when linked, its id and name.
    A named tuple: built ~150 times an article, at a third of a frozen dataclass's cost."""

    start: int
    end: int
    type: str
    entity_id: str | None = None
    name: str | None = None


# Words next to a place name that make the mention an organisation (a club, a label, a company).
ORG_CUES = frozenset(
    "fc sc sv ac as cf cd afc bk fk sk vfb vfl tsv tsg bsc ssv rb 1 club klub records ag gmbh inc ltd llc plc bv nv sa se "
    "kg co corp corporation company university universiteit universitat hochschule college united city airlines "
    "airport flughafen capitals hotel bank".split()
)
# After a name, "1" is a number's first piece ("Dresden 1.000 Arbeitsplätze"), not a club's ("1. FC Köln").
_ORG_CUES_AFTER = ORG_CUES - {"1"}
# Cues that are also function words ("as Australia beat", "Paris se réveille", "Lyon sa ville"): cues only in capitals
# ("AS Roma", "Airbus SE", "Renault SA").
_CAPITALS_ONLY_CUES = frozenset({"as", "se", "sa"})
# Words after an organisation's name that make the mention a venue named after it ("SAP Arena"): no id.
_VENUE_AFTER = frozenset("arena stadion stadium dome halle hall".split())
# Legal forms after a company's name (folded): "Volkswagen AG" names what "Volkswagen" names, if an ORG.
_LEGAL_FORMS = frozenset("ag se nv plc inc corp sa spa asa ab oyj kgaa gmbh ltd llc".split())
# Definite articles: a place name after one is a river, a region or a landscape, not a small town.
_ARTICLES = {"nl": frozenset({"de", "het"}), "de": frozenset({"der", "die", "den", "dem", "des"}),
             "en": frozenset({"the"}), "fr": frozenset({"le", "la", "les"})}
# A place named as a team: in a league table "Köln (5 Pkt)", a result "Leeds 2 Everton 1", a live
# report "73' Lyon".
POINTS = "pkt|pkte|punkte|pts?|points|ptn|punten"  # a team's points in a table, as languages write them
_STANDINGS = re.compile(rf"\s*\(\s*\d+\s*(?:{POINTS})\b", re.IGNORECASE)
_SCORE_AFTER = re.compile(r"\s+\d{1,2}\s+([^\W\d_][\w.-]*)(?:\s+[^\W\d_][\w.-]*)?\s+\d{1,2}(?!\w)")
_SCORE_BEFORE = re.compile(r"([^\W\d_][\w.-]*)\s+\d{1,2}\s+$")
_MINUTE = re.compile(r"(?<!\w)\d{1,3}(?:\+\d{1,2})?['’]\s+$")
_TABLE_ROW = re.compile(r"(?:[ \t]+\d{1,3}){4,}[ \t]*(?:\n|\Z)")  # a league table's row: "HARTFORD 12 8 4 83 70 28"
# What a team pattern needs next to the name across blanks (\s and \d are str.isspace and
# str.isdecimal): a bracket or a digit after it, a digit or a quote (what ends a minute) before it.
_CUE_AFTER = re.compile(r"\s*[(\d]")
_CUE_BEFORE = re.compile(r"[\d'’]\s+\Z")
# Nations without a state of their own that field national teams: England, Scotland, Wales, Northern Ireland, the
# West Indies (cricket).
_TEAM_NATIONS = frozenset({"Q21", "Q22", "Q25", "Q26", "newsflow:west-indies"})
# Words just before a name that make it a person.
PERSON_CUES = frozenset(
    "herr herrn frau mr mrs ms miss dr prof sir lord lady mevrouw meneer dhr mevr monsieur madame mme mlle "
    "trainer coach kapitan kapitein stürmer sturmer spieler speler".split()
)
_PERSON_ENDS = ("jahrige", "jahrigen", "jahrigem", "jahriger", "jarige", "year-old")  # the folded word before: 32-jährige
_HEIGHT = re.compile(r"\d-foot(?:-\d{1,2})?$")  # "the 7-foot-3 Kristaps Porzingis", "6-foot"
# Words before a language name that make it the language ("cursus Nederlands", "auf Deutsch").
LANG_CUES = frozenset("in im auf op het cursus les lessen spreekt spreken spricht sprechen speak speaks spoken en taal".split())
# Name particles allowed lower case inside a name (Ronde van Frankrijk, Bank of England).
_PARTICLES = frozenset("van von de der den het ten ter du des la le di da dos del della of the zu zum zur am im an y al bin ibn".split())
# A preposition that goes on with a body's name ("Hoge Raad voor de Justitie", "Institut für Weltwirtschaft").
_BODY_GOES_ON = re.compile(r"[ \t]+(?:voor|für|for|pour)(?:[ \t]+(?:de|het|der|die|das|den|the|la|le|les))?[ \t]+[A-ZÀ-ÝÄÖÜ]")
# Prepositions that join the parts of one body's name ("Hoge Raad voor de Justitie", "Bundesamt für Justiz").
_NAME_LINKS = frozenset("voor für for pour".split())
_NAME_LINK = re.compile(r"(?:voor|für|for|pour) ")
# The country an article of a language is most likely about when it names none (a weak bonus).
HOME = {"nl": "Q55", "de": "Q183", "fr": "Q142", "es": "Q29", "it": "Q38", "pl": "Q36", "ru": "Q159", "pt": "Q45"}
# Another country whose news is written in the language: its towns need no country named either (Flemish news in
# Dutch names Aalst, Genk, Roeselare alone), but get no home bonus over a namesake at home.
_NEAR_HOME = {"nl": "Q31"}
# Entity classes whose type wins over the span's when they link across ORG/LOC.
_CROSS = frozenset({"country", "region", "curated", "company"})
_LABEL_BITS = sum(LANG_BITS.values())
_MARGIN = 15  # prior points the best candidate must lead the next by
_COMMON_PRIOR = 40  # below this prior a sentence-initial one-word name that is a common word does not link
_WELL_KNOWN = 35  # countries, regions, curated entities and larger cities
_TOWN_PRIOR = 15  # a GeoNames city under 100,000 inhabitants (prior 5·log10(population) − 10)
_SMALL_TOWN_PRIOR = 10  # and one under 15,849
_SUBDIVISION = "iso3166-2:"  # an ISO 3166-2 subdivision's id (kb/build.add_subdivisions)
_FREQUENT = 4.5  # wordfreq Zipf: a word this frequent in a language is no small town's name there (town_or_city)
_MODEL_LANGS = frozenset({"en", "de", "nl", "fr"})  # the languages the tagger has models for (ner/tagger.LANGUAGES)
_ADD_PRIOR = 60  # least prior of a single-word name added where the model tagged nothing
_ADD_PRIOR_MULTI = 40  # same, for a name of two or more words
# A word for a region right before a name: the region, not its capital ("le canton de Berne", "Provinz Limburg",
# "the state of New York").
_REGION_BEFORE = re.compile(r"(?<![^\W\d_])(?:canton|kantons?|province|provincie|provinz|région|region|departements?"
                            r"|département|bundesland(?:e?s)?|county|oblast|state[ \t]+of)[ \t]+"
                            r"(?:(?:de|du|des|of|van|von|der)[ \t]+|d['’])?\Z",
                            re.IGNORECASE)
# State offices right after a name that is a city's and its state's: "the New York Attorney General's office".
_REGION_AFTER = re.compile(r"[ \t]+(?:State|state|Attorney[ \t]+General|Governor|governor|Legislature|Generalstaatsanwalt"
                           r"|Gouverneur|gouverneur)(?![^\W\d_])")
# A single letter and a hyphen between blanks right before a name: "S - Bahn", "U - Bahn" as tokenized text writes them.
_LETTER_COMPOUND = re.compile(r"(?<![^\W\d_])[A-Za-zÄÖÜ] - \Z")
# A capitalised word and a hyphen between blanks right before a name: a compound as tokenized text writes it.
_SPACED_COMPOUND = re.compile(r"[A-ZÄÖÜ][^\W\d_]+ - \Z")
# The countries whose politicians a language's news names by surname alone after their office.
_TITLE_COUNTRIES = {"de": frozenset({"Q183", "Q40", "Q39"}), "nl": frozenset({"Q55", "Q31"}),
                    "fr": frozenset({"Q142", "Q31", "Q39"}), "en": frozenset({"Q145", "Q30", "Q27"})}
# Offices a politician holds, as titles end in them ("Bundesarbeitsminister", "Prime Minister", "premier").
_POLITICAL_TITLES = ("minister", "ministerin", "kanzler", "kanzlerin", "premier", "president", "präsident", "präsidentin",
                     "senator", "staatssekretär", "staatssekretaris", "secretary", "chancellor", "ministre", "président",
                     "premierminister", "regierungschef", "kamerlid", "parlementslid", "abgeordnete", "abgeordneter",
                     "ministerpräsident", "ministerpräsidentin", "bürgermeister", "burgemeester", "congressman",
                     "congresswoman", "governor", "gouverneur", "fraktionschef", "parteichef", "partijvoorzitter")
_GLUE = frozenset("-‐'’\xad")  # what joins a name to a following word (_on_boundary)
_ACRONYM = re.compile(r"[A-ZÄÖÜ]{2,5}")
_COMPOUND_NOUN = re.compile(r"[-‐][A-ZÄÖÜ]?[a-zäöüß]{2,}")  # "-Chef", "-Vorgaben", "-bemanningen"
_STATIC_MAX = 100_000  # cached (key, type, language) choices of resolve
# (entity, score before context, common-word check, geonames checks, veto index, country, home bonus,
# country needed, politics needed): see Linker._static_choices
_Choice = tuple[Entity, int, bool, int, int, str, int, bool, bool]
# (cands, choices, whether one can be added, the only choice's veto index when no other check applies
# to it, else None): see Linker._static_choices
_Choices = tuple[tuple[Candidate, ...], tuple[_Choice, ...], bool, int | None]
# A politician's full name this common (wordfreq Zipf of the given name plus the surname's: "Michael
# Johnson" 9.6, "Stephen Smith" 8.3, "Richard Allan" 7.6; "George Eustice" 6.7) names many other people.
_COMMON_NAME = 7.5
# Words of politics, one of which an article in one of _POLITICS_LANGS must use for a common name to be
# the politician's (in another language a name is linked as before): any word with "politi" in it
# (political, Politik, politiek, politique), or one of _POLITICS, matched in the lower-cased text (a
# case-sensitive search is ~5 times faster than re.IGNORECASE).
_POLITICS_LANGS = frozenset({"en", "de", "nl", "fr"})
_POLITICS = re.compile(
    r"\b(?:ministers?|ministry|governments?|mps?|senators?|sen\.|rep\.|congress(?:man|woman)?"
    r"|lawmakers?|parliament\w*|elections?|voters?|cabinet|governor|chancellor|constituency|legislat\w+"
    r"|democrats?|republicans?|labour|tory|tories|conservatives?|opposition|coalition|councillors?"
    r"|minister\w*|abgeordnet\w*|bundestag\w*|landtag\w*|parlament\w*|partei\w*|fraktion\w*|wahl\w*|wähler\w*"
    r"|regierung\w*|koalition\w*|kanzler\w*|senator\w*|staatssekretär\w*|bundeskanzler\w*|bundesregierung\w*"
    r"|landesregierung\w*|bundesminister\w*"
    r"|kamerle\w*|kamerlid|parlement\w*|partij\w*|fractie\w*|verkiezing\w*|kiezers?|regering\w*"
    r"|kabinet\w*|coalitie\w*|oppositie|wethouder\w*|premier(?![ \t]+league)|staatssecretaris\w*|burgemeester\w*"
    r"|ministre\w*|député\w*|sénat\w*|assemblée|parti|partis|élections?|électeurs?|gouvernement\w*)\b"
)
_WORD = re.compile(r"[^\W_]+(?:[-‐'’][^\W_]+)*")
_NEXT_WORD = re.compile(r"[ \t-]*(" + _WORD.pattern + ")")  # blanks and hyphens, then a _WORD
_CAPITAL_BEFORE = re.compile(r"([^\W\d_][^\W_]*)([ \t]+)$")  # a word, then blanks up to the name
_CAPITAL_AFTER = re.compile(r"[ \t]+([^\W\d_][^\W_]*)")
_QUALIFIER = re.compile(r"[ \t]*[,(][ \t]*([^\W\d_][^\W_]*)(?:[ \t]+([^\W\d_][^\W_]*))?")  # _Context.qualifier


# US postal codes of the states (and DC), to their folded names as the KB's regions write them.
_US_STATE_CODES = dict(pair.replace("_", " ").split(":") for pair in (
    "AL:alabama AK:alaska AZ:arizona AR:arkansas CA:california CO:colorado CT:connecticut DE:delaware "
    "FL:florida GA:georgia HI:hawaii ID:idaho IL:illinois IN:indiana IA:iowa KS:kansas KY:kentucky LA:louisiana "
    "ME:maine MD:maryland MA:massachusetts MI:michigan MN:minnesota MS:mississippi MO:missouri MT:montana "
    "NE:nebraska NV:nevada NH:new_hampshire NJ:new_jersey NM:new_mexico NY:new_york NC:north_carolina "
    "ND:north_dakota OH:ohio OK:oklahoma OR:oregon PA:pennsylvania RI:rhode_island SC:south_carolina "
    "SD:south_dakota TN:tennessee TX:texas UT:utah VT:vermont VA:virginia WA:washington WV:west_virginia "
    "WI:wisconsin WY:wyoming DC:district_of_columbia").split())
_START, _END = itemgetter(0), itemgetter(1)  # a Found's or a Hit's offsets


class _Surface(NamedTuple):
    """What link reads from a span's text alone (Linker._surface)."""

    key: str  # join_key(fold_key(text))
    named: tuple[Candidate, ...]  # the KB's candidates of key
    country: bool  # one of them is a country
    misc_place: bool  # a country's name that is no language name or people: a place, not MISC
    short: bool  # _short_lower: three letters or fewer, not in capitals
    short_places: tuple[Candidate, ...]  # the well-known places and large cities among named (what a short name may be)
    short_curated: tuple[Candidate, ...]  # written in lower case and named so by a hand-checked alias ("dpa", "taz")
    fallback: tuple[str, tuple[Candidate, ...]]  # key and candidates without a possessive or legal form


class Linker:
    def __init__(self, kb: KB) -> None:
        self.kb = kb
        self._static: dict[tuple[str, str | None, str], _Choices] = {}
        self._countries: dict[str, tuple[str, ...]] = {}  # key -> the countries it names (or names a place of)
        self._surfaces: dict[str, _Surface] = {}  # a span's text -> what link reads from it alone
        self._by_surname: dict[str, list[Entity]] | None = None  # politicians by surname (titled_surnames), built on first use
        self._teams: dict[str, dict[str, Entity]] | None = None  # _city_teams, read on first use

    def _surface(self, surface: str) -> _Surface:
        """What link decides from a span's text alone, computed once per surface (bounded)."""
        key = join_key(fold_key(surface))
        named = self.kb.lookup(key)
        country = any(_country(c.entity) for c in named)
        fb_key, fb = key, ()
        if fb_key.endswith(" s"):  # Trump's
            fb_key = fb_key[:-2]
            fb = self.kb.lookup(fb_key)
        if not fb and fb_key.rpartition(" ")[2] in _LEGAL_FORMS:  # "Volkswagen AG": the company named without it
            fb_key, _, form = fb_key.rpartition(" ")
            fb = tuple(c for c in self.kb.lookup(fb_key) if c.entity.type == "ORG" and _same_form(c.entity.name, form))
        got = _Surface(
            key, named, country, country and key not in self.kb.langnames and not people_word(surface),
            len(key) <= 3 and not _capitals(surface),  # _short_lower
            # a GeoNames city has a short name only where the KB build found it no word (kb/build._short_town)
            tuple(c for c in named if c.entity.type == "LOC" and (c.entity.prior >= _WELL_KNOWN or c.entity.cls == "city:geonames")),
            tuple(c for c in named if c.flags & CURATED and not c.flags & WEAK) if surface.islower() else (), (fb_key, fb),
        )
        if len(self._surfaces) >= _STATIC_MAX:  # bounded: a stream sees an open vocabulary
            self._surfaces.clear()
        self._surfaces[surface] = got
        return got

    def is_country(self, key: str) -> bool:
        """Whether folded key names a country, or one of the UK's nations (they field national teams)."""
        return any(_country(c.entity) for c in self.kb.lookup(key))

    def country(self, key: str) -> Entity | None:
        """The country (or the UK's nation) folded key names, if it names one and only one."""
        got = [c.entity for c in self.kb.lookup(key) if _country(c.entity)]
        return got[0] if len(got) == 1 else None

    def names(self, key: str) -> bool:
        """Whether folded key is a name of any entity of the knowledge base."""
        return bool(self.kb.lookup(key))

    def is_org(self, key: str) -> bool:
        """Whether folded key names an organisation of the knowledge base (by a weak name too)."""
        return any(c.entity.type == "ORG" for c in self.kb.lookup(key))

    def town_or_city(self, key: str) -> bool:
        """Whether folded key names a city (city()), or a smaller place of the KB by a name that is not weak, no
        person's and no frequent word of the languages the tagger reads ("Riedlingen", "Genk"; not "Montag", "Hof").
        The bound is above common_word's: a town's name is frequent in its own language."""
        return self.city(key) or (self._place(key, 0, weak=False) and not any(zipf(key, lang) >= _FREQUENT for lang in _MODEL_LANGS))

    def organisation_not_person(self, key: str) -> bool:
        """Whether folded key is a hand-checked organisation's name that is not weak, or a listed company's name of
        several words (weak too: "Goldman Sachs"), and names no person."""
        cands = self.kb.lookup(key)
        return any(c.entity.type == "ORG" and ((c.flags & CURATED and not c.flags & WEAK) or (c.entity.cls == "company" and " " in key))
                   for c in cands) and not any(c.entity.type == "PER" for c in cands)

    def curated_person(self, key: str) -> bool:
        """Whether folded key names a person of the hand-checked tables, alone ("~Beckenbauer") or in full."""
        return any(c.entity.type == "PER" and c.flags & CURATED for c in self.kb.lookup(key))

    def titled_surnames(self, text: str, lang: str, found: list[Found]) -> list[Found]:
        """found with an id for each unlinked one-word person right after a political office's title whom the KB
        has as the one politician of the language's countries (or hand-checked person) with that surname
        ("Außenminister Kinkel", "Prime Minister Major", "premier Kok"): news names a minister by the surname
        alone. Not after "Mr" or a sports role, and not where two share the surname ("Minister Fischer")."""
        countries = _TITLE_COUNTRIES.get(lang)
        if countries is None:
            return found
        out = found
        for i, f in enumerate(found):
            if f.type != "PER" or f.entity_id is not None or not (name := text[f.start : f.end]).isalpha() \
                    or not text.endswith((" ", "\t"), 0, f.start) or not _political_title(_word_before(text, f.start)):
                continue
            got = [e for e in self._politicians().get(fold(name), ())
                   if e.country in countries or (e.cls == "curated" and not e.country)]  # a hand-checked person has none
            if len(got) == 1:
                out = list(found) if out is found else out
                out[i] = Found(f.start, f.end, "PER", got[0].id, got[0].name)
        return out

    def surname(self, key: str) -> bool:
        """Whether folded key is the surname (last word) of a politician or a hand-checked person of the KB."""
        return key in self._politicians()

    def _politicians(self) -> dict[str, list[Entity]]:
        """The KB's politicians by their folded surname (the last word of their name), built on first use."""
        if self._by_surname is None:
            index: dict[str, list[Entity]] = {}
            for e in self.kb.entities():
                if e.type == "PER" and e.cls in ("politician", "curated") and " " in e.name:
                    index.setdefault(fold(e.name.rpartition(" ")[2]), []).append(e)
            self._by_surname = index
        return self._by_surname

    def curated_person_only(self, key: str) -> bool:
        """Whether folded key names a person of the hand-checked tables and no other entity of the KB."""
        cands = self.kb.lookup(key)
        return bool(cands) and all(c.entity.type == "PER" for c in cands) and any(c.flags & CURATED for c in cands)

    def well_known(self, key: str) -> bool:
        """Whether folded key names a country, a region, a curated entity or a larger city."""
        return any(c.entity.prior >= _WELL_KNOWN for c in self.kb.lookup(key))

    def well_known_place(self, key: str) -> bool:
        """Whether folded key names a country, a region or a larger city, and no person of the KB."""
        return self._place(key, _WELL_KNOWN, weak=True)

    def city(self, key: str) -> bool:
        """Whether folded key names a city of 100,000 or more, a region or a country by a name that is not
        weak, and no person of the KB."""
        return self._place(key, _TOWN_PRIOR, weak=False)

    def _place(self, key: str, least: int, weak: bool) -> bool:
        """Whether folded key names a place of prior least or more (by a weak name too: weak), and no person."""
        cands = self.kb.lookup(key)
        return any(c.entity.type == "LOC" and c.entity.prior >= least and (weak or not c.flags & WEAK) for c in cands) \
            and not any(c.entity.type == "PER" for c in cands)

    def link(self, text: str, lang: str, spans: list[Found], pieces: list[tuple[int, int, str]] | None = None) -> list[Found]:
        """Link spans (sorted, non-overlapping model mentions) and add confident KB names; the result is
        sorted and non-overlapping, and keeps every span's offsets (a span may give way to the longer or
        cleaner KB names inside it). pieces: text.capital_pieces(text), when the caller has it."""
        # Without "@" or a soft hyphen in the text, a name ends on a word boundary unless a hyphen or
        # an apostrophe follows it (what _on_boundary reads then): one look at the next character.
        plain = "@" not in text and "\xad" not in text
        hits = [h for h in self.kb.scan(text, pieces)
                if ((plain and text[h.end : h.end + 1] not in _GLUE) or _on_boundary(text, h))
                and (len(h.key) > 3 or not _short_lower(text, h.start, h.end, h.key))]
        ctx = _Context(text, lang, self._doc_countries(hits, lang))
        out: list[Found] = []
        starts = list(map(_START, hits))
        surfaces, surface_of = self._surfaces, self._surface
        for f in spans:
            start, end, typ = f[0], f[1], f[2]
            surface = text[start:end]
            info = surfaces.get(surface)
            if info is None:
                info = surface_of(surface)
            if (typ == "LOC" or typ == "ORG") and _aged_or_tall(ctx.prev_word(start)):
                typ = "PER"  # "der 32-jährige Holland", "the 7-foot-3 Kristaps Porzingis": an age or a height says person
            elif (typ == "MISC" and info.misc_place) or (typ == "ORG" and info.country):
                typ = "LOC"  # "Doha (Katar)" read as MISC, "beaten 54-21 by England" as ORG: a country's name is a place (CoNLL)
            if typ == "LOC" and not info.country and ctx.team(start, end):
                typ = "ORG"  # "Köln (5 Pkt)", "Leeds 2 Everton 1": a club; a country's team stays a place
            if typ != f[2]:
                f = Found(start, end, typ)
            ent = self._span_entity(text, f, info, ctx, spans, plain)
            if ent is not None:
                out.append(Found(start, end, _out_type(typ, ent), ent.id, ent.name))
                continue
            inner = []
            for k in range(bisect_left(starts, start), len(hits)):
                if hits[k].start >= end:
                    break
                if hits[k].end <= end:
                    inner.append(hits[k])
            if inner and self._gives_way(text, f, inner, ctx):
                continue  # the KB names inside are added below
            out.append(f)
        out = self._add(text, out, hits, ctx)
        return _coref(text, lang, out, ctx.vetoed)

    def retyped_ids(self, text: str, lang: str, found: list[Found]) -> list[Found]:
        """found with an id for each unlinked organisation or person the KB names as one: a span a rule
        retyped after linking. A town's name the model read as a place that a team rule made a club
        ("Liverpool beat Chelsea 2-1" is Liverpool F.C.), a surname before set scores made a player
        ("Agassi 6-3 6-4"). Only entities of the span's type are candidates, so the town never returns."""
        ctx: _Context | None = None
        plain = "@" not in text and "\xad" not in text
        out = found
        leagues: list[tuple[int, str]] | None = None  # _league_cues(text), read for the first unlinked club
        for i, f in enumerate(found):
            if (f.type != "ORG" and f.type != "PER") or f.entity_id is not None:
                continue
            info = self._surfaces.get(text[f.start : f.end]) or self._surface(text[f.start : f.end])
            ent = None
            if info.named or info.fallback[1]:  # else the usual case: a name the KB does not have
                if ctx is None:
                    ctx = _Context(text, lang, {})
                ent = self._span_entity(text, f, info, ctx, found, plain, same_type=True)
            if ent is None and f.type == "ORG" and (teams := self._city_teams().get(info.key)) is not None:
                if leagues is None:
                    leagues = _league_cues(text)
                ent = teams.get(_league_at(leagues, f.start)) if leagues else None
            if ent is not None:
                if out is found:
                    out = list(found)
                out[i] = Found(f.start, f.end, f.type, ent.id, ent.name)
        return out

    def _city_teams(self) -> dict[str, dict[str, Entity]]:
        """The North American leagues' teams by the folded name of their city (kb/teams.tsv): key -> league ->
        team, a city with two teams in a league left out. Read on first use."""
        if self._teams is None:
            by_id = {e.id: e for e in self.kb.entities_with_prefix("newsflow:club-")}
            teams: dict[str, dict[str, Entity]] = {}
            for line in _TEAMS_PATH.read_text(encoding="utf-8").split("\n"):
                if line and not line.startswith("#"):
                    league, eid, names = line.split("\t")
                    for name in names.split("|"):
                        teams.setdefault(join_key(fold_key(name)), {})[league] = by_id[eid]
            self._teams = teams
        return self._teams

    def _span_entity(self, text: str, f: Found, info: _Surface, ctx: _Context, spans: list[Found], plain: bool,
                     same_type: bool = False) -> Entity | None:
        """The entity the span f (of its final type; info: self._surface of its text) names, or None, read as
        link() reads every span: no name glued to more, a short name only as said below, the name without its
        possessive or legal form when the whole is none; nothing the words around it rule out
        (_out_of_place: a small town of a tokenized compound among them); no weak name that is the surname
        of a person the article names in full. spans: the article's mentions (whose persons' surnames count); same_type: only
        entities of f's type are candidates (a retyped span)."""
        key, cands = info.key, info.named
        if cands and not ((plain and text[f.end : f.end + 1] not in _GLUE) or _on_boundary(text, f)) \
                and not (_ACRONYM.fullmatch(text, f.start, f.end) and _COMPOUND_NOUN.match(text, f.end)):
            cands = ()  # an acronym the model read before a compound's noun is named though ("[CDU]-Chef")
        if cands and info.short:
            # A short name the model read as a place counts when it is a well-known one ("Rom"), one
            # in lower case read as an organisation when a hand-checked name says so ("dpa", not "Who").
            cands = info.short_places if f.type == "LOC" else info.short_curated if f.type == "ORG" else ()
        if not cands:  # "Trump's", "Volkswagen AG": the name without its possessive or legal form
            key, cands = info.fallback
        if same_type:
            cands = tuple(c for c in cands if c.entity.type == f.type)
        ent = self.resolve(cands, key, f, ctx) if cands else None
        if ent is None:
            return None
        if self._out_of_place(ent, f.start, f.end, ctx):
            ctx.vetoed.add(f.start)  # nor does _coref give it the id of a namesake mention
            return None
        if key in ctx.surnames(spans) and _weak_only(cands, ent):
            # the surname of a person the article names in full is that person's (_coref gives it their id
            # if they have one): "Bloomberg" by Michael R. Bloomberg is not the company, "Tobback" by Bruno
            # Tobback not his father Louis
            return None
        return ent

    def resolve(self, cands: tuple[Candidate, ...], key: str, f: Found | None, ctx: _Context) -> Entity | None:
        """The entity a mention (model span f, or None for a KB name the model missed) names, or None.
        cands: self.kb.lookup(key) (or empty)."""
        if not cands:
            return None
        stype = f.type if f is not None else None
        start, end = (f.start, f.end) if f is not None else ctx.span
        got = self._choices(cands, key, stype, ctx.lang)
        sole = got[3]
        if sole is not None:  # one candidate and at most the words around it to check: its score does not matter
            if sole >= 0:
                prev = ctx.prev_word(start)
                if prev in PERSON_CUES or prev.endswith(_PERSON_ENDS) or (sole == 0 and (
                        self._place_veto(key, start, end, prev, ctx)
                        or (not _country(got[1][0][0]) and ctx.team(start, end)))):
                    return None  # _person_cue, or a place vetoed by the words around it or a team's context
                if sole == 0 and got[1][0][0].cls.startswith("city:") and ctx.region_cue(start, end):
                    return None  # "le canton de Berne" is not the city
            return got[1][0][0]
        if not got[1]:
            return None
        # The vetoes, read when a candidate needs them: a person cue vetoes places and organisations,
        # the other words around the name (_place_veto) places only.
        person: bool | None = None
        place: bool | None = None
        prev = ""  # ctx.prev_word(start), read with person
        scored: list[tuple[int, Entity]] = []
        blocking = None  # the best score of a foreign region held back below: it still makes a namesake unsure
        regions = self.kb.regions
        qualified = None  # the namesake cities whose US state is written right after the name ("Augusta, Georgia")
        if regions and any(c[0].id in regions for c in got[1]):
            after = ctx.qualifier(end)
            qualified = {c[0].id for c in got[1] if after and regions.get(c[0].id) in after} or None
        region: bool | None = None  # ctx.region_cue(start, end), read when a city is a candidate
        for e, score, common, geonames, vetoed_by, country, home_bonus, needs_country, needs_politics in got[1]:
            if e.cls.startswith("city:"):
                if region is None:
                    region = ctx.region_cue(start, end)
                if region:
                    continue  # "Provinz Limburg", "le canton de Berne": the region, not a city
            if qualified is not None:
                if e.id not in qualified:
                    continue
                geonames = 0  # the state says which country: no namesake elsewhere is likelier
            if needs_country and country not in ctx.countries:
                continue  # "Conservative Party" in an article about Britain is not Norway's
            if needs_politics and not ctx.political():
                continue  # "Michael Johnson" in a race report is the sprinter, not the politician
            if common and ctx.starts_sentence(start):
                continue  # a sentence-initial common word named like a small town ("Cela est lié")
            if geonames:
                if geonames != 3 and ctx.prev_word(start) in _ARTICLES.get(ctx.lang, ()):
                    continue  # "langs de Waal", "an der Elbe": a river or region takes an article, a town does not
                if geonames == 2 and e.country not in ctx.countries:
                    continue  # a town far from anything the article names is likelier a namesake ("Parys", "Monsanto")
                if geonames == 3 and ctx.countries.get(e.country, key) == key:
                    if blocking is None or score > blocking:
                        blocking = score
                    continue  # a foreign region whose country the article does not name ("Munster", Ireland)
            if vetoed_by >= 0:
                if person is None:
                    prev = ctx.prev_word(start)
                    person = _person_cue(prev)
                if person:
                    continue
                if vetoed_by == 0:
                    if place is None:
                        place = self._place_veto(key, start, end, prev, ctx)
                    if place or (not _country(e) and ctx.team(start, end)):  # a nation's team is the place
                        continue
            if country:
                named = ctx.countries.get(country)
                score += 30 if named is not None and named != key else home_bonus
            scored.append((score, e))
        if not scored:
            return None
        if len(scored) > 1:
            scored.sort(key=_neg_score)
            if scored[0][0] - scored[1][0] < _MARGIN and scored[0][1].id != scored[1][1].id:
                return None  # ambiguous without context: no id rather than a wrong one
        if blocking is not None and scored[0][0] - blocking < _MARGIN and scored[0][1].country != ctx.home:
            return None  # a home town is not held back by a foreign region ("Freiburg": not the canton)
        return scored[0][1]

    def _choices(self, cands: tuple[Candidate, ...], key: str, stype: str | None,
                 lang: str) -> _Choices:
        """_static_choices, from the cache while the KB's candidates of key are the same."""
        got = self._static.get((key, stype, lang))
        return got if got is not None and got[0] is cands else self._static_choices(cands, key, stype, lang)

    def _static_choices(self, cands: tuple[Candidate, ...], key: str, stype: str | None,
                        lang: str) -> _Choices:
        """The part of resolve that depends on the key, the span's type and the language only (the
        candidates that pass the name and type rules, with their scores before context), cached:
        (cands, choices, whether a choice has the prior to be added by key: _prior_adds, the veto index
        of the only choice when no other check applies to it, else None), each choice
        (entity, score, common-word check, geonames checks, veto index (0 place, 1 organisation, -1
        none), country for the bonus ("" none), home bonus, whether the country must be mentioned: a
        generic party name of another country than the language's; whether the article must be about
        politics: a politician's common full name, _common_name)."""
        bit = LANG_BITS.get(lang, OTHER)
        home, near = HOME.get(lang, ""), _NEAR_HOME.get(lang, "")
        out: list[_Choice] = []
        for c in _in_language(cands, bit):
            e, fl = c.entity, c.flags
            if stype is None:  # an addition: only names we are sure of, in this language
                if fl & WEAK or not (fl & (CURATED | bit | LANG_BITS["en"])):
                    continue
            elif not (fl & (CURATED | bit | LANG_BITS["en"])) and (e.type != stype or fl & VARIANT):
                continue  # another language's name: only for a span of the entity's own type
            if fl & WEAK and e.type != stype:
                continue
            # A hand-checked name of several words says what it names whatever the model read: "Robert
            # Koch-Institut" read as a person is the institute, "Le Soir" read as a title the paper, "the
            # White House said" read as an organisation the place (CoNLL: a place by its name, whatever it does;
            # not a region, whose name is its team's too: "New South Wales beat Victoria").
            if not _type_fits(stype, e) and not (fl & CURATED and e.cls == "curated" and " " in key and (
                    stype == "PER" or (stype == "MISC" and e.type == "ORG" and not fl & WEAK)
                    or (stype == "ORG" and e.type == "LOC" and not fl & WEAK and not e.id.startswith(_SUBDIVISION)))):
                continue
            # A frequent word opening a sentence is no name of a small place ("Cela est lié"); a city of
            # 100,000+ is frequent because it is named often ("Stuttgart Richtung Karlsruhe", a dateline).
            common = (e.prior < _COMMON_PRIOR and " " not in key and not (e.cls == "city:geonames" and e.prior >= _TOWN_PRIOR)
                      and common_word(key, lang))
            score = e.prior + (20 if fl & CURATED and not fl & WEAK else 0) + (10 if fl & bit else 0)
            if not fl & (CURATED | _LABEL_BITS):
                score -= 40  # only an alternative or local name ("Columbia" for Colombia)
            # A country gets the bonus of its own name written otherwise ("Guadalajara, Mexico" is the
            # country, not Mexico City), but no home bonus.
            country = e.country or ""
            vetoed_by = -1 if e.type == "PER" else 0 if e.type == "LOC" else 1
            # Geonames checks: 1 the article before the name, 2 that and a town far from the article's countries;
            # 3 a subdivision of another country than the language's home needs its country named ("Balkan"
            # in Turkmenistan, "Atlantique" in Benin, "Louth" in Ireland), unless the name is an exonym of
            # the article's language (Sizilien, Tessin: the bit alone, see kb/build.add_subdivisions) and
            # no everyday word ("Java"), or a hand-checked name news uses alone ("Katalonien", "Queensland").
            # No article check: "die Toskana", "le Tyrol".
            if e.cls == "city:geonames":
                geonames = 2 if e.prior < _TOWN_PRIOR and e.country != home and e.country != near else 1
            elif e.id.startswith(_SUBDIVISION) and e.country != home and not fl & CURATED:
                exonym = bit != OTHER and fl & (bit | OTHER) == bit and not _everyday(key)
                geonames = 0 if exonym else 3
            else:
                geonames = 0
            needs_country = bool(fl & GENERIC) and bool(country) and country != home
            needs_politics = (e.cls == "politician" and not fl & CURATED and lang in _POLITICS_LANGS
                              and _common_name(key, lang))
            home_bonus = 10 if country and country == home and country != e.id else 0
            out.append((e, score, common, geonames, vetoed_by, country, home_bonus, needs_country, needs_politics))
        sole = out[0][4] if len(out) == 1 and not (out[0][2] or out[0][3] or out[0][7] or out[0][8]) else None
        got = (cands, tuple(out), any(_prior_adds(c[0], key) for c in out), sole)
        if len(self._static) >= _STATIC_MAX:  # bounded: a stream sees an open vocabulary
            self._static.clear()
        self._static[(key, stype, lang)] = got
        return got

    def _place_veto(self, key: str, start: int, end: int, prev: str, ctx: _Context) -> bool:
        """A place (not a person or an organisation) is vetoed by the words around text[start:end] (prev:
        ctx.prev_word(start)): an organisation word, a language cue before a language's name. A team's context
        (ctx.team) vetoes a place that is no nation (_country: its team is the place, "West Indies beat
        Australia"); a person cue (_person_cue) vetoes places and organisations both: both read by the caller."""
        nxt = ctx.next_word(end)
        if prev == "1" and not ctx.text[max(0, start - 4) : start].rstrip().endswith("1."):
            prev = ""  # a score's goal ("Portugal 1 Germany 1"), not a club's "1." ("1. FC Köln")
        return ((prev in ORG_CUES and (prev not in _CAPITALS_ONLY_CUES or _capitals_before(ctx.text, start)))
                or (nxt in _ORG_CUES_AFTER and (nxt not in _CAPITALS_ONLY_CUES or _capitals_after(ctx.text, end)))
                or (prev in LANG_CUES and bool(self.kb.langnames.get(key, 0) & LANG_BITS.get(ctx.lang, OTHER))))

    def _doc_countries(self, hits: list[Hit], lang: str) -> dict[str, str]:
        """Countries the article mentions (by name, through a capital or major city, or through a city of
        100,000 or more that is its name's only entity: Flemish news names Belgium by "Gent"): context for
        choosing between namesakes. Each maps to the one key that names it, or to "" when several keys
        do: a name is no evidence for itself. Los Angeles does not say USA over Chile ("Los Angeles,
        Chile" does), nor "Mexico" Mexico City over the country."""
        out: dict[str, str] = {}
        cache = self._countries
        for h in hits:
            got = cache.get(h.key)
            if got is None:
                cands = self.kb.lookup(h.key)
                got = tuple(
                    c.entity.country for c in cands
                    if not c.flags & WEAK and c.entity.type == "LOC" and (c.entity.cls == "country" or c.entity.prior >= 40) and c.entity.country
                )
                if not got and len(cands) == 1 and (town := cands[0].entity).cls == "city:geonames" \
                        and town.prior >= _TOWN_PRIOR and not cands[0].flags & WEAK:
                    got = (town.country,)
                if len(cache) >= _STATIC_MAX:
                    cache.clear()
                cache[h.key] = got
            for country in got:
                if out.setdefault(country, h.key) != h.key:
                    out[country] = ""
        return out

    def _gives_way(self, text: str, f: Found, inner: list[Hit], ctx: _Context) -> bool:
        """An unlinked span holding KB names gives way to them when its other words are lower case
        (the model ran on: "Washington beginnen könnten") or, not for LOC ("Provincie Utrecht"), when a
        name inside has the span's own type ("CEO des Russischen Direktinvestitionsfonds (RDIF)"), unless
        a capitalised word follows that name inside an organisation's span: it names a body of its own."""
        words, pos = [], f.start
        for h in inner:
            words += text[pos : h.start].split()
            pos = h.end
        words += text[pos : f.end].split()
        # a preposition joining a name's parts, before a capitalised last word, is the name's: "Bundesamt für
        # Justiz", "Geneva School for International Relations" ("and" joins two names as often: "Ford Motor Co and
        # Chrysler Corp")
        linked = bool(words) and words[-1][:1].isupper()
        if any(w.islower() and w not in _PARTICLES and not (linked and w in _NAME_LINKS) for w in words):
            return True
        if f.type == "LOC":
            return False
        for h in inner:
            if _compound_end(text, h.start):
                continue  # never added (_add): "Red Bull-Renault" keeps its span
            if f.type == "ORG":  # an organisation named after another: "Homeland Security Investigations"
                i = h.end
                while i < f.end and text[i].isspace():
                    i += 1
                if i < f.end and (text[i].isupper() or (linked and _NAME_LINK.match(text, i, f.end))):
                    continue
                if ctx.lang == "en" and h is inner[0] and h.start > f.start and " " in h.key \
                        and _qualifier_before(text, f.start, h.start):
                    continue  # and a qualifier's: "Independent Labour Party" (not "US Federal Reserve", "The Labour Party")
            # only for a name that will be added in the span's place: "Galatasaray SK" keeps its span,
            # as a capitalised word after it says the KB holds part of a longer name
            e = self._addable(text, h, ctx, False)
            if e is not None and e.type == f.type:
                return True
        return False

    def _add(self, text: str, found: list[Found], hits: list[Hit], ctx: _Context) -> list[Found]:
        """Add KB names that overlap no span; a name covering shorter spans, unlinked or linked to the
        same entity, replaces them ("Kirill" + "Dmitriev")."""
        out: list[Found] = []
        j = 0
        # found is sorted and non-overlapping: its starts and its ends both ascend, and are bisected.
        starts, ends = list(map(_START, found)), list(map(_END, found))
        for h in hits:
            hs, he = h[0], h[1]
            i = j
            j = bisect_right(ends, hs, j)  # past the spans that end before the name
            if j > i:
                out += found[i:j]
            if _compound_end(text, hs):
                continue  # the end of a compound ("Ex-Jugoslawien", "Ost-Berlin"): not the name alone
            k = bisect_left(starts, he, j)  # found[j:k] overlap the name
            if k == j + 1:  # the usual case, one span: the test below for it alone
                if not (hs <= starts[j] and ends[j] <= he) or (starts[j] == hs and ends[j] == he):
                    continue  # the model's span wins
            elif k > j and (
                not all(hs <= f.start and f.end <= he for f in found[j:k])
                or all(f.start == hs and f.end == he for f in found[j:k])
            ):
                continue  # the model's spans win
            ent = self._addable(text, h, ctx, k > j)
            if ent is None or (any(f.entity_id not in (None, ent.id) for f in found[j:k]) and not self._whole(h, ent)):
                continue  # a linked span inside yields only to a hand-checked name of several words ("Sheffield Wednesday")
            out.append(Found(hs, he, ent.type, ent.id, ent.name))
            j = k
        out += found[j:]
        return out

    def _whole(self, h: Hit, ent: Entity) -> bool:
        """Whether h names ent by several words that outweigh the linked spans inside: a hand-checked alias
        that is not weak, or a country's name ("the [Czech] [Republic]" read as a people and a town)."""
        return " " in h.key and (_country(ent) or any(
            c.entity is ent and c.flags & CURATED and not c.flags & WEAK for c in self.kb.lookup(h.key)))

    def _addable(self, text: str, h: Hit, ctx: _Context, replace: bool) -> Entity | None:
        cands = self.kb.lookup(h.key)
        got = self._choices(cands, h.key, None, ctx.lang)
        if not got[2]:
            return None  # resolve picks one of the choices or none: no context can make it addable
        if not replace and " " not in h.key and ctx.capital_neighbour(h.start, h.end):
            return None  # part of a longer name the KB does not have ("New Mexico", "Columbia Records")
        if _BODY_GOES_ON.match(text, h.end):
            return None  # "Hoge Raad voor de Justitie" is not the Hoge Raad
        ctx.span = (h.start, h.end)
        e = self.resolve(cands, h.key, None, ctx)
        if e is None or not _prior_adds(e, h.key):
            return None
        if e.cls == "company" and any(w[0].islower() for w in _WORD.findall(text[h.start : h.end])):
            return None  # "First solar panels": a listed name is added only as a name, every word capitalised
        return None if self._out_of_place(e, h.start, h.end, ctx) else e

    @staticmethod
    def _out_of_place(e: Entity, start: int, end: int, ctx: _Context) -> bool:
        """The words around text[start:end] say it is not e: the name ends a compound as tokenized text
        writes it, after a single letter ("S - Bahn" is no Deutsche Bahn) or, for a small town, after a
        capitalised word (_compound_town); an organisation's name comes before a venue's word ("in der SAP
        Arena"), a listed company's stands for a team in a table or a score line; a politician's name is in a
        list of scores ("Janusz Kołodziej 0 Martin Vaculik 2": a speedway rider, the namesake of a Polish MP)."""
        if _LETTER_COMPOUND.search(ctx.text, max(0, start - 5), start) is not None or _compound_town(ctx.text, start, e):
            return True
        if e.type == "ORG":  # a listed company is no team in a table or a score line ("HARTFORD 12 8 4 83 70 28")
            return ctx.next_word(end) in _VENUE_AFTER or (e.cls == "company" and ctx.team(start, end))
        return e.cls == "politician" and ctx.team(start, end)


def _compound_end(text: str, start: int) -> bool:
    """Whether a name at start ends a hyphenated compound ("Ost-Berlin")."""
    return start >= 2 and text[start - 1] in "-‐" and text[start - 2].isalnum()


def _qualifier_before(text: str, lo: int, start: int) -> bool:
    """Whether English text[lo:start] ends in a capitalised word that qualifies a name: not in capitals, no
    article or possessive ("Independent ", "Scottish ", "Women's "; not "US ", "The ", "Its "). German and Dutch
    capitalise the nouns and articles a model's span runs over ("Topklubs Schachtar Donezk", "De Vrije Universiteit")."""
    words = text[lo:start].split()
    return bool(words) and words[-1][:1].isupper() and not words[-1].isupper() and words[-1].lower() not in _EN_DETERMINERS


_EN_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "its", "his", "her", "their", "our", "my",
                             "your"})


_TEAMS_PATH = Path(__file__).parent / "kb" / "teams.tsv"
# What names a North American league's results or standings: its name or a heading's (a "National League" is
# also English football's fifth tier).
_LEAGUE_CUES = re.compile(r"\b(?:(NBA)|National Basketball Association|(NHL)|National Hockey League|(NFL)"
                          r"|National Football League|(MLB)|[Mm]ajor [Ll]eague [Bb]aseball|MAJOR LEAGUE|American League)\b")
_LEAGUE_GROUPS = ("NBA", "NHL", "NFL", "MLB")


def _league_cues(text: str) -> list[tuple[int, str]]:
    """(start, league) of each league cue in text, in order. Read only for a city read as a club, so no literal
    test first."""
    out = []
    for m in _LEAGUE_CUES.finditer(text):
        got = m.lastindex
        if got is None:  # a written-out name: which one
            low = m.group().lower()
            got = 1 if "basketball" in low else 2 if "hockey" in low else 3 if "football" in low else 4
        out.append((m.start(), _LEAGUE_GROUPS[got - 1]))
    return out


def _league_at(cues: list[tuple[int, str]], start: int) -> str:
    """The league whose results a club's name at start is in: the last cue before it (a heading), or the first."""
    k = bisect_left(cues, (start, ""))
    return cues[k - 1][1] if k > 0 else cues[0][1]


def _capitals_before(text: str, start: int) -> bool:
    """Whether the word right before start is written in capitals ("AS Roma")."""
    words = text[max(0, start - 12) : start].split()
    return bool(words) and words[-1].isupper()


def _capitals_after(text: str, end: int) -> bool:
    """Whether the word right after end is written in capitals ("Airbus SE")."""
    words = text[end : end + 12].split()
    return bool(words) and words[0].isupper()


def _word_before(text: str, start: int) -> str:
    """The word right before start, blanks between ("" when another character ends what stands there)."""
    words = text[max(0, start - 40) : start].split()
    return words[-1] if words and words[-1].replace("-", "").isalpha() else ""


def _political_title(word: str) -> bool:
    """Whether word is a political office's title or ends in one ("Bundesarbeitsminister", "Außenminister"), or "MP"
    as written (not an ending: "champ")."""
    return word == "MP" or word.lower().endswith(_POLITICAL_TITLES)


def _compound_town(text: str, start: int, e: Entity) -> bool:
    """Whether e, named at start, is a small town right after a compound's hyphen as tokenized text writes
    it: "Mörfelden - Walldorf", "Esslingen - Mettingen" are a twin town and a district, not Walldorf in
    Baden or Mettingen in Westphalia."""
    return (e.prior <= _SMALL_TOWN_PRIOR and e.cls == "city:geonames"
            and _SPACED_COMPOUND.search(text, max(0, start - 40), start) is not None)


def _weak_only(cands: tuple[Candidate, ...], e: Entity) -> bool:
    """Whether e is among cands by weak aliases only (an ambiguous short name, kb/curated.tsv)."""
    return all(c.flags & WEAK for c in cands if c.entity is e)


def _common_name(key: str, lang: str) -> bool:
    """Whether a person's folded full name is a common one in lang (_COMMON_NAME): its given name and
    surname are both frequent words of the language's text."""
    first, _, rest = key.partition(" ")
    return bool(rest) and zipf(first, lang) + zipf(rest.rpartition(" ")[2], lang) >= _COMMON_NAME


def _prior_adds(e: Entity, key: str) -> bool:
    """Whether e is known enough to be added by the name key where the model tagged nothing: a
    prior of _ADD_PRIOR for one word, _ADD_PRIOR_MULTI for several, or a person's full name."""
    return e.prior >= (_ADD_PRIOR_MULTI if " " in key else _ADD_PRIOR) or (e.type == "PER" and " " in key)


def _country(e: Entity) -> bool:
    """A country, or a nation that fields national teams (_TEAM_NATIONS)."""
    return e.cls == "country" or e.id in _TEAM_NATIONS


def _aged_or_tall(prev: str) -> bool:
    """The folded word before a name is an age or a height written as an adjective ("32-jährige", "7-foot-3")."""
    return prev.endswith(_PERSON_ENDS) or _HEIGHT.search(prev) is not None


def _person_cue(prev: str) -> bool:
    """The folded word before a name makes it a person ("Herr", "32-jährige")."""
    return prev in PERSON_CUES or prev.endswith(_PERSON_ENDS)


def _neg_score(s: tuple[int, Entity]) -> int:
    return -s[0]


# Languages wordfreq reads without an extra tokenizer (Chinese needs jieba, Japanese and Korean MeCab).
WORDFREQ_LANGS = frozenset(wordfreq.available_languages()) - {"zh", "ja", "ko"}


@lru_cache(maxsize=65536)
def zipf(key: str, lang: str) -> float:
    """wordfreq's Zipf frequency of key in lang; 0.0 in a language it cannot read here (the entity
    step tags text in any language: an unknown or unreadable one must never raise)."""
    if lang not in WORDFREQ_LANGS:
        return 0.0
    try:
        return wordfreq.zipf_frequency(key, lang)
    except (LookupError, ValueError, ImportError):
        return 0.0


def _everyday(key: str) -> bool:
    """key is a frequent word in en, de, nl or fr (Zipf >= 4.0): "Java" the language as much as the island."""
    return any(zipf(key, lang) >= 4.0 for lang in ("en", "de", "nl", "fr"))


def common_word(key: str, lang: str) -> bool:
    """key is a frequent word of lang (wordfreq Zipf >= 3.5: more than ~3 per million words)."""
    return zipf(key, lang) >= 3.5


def very_common_word(key: str, lang: str) -> bool:
    """key is one of the most frequent words of lang (Zipf >= 5.5: "will", "may", "white")."""
    return zipf(key, lang) >= 5.5


def _type_fits(stype: str | None, e: Entity) -> bool:
    if stype is None or stype == e.type:
        return True
    if stype == "PER" or e.type == "PER" or stype == "MISC":
        return False
    if stype == "ORG":  # a country acting ("Russland hat ..."), not a city or state ("Bayern" the club)
        return e.cls in ("country", "region")
    # A curated organisation tagged as a place ("EU", "NAVO"), or a company by a name no place has
    # (such names are strong only when the KB has no other entity of that name: kb/build.add_companies).
    return e.cls in ("curated", "company")


def _out_type(stype: str, e: Entity) -> str:
    """A linked span's type: the entity's where it is one whose type wins (_CROSS), else the span's."""
    return e.type if e.cls in _CROSS else stype


def names_team(text: str, start: int, end: int) -> bool:
    """Whether the place name text[start:end] stands for a team: a league table, a score, a minute mark."""
    return _team(text, start, end)


def _team(text: str, start: int, end: int) -> bool:
    """Whether the place name text[start:end] stands for a team (see _STANDINGS)."""
    # Each pattern needs a bracket or a digit after the blanks that follow the name (within the 60
    # characters it reads), or a digit or a quote before the blanks that precede it (within the 40):
    # most names have neither, and then no pattern is tried. The characters next to the name decide
    # that; an anchored scan reads on only past a second blank.
    lo = start - 40 if start > 40 else 0
    c = text[end : end + 1]
    if c.isspace():
        c = text[end + 1 : end + 2]
    if not (c == "(" or c.isdecimal() or (c.isspace() and _CUE_AFTER.match(text, end, end + 60) is not None)):
        if start <= lo or not text[start - 1].isspace():
            return False
        c = text[start - 2] if start - 2 >= lo else ""
        if not (c == "'" or c == "’" or c.isdecimal() or (c.isspace() and _CUE_BEFORE.search(text, lo, start) is not None)):
            return False
    after, before = text[end : end + 60], text[lo:start]
    if _STANDINGS.match(after) or _MINUTE.search(before) or _TABLE_ROW.match(after):
        return True
    m = _SCORE_AFTER.match(after) or _SCORE_BEFORE.search(before)
    return bool(m and m.group(1)[0].isupper())


def _same_form(name: str, form: str) -> bool:
    """A company listed with a legal form is not named with another one ("Porsche AG" is not Porsche SE)."""
    last = fold_key(name)[-1:]
    return not last or last[0] not in _LEGAL_FORMS or last[0] == form


def _in_language(cands: tuple[Candidate, ...], bit: int) -> tuple[Candidate, ...]:
    """The candidates of a name in a language (bit): a name in that language only (LOCAL) outranks the
    others ("CBS" in Dutch is the statistics office); one in other languages only is none."""
    if not any(c.flags & LOCAL for c in cands):
        return cands
    return tuple(c for c in cands if c.flags & LOCAL and c.flags & bit) or tuple(c for c in cands if not c.flags & LOCAL)


def _short_lower(text: str, start: int, end: int, key: str) -> bool:
    """A name of three letters or fewer counts only in capitals (US, EU, WHO, AfD; not "Us", "Who")."""
    return len(key) <= 3 and not _capitals(text[start:end])


def _capitals(name: str) -> bool:
    """Written in capitals, or with a capital after its first letter as acronyms are ("AfD", "CdH")."""
    return name.replace(".", "").isupper() or any(c.isupper() for c in name[1:])


def _on_boundary(text: str, h: Hit | Found) -> bool:
    """A name ends where a word ends: not "US" in "US-Beamten", "Trump" in "Trump-Regierung", nor
    "Indi" in "Indi\xadvi\xadduen" (soft hyphens); a possessive "'s" ends a word."""
    nxt = text[h.end : h.end + 2]
    if nxt[:1] == "@" or (h.start and text[h.start - 1] == "@") or _in_address(text, h.start, h.end):
        return False  # part of an e-mail address or a handle ("Andrew@GriffithMP.com", "@elavegan", "jeremy.wright.mp@")
    if len(nxt) == 2 and nxt[0] in "-‐'’\xad" and nxt[1].isalnum():
        # a possessive ends the name ("EU's", "Trump's"), a hyphen or an elision does not
        return nxt[0] in "'’" and nxt[1] == "s" and not text[h.end + 2 : h.end + 3].isalnum()
    return not (h.start >= 2 and text[h.start - 1] == "\xad" and text[h.start - 2].isalnum())


def _in_address(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is inside a run without blanks that holds an "@" (an e-mail address)."""
    if end < len(text) and not text[end].isspace():
        stop = _BLANK.search(text, end, end + 64)
        if "@" in text[end : stop.start() if stop else end + 64]:
            return True
    if start == 0 or text[start - 1].isspace():
        return False
    before = text[max(0, start - 64) : start]
    return "@" in before[max(before.rfind(" "), before.rfind("\n"), before.rfind("\t")) + 1 :]


_BLANK = re.compile(r"\s")


class _Context:
    """Per-text context: language, countries mentioned, the words around a mention."""

    def __init__(self, text: str, lang: str, countries: dict[str, str]) -> None:
        self.text, self.lang, self.countries = text, lang, countries
        self.home = HOME.get(lang, "")
        self.span = (0, 0)
        self._prev: dict[int, str] = {}  # start -> prev_word(start): resolve and _veto both read it
        self._team: dict[tuple[int, int], bool] = {}  # (start, end) -> _team: link and _veto both ask
        self._political: bool | None = None
        self._surnames: set[str] | None = None  # surnames(), read only for a weak name
        self.vetoed: set[int] = set()  # starts of the spans whose words ruled their entity out (_out_of_place)

    def political(self) -> bool:
        """Whether the text uses a word of politics (_POLITICS), read once per text."""
        if self._political is None:
            low = self.text.lower()
            self._political = "politi" in low or _POLITICS.search(low) is not None
        return self._political

    def surnames(self, spans: list[Found]) -> set[str]:
        """The folded last words of the article's persons in spans named by two words or more, read once."""
        if self._surnames is None:
            self._surnames = {" ".join(fold_key(self.text[f.start : f.end])[-1:]) for f in spans
                              if f.type == "PER" and " " in self.text[f.start : f.end]}
        return self._surnames

    def region_cue(self, start: int, end: int) -> bool:
        """Whether a word for a region comes right before start (_REGION_BEFORE) or a state's office right
        after end (_REGION_AFTER): no city is meant."""
        return (_REGION_BEFORE.search(self.text, max(0, start - 40), start) is not None
                or _REGION_AFTER.match(self.text, end, end + 40) is not None)

    def team(self, start: int, end: int) -> bool:
        """names_team(self.text, start, end), once per span."""
        got = self._team.get((start, end))
        if got is None:
            got = self._team[(start, end)] = _team(self.text, start, end)
        return got

    def prev_word(self, start: int) -> str:
        """The folded word right before start (spaces between), or ""."""
        got = self._prev.get(start)
        if got is None:
            got = self._prev[start] = self._prev_word(start)
        return got

    def _prev_word(self, start: int) -> str:
        text = self.text
        if not start or text[start - 1] not in " \t":
            return ""  # attached: "(", a hyphen
        lo = start - 40 if start > 40 else 0
        # The usual case, a word between two spaces: it is the word (str.isalnum is [^\W_]).
        p = text.rfind(" ", lo, start - 1)
        if p >= 0 and (word := text[p + 1 : start - 1]).isalnum():
            return fold(word)
        head = text[lo:start].rstrip(" \t")
        # The last word of head when head ends in one: _WORD reads the same backwards, so it is the
        # match at the start of the reversed text (what the last of _WORD.findall(head) is).
        m = _WORD.match(head[::-1])
        return fold(m.group()[::-1]) if m else ""

    def next_word(self, end: int) -> str:
        # The first word of the 40 characters after end, when only blanks and hyphens stand before it.
        text = self.text
        c = text[end : end + 1]
        if c == " ":  # the usual case, a word between two spaces: it is the word (str.isalnum is [^\W_])
            q = text.find(" ", end + 1, end + 40)
            if q > end + 1 and (word := text[end + 1 : q]).isalnum():
                return fold(word)
        elif not c or not (c.isalnum() or c == "\t" or c == "-"):
            return ""  # "Rusland,", the text's end: no word follows
        m = _NEXT_WORD.match(text, end, end + 40)
        return fold(m.group(1)) if m else ""

    def qualifier(self, end: int) -> tuple[str, ...]:
        """The folded first word, and first two words, of what follows a comma or an opening bracket
        right after end ("Augusta, Georgia", "Portland (Maine)"), or ()."""
        m = _QUALIFIER.match(self.text, end, end + 60)
        if m is None:
            return ()
        if (state := _US_STATE_CODES.get(m.group(1))) is not None:
            return (state,)  # "Wilmington, DE": a state's postal code
        first = fold(m.group(1))
        return (first, f"{first} {fold(m.group(2))}") if m.group(2) else (first,)

    def starts_sentence(self, start: int) -> bool:
        """text[start:] opens the text, a line or a sentence (after . ! ? : or an opening quote)."""
        head = self.text[start - 10 if start > 10 else 0 : start].rstrip(" \t\"'“„«(")
        return not head or head[-1] in ".!?:\n…"

    def capital_neighbour(self, start: int, end: int) -> bool:
        """A capitalised word right before (not starting a sentence) or right after the name."""
        text = self.text
        # Each side needs a blank next to the name (or a line break before it) for its pattern to match.
        if text[start - 1 : start] in (" ", "\t", "\n"):
            before = text[start - 40 if start > 40 else 0 : start]
            got = _capital_before(before)
            if got is not None and got[0][0].isupper():
                word, at = got
                head = before[:at].rstrip(" \t")
                if head and head[-1] not in ".!?:\n\"'“„«(" and word.lower() not in _SENTENCE_WORDS:
                    return True
        if self.lang == "de" or text[end : end + 1] not in (" ", "\t"):
            return False
        m = _CAPITAL_AFTER.match(text[end : end + 40])
        return bool(m and m.group(1)[0].isupper())


def _capital_before(before: str) -> tuple[str, int] | None:
    """(group 1, start) of _CAPITAL_BEFORE.search(before), or None. That search tries every start, so it
    reads the text backwards instead: the blanks at the end (before a final line break, where $ also
    matches), the alphanumeric run before them, and in that run the first character that is not a
    digit: the leftmost start the pattern can match from."""
    m = _BLANKS_RUN_REVERSED.match(before[::-1])
    if m is None:
        return None
    run = m.group(1)  # reversed
    j = len(run) - 1
    while j >= 0 and run[j].isdecimal():
        j -= 1
    if j < 0:
        return None
    return run[j::-1], len(before) - m.end() + len(run) - 1 - j


_BLANKS_RUN_REVERSED = re.compile(r"\n?[ \t]+([^\W_]+)")


def given_name_before(text: str, start: int, lang: str) -> int | None:
    """The start of a capitalised word, rare as a word of lang, right before start (one space apart): a given
    name the model or the KB left out of a surname's span ("Kenji Fujimori", "Cherie Blair"; not a title:
    "Präsident", "Mr", "Senator"). None if there is none, and always in German, which capitalises its nouns
    ("seiner Wegbegleiter Player")."""
    if start < 3 or text[start - 1] != " " or lang == "de":
        return None
    i = start - 1
    while i > 0 and text[i - 1].isalpha():
        i -= 1
    word = text[i : start - 1]
    if len(word) > 1 and word[0].isupper() and not word.isupper() and (i == 0 or not text[i - 1].isalnum()) \
            and zipf(word.lower(), lang) < _GIVEN_NAME_ZIPF and not titles_a_name(word):
        return i
    return None


_GIVEN_NAME_ZIPF = 3.5  # "Keiko", "Jeb" 3.3; a title this rare is one of titles_a_name's ("Ayatollah" 2.9)


# Capitalised words that often stand before a name without being part of it (sentence-internal).
_SENTENCE_WORDS = frozenset("in im aus nach von und und and of the de het en et le la les à für bei mit".split())


def _coref(text: str, lang: str, found: list[Found], vetoed: Collection[int] = ()) -> list[Found]:
    """An unlinked mention takes the id of a linked one with the same surface form, and an unlinked PER
    that is the surname (or its genitive) of a linked PER takes that person's id, unless a given name
    stands before it; an unlinked MISC written as a linked name (or its last word) takes that name's type
    and id. vetoed: starts of mentions whose own words ruled the entity out ("S - Bahn"): they take no id."""
    by_surface: dict[tuple[str, ...], Found] = {}
    for f in found:
        if f.entity_id is not None:
            key = fold_key(text[f.start : f.end])
            by_surface.setdefault(key, f)
            if f.type == "PER" and len(key) > 1:
                by_surface.setdefault(key[-1:], f)
    if not by_surface:
        return found
    out = found  # copied on the first change
    address = "@" in text
    for i, f in enumerate(found):
        if f.entity_id is not None or f.start in vetoed or (address and _in_address(text, f.start, f.end)):
            continue
        surface = text[f.start : f.end]
        key = fold_key(surface)
        if f.type == "MISC":  # "zei Trump" read as MISC beside a linked "Donald Trump"
            ref = by_surface.get(key)
            if ref is None or text[ref.start : ref.end].rpartition(" ")[2] != surface:
                continue
        else:
            ref = by_surface.get(key)
            if ref is not None and _short_lower(text, f.start, f.end, "".join(key)):
                ref = None
            if ref is None and len(key) == 1 and key[0].endswith("s"):
                ref = by_surface.get((key[0][:-1],))
            if ref is None or not (ref.type == f.type or ref.type == "PER"):
                continue
            if len(key) == 1 and ref.type == "PER" and given_name_before(text, f.start, lang) is not None:
                continue  # "Kenji [Fujimori]" beside "Alberto Fujimori": another of the family
        if out is found:
            out = list(found)
        out[i] = Found(f.start, f.end, ref.type, ref.entity_id, ref.name)
    return out


@lru_cache(maxsize=1)
def default_linker() -> Linker:
    """The linker over the shipped KB, loaded once per process."""
    return Linker(load())


def link(text: str, lang: str, spans: list[Found]) -> list[Found]:
    """Link the model's spans in text (see module doc) with the shipped KB."""
    return default_linker().link(text, lang, spans)
