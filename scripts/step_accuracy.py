"""Teacher-forced step accuracy: how often a model picks the oracle's action on the oracle's
own path, one step at a time (a finer measure than episode success while success is ~0).

    .venv/bin/python scripts/step_accuracy.py [--model DIR ...] [--seed S] [--every N]
                                              [--steps-per-episode K] [--out DIR]

The oracle plays test seed S (default 2000, never trained on) of every N-th seen template
(default 6) and of every held-out template, in the prompt style of each model (its
``droidpilot.json``); each model then answers every recorded prompt (the first K steps of each
episode, default 8) through the ONNX backend with its own planner settings (greedy, capped
thought, constrained action). A step counts when the model's action is the oracle's, written
the same way (``tap(43)``, ``type("tea", 5)``). Default model: the built default (ONNX fp32).
The reply is scored raw: the planner's repairs (``ground_quotes``) are not applied.

For the oracle's taps it also counts how often the model's thought names the oracle's element
(``[43]``) and how often the model taps the element its own thought names last: a model whose
thought is right and whose action is not has a different fault from one that looks at the
wrong line. Each model's replies go to OUT/replies-MODEL-SET.jsonl.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

DP = str(Path(sys.executable).with_name("droidpilot"))
_ID = re.compile(r"^\s*\[(\d+)\]", re.M)
_NAMED = re.compile(r"\[(\d+)\]")
_TAP = re.compile(r"^tap\((\d+)\)$")


def _split() -> tuple[list[str], list[str]]:
    out = subprocess.run([DP, "train", "split", "--json"], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    doc = json.loads(out)
    return list(doc["train_templates"]), list(doc["heldout_templates"])


def _demos(
    out: Path, name: str, tasks: list[str], seed: int, style: str
) -> list[dict[str, object]]:
    run = out / f"oracle-{name}-{style}-s{seed}"
    subprocess.run(
        [DP, "collect", "--tasks", ",".join(tasks), "--episodes", str(len(tasks)),
         "--seed", str(seed), "--backend", "oracle", "--prompt-style", style,
         "--no-screenshots", "--out", str(run), "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = []
    for steps in sorted(run.glob("*/steps.jsonl")):
        for line in steps.read_text(encoding="utf-8").splitlines():
            rows.append(json.loads(line))
    return rows


def model_reply(backend: Any, cfg: Any, row: dict[str, Any]) -> tuple[str, str, str, float]:
    """A recorded step's prompt through ``backend`` with the planner settings ``cfg``: the
    recorded action and the model's (whitespace folded), the model's thought, and seconds."""
    from droidpilot.planner.backends.base import CompletionRequest
    from droidpilot.types import Message

    msgs = tuple(Message(role=m["role"], content=m["content"]) for m in row["prompt"])
    ids = tuple(int(i) for i in _ID.findall(str(row["screen_text"])))
    t0 = time.perf_counter()
    req = CompletionRequest(
        messages=msgs, sampling=cfg.sampling, constrain=cfg.constrain, element_ids=ids
    )
    c = backend.complete(req)
    seconds = time.perf_counter() - t0
    want = " ".join(str(row["completion"]).split())
    return want, " ".join(c.text.split()), c.reasoning or "", seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", action="append", default=[])
    ap.add_argument("--seed", type=int, default=2000)
    ap.add_argument("--every", type=int, default=6)
    ap.add_argument("--steps-per-episode", type=int, default=8)
    ap.add_argument("--out", type=Path, default=Path("runs/step-accuracy"))
    args = ap.parse_args()
    if args.seed < 2000:
        sys.exit("--seed: use test seeds (2000 and up; see `droidpilot train split`)")
    from droidpilot.planner.backends.ort import OnnxBackend
    from droidpilot.planner.default import default_model, planner_config_for
    from droidpilot.planner.prompt import style_of

    seen, held = _split()
    sets = {"seen": sorted(seen)[:: args.every], "held-out": sorted(held)}
    models = [Path(m) for m in args.model] or [default_model("onnx")]
    args.out.mkdir(parents=True, exist_ok=True)
    print("| model | style | templates | steps | same action as the oracle | taps: same element |"
          " taps: thought names it | taps: model taps what its thought names |"
          " median model s |")  # fmt: skip
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for model in models:
        cfg = planner_config_for(model)
        style = style_of(cfg.system) or "full"
        backend = OnnxBackend(model)
        for name, tasks in sets.items():
            rows = [r for r in _demos(args.out, name, tasks, args.seed, style)
                    if int(str(r["step"])) < args.steps_per_episode]  # fmt: skip
            hits: Counter[str] = Counter()
            times = []
            log = args.out / f"replies-{model.parent.name}-{model.name}-{name}.jsonl"
            replies = []
            for row in rows:
                want, got, thought, seconds = model_reply(backend, cfg, row)
                times.append(seconds)
                hits["steps"] += 1
                hits["same"] += got == want
                named = _NAMED.findall(thought)
                tapped = _TAP.match(got)
                if want.startswith("tap("):
                    hits["taps"] += 1
                    hits["tap_same"] += got == want
                    hits["thought_right"] += f"[{want[4:-1]}]" in thought
                    if tapped is not None and named:
                        hits["tap_named"] += 1
                        hits["tap_follows"] += tapped.group(1) == named[-1]
                replies.append({"task": row["task_id"], "step": row["step"], "want": want,
                                "got": got, "thought": thought,
                                "oracle_thought": row.get("reasoning")})  # fmt: skip
            times.sort()
            log.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in replies),
                           encoding="utf-8")  # fmt: skip
            n, taps = hits["steps"], hits["taps"]
            named_taps = hits["tap_named"]
            print(f"| {model} | {style} | {name} ({len(tasks)}) | {n} | "
                  f"{hits['same']}/{n} ({hits['same'] / max(n, 1):.0%}) | "
                  f"{hits['tap_same']}/{taps} ({hits['tap_same'] / max(taps, 1):.0%}) | "
                  f"{hits['thought_right']}/{taps} "
                  f"({hits['thought_right'] / max(taps, 1):.0%}) | "
                  f"{hits['tap_follows']}/{named_taps} "
                  f"({hits['tap_follows'] / max(named_taps, 1):.0%}) | "
                  f"{times[len(times) // 2] if times else 0:.2f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
