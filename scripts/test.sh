#!/usr/bin/env bash
# Install what the tests need and run them all (unit, AppTest, end-to-end in Chromium).
# Chromium comes from Debian (Playwright's own browser download does not work offline);
# PostgreSQL tests run too when TUNELAB_TEST_PG_URL is set (.ci/run sets it).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    echo "Chromium is missing: run 'sudo apt-get install -y chromium' first" >&2
    exit 2
  fi
fi
. scripts/venv.sh
python -m pip install -q -r requirements-dev.txt
export TIKTOKEN_CACHE_DIR="${TIKTOKEN_CACHE_DIR:-$(cd .. && pwd)/shared/tiktoken}"
python -m pytest -q "$@"
