"""A running `newsflow up` is found by the other commands of its folder; a stale state file is not."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from services.cli_context import settings_here, target_line
from services.config import Settings, get_settings
from services.stackstate import STATE_FILE, StackBusy, StackLock, absolute_database_url, apply_stack, read_state


def stack_settings(state: Path) -> Settings:
    return Settings(kafka_bootstrap_servers="127.0.0.1:40123", state_dir=state,  # type: ignore[call-arg]
                    database_url="sqlite:///newsflow.db", topic_raw="my.raw")


def test_a_running_stack_is_found_and_a_stale_file_is_ignored(tmp_path: Path) -> None:
    state = tmp_path / ".newsflow"
    assert read_state(state) is None
    with StackLock(state) as lock:
        lock.publish(stack_settings(state))
        info = read_state(state)
        assert info is not None and info.pid == os.getpid() and info.bootstrap_servers == "127.0.0.1:40123"
        assert info.database_url == absolute_database_url("sqlite:///newsflow.db")
        assert info.database_url.startswith("sqlite:////")  # absolute: the same file from any folder
        with pytest.raises(StackBusy, match="already running"):
            StackLock(state).acquire()
    assert not (state / STATE_FILE).exists()  # removed on a clean stop
    # a stack.json left by an `up` that was killed: nobody holds the lock, so it is stale
    (state / STATE_FILE).write_bytes(orjson.dumps({"pid": 1, "bootstrap_servers": "127.0.0.1:1",
                                                   "database_url": "sqlite:////x.db", "settings": {}}))
    assert read_state(state) is None


def test_the_environment_wins_over_the_stack(tmp_path: Path) -> None:
    state = tmp_path / ".newsflow"
    with StackLock(state) as lock:
        lock.publish(stack_settings(state))
        info = read_state(state)
        assert info is not None
        plain = apply_stack(Settings(state_dir=state), info)  # type: ignore[call-arg]
        assert (plain.kafka_bootstrap_servers, plain.topic_raw) == ("127.0.0.1:40123", "my.raw")
        assert plain.database_url == info.database_url
        explicit = apply_stack(Settings(state_dir=state, kafka_bootstrap_servers="kafka:9092"), info)  # type: ignore[call-arg]
        assert explicit.kafka_bootstrap_servers == "kafka:9092" and explicit.topic_raw == "my.raw"
        line = target_line(plain, info, kafka=True, database=True, explicit=frozenset())
        assert line.startswith(f"using the stack of `newsflow up` (pid {os.getpid()}") and "Kafka 127.0.0.1:40123" in line
        said = target_line(explicit, info, kafka=True, database=False, explicit=frozenset({"kafka_bootstrap_servers"}))
        assert said == "using Kafka kafka:9092 (KAFKA_BOOTSTRAP_SERVERS)"


def test_settings_here_reads_the_stack_of_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    for name in list(os.environ):
        if name.startswith(("NEWSFLOW_", "KAFKA_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        with StackLock(Path(".newsflow")) as lock:
            lock.publish(stack_settings(Path(".newsflow")))
            settings = settings_here(kafka=True, database=True)
        assert settings.kafka_bootstrap_servers == "127.0.0.1:40123" and settings.topic_raw == "my.raw"
        said = capsys.readouterr().err.strip().splitlines()
        assert len(said) == 1 and "using the stack of `newsflow up`" in said[0]
    finally:
        get_settings.cache_clear()
