#!/usr/bin/env bash
# What review reports need from the system and pip cannot ship: WeasyPrint's Pango (text layout)
# and a Japanese font — a new Debian machine has no CJK font, and the plan's risk titles would
# print as boxes. IPAex Gothic is small (~8 MB) and covers the plan's text.
# Pass --tests to add poppler-utils (pdftotext), which the report tests read PDFs with.
set -euo pipefail
packages=()
libs=$( { /sbin/ldconfig -p || ldconfig -p; } 2>/dev/null || true)
have_lib() { grep -q "$1" <<<"$libs"; }
have_lib libpango-1.0.so.0 || packages+=(libpango-1.0-0)
have_lib libpangoft2-1.0.so.0 || packages+=(libpangoft2-1.0-0)
# Read the font list whole first: `fc-list | grep -q` under pipefail fails when grep stops reading
# early and fc-list dies of SIGPIPE, which re-ran apt on every start.
fonts=$(fc-list 2>/dev/null || true)
grep -qi "IPAexGothic" <<<"$fonts" || packages+=(fonts-ipaexfont-gothic)
if [ "${1:-}" = "--tests" ]; then
  command -v pdftotext >/dev/null 2>&1 || packages+=(poppler-utils)
fi
if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing ${packages[*]} (Debian packages) for review reports"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
else
  echo "!! review reports need ${packages[*]}: install these Debian packages" \
       "(sudo apt-get install ${packages[*]}); HTML reports work without them, PDF reports do not." >&2
fi
