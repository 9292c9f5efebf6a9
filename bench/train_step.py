"""Benchmark of whole SFT optimizer steps (forward, backward, AdamW) as `droidpilot train sft`
takes them, on a CPU or a GPU: the GPU recipe's setting (LoRA rank 64, batch 16, bf16 autocast
on CUDA) against other adapters and batch sizes, in the same run.

Run: ``python bench/train_step.py --demos DIR [--device cuda] [--random-init]
[--configs lora64:16,full:16,lora64:64] [--steps 6]``. Each configuration is
``ADAPTER:BATCH`` (``full`` or ``loraR``); the first is the baseline the others are compared
with. Batches come from the demonstrations in DIR (a ``collect`` run, or the ``demos/`` of
``scripts/gpu_distill.sh pack``) through the training loop's own length-bucketed batching, so
the padding is the real one. The first step of each configuration is a warm-up and is not
counted. ``--random-init`` builds SmolLM2-135M's architecture from the package's
``default_model/config.json`` with random weights: the same work per step, without the base's
GGUF (which does not fit in one call to the device machine). Prints tokens/s (tokens that are
not padding) and peak accelerator memory.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path
from typing import Any


def _model(random_init: bool, device: str) -> Any:
    """A fresh model to train: the base's weights, or random ones of the same shape."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from droidpilot.planner.default import DEFAULT_DIR
    from droidpilot.policy import train as T

    if not random_init:
        return T.load_base("smollm2", device)[0]
    config = AutoConfig.from_pretrained(str(DEFAULT_DIR))
    return AutoModelForCausalLM.from_config(config, dtype=torch.float32).to(device)


def _tokenizer(random_init: bool) -> Any:
    """The base's tokenizer (the package's copy with random weights), padding with EOS."""
    from droidpilot.planner.default import DEFAULT_DIR
    from droidpilot.policy import train as T

    tok = T.load_tokenizer(str(DEFAULT_DIR) if random_init else "smollm2")
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok


def _time(
    adapter: str, batch_size: int, data: list[Any], args: argparse.Namespace, tok: Any
) -> tuple[float, float, int]:
    """(tokens/s, peak GiB, steps timed) of one configuration, from a fresh model."""
    import torch

    from droidpilot.policy import train as T

    torch.manual_seed(0)
    model = _model(args.random_init, args.device)
    if adapter.startswith("lora"):
        cfg = T.SFTConfig(runs=(), out=Path("."), lora=True, lora_rank=int(adapter[4:]))
        model = T._maybe_lora(model, cfg)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5, betas=(0.9, 0.95))
    cuda = args.device.startswith("cuda")
    autocast = (
        torch.autocast("cuda", dtype=torch.bfloat16)
        if cuda
        else torch.autocast("cpu", enabled=False)
    )
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    batches = T._batches(data, batch_size, random.Random(0))[: args.steps]
    rates: list[float] = []
    for k, batch in enumerate(batches):
        if cuda:
            torch.cuda.synchronize()
        t = time.perf_counter()
        ids, mask, labels = T.collate(batch, tok.pad_token_id, args.device)
        targets = labels[:, 1:]
        where = targets != -100
        with autocast:
            logits = T.target_logits(model, ids, mask, where)
        loss = torch.nn.functional.cross_entropy(logits.float(), targets[where])
        loss.backward()  # type: ignore[no-untyped-call]
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        float(loss.detach())  # the training loop reads the loss every step
        if cuda:
            torch.cuda.synchronize()
        if k:  # the first step warms up
            rates.append(sum(len(b.input_ids) for b in batch) / (time.perf_counter() - t))
    peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else 0.0
    del model, opt
    if cuda:
        torch.cuda.empty_cache()
    return (statistics.median(rates) if rates else 0.0), peak, len(rates)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--demos", type=Path, nargs="+", required=True)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--random-init", action="store_true")
    ap.add_argument("--configs", default="lora64:16,full:16,lora64:64,full:64")
    ap.add_argument("--steps", type=int, default=6, help="Steps per configuration (1 warm-up).")
    ap.add_argument("--max-seq", type=int, default=2048)
    args = ap.parse_args()
    if args.steps < 2:
        ap.error("--steps: at least 2 (the first is a warm-up)")
    configs = []
    for item in args.configs.split(","):
        adapter, _, size = item.partition(":")
        if not (adapter == "full" or (adapter.startswith("lora") and adapter[4:].isdigit())):
            ap.error(f"--configs: {item!r}: the adapter is 'full' or 'loraR' (R: the rank)")
        if not size.isdigit() or int(size) < 1:
            ap.error(f"--configs: {item!r}: give the batch size after ':'")
        configs.append((adapter, int(size)))

    import torch

    from droidpilot.policy import train as T
    from droidpilot.policy.host import cpu_summary

    print(f"CPU: {cpu_summary()}", flush=True)
    if args.device.startswith("cuda"):
        print(f"GPU: {torch.cuda.get_device_name(torch.device(args.device))}", flush=True)
    print(f"torch {torch.__version__}; weights: {'random' if args.random_init else 'smollm2'}")
    tok = _tokenizer(args.random_init)
    examples, _ = T.load_examples(tuple(args.demos), only_success=True, splits=("train",))
    data, _ = T.tokenize_examples(tok, examples, args.max_seq)
    lengths = sorted(len(d.input_ids) for d in data)
    print(f"{len(data)} examples, median {lengths[len(lengths) // 2]} tokens", flush=True)
    base = 0.0
    for adapter, size in configs:
        rate, peak, n = _time(adapter, size, data, args, tok)
        base = base or rate
        mem = f", peak {peak:.1f} GiB" if peak else ""
        print(
            f"{adapter:>7} batch {size:3d}: {rate:9.0f} tokens/s  ({rate / base:.2f}x)"
            f"  median of {n} steps{mem}",
            flush=True,
        )


if __name__ == "__main__":
    main()
