"""Where a model still goes wrong on demonstrations of the training split: run the model on
every recorded prompt of some runs (greedy, its planner settings, as ``step_accuracy.py``
does on test seeds) and split the steps into those whose action differs from the
demonstration's (*hard*) and a sample of the rest, to continue training on the mistakes
without a whole epoch over what the model already does.

    .venv/bin/python scripts/hard_steps.py OUT [--model ONNX_DIR] [--per-task K]
                                           [--rest 0.2] [--near 1.0] [--replies FILE]
                                           RUN [RUN ...]

OUT/hard gets every hard step, OUT/near the other steps of the same episode on the same
screen (activity) as a hard one, OUT/rest a ``--rest`` fraction of the others (seeded); each
keeps its episode's files, so ``droidpilot train sft OUT/hard OUT/near OUT/rest`` reads them
like any run (name OUT/hard more than once to weight it). OUT/near is the other side of the
model's decisions: trained on hard steps alone, a model that did not raise a count when it
had to learnt to raise it and never stop (docs/model.md, "Training on the model's own
mistakes"); the steps beside them on the same screen (the "add it" once the count is right)
keep both sides. OUT/replies.jsonl has one line a scored step: the episode, the step, the
demonstration's action and thought, the model's. ``--per-task K`` scores the first K episodes
of each template only (a step takes about a second on two cores). ``--near F`` keeps a
fraction of OUT/near (seeded). ``--replies FILE`` (repeatable) reads the model's replies from
an earlier OUT/replies.jsonl instead of asking the model again (keyed by episode and step; a
step it does not hold goes to the model): a split with other fractions costs no decoding.
ONNX_DIR defaults to the built default model; RUN are ``droidpilot collect`` run directories
(only successful episodes of the train split are read, as ``train sft`` reads them). The model
is scored on its raw reply, before the planner's repairs: a repair is a crutch, not a lesson.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from focus_demos import step_lines, write_part
from step_accuracy import model_reply


def _episodes(run: Path) -> list[tuple[Path, dict[str, Any], list[tuple[str, dict[str, Any]]]]]:
    """The successful train-split episodes of ``run``: directory, record, step lines."""
    from droidpilot.policy.splits import split_of

    out = []
    for d in sorted(p for p in run.iterdir() if (p / "steps.jsonl").is_file()):
        try:
            ep = json.loads((d / "episode.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise SystemExit(f"{d / 'episode.json'}: not an episode record ({exc})") from exc
        if ep.get("success") is not True or split_of(ep.get("task_id"), ep.get("seed")) != "train":
            continue
        out.append((d, ep, step_lines(d / "steps.jsonl")))
    return out


#: A model's reply to a recorded step: the step's action, the model's, the model's thought.
Reply = Callable[[dict[str, Any]], tuple[str, str, str]]


def split_runs(
    runs: list[Path], out: Path, reply: Reply, *, per_task: int = 0, rest: float = 0.2,
    near: float = 1.0, seed: int = 0,
) -> tuple[Counter[str], dict[str, tuple[int, int]]]:  # fmt: skip
    """Score the steps of ``runs`` with ``reply`` and write OUT/hard, OUT/near (a ``near``
    fraction of it), OUT/rest and OUT/replies.jsonl; return the counts (steps, hard, near,
    rest) and, per template, the episodes and the hard steps."""
    out.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(seed)
    counts: Counter[str] = Counter()
    episodes: Counter[str] = Counter()
    hard_steps: Counter[str] = Counter()
    t0 = time.monotonic()
    with (out / "replies.jsonl").open("w", encoding="utf-8") as log:
        for run in runs:
            for d, ep, steps in _episodes(run):
                task = str(ep.get("task_id"))
                if per_task and episodes[task] >= per_task:
                    continue
                episodes[task] += 1
                keep: dict[str, list[str]] = {"hard": [], "near": [], "rest": []}
                scored: list[tuple[str, dict[str, Any], bool]] = []
                for line, row in steps:
                    if not row.get("prompt") or not row.get("action_valid"):
                        continue
                    want, got, thought = reply(row)
                    scored.append((line, row, got != want))
                    counts["steps"] += 1
                    hard_steps[task] += got != want
                    rec = {"run": str(run), "episode": d.name, "episode_id": row.get("episode_id"),
                           "task": task, "step": row["step"], "hard": got != want, "want": want,
                           "got": got, "oracle_thought": row.get("reasoning"),
                           "thought": thought}  # fmt: skip
                    log.write(json.dumps(rec, ensure_ascii=False) + "\n")
                log.flush()
                screens = {row.get("activity") for _, row, hard in scored if hard}
                for line, row, hard in scored:
                    if hard:
                        part = "hard"
                    elif row.get("activity") in screens:
                        part = "near" if near >= 1.0 or rnd.random() < near else ""
                    else:
                        part = "rest" if rnd.random() < rest else ""
                    if part:
                        counts[part] += 1
                        keep[part].append(line)
                for part, lines in keep.items():
                    if lines:
                        write_part(out / part / f"{run.name}-{d.name}", d, lines)
                rate = counts["steps"] / max(1e-9, time.monotonic() - t0)
                print(f"{d.name}: {len(keep['hard'])} hard of {len(scored)} "
                      f"({rate:.2f} steps/s)", file=sys.stderr, flush=True)  # fmt: skip
    return counts, {t: (n, hard_steps[t]) for t, n in sorted(episodes.items())}


def cached_replies(paths: list[Path]) -> dict[tuple[str, int], tuple[str, str, str]]:
    """The replies of earlier OUT/replies.jsonl files, by (episode id, step; the episode's
    directory name in files written before the id was recorded): the step's action, the
    model's, the model's thought. A broken line stops the script, named by file and line."""
    cache: dict[tuple[str, int], tuple[str, str, str]] = {}
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise SystemExit(f"{path}: cannot read the replies ({exc})") from exc
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                key = (str(r.get("episode_id") or r["episode"]), int(r["step"]))
                cache[key] = (str(r["want"]), str(r["got"]), str(r.get("thought") or ""))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise SystemExit(f"{path}:{n}: not a reply record ({exc})") from exc
    return cache


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--model", type=Path, help="an ONNX model directory (default: the default)")
    ap.add_argument("--per-task", type=int, default=0, help="episodes scored per template (0: all)")
    ap.add_argument("--rest", type=float, default=0.2, help="fraction of the other steps kept")
    ap.add_argument("--near", type=float, default=1.0, help="fraction of OUT/near kept")
    ap.add_argument("--replies", type=Path, action="append", default=[],
                    help="an earlier OUT/replies.jsonl to read from (repeatable)")  # fmt: skip
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if any((args.out / part).exists() for part in ("hard", "near", "rest")):
        ap.error(f"{args.out} already holds a split; remove it first")
    for run in args.runs:
        if not run.is_dir():
            ap.error(f"{run} is not a run directory")

    cache = cached_replies(args.replies)
    loaded: list[Reply] = []

    def ask_model(row: dict[str, Any]) -> tuple[str, str, str]:
        if not loaded:  # only when a step is not in the replies given
            from droidpilot.planner.backends.ort import OnnxBackend
            from droidpilot.planner.default import default_model, planner_config_for

            model = args.model or default_model("onnx")
            cfg = planner_config_for(model)
            backend = OnnxBackend(model)
            loaded.append(lambda r: model_reply(backend, cfg, r)[:3])
        return loaded[0](row)

    def reply(row: dict[str, Any]) -> tuple[str, str, str]:
        hit = cache.get((str(row.get("episode_id")), int(row["step"])))
        return hit if hit is not None else ask_model(row)

    counts, per_task = split_runs(args.runs, args.out, reply, per_task=args.per_task,
                                  rest=args.rest, near=args.near, seed=args.seed)  # fmt: skip
    hard, steps = counts["hard"], counts["steps"]
    print(f"{hard} of {steps} steps hard ({hard / max(1, steps):.0%}), {counts['near']} on "
          f"their screens, {counts['rest']} others kept")  # fmt: skip
    print("| template | episodes | hard steps |")
    print("|---|---:|---:|")
    for task, (n, h) in per_task.items():
        print(f"| {task} | {n} | {h} |")
    print(json.dumps(dict(counts)))


if __name__ == "__main__":
    main()
