#!/usr/bin/env bash
# Install what `make bench` drives from outside Python: wrk, from Debian's packages, the HTTP load
# generator of bench/bench_api.py.
set -euo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing wrk (Debian package) for bench/bench_api.py"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
else
  echo "!! wrk is not installed and this user cannot apt-get it: install Debian's wrk for bench_api.py." >&2
  exit 1
fi
