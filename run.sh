#!/usr/bin/env bash
# Set up (first time only) and start Quarterdeck. With no database yet, the first start
# builds the demo bank into data/quarterdeck.duckdb (or $QUARTERDECK_DB).
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
exec .venv/bin/streamlit run app.py \
  --server.port "${PORT:-8501}" --server.address "${ADDRESS:-0.0.0.0}" "$@"
