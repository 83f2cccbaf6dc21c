"""Fast, exact linear-chain CRF decoding of the crfsuite model, for the tagging hot path.

crfsuite's own tagger costs ~100 ns per attribute per token (Python -> C++ strings, then a hashed
attribute lookup), ~1.2 ms for a 3.7 KB article. Our features (features.py) decompose by word: a
token's attributes are its own word's, its neighbours' (at -2..+2), BOS/EOS and its gazetteer tag.
So each word form's contribution to the label scores is summed once per slot and cached as a row of
a table (bounded); per article, one compiled call (kernels.py) sums the rows and runs Viterbi per sentence. The
labels equal crfsuite's (tests/unit/test_entities.py checks the seeds; the dev corpora agree too).
Pruning "sure O" tokens was tried and dropped: O margins are small, it changed labels.
"""

from __future__ import annotations

import struct
from itertools import chain, repeat
from pathlib import Path

import numpy as np

from services.processor.entities.ner.compiled import kernels
from services.processor.entities.ner.features import SLOTS, word_features

_MAX_WORDS = 100_000  # word-table bound: a stream sees an open vocabulary
_FEATURE = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("w", "<f8")])  # crfsuite's 20-byte record


def _cqdb_strings(buf: bytes, off: int) -> list[str]:
    """The strings of the CQDB chunk at off, by id (crfsuite's cqdb.c: a backward array of record
    offsets; a record is id, size with the NUL, bytes). Read in bulk: every string with its NUL
    gathered in id order, decoded once and split at the NULs (a C string holds no NUL, and no
    UTF-8 sequence contains the byte 0, so this is each string decoded alone)."""
    if buf[off : off + 4] != b"CQDB":
        raise ValueError("not a crfsuite model: no CQDB chunk where the header points")
    bwd_size, bwd_off = struct.unpack_from("<2I", buf, off + 16)
    if not bwd_size:
        return []
    b = np.frombuffer(buf, dtype=np.uint8)
    rec = np.frombuffer(buf, dtype="<u4", count=bwd_size, offset=off + bwd_off).astype(np.int64) + off
    size = b[rec + 4].astype(np.int64) | b[rec + 5].astype(np.int64) << 8 | b[rec + 6].astype(np.int64) << 16 | b[rec + 7].astype(np.int64) << 24
    if size.min() < 1 or (rec + 8 + size).max() > len(buf):
        raise ValueError("not a crfsuite model: a CQDB record lies outside the file")
    ends = np.cumsum(size)
    gather = np.arange(int(ends[-1]), dtype=np.int64) + np.repeat(rec + 8 - (ends - size), size)
    out = b[gather].tobytes().decode("utf-8").split("\0")
    if len(out) != bwd_size + 1:  # each string ends at its own NUL
        raise ValueError("not a crfsuite model: a CQDB string holds a NUL")
    out.pop()
    return out


def _as_printed(w: np.ndarray) -> np.ndarray:
    """float(f"{x:f}") for every x of w (crfsuite's dump prints weights with %f), exactly: rint(x * 1e6)
    / 1e6 is that value (the division of two exact doubles rounds correctly) unless the product's
    rounding moved it across a half; the few x whose product lies within a few ulps of a half (or
    is huge or not finite) are formatted one by one."""
    y = w * 1e6
    out = np.rint(y) / 1e6
    with np.errstate(invalid="ignore"):
        near = ~np.isfinite(y) | (np.abs(y) >= 2.0**50) | (np.abs(np.abs(y - np.floor(y)) - 0.5) <= 4 * np.abs(np.spacing(y)))
    for i in np.flatnonzero(near).tolist():
        out[i] = float(f"{w[i]:f}")
    return out


def read_model(buf: bytes) -> tuple[list[str], list[str], np.ndarray]:
    """(labels, attributes, features) of a crfsuite CRF1d model file (crf1dmodel.c, little-endian),
    read directly: pycrfsuite's info() prints and parses a text dump, ~1 s per model."""
    magic, _size, kind, _ver, _nf, _nl, _na, off_feat, off_labels, off_attrs = struct.unpack_from("<4sI4s7I", buf, 0)
    if magic != b"lCRF" or kind != b"FOMC" or buf[off_feat : off_feat + 4] != b"FEAT":
        raise ValueError("not a crfsuite CRF1d model")
    (count,) = struct.unpack_from("<I", buf, off_feat + 8)
    feats = np.frombuffer(buf, dtype=_FEATURE, count=count, offset=off_feat + 12)
    return _cqdb_strings(buf, off_labels), _cqdb_strings(buf, off_attrs), feats


def _bounds(sents: list[tuple[int, int]]) -> np.ndarray:
    return np.fromiter(chain.from_iterable(sents), dtype=np.int64, count=2 * len(sents)).reshape(-1, 2)


def label_runs(labels: list[tuple[int, str]], sents: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """The names in BIO labels (decode's (token index, label), in order) as (first token, last + 1,
    type): a label other than O opens one, and the I- labels of its type right after it in its
    sentence go on with it; a name never crosses a sentence start."""
    starts = {a for a, _b in sents}
    runs: list[tuple[int, int, str]] = []
    start = prev = -2
    typ = ""
    for i, lab in labels:  # the non-O tokens, in order
        if start >= 0 and not (i == prev + 1 and i not in starts and lab[0] == "I" and lab[2:] == typ):
            runs.append((start, prev + 1, typ))
            start = -2
        if start < 0:
            start, typ = i, lab[2:]
        prev = i
    if start >= 0:
        runs.append((start, prev + 1, typ))
    return runs


class LinearCRF:
    def __init__(self, model_path: Path) -> None:
        labels, attrs, feats = read_model(model_path.read_bytes())
        self.labels: list[str] = labels
        self.O = self.labels.index("O")
        n = len(self.labels)
        # The weights as crfsuite's dump prints them (%f), which is what the labels were checked against.
        weights = _as_printed(feats["w"].astype(np.float64))
        state = feats["type"] == 0
        src, dst, w = feats["src"][state].astype(np.int64), feats["dst"][state].astype(np.int64), weights[state]
        # Attribute -> row of a weight matrix (attributes x labels); only attributes with a state feature.
        used = np.unique(src)
        self._attr: dict[str, int] = dict(zip(map(attrs.__getitem__, used.tolist()), range(len(used))))
        self._weights = np.zeros((len(used), n))
        self._weights[np.searchsorted(used, src), dst] = w
        self.trans = np.zeros((n, n))
        tr = ~state
        self.trans[feats["src"][tr].astype(np.int64), feats["dst"][tr].astype(np.int64)] = weights[tr]
        self._eos = self._vec(["EOS"])
        # For viterbi_runs: each label's type as an index into _types (-1: O), and whether it is an I- label.
        self._types: list[str] = list(dict.fromkeys(lab[2:] for lab in self.labels if lab != "O"))
        self._kind = np.array([-1 if lab == "O" else self._types.index(lab[2:]) for lab in self.labels], dtype=np.int64)
        self._inner = np.array([lab[0] == "I" for lab in self.labels], dtype=np.bool_)
        self._gaz: dict[str | None, int] = {None: 0}
        self._gaz_rows: list[np.ndarray] = [np.zeros(n)]
        self._gaz_table = np.array(self._gaz_rows)
        self._reset()

    def _vec(self, attrs: list[str]) -> np.ndarray:
        rows = [k for k in map(self._attr.get, attrs) if k is not None]
        return self._weights[rows].sum(0)

    def _reset(self) -> None:
        self._ids: dict[str, int] = {}
        # Row 0: padding (no neighbour), all zeros.
        self._table = np.zeros((1024, SLOTS, len(self.labels)))
        self._n = 1

    def _word_id(self, w: str) -> int:
        """Row of word form w, filled now. Never resets the table: ids bound earlier in a call stay valid."""
        if self._n == len(self._table):
            self._table = np.concatenate([self._table, np.zeros_like(self._table)])
        k = self._n
        self._n += 1
        get = self._attr.get
        rows, slots = [], []
        for slot, attrs in enumerate(word_features(w)):
            for a in attrs:
                r = get(a)
                if r is not None:
                    rows.append(r)
                    slots.append(slot)
        kernels().fill(self._table[k], self._weights, np.array(rows, dtype=np.int64), np.array(slots, dtype=np.int64))
        self._ids[w] = k
        return k

    def _chunks(self, tokens: list[str], sents: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
        """Runs of whole sentences whose new word forms fit the table's bound (one run for any
        ordinary article). decode resets the table only between runs, before any id of the run is
        bound; a single sentence always fits (the table grows past the bound for it)."""
        if self._n + len(tokens) <= _MAX_WORDS:  # even if every token were new
            return [sents]
        out: list[list[tuple[int, int]]] = [[]]
        seen = self._ids
        new: set[str] = set()
        for a, b in sents:
            fresh = {t for t in tokens[a:b] if t not in seen and t not in new}
            if out[-1] and self._n + len(new) + len(fresh) > _MAX_WORDS:
                out.append([])
                seen, new = {}, set()  # the next run starts from an empty table
                fresh = set(tokens[a:b])
            new |= fresh
            out[-1].append((a, b))
        return out

    def _gaz_id(self, tag: str | None) -> int:
        k = self._gaz.get(tag)
        if k is None:
            k = self._gaz[tag] = len(self._gaz_rows)
            self._gaz_rows.append(self._vec(["g=" + tag]))  # type: ignore[operator]
        return k

    def decode(self, tokens: list[str], sents: list[tuple[int, int]], marks: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """Viterbi labels, each sentence its own sequence (crfsuite's labels, exactly), as (token index,
        label) for the tokens not labelled O. marks: (token index, gazetteer tag), see tagger.gaz_marks."""
        if not tokens:
            return []
        gaz = self._gaz_array(len(tokens), marks)
        if self._fits(tokens):  # the usual case: one compiled call
            return self._decode_whole(tokens, sents, gaz)
        return self._decode_runs(tokens, sents, gaz)

    def runs(self, tokens: list[str], sents: list[tuple[int, int]], marks: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
        """label_runs(self.decode(tokens, sents, marks), sents): the names as (first token, last + 1,
        type), read off the labels by the compiled call that decodes them when the text fits the table."""
        if not tokens:
            return []
        gaz = self._gaz_array(len(tokens), marks)
        if not self._fits(tokens):
            return label_runs(self._decode_runs(tokens, sents, gaz), sents)
        n = len(tokens)
        out = np.empty(3 * n, dtype=np.int64)
        k = kernels().viterbi_runs(self._bind(tokens), gaz, _bounds(sents), self._table, self._gaz_table, self._eos, self.trans,
                                   self._kind, self._inner, out)
        if k < 0:
            raise IndexError("CRF word table out of step with its ids")
        flat = out[: 3 * k].tolist()
        types = self._types
        return list(zip(flat[0::3], flat[1::3], [types[t] for t in flat[2::3]]))

    def _gaz_array(self, n: int, marks: list[tuple[int, str]]) -> np.ndarray:
        """Each token's gazetteer row id (0: none)."""
        gaz = np.zeros(n, dtype=np.int64)
        if marks:
            gid, known = self._gaz_id, self._gaz.get
            by_token = {i: known(tag) or gid(tag) for i, tag in marks}  # a later mark of the same token wins; ids >= 1
            gaz_ids = list(by_token.values())
            if len(self._gaz_rows) != len(self._gaz_table):
                self._gaz_table = np.array(self._gaz_rows)
            # Ids are bound after the last reset and rows only grow: a bad id is a bug, never a wild read.
            if max(gaz_ids) >= len(self._gaz_table):
                raise IndexError("CRF gazetteer table out of step with its ids")
            gaz[list(by_token)] = gaz_ids
        return gaz

    def _fits(self, tokens: list[str]) -> bool:
        """Whether all of tokens can be bound without a reset (a full table is reset first)."""
        if self._n >= _MAX_WORDS:
            self._reset()
        return self._n + len(tokens) <= _MAX_WORDS

    def _decode_runs(self, tokens: list[str], sents: list[tuple[int, int]], gaz: np.ndarray) -> list[tuple[int, str]]:
        """decode over runs of sentences that each fit the table (_chunks)."""
        n = len(tokens)
        runs = self._chunks(tokens, sents)
        if len(runs) == 1:
            return self._decode_whole(tokens, sents, gaz)
        out = np.zeros(n, dtype=np.int64)
        for k, run in enumerate(runs):
            if k:  # _chunks planned every later run on an empty table
                self._reset()
            a, b = run[0][0], run[-1][1]
            part = tokens if (a, b) == (0, n) else tokens[a:b]
            # Known forms have ids >= 1 (row 0 is the padding): a 0 marks a new one.
            found = np.fromiter(map(self._ids.get, part, repeat(0, b - a)), dtype=np.int64, count=b - a)
            if not found.all():  # new word forms: rows filled in order of first occurrence
                get, new = self._ids.get, self._word_id
                found = np.array([k or get(t) or new(t) for k, t in zip(found.tolist(), part)], dtype=np.int64)
            if found.max() >= len(self._table):
                raise IndexError("CRF word table out of step with its ids")
            if (a, b) == (0, n):  # one run over the whole text: the usual case
                out = kernels().viterbi(found, gaz, np.array(run, dtype=np.int64), self._table, self._gaz_table, self._eos, self.trans)
                continue
            ids = np.zeros(n, dtype=np.int64)  # 0: the padding row, outside the run
            ids[a:b] = found
            part = kernels().viterbi(ids, gaz, np.array(run, dtype=np.int64), self._table, self._gaz_table, self._eos, self.trans)
            out[a:b] = part[a:b]
        names = self.labels
        hits = np.flatnonzero(out != self.O)
        return list(zip(hits.tolist(), [names[k] for k in out[hits].tolist()]))

    def _bind(self, tokens: list[str]) -> np.ndarray:
        """The tokens' word ids, rows filled for new forms in order of first occurrence (all fit: _fits)."""
        n = len(tokens)
        get = self._ids.get
        found = np.fromiter(map(get, tokens, repeat(0, n)), dtype=np.int64, count=n)
        if not found.all():
            new = self._word_id
            found = np.fromiter([k or get(t) or new(t) for k, t in zip(found.tolist(), tokens)], dtype=np.int64, count=n)
        return found

    def _decode_whole(self, tokens: list[str], sents: list[tuple[int, int]], gaz: np.ndarray) -> list[tuple[int, str]]:
        """decode's result when all sentences fit one run: ids bound, then one compiled call that
        checks them against the tables, runs Viterbi and keeps the non-O labels (what decode's general
        path computes with several numpy steps)."""
        n = len(tokens)
        hits = np.empty(2 * n, dtype=np.int64)
        k = kernels().viterbi_hits(self._bind(tokens), gaz, _bounds(sents), self._table, self._gaz_table, self._eos, self.trans, self.O, hits)
        if k < 0:
            raise IndexError("CRF word table out of step with its ids")
        flat = hits[: 2 * k].tolist()
        names = self.labels
        return list(zip(flat[0::2], [names[y] for y in flat[1::2]]))

    def name_type(self, tokens: list[str], i: int, a: int, b: int) -> str:
        """The likeliest name type of token i (its sentence: tokens a..b) by its emission scores alone,
        the way Viterbi scores it but without transitions: a type for a word the path left outside
        any name. Python, for the few words asked about."""
        return self.name_guess(tokens, i, a, b)[0]

    def name_guess(self, tokens: list[str], i: int, a: int, b: int) -> tuple[str, float]:
        """name_type, and by how much its B- label outscores O in those emission scores (below 0: the
        model would rather read no name there)."""
        get, new = self._ids.get, self._word_id
        table = self._table
        score = np.zeros(len(self.labels))
        for d, slot in ((0, 0), (-1, 1), (1, 2), (-2, 3), (2, 4)):
            j = i + d
            if a <= j < b:
                score += table[get(tokens[j]) or new(tokens[j]), slot]
                table = self._table  # new() may have grown it
        if i == a:
            score += table[get(tokens[i]) or new(tokens[i]), 5]
        best = max((k for k, lab in enumerate(self.labels) if lab.startswith("B-")), key=score.__getitem__)
        return self.labels[best][2:], float(score[best] - score[self.O])

    def labels_of(self, tokens: list[str], gtags: list[str | None]) -> list[str]:
        """All labels of one sentence (gtags: tagger.gaz_tags); for scoring and checks."""
        out = ["O"] * len(tokens)
        for i, lab in self.decode(tokens, [(0, len(tokens))], [(i, g) for i, g in enumerate(gtags) if g is not None]):
            out[i] = lab
        return out
