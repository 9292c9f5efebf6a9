#!/usr/bin/env bash
# The whole test suite, from a fresh clone: sets itself up, then runs ruff, mypy and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev,torch,rl,ray
.venv/bin/ruff check droidpilot tests bench scripts
.venv/bin/ruff format --check droidpilot tests bench scripts >/dev/null || {
  echo "test: ruff format would change files (run .venv/bin/ruff format)" >&2; exit 1; }
.venv/bin/mypy droidpilot
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
