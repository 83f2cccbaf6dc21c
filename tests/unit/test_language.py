"""Language step: und rules, script short-circuits, configured set, seeds, determinism, corpus sample."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.models import Language
from services.config import DEFAULT_LANGUAGES
from services.processor.language import detect_article, detect_text

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("NEWSFLOW_SHARED", REPO.parent / "shared"))

NL = "De gemeenteraad heeft gisteren besloten dat de nieuwe brug over de rivier volgend jaar wordt gebouwd."
DE = "Der Stadtrat hat gestern beschlossen, dass die neue Brücke über den Fluss im nächsten Jahr gebaut wird."
FR = "Le conseil municipal a décidé hier que le nouveau pont sur la rivière sera construit l'année prochaine."
RU = "Городской совет вчера решил, что новый мост через реку будет построен в следующем году."
UK = "Міська рада вчора вирішила, що новий міст через річку буде збудовано наступного року."
DA = "Byrådet besluttede i går, at den nye bro over floden skal bygges næste år, efter at de havde talt om det."
NB = "Bystyret bestemte i går at den nye broen over elva skal bygges neste år, etter at de hadde snakket om det."
JA = "市議会は昨日、川に架かる新しい橋を来年建設することを決めました。"
ZH = "市议会昨天决定，明年将修建一座横跨河流的新桥。"
KO = "시의회는 어제 강을 가로지르는 새 다리를 내년에 짓기로 결정했다."
EL = "Το δημοτικό συμβούλιο αποφάσισε χθες ότι η νέα γέφυρα θα κατασκευαστεί του χρόνου."
AR = "قرر مجلس المدينة أمس أن الجسر الجديد فوق النهر سيتم بناؤه في العام المقبل."


def seed(prefix: str) -> str:
    files = sorted((SHARED / "seeds").glob(f"{prefix}_*.txt")) if (SHARED / "seeds").is_dir() else []
    if not files:
        pytest.skip(f"seed {prefix} not in {SHARED / 'seeds'}")
    return files[0].read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t ", "1234 5678 90", "https://example.com/news/2025/05/01/article?id=7", "redactie@example.nl",
     "!!! ??? ... --- ***", "OK", "a", "12:30 — 14:45 | €3,50", "😀🎉👍", "中"],
)
def test_no_signal_is_und(text: str) -> None:
    assert detect_text(text) == Language(code="und", confidence=0.0, decided_by="none")
    assert detect_article(text).code == "und"


@pytest.mark.parametrize(
    ("text", "code"),
    [(NL, "nl"), (DE, "de"), (FR, "fr"), (RU, "ru"), (UK, "uk"), (DA, "da"), (NB, "nb"), (AR, "ar")],
)
def test_sentences(text: str, code: str) -> None:
    got = detect_text(text, part="body")
    assert (got.code, got.decided_by) == (code, "body")
    assert 0.5 < got.confidence <= 1.0


def test_script_short_circuits() -> None:
    assert detect_text(JA) == Language(code="ja", confidence=0.99, decided_by="script")
    assert detect_text(ZH) == Language(code="zh", confidence=0.99, decided_by="script")
    # Korean and Greek are not configured by default: und, and the script said so.
    assert detect_text(KO) == Language(code="und", confidence=0.0, decided_by="script")
    assert detect_text(EL).code == "und"
    assert detect_text(KO, (*DEFAULT_LANGUAGES, "ko")).code == "ko"
    assert detect_text(EL, ("el", "en")).code == "el"


def test_cyrillic_letters_split_ru_and_uk() -> None:
    # No word-level clue, only the letters: і/ї/є/ґ are Ukrainian, ы/э/ё Russian.
    assert detect_text("Їжак і єнот", ("ru", "uk")).code == "uk"
    assert detect_text("Мы были здесь", ("ru", "uk")).code == "ru"
    # Latin "i" typed inside Cyrillic words (old Ukrainian texts) still counts as і.
    assert detect_text("За хатою на долинi розрiсся старий густий садок.", ("ru", "uk")).code == "uk"


def test_configured_set_restricts_and_reports_und_outside_it() -> None:
    for text in (RU, UK, FR, DA, JA, AR):
        assert detect_text(text, ("nl", "de")).code == "und", text
    assert detect_text(NL, ("nl", "de")).code == "nl"
    assert detect_text(DE, ["de"]).code == "de"
    assert detect_text(DE, "de").code == "de"  # a lone string is one code


def test_norwegian_is_reported_as_nb_and_no_is_an_alias() -> None:
    assert detect_text(NB, ("no", "da", "sv")).code == "nb"
    assert detect_text(NB, ("nb", "da", "sv")).code == "nb"


def test_title_stands_in_and_cross_checks() -> None:
    assert detect_article("", NL) == detect_text(NL, part="title")
    assert detect_article("2025-05-01 12:00", DE).decided_by == "title"
    assert detect_article("", None).code == "und"
    long_body = " ".join([NL] * 5)
    got = detect_article(long_body, DE)  # a confident body is not overruled by its title
    assert (got.code, got.decided_by) == ("nl", "body")


def test_title_decides_an_ambiguous_body() -> None:
    body = "Det er godt."  # da or nb: the body alone is not sure
    alone = detect_text(body, part="body")
    assert alone.confidence < 0.9
    nb_title, da_title = "Bystyret bestemte at broen skal bygges neste år.", "Byrådet besluttede i går, at den nye bro skal bygges."
    overruled = detect_article(body, nb_title)
    assert (overruled.code, overruled.decided_by) == ("nb", "title")
    confirmed = detect_article(body, da_title)
    assert (confirmed.code, confirmed.decided_by) == ("da", "body")
    assert confirmed.confidence > alone.confidence


def test_seed_articles() -> None:
    nl, de = seed("000"), seed("003")
    assert detect_article(nl, nl.splitlines()[0]).code == "nl"
    assert detect_article(nl).code == "nl"
    assert detect_article(de).code == "de"
    assert detect_article(de).decided_by == "body"


def test_deterministic_within_and_across_processes() -> None:
    texts = [NL, DE, DA, NB, RU, UK, "daarom lieten", "the", "Hvad nu?"]
    here = [detect_text(t).model_dump() for t in texts]
    assert here == [detect_text(t).model_dump() for t in texts]
    code = (
        "import json,sys; from services.processor.language import detect_text;"
        "print(json.dumps([detect_text(t).model_dump() for t in json.loads(sys.stdin.read())]))"
    )
    for hash_seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code], input=json.dumps(texts), capture_output=True, text=True, check=True,
            cwd=REPO, env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        assert json.loads(out.stdout) == here


@settings(max_examples=150, deadline=None)
@given(body=st.text(max_size=300), title=st.one_of(st.none(), st.text(max_size=80)),
       languages=st.lists(st.sampled_from(["nl", "de", "en", "ru", "zh", "ja", "no", "xx", ""]), max_size=4))
def test_never_raises(body: str, title: str | None, languages: list[str]) -> None:
    for got in (detect_article(body, title, languages), detect_article(body, title), detect_text(body)):
        assert isinstance(got, Language)
        assert got.code == "und" or got.code in {*DEFAULT_LANGUAGES, "ko", "el", "he", "th", "ka", "hy", "xx", "nb"}
        assert (got.code == "und") == (got.confidence == 0.0)


@pytest.mark.corpus
def test_corpus_sample_accuracy() -> None:
    corpus = SHARED / "corpora" / "langid"
    if not corpus.is_dir():
        pytest.skip(f"corpus not found at {corpus}")
    rng = random.Random(7)
    for kind, per_lang, floor in (("sentences", 40, 0.99), ("paragraphs", 10, 1.0)):
        by_lang: dict[str, list[str]] = defaultdict(list)
        with (corpus / f"{kind}.jsonl").open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                by_lang[row["lang"]].append(row["text"])
        picked = [(lang, t) for lang, texts in sorted(by_lang.items()) for t in rng.sample(texts, per_lang)]
        right = sum(detect_text(t, DEFAULT_LANGUAGES).code == lang for lang, t in picked)
        assert right / len(picked) >= floor, (kind, right, len(picked))
