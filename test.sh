#!/usr/bin/env bash
# Set up (first time only, incl. Chromium and a CJK font) and run every test, browser tests included.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh --browser
exec .venv/bin/python -m pytest "$@"
