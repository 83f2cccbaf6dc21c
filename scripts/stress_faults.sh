#!/usr/bin/env bash
# The fault files N times in a row while stress-ng keeps every core busy; prints one line per run and how
# many passed (exit 0 only if all did). Reproduces the "N out of N under a CPU hog" figure in docs/faults.md.
#   bash scripts/stress_faults.sh 10            # logs in a fresh /tmp/newsflow-stress-faults.* folder
#   STRESS_LOG_DIR=/tmp/x bash scripts/stress_faults.sh 3
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?usage: scripts/stress_faults.sh N (how many runs of the fault files)}
command -v stress-ng >/dev/null || { echo "stress-ng not found: run scripts/install.sh (Debian package stress-ng)" >&2; exit 2; }
[ -x .venv/bin/python ] || { echo ".venv missing: run scripts/install.sh first" >&2; exit 2; }
files=(tests/integration/test_faults.py tests/integration/test_faults_input.py
       tests/integration/test_poison_pill.py tests/integration/test_deadletter_replay.py)
logs=${STRESS_LOG_DIR:-$(mktemp -d /tmp/newsflow-stress-faults.XXXXXX)}
mkdir -p "$logs"
cpus=$(nproc)

stress-ng --cpu "$cpus" --timeout 0 --quiet &
hog=$!
# stress-ng ends its workers when it gets SIGTERM; the hog never outlives the script.
trap 'kill -TERM "$hog" 2>/dev/null || true; wait "$hog" 2>/dev/null || true' EXIT INT TERM
echo "stress-ng --cpu $cpus (pid $hog); logs in $logs"

passed=0
for i in $(seq 1 "$n"); do
  start=$(date +%s)
  if .venv/bin/python -m pytest "${files[@]}" -x -q -p no:cacheprovider >"$logs/run-$i.log" 2>&1; then
    passed=$((passed + 1)); result=passed
  else
    result="FAILED ($(grep -m1 -E '^FAILED|^ERROR' "$logs/run-$i.log" || echo 'see log'))"
  fi
  echo "run $i/$n: $result in $(($(date +%s) - start)) s, load average $(cut -d' ' -f1-3 /proc/loadavg) ($logs/run-$i.log)"
done
echo "fault files under stress-ng --cpu $cpus: $passed of $n runs passed"
[ "$passed" -eq "$n" ]
