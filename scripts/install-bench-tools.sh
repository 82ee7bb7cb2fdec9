#!/usr/bin/env bash
# Install what the benches drive from outside Python, from Debian's packages: wrk (the HTTP load
# generator of bench/bench_api.py), and iproute2 and socat (the network namespaces of
# bench/bench_scale_out.py and its forwarding of PostgreSQL onto their bridge).
set -euo pipefail
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v socat >/dev/null 2>&1 || missing+=(socat)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing ${missing[*]} (Debian packages) for the benches"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "!! ${missing[*]} not installed and this user cannot apt-get them: install Debian's packages." >&2
  exit 1
fi
