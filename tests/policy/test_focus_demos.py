"""scripts/focus_demos.py: the steps a changed oracle teaches, found on real oracle runs."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from droidpilot.policy.agent import Agent, AgentConfig
from droidpilot.policy.teacher import OraclePolicy
from droidpilot.policy.train import load_examples

from .conftest import load_script, sim, task_of


def _run(out: Path) -> Path:
    """Two oracle episodes in the run directory ``out``."""
    cfg = AgentConfig(guard="allow", screenshots=False, hierarchy=False)
    for seed in (3, 4):
        task = task_of("FoodGoOrderDish", seed)
        Agent(sim(seed), OraclePolicy(task), config=cfg).run(out, task=task)
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same two episodes twice; in OLD, one step's thought says something else and
    another step's element numbers differ (which is no lesson)."""
    new = _run(tmp_path_factory.mktemp("new"))
    old = tmp_path_factory.mktemp("old")
    for ep in new.iterdir():
        if ep.is_dir():
            shutil.copytree(ep, old / ep.name)
    first = sorted(p for p in old.iterdir() if (p / "steps.jsonl").is_file())[0]
    rows = [json.loads(x) for x in (first / "steps.jsonl").read_text().splitlines() if x]
    taps = [r for r in rows if r["action"] and r["action"]["kind"] == "tap"]
    taps[0]["reasoning"] = "The next step toward the goal is this one."
    moved = taps[1]
    element = moved["action"]["element"]
    moved["action"]["element"] = element + 100
    moved["reasoning"] = moved["reasoning"].replace(f"[{element}]", f"[{element + 100}]")
    (first / "steps.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return new, old


def test_only_the_changed_thought_is_focus(runs: tuple[Path, Path], tmp_path: Path) -> None:
    new, old = runs
    focus, rest = load_script("focus_demos").split_run(new, old, tmp_path, 1.0, random.Random(0))
    assert focus == 1
    total = sum(
        len((ep / "steps.jsonl").read_text().splitlines())
        for ep in new.iterdir()
        if (ep / "steps.jsonl").is_file()
    )
    assert rest == total - 1
    examples, stats = load_examples([tmp_path / "focus"])  # reads like any run
    assert len(examples) == 1
    assert stats.episodes == 1
    assert "The next step toward the goal" not in examples[0].completion


def test_rest_is_a_seeded_fraction(runs: tuple[Path, Path], tmp_path: Path) -> None:
    new, old = runs
    mod = load_script("focus_demos")
    _, rest_a = mod.split_run(new, old, tmp_path / "a", 0.3, random.Random(7))
    _, rest_b = mod.split_run(new, old, tmp_path / "b", 0.3, random.Random(7))
    _, everything = mod.split_run(new, old, tmp_path / "c", 1.0, random.Random(7))
    assert rest_a == rest_b
    assert 0 < rest_a < everything
    a = sorted(p.name for p in (tmp_path / "a" / "rest").iterdir())
    assert a == sorted(p.name for p in (tmp_path / "b" / "rest").iterdir())
