#!/usr/bin/env bash
# The main job on a fresh machine: install (idempotent), then run the local stack on the samples.
# Extra arguments go to `newsflow up` (e.g. --once, or paths to feed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/newsflow up "$@"
