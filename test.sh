#!/usr/bin/env bash
# Set up (first time only, incl. Chromium and a CJK font) and run the tests, browser tests included.
#   ./test.sh                    every test: the fast lane (unit + app) on both cores, then e2e in series
#   ./test.sh -m "not e2e"       the fast lane only (development)
#   ./test.sh ARGS...            any other selection: ARGS go to pytest as they are
# The fast lane runs in parallel (pytest-xdist, one worker per core); real-server tests (e2e) run one
# at a time because they measure a live server and Chromium.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh --browser
PYTEST=(.venv/bin/python -m pytest)
WORKERS="${QUARTERDECK_TEST_WORKERS:-$(nproc)}"
selects() { for a in "$@"; do case "$a" in -m|-k|tests*|*.py|*::*) return 0;; esac; done; return 1; }
if [ $# -gt 0 ] && [ "$1" = "-m" ] && [ "${2:-}" = "not e2e" ]; then
  exec "${PYTEST[@]}" -n "$WORKERS" "$@"
elif selects "$@"; then
  exec "${PYTEST[@]}" "$@"
else
  status=0
  "${PYTEST[@]}" -m "not e2e" -n "$WORKERS" "$@" || status=$?
  # a real browser on a shared 2-core box: a failed e2e test is run once more, and the rerun is
  # reported in the summary (R), so a flaky test stays visible
  "${PYTEST[@]}" -m e2e --reruns 1 --reruns-delay 5 "$@" || status=$?
  exit $status
fi
