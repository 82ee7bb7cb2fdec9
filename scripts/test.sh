#!/usr/bin/env bash
# Run the whole pytest suite on SQLite, then on PostgreSQL.
# PostgreSQL comes from TEST_DATABASE_URL, or the server on 127.0.0.1:5432 (user postgres) when one
# answers. With CI=true a missing PostgreSQL fails the run; elsewhere it is skipped, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export SECRET_KEY=${SECRET_KEY:-test-only-not-a-secret-but-long-enough-for-hs256}
export RISKREGISTER_VAR_DIR="$scratch/var"
mkdir -p "$RISKREGISTER_VAR_DIR/static"  # WhiteNoise looks for it when the live server starts
export HYPOTHESIS_STORAGE_DIRECTORY="$scratch/hypothesis"

echo "== pytest on SQLite"
DATABASE_URL="sqlite:///$scratch/test.sqlite3" "$PY" -m pytest "$@"

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

if [ -z "$pg_url" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "!! CI=true but no PostgreSQL answers on 127.0.0.1:5432 and TEST_DATABASE_URL is unset: failing." >&2
    exit 1
  fi
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!! PostgreSQL run SKIPPED: none answers on 127.0.0.1:5432 and TEST_DATABASE_URL"
  echo "!! is unset. Only SQLite was tested."
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  exit 0
fi

echo "== pytest on PostgreSQL ($pg_url)"
# The e2e test of the `make run` stack brings its own SQLite; the `once` suites (the generated-plan
# property, the viewer's API fuzz run, the browser tests) test what the database hardly changes: all ran
# in the first pass.
DATABASE_URL="$pg_url" "$PY" -m pytest -m "not stack and not once" "$@"
