"""scripts/hard_steps.py: the steps a model gets wrong, split out of real oracle runs."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from droidpilot.policy.agent import Agent, AgentConfig
from droidpilot.policy.teacher import OraclePolicy
from droidpilot.policy.train import load_examples

from .conftest import sim, task_of

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _script() -> ModuleType:
    sys.path.insert(0, str(SCRIPTS))  # hard_steps imports step_accuracy beside it
    try:
        spec = importlib.util.spec_from_file_location("hard_steps", SCRIPTS / "hard_steps.py")
        assert spec is not None
        assert spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules["hard_steps"] = mod
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(SCRIPTS))
    return mod


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three oracle episodes of the train split: two of one template, one of another."""
    out = tmp_path_factory.mktemp("demos")
    cfg = AgentConfig(guard="allow", screenshots=False, hierarchy=False)
    for name, seed in (("FoodGoOrderDish", 3), ("FoodGoOrderDish", 4), ("WalletAskBalance", 3)):
        task = task_of(name, seed)
        Agent(sim(seed), OraclePolicy(task), config=cfg).run(out, task=task)
    return out


def _wrong_taps(row: dict[str, Any]) -> tuple[str, str, str]:
    """A reply that gets every tap's element wrong and everything else right."""
    want = " ".join(str(row["completion"]).split())
    got = want.replace("tap(", "tap(9") if want.startswith("tap(") else want
    return want, got, "a thought"


def _lines(episode: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (episode / "steps.jsonl").read_text().splitlines() if x]


def test_the_steps_the_model_gets_wrong_are_hard(run: Path, tmp_path: Path) -> None:
    counts, per_task = _script().split_runs([run], tmp_path, _wrong_taps, rest=0.0)
    episodes = [p for p in run.iterdir() if (p / "steps.jsonl").is_file()]
    steps = [r for ep in episodes for r in _lines(ep)]
    taps = [r for r in steps if r["completion"].startswith("tap(")]
    assert counts["steps"] == len(steps)
    assert counts["hard"] == len(taps) > 0
    assert not (tmp_path / "rest").exists()
    # the other steps on the screens of the hard ones are kept apart: the other side of a choice
    screens = {(r["episode_id"], r["activity"]) for r in taps}
    near = [r for r in steps if r not in taps and (r["episode_id"], r["activity"]) in screens]
    assert counts["near"] == len(near) > 0
    assert len(load_examples([tmp_path / "near"])[0]) == len(near)
    assert per_task["FoodGoOrderDish"][0] == 2
    assert per_task["WalletAskBalance"] == (1, 0)  # it opens an app and answers: no taps
    # OUT/hard reads like any run, with exactly those steps
    examples, stats = load_examples([tmp_path / "hard"])
    assert len(examples) == len(taps)
    assert stats.episodes == len({r["episode_id"] for r in taps})
    assert all(e.completion.split("</think>")[-1].strip().startswith("tap(") for e in examples)
    replies = [json.loads(x) for x in (tmp_path / "replies.jsonl").read_text().splitlines()]
    assert len(replies) == len(steps)
    assert sum(r["hard"] for r in replies) == len(taps)


def test_per_task_and_rest_bound_what_is_kept(run: Path, tmp_path: Path) -> None:
    mod = _script()
    counts, per_task = mod.split_runs([run], tmp_path / "a", _wrong_taps, per_task=1, rest=1.0)
    assert per_task["FoodGoOrderDish"][0] == 1  # one episode of each template scored
    assert counts["rest"] == counts["steps"] - counts["hard"] - counts["near"]
    again, _ = mod.split_runs([run], tmp_path / "b", _wrong_taps, per_task=1, rest=0.5, seed=3)
    same, _ = mod.split_runs([run], tmp_path / "c", _wrong_taps, per_task=1, rest=0.5, seed=3)
    assert again == same  # seeded
    assert again["rest"] < counts["rest"]


def test_a_broken_step_record_is_named(run: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    first = sorted(p for p in run.iterdir() if (p / "steps.jsonl").is_file())[0]
    (broken / first.name).mkdir(parents=True)
    (broken / first.name / "episode.json").write_bytes((first / "episode.json").read_bytes())
    (broken / first.name / "steps.jsonl").write_text('{"step": 0}\n{"step": 1, "act\n')
    with pytest.raises(SystemExit, match=r"steps\.jsonl:2: not a step record"):
        _script().split_runs([broken], tmp_path / "out", _wrong_taps)


def test_near_is_thinned_and_replies_are_read_back_without_the_model(
    run: Path, tmp_path: Path
) -> None:
    mod = _script()
    full, _ = mod.split_runs([run], tmp_path / "a", _wrong_taps, rest=0.0)
    half, _ = mod.split_runs([run], tmp_path / "b", _wrong_taps, rest=0.0, near=0.5, seed=1)
    assert full["hard"] == half["hard"]
    assert 0 <= half["near"] < full["near"]
    cache = mod.cached_replies([tmp_path / "a" / "replies.jsonl"])
    assert len(cache) == full["steps"]
    ids = {
        json.loads(x)["episode_id"]
        for x in (tmp_path / "a" / "replies.jsonl").read_text().split("\n")
        if x
    }
    assert {k[0] for k in cache} == ids  # keyed as the step records name their episode

    def cached(row: dict[str, Any]) -> tuple[str, str, str]:
        return cache[(str(row["episode_id"]), int(row["step"]))]  # a miss fails the test

    again, _ = mod.split_runs([run], tmp_path / "c", cached, rest=0.0)
    assert again == full
    assert (tmp_path / "c" / "replies.jsonl").read_text() == (
        tmp_path / "a" / "replies.jsonl"
    ).read_text()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"episode": "x", "step": 0, "want": "a", "got": "b"}\n{"episode": 1}\n')
    with pytest.raises(SystemExit, match=r"bad\.jsonl:2: not a reply record"):
        mod.cached_replies([bad])
