#!/usr/bin/env bash
# The fault files N times in a row while stress-ng keeps every core busy; prints one line per run (result,
# duration, load average) and how many passed; exits 0 only if every run that was started passed.
# Reproduces the "N out of N under a CPU hog" figure in docs/faults.md.
#   bash scripts/stress_faults.sh 10                  # logs in a fresh /tmp/newsflow-stress-faults.* folder
#   bash scripts/stress_faults.sh 10 --until 18:15    # start no run that would end after the next 18:15 (local time),
#                                                     # judged by the previous run's duration
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/stress_faults.sh N [--until HH:MM]"
n=${1:?$usage}
until_epoch=""
if [ "${2:-}" = "--until" ]; then
  until_epoch=$(date -d "${3:?$usage}" +%s)
  # a clock time already past today means that time tomorrow (a run started in the evening)
  if [ "$until_epoch" -le "$(date +%s)" ]; then until_epoch=$((until_epoch + 86400)); fi
fi
command -v stress-ng >/dev/null || { echo "stress-ng not found: run scripts/install.sh (Debian package stress-ng)" >&2; exit 2; }
[ -x .venv/bin/python ] || { echo ".venv missing: run scripts/install.sh first" >&2; exit 2; }
if other=$(pgrep -x stress-ng); then
  echo "another stress-ng is running (pid $(echo $other | tr '\n' ' ')): one CPU hog at a time" >&2; exit 2
fi
files=(tests/integration/test_faults.py tests/integration/test_faults_input.py
       tests/integration/test_poison_pill.py tests/integration/test_deadletter_replay.py)
logs=${STRESS_LOG_DIR:-$(mktemp -d /tmp/newsflow-stress-faults.XXXXXX)}
mkdir -p "$logs"
cpus=$(nproc)

stress-ng --cpu "$cpus" --timeout 0 --quiet &
hog=$!
# stress-ng ends its workers when it gets SIGTERM: the hog never outlives the script.
trap 'kill -TERM "$hog" 2>/dev/null || true; wait "$hog" 2>/dev/null || true' EXIT
# Ctrl-C or SIGTERM stops the script: the run in progress gets SIGINT (pytest tears its brokers down),
# is not counted, and no further run starts.
passed=0 runs=0 last=0 run=""
stop() {
  if [ -n "$run" ]; then kill -INT "$run" 2>/dev/null || true; wait "$run" 2>/dev/null || true; fi
  echo "stopped by a signal after $runs runs, $passed passed (the run in progress is not counted)" >&2
  exit 130
}
trap stop INT TERM
echo "stress-ng --cpu $cpus (pid $hog); logs in $logs"

for i in $(seq 1 "$n"); do
  if [ -n "$until_epoch" ] && [ $(($(date +%s) + last)) -gt "$until_epoch" ]; then
    echo "stopping: another run (the last took $last s) would end after --until"; break
  fi
  start=$(date +%s)
  # In the background and waited for: a signal interrupts the wait, not only the run's end. The run
  # restores SIGINT's handler (a script's background job inherits it ignored), so that SIGINT lets
  # pytest tear its brokers down.
  .venv/bin/python -c 'import signal, sys, pytest; signal.signal(signal.SIGINT, signal.default_int_handler); sys.exit(pytest.main(sys.argv[1:]))' \
    "${files[@]}" -x -q -p no:cacheprovider >"$logs/run-$i.log" 2>&1 &
  run=$!
  if wait "$run"; then
    passed=$((passed + 1)); result=passed
  else
    result="FAILED ($(grep -m1 -E '^(FAILED|ERROR) ' "$logs/run-$i.log" || echo 'see the log'))"
  fi
  run=""
  runs=$((runs + 1)); last=$(($(date +%s) - start))
  echo "run $i: $result in $last s, load average $(cut -d' ' -f1-3 /proc/loadavg) ($logs/run-$i.log)"
done
echo "fault files under stress-ng --cpu $cpus: $passed of $runs runs passed ($n asked)"
[ "$runs" -gt 0 ] && [ "$passed" -eq "$runs" ]
