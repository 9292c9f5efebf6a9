"""The default model's planner step at other precisions against the shipped fp32 path, measured
in one run.

Five ways to run the same weights on real episodes of catalog tasks (test seeds), each with
the prefix cache and the drafts from the prompt (``droidpilot.planner.backends.drafts``):

- ``onnx fp32``: onnxruntime-genai, the fp32 export (the baseline: what a plain run uses on
  a CPU without int8 dot products);
- ``onnx int8-dyn``: the export with its matrix products quantised to int8 by onnxruntime's
  dynamic quantiser, from weights smoothed with the shipped activation ranges first
  (``droidpilot model build-default --precision int8-dynamic``: what a plain run uses on a CPU
  with int8 dot products); MLAS runs them on VNNI or AMX-INT8;
- ``onnx int8-plain``: the fp32 export quantised the same way without smoothing;
- ``torch fp32``: the transformers backend, fp32 weights;
- ``torch bf16``: the transformers backend, bf16 weights. On a CPU with AMX-BF16 (Intel
  Sapphire Rapids and later) oneDNN runs its matrix products on the tiles; elsewhere bf16 is
  emulated or runs through AVX-512 BF16 dot products;
- ``torch autocast``: fp32 weights, the matrix products in bf16 under autocast (as the model
  was trained: bf16 autocast over fp32 weights), the norms and the residual stream in fp32.

Each episode runs once per way, in a rotating order, and the bench prints the median time of
``Planner.decide`` (prompt, model, parsing) per step, the prompt tokens prefilled and passes per
step, and the ratio to the baseline; then how many steps took the baseline's action (up to
each episode's first difference: after it, the screens differ). Before that, a 500-token
prefill and a decode pass (one token, and nine: a drafted pass) of each, alternately.

    .venv/bin/python bench/precision.py [--tasks FoodGoOrderDish,TravelBookTrain] [--seed 2001]
                                   [--max-steps 8] [--rounds 2]
    .venv/bin/python bench/precision.py --replay RUN_DIR [--sample 120]

With ``--replay`` it asks each way the recorded first requests of an evaluation's steps
instead (the same screens for all) and counts how often each writes the baseline's tokens
and action: what the numerics change, apart from where an episode then goes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from step import _episode  # noqa: E402  (bench/step.py: an episode with decide timed)

from droidpilot.planner.backends.hf import (  # noqa: E402
    AUTOCAST,
    LocalSettings,
    TransformersBackend,
)
from droidpilot.planner.backends.ort import (  # noqa: E402
    DYNAMIC_INT8,
    EXPORT_INFO,
    OnnxBackend,
    quantize_dynamic_int8,
)
from droidpilot.planner.default import (  # noqa: E402
    build_default,
    default_model,
    onnx_dir,
    planner_for,
)
from droidpilot.policy.host import cpu_summary  # noqa: E402

WAYS = (
    "onnx fp32",
    "onnx int8-dyn",
    "onnx int8-plain",
    "torch fp32",
    "torch bf16",
    "torch autocast",
)


def _passes(backends: dict[str, Any], rounds: int = 3) -> None:
    """A 500-token prefill, then one-token and nine-token passes, of each way."""
    import numpy as np

    rng = np.random.default_rng(0)
    prompt = rng.integers(100, 40000, 500).tolist()
    pre: dict[str, list[float]] = {k: [] for k in backends}
    one: dict[str, list[float]] = {k: [] for k in backends}
    nine: dict[str, list[float]] = {k: [] for k in backends}
    for _ in range(rounds):
        for name, b in backends.items():
            runner = _runner(b)
            cast = b._cast() if hasattr(b, "_cast") else contextlib.nullcontext()
            with cast:  # autocast's weight copies live as long as the context, as in a request
                t = time.perf_counter()
                runner.run(prompt)
                pre[name].append(time.perf_counter() - t)
                for size, into in ((1, one), (9, nine)):
                    for _ in range(5):
                        t = time.perf_counter()
                        runner.run(rng.integers(100, 4000, size).tolist())
                        into[name].append(time.perf_counter() - t)
                        runner.rewind_to(len(prompt))
    for name in backends:
        print(
            f"{name:14s}: prefill of 500 tokens {statistics.median(pre[name]):5.2f} s; a pass of 1 "
            f"token {statistics.median(one[name]) * 1000:5.1f} ms, of 9 tokens "
            f"{statistics.median(nine[name]) * 1000:5.1f} ms"
        )


def _runner(backend: Any) -> Any:
    """A fresh cache of ``backend`` as a drafts Runner."""
    if isinstance(backend, OnnxBackend):
        from droidpilot.planner.backends.ort import _GeneratorRunner
        from droidpilot.types import Sampling

        gen = backend._generator(1024, Sampling(temperature=0.0))
        return _GeneratorRunner(gen)
    from transformers import DynamicCache

    from droidpilot.planner.backends.hf import _CacheRunner

    return _CacheRunner(backend.model, DynamicCache(config=backend.model.config), backend.device)


def _replay(backends: dict[str, Any], run_dir: Path, sample: int) -> None:
    """The first request of ``sample`` recorded steps of ``run_dir`` (an evaluation's
    ``steps.jsonl`` files, spread evenly), asked of each way as the planner asks it (greedy,
    the action held to the screen's ids): how often each writes the baseline's tokens, and
    its action. The same screens for all, so this counts what the numerics change alone."""
    import re

    from droidpilot.planner.backends.base import CompletionRequest
    from droidpilot.planner.default import planner_config_for
    from droidpilot.types import Message

    steps = []
    for f in sorted(run_dir.rglob("steps.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            if isinstance(doc.get("prompt"), list):
                steps.append(doc["prompt"])
    if not steps:
        sys.exit(f"no recorded prompts under {run_dir}")
    every = max(1, len(steps) // sample)
    chosen = steps[::every][:sample]
    config = planner_config_for(default_model("transformers"))
    ways = list(backends)
    same_tokens = {w: 0 for w in ways[1:]}
    same_action = {w: 0 for w in ways[1:]}
    for messages in chosen:
        screen = messages[-1]["content"].rsplit("Current screen:", 1)[-1]
        ids = tuple(int(n) for n in re.findall(r"^\[(\d+)\]", screen, re.M))
        request = CompletionRequest(
            messages=tuple(Message(role=m["role"], content=m["content"]) for m in messages),
            sampling=config.sampling,
            constrain=config.constrain,
            element_ids=ids or None,
        )
        replies = {w: backends[w].complete(request) for w in ways}
        base = replies[ways[0]]
        for w in ways[1:]:
            got = replies[w]
            same_tokens[w] += got.completion_token_ids == base.completion_token_ids
            same_action[w] += _action(got.text) == _action(base.text)
    n = len(chosen)
    print(f"{n} recorded prompts of {run_dir} ({len(steps)} steps, every {every}th):")
    for w in ways[1:]:
        print(f"  {w}: the baseline's tokens {same_tokens[w]}/{n}, its action {same_action[w]}/{n}")


def _action(text: str) -> str:
    """The action a reply's answer holds, written out (the text itself when it holds none)."""
    from droidpilot.planner.parse import ParseFailure, parse_action
    from droidpilot.planner.prompt import render_action

    action = parse_action(text)
    return text if isinstance(action, ParseFailure) else render_action(action)


def _counts(backend: Any) -> tuple[int, int]:
    return backend.prefilled_tokens, backend.decode_runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tasks", default="FoodGoOrderDish,TravelBookTrain")
    ap.add_argument("--seed", type=int, default=2001)
    ap.add_argument("--max-steps", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument(
        "--replay",
        type=Path,
        default=None,
        help="an evaluation's run directory: replay its recorded prompts instead",
    )
    ap.add_argument("--sample", type=int, default=120, help="recorded prompts replayed")
    ap.add_argument(
        "--ways",
        default=",".join(WAYS),
        help="which ways, comma-separated (onnx fp32, the baseline, always)",
    )
    args = ap.parse_args()

    print(f"CPU: {cpu_summary()}", flush=True)
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    chosen = {WAYS[0], *(w.strip() for w in args.ways.split(",") if w.strip())}
    unknown = chosen - set(WAYS)
    if unknown:
        sys.exit(f"--ways: unknown {', '.join(sorted(unknown))}; known: {', '.join(WAYS)}")
    fp32_dir = default_model("onnx", precision="fp32")
    hf_dir = default_model("transformers")

    def torch_way(dtype: str) -> Any:
        return TransformersBackend(LocalSettings(model=str(hf_dir), device="cpu", dtype=dtype))

    def int8_way() -> Any:
        build_default(precision=DYNAMIC_INT8)  # once, into the same cache as the fp32 export
        return OnnxBackend(LocalSettings(model=str(onnx_dir(fp32_dir.parent, DYNAMIC_INT8))))

    def int8_plain_way() -> Any:
        plain = fp32_dir.parent / "onnx-int8-plain"
        info = plain / EXPORT_INFO
        done = info.is_file() and json.loads(info.read_text()).get("precision") == DYNAMIC_INT8
        if not done:  # absent, or a copy whose quantisation did not finish
            shutil.rmtree(plain, ignore_errors=True)
            shutil.copytree(fp32_dir, plain)
            quantize_dynamic_int8(plain)
        return OnnxBackend(LocalSettings(model=str(plain)))

    make: dict[str, Any] = {
        "onnx fp32": lambda: OnnxBackend(LocalSettings(model=str(fp32_dir))),
        "onnx int8-dyn": int8_way,
        "onnx int8-plain": int8_plain_way,
        "torch fp32": lambda: torch_way("float32"),
        "torch bf16": lambda: torch_way("bfloat16"),
        "torch autocast": lambda: torch_way(AUTOCAST),
    }
    backends: dict[str, Any] = {w: make[w]() for w in WAYS if w in chosen}
    if args.replay is not None:
        _replay(backends, args.replay, args.sample)
        return
    with torch.inference_mode():
        _passes(backends)
    planners = {name: planner_for(b) for name, b in backends.items()}
    ways = list(backends)
    ms: dict[str, list[float]] = {w: [] for w in ways}
    steps = {w: 0 for w in ways}
    prefilled = {w: 0 for w in ways}
    runs = {w: 0 for w in ways}
    agree = {w: [0, 0] for w in ways}  # steps compared, steps with the baseline's action
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for t, task_id in enumerate(args.tasks.split(",")):
                actions: dict[str, list[str]] = {}
                k = (r + t) % len(ways)  # rotate which goes first
                for way in ways[k:] + ways[:k]:
                    before = _counts(backends[way])
                    timed = _episode(planners[way], task_id, args.seed + r, args.max_steps,
                                     Path(tmp))  # fmt: skip
                    after = _counts(backends[way])
                    ms[way] += timed.ms
                    steps[way] += len(timed.ms)
                    prefilled[way] += after[0] - before[0]
                    runs[way] += after[1] - before[1]
                    actions[way] = timed.actions
                base = actions[ways[0]]
                for way in ways[1:]:
                    for a, b in zip(base, actions[way], strict=False):
                        agree[way][0] += 1
                        if a != b:
                            break
                        agree[way][1] += 1
    print(
        f"default model {hf_dir.parent.name}; tasks {args.tasks} (seeds {args.seed}.."
        f"{args.seed + args.rounds - 1}, <= {args.max_steps} steps), {args.rounds} rounds"
    )
    base_ms = statistics.median(ms[ways[0]])
    for way in ways:
        n = max(1, steps[way])
        line = (
            f"step, {way}: median {statistics.median(ms[way]):6.0f} ms over {steps[way]} steps "
            f"({base_ms / statistics.median(ms[way]):.2f}x); {prefilled[way] / n:4.0f} prompt "
            f"tokens prefilled, {runs[way] / n:4.1f} passes per step"
        )
        if way != ways[0]:
            line += f"; baseline's action at {agree[way][1]}/{agree[way][0]} steps compared"
        print(line)


if __name__ == "__main__":
    main()
