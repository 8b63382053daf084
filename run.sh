#!/usr/bin/env bash
# Set up (first time only) and start Quarterdeck. With no database yet, the first start
# builds the demo bank into data/quarterdeck.duckdb (or $QUARTERDECK_DB). lib.ui.preload serves app.py
# as `streamlit run` does and imports the pages' modules and warms the caches as the process starts.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
exec .venv/bin/python -m lib.ui.preload \
  --server.port "${PORT:-8501}" --server.address "${ADDRESS:-0.0.0.0}" "$@"
