"""docker-compose.yml is valid, and its Kafka is the version the local broker runs."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from services.common.localkafka import KAFKA_VERSION, POM

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"


def test_compose_kafka_image_matches_local_broker_version() -> None:
    spec = yaml.safe_load(COMPOSE.read_text())
    assert spec["services"]["kafka"]["image"] == f"apache/kafka:{KAFKA_VERSION}"
    assert f"<kafka.version>{KAFKA_VERSION}</kafka.version>" in POM.read_text()


def test_compose_has_the_stack_with_healthchecks() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert {"kafka", "postgres", "processor", "sink", "producer"} <= set(services)
    assert services["producer"]["profiles"] == ["producer"]
    for name in ("kafka", "postgres", "processor", "sink", "dashboard"):
        assert "healthcheck" in services[name], name
    for name in ("processor", "sink", "dashboard"):  # readiness, not "a process with that name exists"
        assert "/readyz" in " ".join(services[name]["healthcheck"]["test"]), name


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed (scripts/install.sh installs it)")
def test_docker_compose_config_validates() -> None:
    env = {**os.environ, "POSTGRES_PASSWORD": "test-only"}
    done = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    # Without the password the stack refuses to start: no default secret.
    env.pop("POSTGRES_PASSWORD")
    assert subprocess.run(["docker-compose", "-f", str(COMPOSE), "config", "-q"], capture_output=True, env=env).returncode != 0
