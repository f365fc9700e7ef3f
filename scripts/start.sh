#!/usr/bin/env bash
# Install Tunelab into .venv (made on first run) and start it at http://127.0.0.1:8501.
# Extra arguments go to `streamlit run` (e.g. --server.port 8600).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
python -m pip install -q -r requirements.txt
exec python -m streamlit run app.py "$@"
