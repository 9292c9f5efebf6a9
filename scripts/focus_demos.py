"""What a changed oracle teaches: split demonstrations into the steps an older oracle did not
take and a sample of the rest, to continue training a model on the change without a whole
epoch over what it already knows.

    .venv/bin/python scripts/focus_demos.py OUT --rest 0.3 NEW OLD [NEW OLD ...]

NEW and OLD are run directories that ``droidpilot collect --backend oracle`` wrote with the
same tasks, seeds and language, NEW by today's oracle and OLD by an older one (a git worktree
of an older commit: ``PYTHONPATH=WORKTREE python -m droidpilot.cli collect ...``). A step of
NEW is *changed* when no step of the same episode in OLD has the same thought and action,
element numbers aside (``[43]`` and ``tap(43)`` vary with the path, not the lesson); every
step of an episode OLD lacks is changed. OUT/focus gets every changed step, OUT/rest a
``--rest`` fraction of the others (seeded); each keeps its episode's files, so ``droidpilot
train sft OUT/focus OUT/rest`` reads them like any run, and naming OUT/focus more than once
weights the change (docs/model.md: the CPU continuation).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
from pathlib import Path
from typing import Any

_ID = re.compile(r"\[\d+\]")


def lesson(row: dict[str, Any]) -> tuple[str, str]:
    """A step's thought and action with element numbers and coordinates left out."""
    action = {k: v for k, v in (row.get("action") or {}).items() if k not in ("element", "x", "y")}
    thought = " ".join((row.get("reasoning") or "").split())
    return _ID.sub("[N]", thought), json.dumps(action, sort_keys=True)


def step_lines(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """The lines of a ``steps.jsonl`` and their records (none when the file is missing); a
    broken line stops the script, named by file and line."""
    if not path.is_file():
        return []
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(keepends=True), 1):
        if not line.strip():
            continue
        try:
            rows.append((line, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}:{n}: not a step record ({exc.msg}); recollect it") from exc
    return rows


def split_run(new: Path, old: Path, out: Path, rest: float, rnd: random.Random) -> tuple[int, int]:
    """Write NEW's changed steps under OUT/focus and a sample of the others under OUT/rest;
    return how many of each."""
    counts = {"focus": 0, "rest": 0}
    for episode in sorted(p for p in new.iterdir() if (p / "steps.jsonl").is_file()):
        before = {lesson(row) for _, row in step_lines(old / episode.name / "steps.jsonl")}
        keep: dict[str, list[str]] = {"focus": [], "rest": []}
        for line, row in step_lines(episode / "steps.jsonl"):
            if lesson(row) not in before:
                keep["focus"].append(line)
            elif rnd.random() < rest:
                keep["rest"].append(line)
        for part, lines in keep.items():
            if lines:
                write_part(out / part / f"{new.name}-{episode.name}", episode, lines)
                counts[part] += len(lines)
    return counts["focus"], counts["rest"]


def write_part(target: Path, episode: Path, lines: list[str]) -> None:
    """An episode directory at ``target`` with ``episode``'s files and only ``lines`` of its
    steps: a run directory's episode that ``train sft`` reads like any other."""
    target.mkdir(parents=True, exist_ok=True)
    for f in episode.iterdir():
        if f.is_file() and f.name != "steps.jsonl":
            shutil.copyfile(f, target / f.name)
    (target / "steps.jsonl").write_text("".join(lines), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("pairs", nargs="+", type=Path, help="NEW OLD [NEW OLD ...]")
    ap.add_argument("--rest", type=float, default=0.3, help="fraction of unchanged steps kept")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if len(args.pairs) % 2:
        ap.error("give run directories in pairs: NEW OLD [NEW OLD ...]")
    if (args.out / "focus").exists() or (args.out / "rest").exists():
        ap.error(f"{args.out} already holds a split; remove it first")
    for run in args.pairs:
        if not run.is_dir():
            ap.error(f"{run} is not a run directory")
    rnd = random.Random(args.seed)
    focus = rest = 0
    for new, old in zip(args.pairs[::2], args.pairs[1::2], strict=True):
        f, r = split_run(new, old, args.out, args.rest, rnd)
        print(f"{new}: {f} changed steps, {r} of the others kept")
        focus, rest = focus + f, rest + r
    print(json.dumps({"focus": focus, "rest": rest}))


if __name__ == "__main__":
    main()
