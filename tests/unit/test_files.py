from pathlib import Path

import orjson

from schemas import RawArticle
from services.producer.files import Rejected, articles_from_file, iter_files
from services.common.deadletter import dead_letter_for
from services.producer.publish import raw_key


def _all(path: Path) -> list[RawArticle | Rejected]:
    return list(articles_from_file(path, source="test"))


def test_text_html_and_json_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Title\n\nBody text.", encoding="utf-8")
    (tmp_path / "b.html").write_text("<html><body><p>Hi</p></body></html>", encoding="utf-8")
    (tmp_path / "c.json").write_text('{"headline": "H", "text": "T"}', encoding="utf-8")
    kinds = [item.content_type for p in iter_files([tmp_path]) for item in _all(p) if isinstance(item, RawArticle)]
    assert kinds == ["text/plain", "text/html", "application/json"]


def test_jsonl_keeps_good_lines_and_rejects_bad_ones(tmp_path: Path) -> None:
    good = {"source": "svc", "body": "x", "content_type": "text/plain", "fetched_at": "2025-04-07T14:39:00Z"}
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join([orjson.dumps(good).decode(), "{not json", '{"title": "other shape"}']), encoding="utf-8")
    items = _all(path)
    assert isinstance(items[0], RawArticle) and items[0].source == "svc"
    assert isinstance(items[1], Rejected) and "invalid JSON" in items[1].reason and items[1].origin.endswith(":2")
    assert isinstance(items[2], RawArticle) and items[2].content_type == "application/json"


def test_invalid_utf8_and_unknown_types_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 \xff")
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    assert isinstance(_all(tmp_path / "bad.txt")[0], Rejected)
    assert "unsupported" in _all(tmp_path / "x.pdf")[0].reason  # type: ignore[union-attr]


def test_hidden_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "seen.txt").write_text("x")
    assert [p.name for p in iter_files([tmp_path])] == ["seen.txt"]


def test_dead_letter_keeps_binary_payload_exactly() -> None:
    import base64

    letter = dead_letter_for(b"\xff\x00abc", stage="parse", error="bad")
    assert letter.payload_encoding == "base64" and base64.b64decode(letter.payload) == b"\xff\x00abc"
    assert dead_letter_for("text", stage="parse", error="bad").payload == "text"


def test_raw_key_is_stable_and_url_based() -> None:
    from datetime import UTC, datetime

    a = RawArticle(source="s", url="https://x/1", body="one", fetched_at=datetime.now(UTC))
    b = RawArticle(source="t", url="https://x/1", body="two", fetched_at=datetime.now(UTC))
    c = RawArticle(source="s", body="one", fetched_at=datetime.now(UTC))
    assert raw_key(a) == raw_key(b) != raw_key(c)


def test_jsonl_splits_records_on_newline_only(tmp_path: Path) -> None:
    """U+0085, U+2028, U+2029, VT, FF and lone CR inside a JSON string are text, not record breaks."""
    breaks = ["\u0085", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\r"]
    records = [{"source": "svc", "body": f"before{b}after", "content_type": "text/plain",
                "fetched_at": "2025-04-07T14:39:00Z"} for b in breaks]
    path = tmp_path / "breaks.jsonl"
    # orjson keeps these characters raw (only \r is escaped), as most JSON writers do
    path.write_bytes(b"\r\n".join(orjson.dumps(r) for r in records) + b"\n{broken\n")
    items = _all(path)
    goods = [i for i in items if isinstance(i, RawArticle)]
    bads = [i for i in items if isinstance(i, Rejected)]
    assert [g.body for g in goods] == [r["body"] for r in records]
    assert len(bads) == 1 and bads[0].origin.endswith(f":{len(records) + 1}")  # line numbers count "\n" only
