"""The test broker itself: whatever cluster id it draws, its storage formats and it serves."""
import base64
from pathlib import Path

from services.common.localkafka import LocalKafka


def test_a_cluster_id_beginning_with_a_dash_formats(tmp_path: Path) -> None:
    # one id in 64 begins with "-", which a command-line parser takes for an option
    cluster_id = base64.urlsafe_b64encode(b"\xf8" + bytes(range(15))).decode().rstrip("=")
    assert cluster_id.startswith("-")
    broker = LocalKafka(tmp_path / "kafka", cluster_id=cluster_id).start()
    try:
        meta = (tmp_path / "kafka" / "log" / "meta.properties").read_text()
        assert f"cluster.id={cluster_id}" in meta
    finally:
        broker.stop()
