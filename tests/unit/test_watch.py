"""Folder watcher decisions (pure): which files are input, when a file is ready, where it goes."""

from __future__ import annotations

from pathlib import Path

from services.producer.watch import FileStat, destination, is_candidate, ready_files, snapshot


def test_candidates_skip_hidden_and_temporary_names() -> None:
    assert is_candidate(Path("a.txt")) and is_candidate(Path("sub/b.jsonl"))
    for rel in (".hidden.txt", ".done/a.txt", ".failed/x/b.txt", "a.txt.part", "b.tmp", "c.html~", "d.crdownload"):
        assert not is_candidate(Path(rel)), rel


def test_a_file_is_ready_only_when_unchanged_between_two_polls() -> None:
    a, b, c, e = Path("a.txt"), Path("b.txt"), Path("c.txt"), Path("empty.txt")
    first = {a: FileStat(10, 1), b: FileStat(5, 1), e: FileStat(0, 1)}
    second = {a: FileStat(10, 1), b: FileStat(9, 2), c: FileStat(3, 3), e: FileStat(0, 1)}
    assert ready_files({}, first) == []  # nothing is ready on first sight
    assert ready_files(first, second) == [a]  # b still growing, c new, empty file waits for content
    assert ready_files(second, second) == [a, b, c]
    assert ready_files({a: FileStat(10, 1)}, {a: FileStat(10, 2)}) == []  # rewritten with the same size


def test_destination_keeps_relative_path_and_never_overwrites() -> None:
    root = Path("/in")
    taken = {Path("/in/.done/sub/a.txt")}
    assert destination(root, ".done", Path("b.txt"), taken.__contains__, "S") == Path("/in/.done/b.txt")
    assert destination(root, ".done", Path("sub/a.txt"), taken.__contains__, "S") == Path("/in/.done/sub/a.S.txt")
    assert destination(root, ".failed", Path("sub/a.txt"), taken.__contains__, "S") == Path("/in/.failed/sub/a.txt")


def test_snapshot_sees_input_only(tmp_path: Path) -> None:
    (tmp_path / ".done").mkdir()
    (tmp_path / ".done" / "old.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "new.txt").write_text("hello")
    (tmp_path / "upload.part").write_text("partial")
    found = snapshot(tmp_path)
    assert list(found) == [tmp_path / "sub" / "new.txt"] and found[tmp_path / "sub" / "new.txt"].size == 5
