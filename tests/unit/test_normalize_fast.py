"""The fast paths of the normalize step give exactly what the plain formulations give.

Each fast path is checked against the formulation it replaces (kept here as the oracle) on generated
text rich in what the path looks at, and the ftfy gate's premise is derived from ftfy's parsed regex.
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # the structure of ftfy's badness regex; fails loudly if Python changes it
import unicodedata

import ftfy
from ftfy.badness import BADNESS_RE
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from services.processor.normalize import boilerplate, text_clean
from services.processor.normalize.text_clean import (
    _CONTROL_BUT_TAB_NL,
    _FTFY,
    _FTFY_TRIGGERS,
    _INVISIBLE,
    _LINE_BREAKS,
    _SUSPECTS,
    clean_line,
    fix_text,
    ftfy_may_change,
)


def split_glued_plain(text: str) -> str:
    if not boilerplate._COUNTER.search(text):
        return text
    return boilerplate._GLUED_BEFORE.sub(r"\n\1", boilerplate._GLUED_AFTER.sub(r"\1\n", text))


def ftfy_may_change_plain(text: str) -> bool:
    """Search the badness regex everywhere (no gate on pairs) in the composed form, which ftfy reads."""
    composed = unicodedata.normalize("NFC", text)
    return any(c in _FTFY_TRIGGERS for c in text + composed) or bool(BADNESS_RE.search(composed))


def fix_text_plain(text: str) -> str:
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    for _ in range(6):
        fixed = ftfy.fix_text(text, _FTFY) if ftfy_may_change_plain(text) else text
        fixed = _LINE_BREAKS.sub("\n", fixed)
        fixed = _CONTROL_BUT_TAB_NL.sub("", fixed)
        fixed = unicodedata.normalize("NFC", _INVISIBLE.sub("", fixed))
        fixed = "\n".join(clean_line(line) for line in fixed.split("\n"))
        if fixed == text:
            break
        text = fixed
    return text


WORDS = ["Kommentare", "kommentar", "KOMMENTARE", "\u212aommentare", "Reacties", "reactie", "Comments", "comment",
         "commentaires", "Commentaire", "comentarios", "commenti", "comentários", "xKommentare", "Kommentare\u00ad"]
COUNTERS = ["(0)", "(12)", "[3]", "( 4 )", "(\u0663)", "(", ")", "(5", "5)"]
GLUE = ["", " ", "  ", "\n", "\t", "\u00a0", "\u2003", ".", "!", "?", "\"", "\u201d", "\u00bb", ")", "x", "Veröffentlichungsdatum",
        "Der Satz endet.", "Lees ook", "3 comments"]
COUNTER_TEXT = st.lists(st.sampled_from(WORDS + COUNTERS + GLUE) | st.text(max_size=6), max_size=25).map("".join)

MOJIBAKE = ["OekraÃ¯ne", "cafÃ©", "â€œquotedâ€\u009d", "Ã ", "Â ", "Ã\u00a0", "œuvre", "Œ!", "sœ ", "×²", "âˆ’",
            "\u201cZitat\u201d", "\u00e9\u201d", "\u00e9\u00e9", "Ä\u00b0", "ÅŸ", "Ã¼ber", "Ã‰", "\u0413\u045e", "ГўВЂВ.a",
            "\ufb01", "\x1b[31m", "\x85", "\x9d", "\u0432\u0402", "Москва", "αβγ", "é", "ë", "ü", "ß", "’", "–", "—",
            "«", "»", "„", "\u00a0", "\u200b", "\ufeff", "\r\n", "\u2028", "\t", "e\u0301", "\ud800", "\x00", "\x0b"]
MOJIBAKE_TEXT = st.lists(st.sampled_from(MOJIBAKE) | st.text(max_size=8), max_size=25).map("".join)
SETTINGS = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(text=COUNTER_TEXT)
def test_split_glued_is_the_plain_substitution(text: str) -> None:
    assert boilerplate.split_glued(text) == split_glued_plain(text)


@SETTINGS
@given(text=MOJIBAKE_TEXT)
@example(text="»e\u0301")  # mojibake only once composed
def test_ftfy_gate_is_exact_where_it_says_no(text: str) -> None:
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    assert ftfy_may_change(text) == ftfy_may_change_plain(text)
    if not ftfy_may_change(text):
        # fix_text's own line-break step follows ftfy: what ftfy does to line breaks is done anyway
        assert _LINE_BREAKS.sub("\n", ftfy.fix_text(text, _FTFY)) == _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text))


@SETTINGS
@given(text=MOJIBAKE_TEXT | COUNTER_TEXT)
def test_fix_text_is_the_plain_loop(text: str) -> None:
    assert fix_text(text) == fix_text_plain(text)


def _positions(alternative: sre_parse.SubPattern) -> list[str]:
    """Each item of one alternative: "suspect" (only suspects match it), "free" (something else can) or
    "gap" (optional or zero-width: breaks adjacency without needing a character)."""
    kinds = []
    for op, av in alternative.data:
        if op is sre_parse.AT:
            kinds.append("gap")
        elif op is sre_parse.LITERAL:
            kinds.append("suspect" if chr(av) in _SUSPECTS else "free")
        elif op is sre_parse.IN:
            chars: set[str] = set()
            for item_op, item in av:
                if item_op is sre_parse.LITERAL:
                    chars.add(chr(item))
                elif item_op is sre_parse.RANGE:
                    chars.update(map(chr, range(item[0], item[1] + 1)))
                else:  # NEGATE, CATEGORY (\s, \w): matches ASCII too
                    chars.add("a")
            kinds.append("suspect" if chars <= _SUSPECTS else "free")
        elif op is sre_parse.MAX_REPEAT and av[0] == 0:
            kinds.append("gap")
        else:
            kinds.append("free")
    return kinds


def test_every_badness_match_has_a_trigger_or_two_adjacent_suspects() -> None:
    """The gate's premise, from ftfy's regex itself: an alternative that can match with no two adjacent
    suspects must need a trigger character (checked: its one suspect position holds only triggers)."""
    tree = sre_parse.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    (op, (_, alternatives)), = tree.data
    assert op is sre_parse.BRANCH and len(alternatives) > 30
    assert not any(c.isascii() for c in _SUSPECTS)
    for alternative in alternatives:
        kinds = _positions(alternative)
        if any(a == b == "suspect" for a, b in zip(kinds, kinds[1:], strict=False)):
            continue
        lone = [item for item, kind in zip(alternative.data, kinds, strict=True) if kind == "suspect"]
        assert lone, f"an alternative of ftfy's badness regex needs no suspect: {alternative}"
        assert any(_chars_of(item) <= _FTFY_TRIGGERS for item in lone), f"not gated: {alternative}"


def _chars_of(item: tuple[object, object]) -> set[str]:
    op, av = item
    if op is sre_parse.LITERAL:
        return {chr(av)}  # type: ignore[arg-type]
    chars: set[str] = set()
    for item_op, value in av:  # type: ignore[union-attr]
        if item_op is sre_parse.LITERAL:
            chars.add(chr(value))
        elif item_op is sre_parse.RANGE:
            chars.update(map(chr, range(value[0], value[1] + 1)))
    return chars


def test_the_seeds_skip_ftfy() -> None:
    assert not ftfy_may_change("Rusland staat open voor samenwerking met de VS, zegt “Moskou” – België, één, Düsseldorf")
    assert text_clean.ftfy_may_change("OekraÃ¯ne")
