# Sourced by scripts/start.sh and scripts/test.sh: make .venv with Python >= 3.11 on first use
# and activate it. Stock Debian refuses `pip install` outside a virtual environment
# (externally-managed-environment) and ships venv's pip in the separate python3-venv package.
pick_python() {
  for candidate in python3.13 python3.12 python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "Tunelab needs Python 3.11 or newer: install it (Debian: apt-get install python3)" >&2
  return 1
}

if [ ! -x .venv/bin/python ]; then
  PYTHON="$(pick_python)"
  if ! "$PYTHON" -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    version="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${version}-venv" >/dev/null
      "$PYTHON" -m venv .venv
    else
      echo "Python's venv module is missing: run 'sudo apt-get install python${version}-venv'" >&2
      return 1 2>/dev/null || exit 1
    fi
  fi
fi
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
