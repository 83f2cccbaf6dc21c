#!/usr/bin/env bash
# Installs what newsflow needs on a fresh Debian machine: JDK 17 + Maven (local Kafka), PostgreSQL
# (test cluster), docker-compose 1.29 (offline validation of docker-compose.yml), Chromium (headless, for the
# live page's test), stress-ng (the fault suite under a CPU hog), gcc and Python's headers (the entity
# step's kernels, built ahead of time), the Python venv with pinned dependencies, and the Kafka jars from
# Maven Central.
# Idempotent: skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v chromium >/dev/null || need+=(chromium)  # headless, for the live page's browser test
command -v stress-ng >/dev/null || need+=(stress-ng)  # CPU hog for scripts/stress_faults.sh
command -v gcc >/dev/null || need+=(gcc)  # builds the entity step's kernels ahead of time (below)
[ -e "$("${PYTHON:-python3}" -c 'import sysconfig; print(sysconfig.get_path("include"))')/Python.h" ] || need+=(python3-dev)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q -e '.[test,kb]'  # kb: the KB build's inputs (its test rebuilds the KB)

# The entity step's compiled kernels, built here when absent or stale (~1 min CPU): a process loads them in ~1 ms
# instead of ~1 s of numba (services/processor/entities/ner/compiled.py). Without them numba compiles
# the same code on first use: slower to start, same results.
.venv/bin/python -c "import sys; from services.processor.entities.ner.compiled import main; sys.exit(main([]))" \
  || echo "warning: entity kernels not built ahead of time" >&2

# Resolve and cache the broker jars now, so no test pays for it (and a failure says so here).
.venv/bin/python -c "from services.common.localkafka import ensure_jars; print('kafka jars:', ensure_jars())"
