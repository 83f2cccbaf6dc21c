"""A real single-node Apache Kafka (KRaft) as a local process, for `newsflow up` and the tests.

There is no Docker engine on our machines, so the broker's jars are resolved from Maven Central
with Maven (kafka-pom.xml), cached outside the repo, and run with the machine's JDK 17.
The version matches the apache/kafka image in docker-compose.yml (a test checks it).
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

KAFKA_VERSION = "4.3.1"
_HERE = Path(__file__).parent
POM = _HERE / "kafka-pom.xml"
LOG4J_CONFIG = _HERE / "kafka-log4j2.yaml"
_READY_LINE = "Kafka Server started"
_FATAL_START_LINE = "Exiting Kafka due to fatal exception during startup"
log = logging.getLogger(__name__)


class LocalKafkaError(RuntimeError):
    pass


def kafka_home() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "newsflow" / f"kafka-{KAFKA_VERSION}"
    return Path(os.environ.get("NEWSFLOW_KAFKA_HOME", default))


def ensure_jars(home: Path | None = None) -> Path:
    """Resolve the broker's jars once; later calls return the cached folder at once."""
    libs = (home or kafka_home()) / "libs"
    if (libs / f"kafka_2.13-{KAFKA_VERSION}.jar").exists():
        return libs
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            raise LocalKafkaError(f"`{tool}` is not on PATH: the local Kafka needs a JDK 17 and Maven (see .ci/run)")
    staging = libs.with_name("libs.partial")
    shutil.rmtree(staging, ignore_errors=True)
    cmd = ["mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
           "-DincludeScope=runtime", f"-DoutputDirectory={staging}"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise LocalKafkaError(f"resolving Kafka {KAFKA_VERSION} jars failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    staging.rename(libs)  # atomic: a crash mid-download never leaves a half folder behind as "cached"
    return libs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalKafka:
    """One broker+controller process. Data lives in data_dir, so stop/start keeps the log."""

    def __init__(self, data_dir: Path, port: int | None = None, heap_mb: int = 512,
                 sasl_users: dict[str, str] | None = None, cluster_id: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        # KRaft wants 16 bytes in URL-safe base64; a fresh one per new storage unless given
        self.cluster_id = cluster_id or base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        self.port = port or free_port()
        self.controller_port = free_port()
        self.heap_mb = heap_mb
        # Optional second listener, SASL_PLAINTEXT with PLAIN, accepting these users (for security tests).
        # The PLAINTEXT listener stays as it is (the broker talks to itself over it).
        for name, password in (sasl_users or {}).items():
            if not name.isidentifier() or '"' in password or "\\" in password:
                raise ValueError("SASL user names must be identifiers and passwords free of quotes and backslashes")
        self.sasl_users = dict(sasl_users or {})
        self.sasl_port = free_port() if self.sasl_users else None
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def sasl_bootstrap(self) -> str:
        if self.sasl_port is None:
            raise LocalKafkaError("this broker has no SASL listener (pass sasl_users)")
        return f"127.0.0.1:{self.sasl_port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "kafka.log"

    def _properties(self) -> Path:
        path = self.data_dir / "server.properties"
        listeners = f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
        advertised = f"PLAINTEXT://127.0.0.1:{self.port}"
        protocols = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
        sasl: list[str] = []
        if self.sasl_users:
            listeners += f",SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}"
            advertised += f",SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}"
            protocols += ",SASL_PLAINTEXT:SASL_PLAINTEXT"
            users = " ".join(f'user_{name}="{password}"' for name, password in self.sasl_users.items())
            sasl = ["sasl.enabled.mechanisms=PLAIN",
                    "listener.name.sasl_plaintext.plain.sasl.jaas.config="
                    f"org.apache.kafka.common.security.plain.PlainLoginModule required {users};"]
        path.write_text(
            "\n".join([
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                f"listeners={listeners}",
                f"advertised.listeners={advertised}",
                "controller.listener.names=CONTROLLER",
                f"listener.security.protocol.map={protocols}",
                *sasl,
                "inter.broker.listener.name=PLAINTEXT",
                f"log.dirs={self.data_dir / 'log'}",
                "num.partitions=4",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=true",
                "",
            ])
        )
        return path

    def _java(self, libs: Path, main: str, *args: str, heap: bool = False) -> list[str]:
        opts = [f"-Xms{self.heap_mb // 2}m", f"-Xmx{self.heap_mb}m", "-XX:+UseSerialGC"] if heap else ["-Xmx256m"]
        return ["java", *opts, f"-Dlog4j2.configurationFile={LOG4J_CONFIG}", "-cp", f"{libs}/*", main, *args]

    def start(self, timeout: float = 180.0) -> LocalKafka:
        """Start the broker and wait until it serves. On a loaded machine KRaft's start-up can fail on its
        own timing ("Exiting Kafka due to fatal exception during startup"): that start is retried once,
        on the same storage."""
        libs = ensure_jars()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        props = self._properties()
        if not (self.data_dir / "log" / "meta.properties").exists():
            # "=" binds the id to its option: a base64 id may begin with "-" and would read as an option
            fmt = subprocess.run(self._java(libs, "kafka.tools.StorageTool", "format",
                                            f"--cluster-id={self.cluster_id}", "-c", str(props)),
                                 capture_output=True, text=True)
            if fmt.returncode != 0:
                raise LocalKafkaError(f"formatting KRaft storage failed: {fmt.stdout}{fmt.stderr}")
        deadline = time.monotonic() + timeout
        for _attempt in (1, 2):
            if self._launch(libs, props, deadline):
                return self
        raise LocalKafkaError(f"Kafka failed during start-up twice; see {self.log_path}:\n{self._tail()}")

    def _launch(self, libs: Path, props: Path, deadline: float) -> bool:
        """One start: True when the broker serves; False when it failed at start-up on its own and may be
        started again. Raises when it did not start by the deadline or exited otherwise."""
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        out = self.log_path.open("ab")
        # Own session: Ctrl-C in `newsflow up` reaches us first, and we stop the broker last.
        self.proc = subprocess.Popen(self._java(libs, "kafka.Kafka", str(props), heap=True),
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        while time.monotonic() < deadline:
            with self.log_path.open("rb") as f:
                f.seek(offset)
                text = f.read().decode(errors="replace")
            if _READY_LINE in text and self._port_open():
                return True
            if _FATAL_START_LINE in text:
                log.warning("Kafka failed during start-up (%s); starting it again", self.log_path)
                self.stop()
                return False
            if self.proc is None or self.proc.poll() is not None:
                code = self.proc.returncode if self.proc is not None else None
                raise LocalKafkaError(f"Kafka exited with {code}; see {self.log_path}:\n{self._tail()}")
            time.sleep(0.2)
        self.stop()
        raise LocalKafkaError(f"Kafka did not start in time; see {self.log_path}:\n{self._tail()}")

    def _port_open(self) -> bool:
        with socket.socket() as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def _tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self, timeout: float = 30.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def kill(self) -> None:
        """SIGKILL: a crash, for fault tests."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def __enter__(self) -> LocalKafka:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
