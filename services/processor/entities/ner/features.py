"""CRF token features, shared by training and tagging (one definition: no train/serve skew).

Every attribute of a token comes from one word of its +-2 window (plus BOS/EOS and its gazetteer
tag), so tagging (crf.py) sums cached per-word label scores instead of building attribute lists;
keep new features word-decomposable. Training features are UTF-8 bytes, cached by word form.
"""

from __future__ import annotations

from services.processor.entities.ner import lexicon

Feats = list[bytes]
_CACHE: dict[str, tuple[Feats, Feats, Feats, Feats, Feats]] = {}
# Per word form: its own attributes, those it gives the next token (as -1), the previous one (as +1),
# the token after next (as -2), the one before previous (as +2), and its own extra ones at a sentence
# start. A token's attributes are the sum of these over its window plus EOS and the gazetteer tag:
# crf.py relies on this decomposition.
SLOTS = 6


def _shape(w: str) -> str:
    out: list[str] = []
    for c in w:
        s = "X" if c.isupper() else "x" if c.islower() else "d" if c.isdigit() else c
        if not out or out[-1] != s:
            out.append(s)
    return "".join(out)[:8]


def _word_str(w: str) -> tuple[list[str], ...]:
    lw = w.lower()
    sh = _shape(w)
    title = w[:1].isupper()
    own = [
        "b",
        "w=" + lw,
        "s2=" + lw[-2:],
        "s3=" + lw[-3:],
        "s4=" + lw[-4:],
        "p3=" + lw[:3],
        "p4=" + lw[:4],
        "sh=" + sh,
        "len=" + (str(len(w)) if len(w) < 4 else "4+" if len(w) < 8 else "8+"),
    ]
    if title:
        own.append("title")
    if w.isupper() and len(w) > 1:
        own.append("upper")
    if "-" in w:
        own.append("hyphen")
        # Compound heads and modifiers: US-Beamten, Saoedi-Arabië
        own.append("hd=" + lw.rsplit("-", 1)[1][-4:])
    prev1 = ["-1w=" + lw, "-1sh=" + sh]
    next1 = ["+1w=" + lw, "+1sh=" + sh]
    for flag in lexicon.load().get(w, ""):  # given name / surname / place (lexicon.py)
        own.append("lx=" + flag)
        prev1.append("-1lx=" + flag)
        next1.append("+1lx=" + flag)
    prev2 = ["-2sh=" + sh, "-2w=" + lw]
    next2 = ["+2sh=" + sh, "+2w=" + lw]
    if title:
        prev1.append("-1title")
        next1.append("+1title")
    return own, prev1, next1, prev2, next2, ["BOS", "BOS&title"] if title else ["BOS"]


def _word(w: str) -> tuple[Feats, Feats, Feats, Feats, Feats]:
    got = _CACHE.get(w)
    if got is not None:
        return got
    got = tuple([f.encode("utf-8", "replace") for f in fs] for fs in _word_str(w)[:5])  # type: ignore[assignment]
    if len(_CACHE) > 300_000:  # bounded: a stream sees an open vocabulary
        _CACHE.clear()
    _CACHE[w] = got
    return got


def word_features(w: str) -> tuple[list[str], ...]:
    """The SLOTS attribute lists of word form w (see SLOTS), as str (crf.py), uncached."""
    return _word_str(w)


_GAZ: dict[str, bytes] = {}


def sentence_features(tokens: list[str], gaz_tags: list[str | None], lo: int = 0, hi: int | None = None) -> list[Feats]:
    """Features of tokens[lo:hi] in the context of the whole sentence.

    gaz_tags[i] is e.g. "B-LOC"/"I-PER"/"P-ORG" when a gazetteer match covers (part of) token i.
    """
    n = len(tokens)
    hi = n if hi is None else hi
    words = [_word(t) for t in tokens[max(0, lo - 2) : min(n, hi + 2)]]
    off = max(0, lo - 2)
    out: list[Feats] = []
    for i in range(lo, hi):
        w = i - off
        f = list(words[w][0])
        if i == 0:
            f.append(b"BOS")
            if tokens[0][:1].isupper():
                f.append(b"BOS&title")
        else:
            f += words[w - 1][1]
            if i > 1:
                f += words[w - 2][3]
        if i + 1 < n:
            f += words[w + 1][2]
            if i + 2 < n:
                f += words[w + 2][4]
        else:
            f.append(b"EOS")
        g = gaz_tags[i]
        if g is not None:
            f.append(_GAZ.get(g) or _GAZ.setdefault(g, ("g=" + g).encode()))
        out.append(f)
    return out
