"""The README's second-shell commands, as written, next to a running `newsflow up` in the same folder.

Nothing is exported: each command finds the stack through .newsflow/stack.json and says so. A second
`newsflow up` in the same folder is refused with one line. The commands are read from README.md (the
block after the `second-shell` marker), so the README cannot drift from what works.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
MARKER = "<!-- second-shell:"


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text[text.index(MARKER):], re.S)
    assert block is not None
    lines = [re.sub(r"\s+#.*$", "", ln).strip() for ln in block.group(1).splitlines()]
    return [ln for ln in lines if ln]


def test_readme_second_shell_commands_work_as_written(tmp_path: Path) -> None:
    for name in ("samples", "examples"):  # the README's relative paths, in a folder of our own
        (tmp_path / name).symlink_to(REPO / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSFLOW_", "KAFKA_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # as `source .venv/bin/activate`
    env["COLUMNS"] = "200"
    up = subprocess.Popen(["newsflow", "up"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, start_new_session=True)
    assert up.stderr is not None
    try:
        seen = []
        for line in up.stderr:  # samples are fed and stored before it says it is running
            seen.append(line)
            if line.startswith("running;"):
                break
        assert any(line.startswith("running;") for line in seen), "".join(seen)

        outputs = {}
        for command in readme_commands():
            done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                                  timeout=300)
            assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
            assert "Traceback" not in done.stderr, done.stderr
            outputs.setdefault(command, []).append(done)
        first, again = outputs["newsflow produce samples/"]
        assert "using the stack of `newsflow up`" in first.stderr and "sent 3" in first.stdout
        assert "3 unchanged, skipped" in again.stdout
        query = outputs["newsflow query --language nl"][0]
        assert "showing 1 of 1 stored articles, language nl" in query.stdout
        assert "using the stack of `newsflow up`" in query.stderr
        assert "dead letters on articles.deadletter" in outputs["newsflow deadletter list"][0].stdout
        subscribed = outputs["python examples/subscribe.py --max 3"][0].stdout.splitlines()
        assert len(subscribed) == 3 and {ln.split()[1] for ln in subscribed} == {"nl", "de", "en"}

        second = subprocess.run(["newsflow", "up", "--once"], cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=300)
        assert second.returncode == 1 and "Traceback" not in second.stderr
        assert second.stderr.strip().startswith("newsflow: error: the stack of `newsflow up`")
        assert "already running" in second.stderr and len(second.stderr.strip().splitlines()) == 1
    finally:
        os.killpg(up.pid, signal.SIGINT)
        up.communicate(timeout=120)
    assert up.returncode == 0
    time.sleep(0.5)
    assert not (tmp_path / ".newsflow" / "stack.json").exists()  # removed when the stack stops
