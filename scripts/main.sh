#!/usr/bin/env bash
# The main job, from a fresh clone: one task on the built-in simulated phone.
#
# The bundled default planner model (issue 9) does not exist yet, so this runs the task's
# scripted oracle through the real agent loop (observe, guard, act, reward, step records),
# and says so. Pass other `droidpilot run` flags to change it, e.g.
#   bash scripts/main.sh --backend transformers --model smollm2   (needs: scripts/setup.sh torch)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "${DROIDPILOT_EXTRAS:-}"
args=(--task FoodGoOrderDish --seed 1 --approve allow --out runs)
if [ $# -eq 0 ]; then
  echo "main: there is no bundled default model yet (issue 9): running the task's scripted" \
    "oracle through the real agent loop instead" >&2
  args+=(--backend oracle)
else
  args+=("$@")
fi
exec .venv/bin/droidpilot run "${args[@]}"
