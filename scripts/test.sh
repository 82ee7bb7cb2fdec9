#!/usr/bin/env bash
# Run the whole pytest suite on SQLite and on PostgreSQL, side by side.
# PostgreSQL comes from TEST_DATABASE_URL, or the server on 127.0.0.1:5432 (user postgres) when one
# answers. With CI=true a missing PostgreSQL fails the run; elsewhere it is skipped, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

scratch=$(mktemp -d)
# Stopped early (Ctrl-C, a CI timeout), the passes running side by side go with this script: each
# pass's process tree is ended before the scratch directory is removed.
kill_tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
cleanup() {
  for pid in ${sqlite_pid:-} ${pg_pid:-}; do kill_tree "$pid"; done
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export SECRET_KEY=${SECRET_KEY:-test-only-not-a-secret-but-long-enough-for-hs256}

pg_url=${TEST_DATABASE_URL:-}
if [ -z "$pg_url" ]; then
  candidate="postgres://postgres@127.0.0.1:5432/riskregister"
  if "$PY" - "$candidate" <<'PYEOF' 2>/dev/null; then
import sys
import psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
psycopg.connect(url, connect_timeout=3).close()
PYEOF
    pg_url=$candidate
  fi
fi

if [ -z "$pg_url" ] && [ "${CI:-}" = "true" ]; then
  echo "!! CI=true but no PostgreSQL answers on 127.0.0.1:5432 and TEST_DATABASE_URL is unset: failing." >&2
  exit 1
fi

# One pass: its own var directory, hypothesis database and pytest temporary directory, so two passes
# can run side by side.
run_pass() {
  local name=$1 url=$2
  shift 2
  mkdir -p "$scratch/$name/var/static" "$scratch/$name/tmp"  # WhiteNoise looks for static/ when a live server starts
  RISKREGISTER_VAR_DIR="$scratch/$name/var" HYPOTHESIS_STORAGE_DIRECTORY="$scratch/$name/hypothesis" \
    DATABASE_URL="$url" "$PY" -m pytest --basetemp="$scratch/$name/tmp" "$@"
}

sqlite_url="sqlite:///$scratch/sqlite/main.sqlite3"  # the tests' own database is var/test.sqlite3
# The e2e test of the `make run` stack brings its own SQLite; the `once` suites (the generated-plan
# property, the viewer's API fuzz run, the browser tests) test what the database hardly changes: they
# run in the SQLite pass only.
pg_args=(-m "not stack and not once")

if [ -z "$pg_url" ]; then
  echo "== pytest on SQLite"
  run_pass sqlite "$sqlite_url" "$@"
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!! PostgreSQL run SKIPPED: none answers on 127.0.0.1:5432 and TEST_DATABASE_URL"
  echo "!! is unset. Only SQLite was tested."
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  exit 0
fi

if [ "${TEST_SERIAL:-}" = "1" ]; then
  echo "== pytest on SQLite"
  run_pass sqlite "$sqlite_url" "$@"
  echo "== pytest on PostgreSQL ($pg_url)"
  run_pass postgresql "$pg_url" "${pg_args[@]}" "$@"
  exit 0
fi

# The two passes side by side (TEST_SERIAL=1: one after the other). Each pass is one pytest process
# that waits much of its time on the servers, workers and browser its tests start, so together they
# keep both cores busy. Their lines are prefixed as they come; each pass's summary is repeated at the end.
echo "== pytest on SQLite and on PostgreSQL ($pg_url), side by side"
mkdir -p "$scratch/logs"
(run_pass sqlite "$sqlite_url" "$@" 2>&1 | tee "$scratch/logs/sqlite.log" | sed -u 's/^/[sqlite] /'; exit "${PIPESTATUS[0]}") &
sqlite_pid=$!
(run_pass postgresql "$pg_url" "${pg_args[@]}" "$@" 2>&1 | tee "$scratch/logs/postgresql.log" | sed -u 's/^/[postgresql] /'; exit "${PIPESTATUS[0]}") &
pg_pid=$!
status=0
wait "$sqlite_pid" || status=1
wait "$pg_pid" || status=1
for name in sqlite postgresql; do
  echo
  echo "== summary of the $name pass"
  tail -n 25 "$scratch/logs/$name.log"
done
exit "$status"
