"""Words for persons' titles and offices (en, de, nl, fr), read by the tagger's rules and by the linker, which
never takes a title before a surname for a given name."""

from __future__ import annotations

TITLES = frozenset(
    """president vice chancellor prime minister premier secretary chairman chairwoman chief executive
    coach striker captain manager mr mrs ms dr prof sir lord lady king queen prince princess pope
    cardinal bishop archbishop senator governor mayor general colonel major sergeant judge ambassador
    spokesman spokeswoman defender midfielder goalkeeper bundeskanzler bundeskanzlerin kanzler kanzlerin
    präsident präsidentin ministerpräsident ministerpräsidentin bundespräsident minister ministerin
    papst trainer kapitän herr frau botschafter bürgermeister bürgermeisterin vorstandschef
    konzernchef chef chefin premier minister-president staatssecretaris burgemeester koning koningin
    paus président ministre congressman congresswoman councilman councilwoman councilmember councillor
    commissioner sheriff wethouder kamerlid gedeputeerde landrat staatssekretär staatssekretärin kämmerer
    stadtrat stadträtin dezernent dezernentin abgeordnete abgeordneter bischof kardinal pfarrer professor
    professorin gouverneur ambassadeur commissaris topman topvrouw woordvoerster advocaat ceo anwalt anwältin
    lawyer attorney stürmer torwart torhüter verteidiger mittelfeldspieler nationalspieler spielmacher
    doelman verdediger middenvelder aanvaller wielrenner bondscoach winger""".split()
)

# Titles that only ever precede a person's name.
PERSON_TITLES = TITLES - frozenset(
    "vice premier chief coach striker captain manager lady king queen prince princess general colonel major "
    "sergeant defender midfielder goalkeeper chef gedeputeerde".split())  # "Gedeputeerde Staten": a body

# Titles written short, before their dot ("Sen. Elizabeth Warren", "Mr. Smith"); alone some may be names ("Sen").
SHORT_TITLES = frozenset("mr mrs ms dr prof rep sen gov".split())

# German and Dutch write a title as one compound ("Regierungschef", "DRK-Generalsekretär", "partijleider").
TITLE_ENDINGS = ("chef", "chefin", "präsident", "präsidentin", "minister", "ministerin", "kanzler", "kanzlerin",
                  "sprecher", "sprecherin", "sekretär", "sekretärin", "vorsitzende", "vorsitzender", "trainer",
                  "direktor", "direktorin", "bürgermeister", "bürgermeisterin", "voorzitter", "woordvoerder",
                  "partijleider", "burgemeester", "directeur", "premier")
_TITLE_ENDINGS_SET = frozenset(TITLE_ENDINGS)


def is_title(word: str) -> bool:
    low = word.lower()
    return low in PERSON_TITLES or (len(low) > 8 and low.endswith(TITLE_ENDINGS)) \
        or ("-" in low and low.rpartition("-")[2] in _TITLE_ENDINGS_SET)  # "SPD-Chef", "CDU-Chefin"


# Religious and princely honorifics before a name ("Ayatollah Khamenei", "Sheikh Hasina"), rare as words.
HONORIFICS = frozenset("ayatollah sheikh sheik rabbi imam emir sultan mullah grand hajji".split())


def titles_a_name(word: str) -> bool:
    """Whether a capitalised word before a surname is a title or an honorific, not a given name."""
    return is_title(word) or word.lower() in TITLES or word.lower() in HONORIFICS
