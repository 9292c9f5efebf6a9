"""train: demonstrations carry grounded reasoning; a tiny SFT and a tiny GRPO run on the tiny
random Qwen2 finish and change the weights; the SFT model plans through the real backend."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from droidpilot.planner.default import planner_config_for
from droidpilot.planner.parse import ParseFailure
from droidpilot.policy.agent import Agent, AgentConfig
from droidpilot.policy.grpo import Group, Rollout, StepSample, group_advantages
from droidpilot.policy.splits import HELDOUT_TEMPLATES, split_of, split_summary
from droidpilot.policy.teacher import OraclePolicy
from droidpilot.policy.train import lr_schedule
from droidpilot.policy.trajectory import read_steps
from droidpilot.tasks.registry import all_specs
from droidpilot.types import AnswerAction, TapAction, TypeAction

from .conftest import sim, task_of


def _demo(out: Path, task_id: str, seed: int, lang: str | None = None) -> Path:
    task = task_of(task_id, seed, lang)
    cfg = AgentConfig(guard="allow", screenshots=False, hierarchy=False)
    return Agent(sim(seed), OraclePolicy(task), config=cfg).run(out, task=task).episode_dir


@pytest.fixture(scope="module")
def demos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demos")
    _demo(out, "WalletAskBalance", 1)
    _demo(out, "WalletAskBalance", 2, "zh")
    _demo(out, "WalletAskBalance", 1500)  # a validation seed: never trains
    return out


def _weights(path: Path) -> dict[str, object]:
    from safetensors.torch import load_file

    return load_file(str(path / "model.safetensors"))


def _changed(a: Path, b: Path) -> bool:
    import torch

    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys()
    return any(not torch.equal(wa[k], wb[k]) for k in wa)  # type: ignore[call-overload]


# --------------------------------------------------------------------------- demonstrations


def test_splits_are_consistent() -> None:
    ids = {s.id for s in all_specs()}
    assert set(HELDOUT_TEMPLATES) <= ids
    doc = split_summary()
    assert not set(HELDOUT_TEMPLATES) & set(doc["train_templates"])  # type: ignore[arg-type]
    assert split_of("WalletAskBalance", 3) == "train"
    assert split_of("WalletAskBalance", 1003) == "validation"
    assert split_of("WalletAskBalance", 2003) == "test"
    assert split_of("WalletAskLastTransaction", 3) == "heldout_template"
    assert split_of(None, 3) is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_oracle_steps_think_about_the_element_they_act_on(tmp_path: Path, lang: str) -> None:
    ep = _demo(tmp_path, "FoodGoOrderDish", 3, lang)
    steps = read_steps(ep)
    assert steps[-1].success
    targeted = 0
    for rec in steps:
        assert rec.reasoning
        assert len(rec.reasoning) < 200
        if lang == "zh":
            assert re.search(r"[\u4e00-\u9fff]", rec.reasoning)
        if isinstance(rec.action, TapAction | TypeAction) and rec.action.element is not None:
            targeted += 1
            assert f"[{rec.action.element}]" in rec.reasoning, rec.reasoning
            words = rec.screen_text.split(f"[{rec.action.element}]", 1)[1].split("\n", 1)[0]
            label = re.search(r'"([^"|]{1,12})', words)
            if label:  # the element's own words are named
                assert label.group(1).strip() in rec.reasoning, (rec.reasoning, words)
    assert targeted >= 8
    goal = task_of("FoodGoOrderDish", 3, lang)
    shop = goal.params.t("shop", lang)
    assert any(shop in r.reasoning for r in steps)  # grounded in the task's parameters


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_oracle_steps_say_why_a_flow_button_serves_the_goal(tmp_path: Path, lang: str) -> None:
    """The app's own buttons (cart, checkout, the PIN's Done, quantity) name no goal
    parameter; their thoughts still say what the step does for the goal, with the goal's
    values where it has them, and not the bare "the next step" of the fallback."""
    ep = _demo(tmp_path, "FoodGoOrderDishOptions", 4, lang)
    steps = read_steps(ep)
    assert steps[-1].success
    goal = task_of("FoodGoOrderDishOptions", 4, lang)
    pin = goal.params.s("pin")
    fallback = "下一步要继续完成目标" if lang == "zh" else "The next step toward the goal"
    thoughts = [r.reasoning for r in steps]
    assert not [t for t in thoughts if t.startswith(fallback)], thoughts
    confirm = "确认付款" if lang == "zh" else "confirm the payment"
    assert any(confirm in t and pin in t for t in thoughts)  # the PIN pad's Done
    cart = "购物车" if lang == "zh" else "the cart"
    assert any(cart in t for t in thoughts)


def test_the_recorded_prompt_and_export_carry_the_think_block(demos: Path) -> None:
    from droidpilot.policy.train import load_examples

    examples, stats = load_examples([demos])
    assert stats.episodes == 2
    assert stats.left_out_split == 1
    assert {e.lang for e in examples} == {"en", "zh"}
    ex = examples[0]
    assert ex.prompt[0].role == "system"
    assert "Goal:" in ex.prompt[1].content
    assert re.fullmatch(r"<think>[^<]+</think>\nopen_app\(\"[^\"]+\"\)", ex.completion)


# --------------------------------------------------------------------------- SFT


@pytest.fixture(scope="module")
def sft_model(demos: Path, tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    from droidpilot.policy.train import SFTConfig, train_sft

    out = tmp_path_factory.mktemp("sft") / "model"
    report = train_sft(
        SFTConfig(
            runs=(demos,),
            out=out,
            base=str(tiny_model),
            max_seq=4096,
            batch_size=2,
            grad_accum=1,
            epochs=2,
            lr=3e-3,
            warmup=0.0,
            seed=0,
        )
    )
    assert report.optimizer_steps == 4
    assert report.examples_used == 4
    assert report.tokens > 0
    assert report.tokens_per_second > 0
    assert report.last_loss is not None
    assert report.first_loss is not None
    return out


@pytest.mark.slow
def test_sft_changes_the_weights_and_writes_a_card(sft_model: Path, tiny_model: Path) -> None:
    assert _changed(tiny_model, sft_model)
    card = json.loads((sft_model / "model_card.json").read_text())
    assert card["stage"] == "sft"
    assert card["settings"]["seed"] == 0
    assert card["settings"]["lr"] == 3e-3
    assert card["results"]["data"]["episodes"] == 2
    assert card["machine"]["device"] == "cpu"
    assert card["machine"]["cpu_count"]
    # the CPU by name and extensions, not only "x86_64" (figures differ 2x between CPUs)
    assert card["machine"]["cpu_info"]["usable_cpus"] >= 1
    assert card["machine"]["cpu"].startswith(card["machine"]["cpu_info"]["model"])
    assert card["machine"]["cpu"] in (sft_model / "README.md").read_text()
    assert (sft_model / "README.md").read_text().startswith("# droidpilot planner model")
    settings = json.loads((sft_model / "droidpilot.json").read_text())
    assert settings["plan_first"] is False
    assert settings["ground_quotes"] is True  # the demonstrations cite [N] "words"
    assert planner_config_for(sft_model).ground_quotes is True
    assert settings["prompt"] == "full"  # the style the demonstrations were written in


@pytest.mark.slow
def test_the_sft_model_plans_through_the_transformers_backend(sft_model: Path) -> None:
    from droidpilot.planner import Planner, PlannerConfig
    from droidpilot.planner.backends.hf import LocalSettings, TransformersBackend
    from droidpilot.types import Sampling

    backend = TransformersBackend(LocalSettings(model=str(sft_model), device="cpu"))
    planner = Planner(
        backend,
        PlannerConfig(plan_first=False, sampling=Sampling(temperature=0, top_p=1, max_tokens=24)),
    )
    task = task_of("WalletAskBalance", 7)
    device = sim(7)
    task.setup(device)
    decision = planner.decide(task.goal, device.observe())
    assert decision.completion.completion_tokens > 0
    assert decision.completion.prompt_tokens > 100
    assert decision.valid or isinstance(decision.action, ParseFailure)


@pytest.mark.slow
def test_sft_of_the_top_layers_changes_only_those(
    demos: Path, tiny_model: Path, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    from safetensors.numpy import load_file

    from droidpilot.errors import ConfigError
    from droidpilot.policy.train import SFTConfig, train_sft

    out = tmp_path / "top"
    report = train_sft(
        SFTConfig(runs=(demos,), out=out, base=str(tiny_model), max_seq=4096, batch_size=2,
                  grad_accum=1, epochs=1, lr=3e-3, warmup=0.0, seed=0, train_layers=1)
    )  # fmt: skip
    assert report.optimizer_steps == 2
    before = load_file(str(tiny_model / "model.safetensors"))
    after = load_file(str(out / "model.safetensors"))
    changed = {k for k in after if not (after[k] == before[k]).all()}
    assert changed, "nothing trained"
    # the tiny model has 2 layers: only layer 1 and the final norm may move
    assert all(k.startswith(("model.layers.1.", "model.norm.")) for k in changed), changed
    assert any(k.startswith("model.layers.1.") for k in changed)
    card = json.loads((out / "model_card.json").read_text())
    assert card["settings"]["train_layers"] == 1
    assert json.loads((out / "droidpilot.json").read_text())["constrain"] is True
    with pytest.raises(ConfigError, match="decoder layers"):
        train_sft(SFTConfig(runs=(demos,), out=tmp_path / "x", base=str(tiny_model),
                            train_layers=3))  # fmt: skip
    with pytest.raises(ConfigError, match="at least 1"):
        SFTConfig(runs=(demos,), out=tmp_path / "x", train_layers=0)


def test_autocast_for_each_precision() -> None:
    torch = pytest.importorskip("torch")
    from droidpilot.errors import ConfigError
    from droidpilot.policy.grpo import GRPOConfig
    from droidpilot.policy.train import SFTConfig, autocast_for

    a, b = torch.ones(4, 4), torch.ones(4, 4)
    with autocast_for("cpu", "bf16"):
        assert (a @ b).dtype == torch.bfloat16
    for precision in ("auto", "fp32"):  # a CPU trains in fp32 unless asked
        with autocast_for("cpu", precision):
            assert (a @ b).dtype == torch.float32
    with pytest.raises(ConfigError, match="precision 'fp16'"):
        autocast_for("cpu", "fp16")
    with pytest.raises(ConfigError, match="precision 'half'"):
        SFTConfig(runs=(), out=Path("x"), precision="half")
    with pytest.raises(ConfigError, match="precision 'half'"):
        GRPOConfig(model="m", out=Path("x"), precision="half")


@pytest.mark.slow
def test_sft_in_bf16_on_a_cpu_keeps_fp32_weights_and_trains_otherwise(
    demos: Path, tiny_model: Path, tmp_path: Path
) -> None:
    """``--precision bf16`` on a CPU: the forward runs under bf16 autocast (so the same seed
    ends on other weights than fp32's), the saved weights stay fp32, the card says so."""
    torch = pytest.importorskip("torch")
    from droidpilot.policy.train import SFTConfig, train_sft

    outs = {}
    for precision in ("fp32", "bf16"):
        outs[precision] = out = tmp_path / precision
        train_sft(
            SFTConfig(runs=(demos,), out=out, base=str(tiny_model), max_seq=4096, batch_size=2,
                      grad_accum=1, epochs=1, lr=3e-3, warmup=0.0, seed=0, precision=precision)
        )  # fmt: skip
        card = json.loads((out / "model_card.json").read_text())
        assert card["settings"]["precision"] == precision
        assert _changed(tiny_model, out)
    bf16 = _weights(outs["bf16"])
    assert {t.dtype for t in bf16.values()} == {torch.float32}  # type: ignore[attr-defined]
    assert _changed(outs["fp32"], outs["bf16"])


@pytest.mark.slow
def test_lora_sft_saves_a_merged_model_that_ships_as_exact_low_rank_factors(
    demos: Path, tiny_model: Path, tmp_path: Path
) -> None:
    """The GPU recipe: LoRA in every layer, merged on saving, shipped as rank-R factors."""
    pytest.importorskip("peft")
    from safetensors.numpy import load_file

    from droidpilot.planner.default import DELTA_MANIFEST, build_default, write_delta
    from droidpilot.policy.train import SFTConfig, train_sft

    out = tmp_path / "lora"
    report = train_sft(
        SFTConfig(runs=(demos,), out=out, base=str(tiny_model), max_seq=4096, batch_size=2,
                  grad_accum=1, epochs=1, lr=3e-2, warmup=0.0, seed=0, lora=True, lora_rank=2)
    )  # fmt: skip
    assert report.optimizer_steps == 2
    after = load_file(str(out / "model.safetensors"))
    before = load_file(str(tiny_model / "model.safetensors"))
    assert after.keys() == before.keys()  # merged: the plain model's tensors, no adapter
    changed = {k for k in after if not (after[k] == before[k]).all()}
    assert changed
    assert all(k.endswith("proj.weight") for k in changed), changed
    ship = write_delta(out, tmp_path / "ship", base=str(tiny_model), rank=2)
    low = json.loads((ship / DELTA_MANIFEST).read_text())["low_rank"]
    assert set(low) == changed
    assert max(v["relative_error"] for v in low.values()) < 5e-3
    built = load_file(str(build_default(ship, onnx=False, target=tmp_path / "b") / "hf" /
                          "model.safetensors"))  # fmt: skip
    for k in changed:
        assert abs(built[k] - after[k]).max() < 1e-3, k


def test_sft_takes_the_prompt_style_of_its_demonstrations(
    demos: Path, tmp_path: Path, tiny_model: Path
) -> None:
    from droidpilot.errors import ConfigError
    from droidpilot.planner.prompt import COMPACT_SYSTEM_PROMPT
    from droidpilot.policy.train import (
        Example,
        SFTConfig,
        load_examples,
        prompt_style_of,
        train_sft,
    )
    from droidpilot.types import Message

    task = task_of("WalletAskBalance", 4)
    cfg = AgentConfig(guard="allow", screenshots=False, hierarchy=False)
    compact = tmp_path / "compact"
    Agent(sim(4), OraclePolicy(task, "compact"), config=cfg).run(compact, task=task)
    examples, _ = load_examples([compact])
    assert prompt_style_of(examples) == "compact"
    assert {e.prompt[0].content for e in examples} == {COMPACT_SYSTEM_PROMPT}
    past = examples[-1].prompt[1].content.split("Recent steps:")[1].split("\n")[1]
    assert past.endswith("-> screen changed")  # no thought after it
    assert prompt_style_of(load_examples([demos])[0]) == "full"
    with pytest.raises(ConfigError, match="mix prompt styles"):
        train_sft(SFTConfig(runs=(demos, compact), out=tmp_path / "m", base=str(tiny_model)))
    odd = Example(
        prompt=(Message(role="system", content="You are helpful."), examples[0].prompt[1]),
        completion=examples[0].completion,
        task_id="WalletAskBalance",
        seed=4,
        lang="en",
        episode_id="x",
        step=0,
    )
    with pytest.raises(ConfigError, match="not one of the planner's prompt styles"):
        prompt_style_of([*examples, odd])


@pytest.mark.slow
def test_sft_from_a_trained_model_in_another_style(sft_model: Path, tmp_path: Path) -> None:
    from droidpilot.policy.train import SFTConfig, train_sft

    task = task_of("WalletAskBalance", 5)
    cfg = AgentConfig(guard="allow", screenshots=False, hierarchy=False)
    compact = tmp_path / "compact"
    Agent(sim(5), OraclePolicy(task, "compact"), config=cfg).run(compact, task=task)
    out = tmp_path / "again"
    report = train_sft(
        SFTConfig(runs=(compact,), out=out, base=str(sft_model), max_seq=4096, batch_size=2,
                  grad_accum=1, max_steps=1, lr=3e-3, warmup=0.0, seed=0)
    )  # fmt: skip
    assert report.optimizer_steps == 1
    assert _changed(sft_model, out)
    assert json.loads((out / "droidpilot.json").read_text())["prompt"] == "compact"
    card = json.loads((out / "model_card.json").read_text())
    (earlier,) = card["history"]  # the stage it started from
    assert earlier["stage"] == "sft"
    assert earlier["settings"]["lr"] == 3e-3
    assert earlier["results"]["data"]["episodes"] == 2


def test_sft_rejects_data_without_training_episodes(tmp_path: Path, tiny_model: Path) -> None:
    from droidpilot.errors import ConfigError
    from droidpilot.policy.train import SFTConfig, train_sft

    _demo(tmp_path / "val", "WalletAskBalance", 1200)
    with pytest.raises(ConfigError, match="no training examples"):
        train_sft(SFTConfig(runs=(tmp_path / "val",), out=tmp_path / "m", base=str(tiny_model)))


# --------------------------------------------------------------------------- GRPO


def _rollout(rewards: list[float]) -> Rollout:
    steps = tuple(StepSample(prompt_ids=(1,), completion_ids=(2,), reward=r) for r in rewards)
    return Rollout(task_id="T", seed=0, steps=steps, success=False)


def test_rollouts_sample_with_the_models_thinking_cap(tmp_path: Path) -> None:
    from droidpilot.policy.grpo import GRPOConfig, thinking_cap

    model = tmp_path / "sft"
    model.mkdir()
    assert thinking_cap(GRPOConfig(model=str(model), out=tmp_path / "o")) is None
    (model / "droidpilot.json").write_text(json.dumps({"sampling": {"max_thinking_tokens": 64}}))
    assert thinking_cap(GRPOConfig(model=str(model), out=tmp_path / "o")) == 64
    cfg = GRPOConfig(model=str(model), out=tmp_path / "o", max_thinking_tokens=8)
    assert thinking_cap(cfg) == 8  # set for the run: that one


def test_rollouts_prompt_in_the_models_style(tmp_path: Path) -> None:
    from droidpilot.planner.backends import CompletionRequest, ScriptedBackend
    from droidpilot.planner.prompt import COMPACT_SYSTEM_PROMPT, SYSTEM_PROMPT
    from droidpilot.policy.grpo import _model_style, rollout
    from droidpilot.types import Sampling

    model = tmp_path / "sft"
    model.mkdir()
    assert _model_style(model).system == SYSTEM_PROMPT
    (model / "droidpilot.json").write_text(json.dumps({"prompt": "compact"}))
    style = _model_style(model)
    assert style.name == "compact"
    seen: list[CompletionRequest] = []

    def script(req: CompletionRequest) -> str:
        seen.append(req)
        return '<think>Open it.</think>\nopen_app("Wallet")'

    greedy = Sampling(temperature=0.0, top_p=1.0, max_tokens=32)
    task = task_of("WalletAskBalance", 4)
    rollout(ScriptedBackend(script), task, tmp_path / "r", sampling=greedy, max_steps=2,
            style=style)  # fmt: skip
    assert len(seen) == 2
    assert all(req.messages[0].content == COMPACT_SYSTEM_PROMPT for req in seen)
    assert "Open it" not in seen[1].messages[1].content


def test_the_learning_rate_decays_to_zero_by_the_time_budget() -> None:
    def at(step: int, elapsed: float = 0.0, budget: float | None = None) -> float:
        return lr_schedule(
            step, lr=1e-3, warm=10, total_steps=1000, elapsed=elapsed, max_seconds=budget
        )

    assert at(0) == pytest.approx(1e-4)  # warm-up
    assert at(10) == pytest.approx(1e-3)
    assert at(505) == pytest.approx(5e-4)  # half-way through the steps
    assert at(999) < 2e-6
    # a time budget that ends before the steps do: the decay follows the clock
    assert at(100, elapsed=150, budget=300) == pytest.approx(5e-4)
    assert at(100, elapsed=299, budget=300) < 1e-5
    assert at(100, elapsed=400, budget=300) == 0.0
    # ... and the steps when they end first
    assert at(505, elapsed=1, budget=300) == pytest.approx(5e-4)
    assert lr_schedule(0, lr=1e-3, warm=0, total_steps=1) == 1e-3


def test_group_advantages_are_normalised_per_group() -> None:
    groups = [
        Group(task_id="T", seed=0, rollouts=(_rollout([0.3, 1.0]), _rollout([0.0, -0.1]))),
        Group(task_id="T", seed=1, rollouts=(_rollout([-0.1]), _rollout([-0.1]))),
    ]
    out = group_advantages(groups, "outcome")
    assert out[0][0] == pytest.approx([1.0, 1.0])
    assert out[0][1] == pytest.approx([-1.0, -1.0])
    assert out[1] == [[0.0], [0.0]]  # equal returns teach nothing
    proc = group_advantages(groups, "process")
    flat = [0.3, 1.0, 0.0, -0.1]
    mean = sum(flat) / 4
    std = (sum((x - mean) ** 2 for x in flat) / 4) ** 0.5
    z = [(x - mean) / std for x in flat]
    assert proc[0][0] == pytest.approx([z[0] + z[1], z[1]])
    assert proc[0][1] == pytest.approx([z[2] + z[3], z[3]])
    assert proc[1] == [[0.0], [0.0]]


@pytest.mark.slow
def test_a_tiny_grpo_run_normalises_advantages_and_changes_the_weights(
    sft_model: Path, tmp_path: Path
) -> None:
    from droidpilot.policy.grpo import GRPOConfig, train_grpo

    out = tmp_path / "grpo"
    report = train_grpo(
        GRPOConfig(
            model=str(sft_model),
            out=out,
            tasks=("WalletAskBalance",),
            iterations=1,
            groups=2,
            group_size=2,
            lr=1e-3,
            max_steps=3,
            max_new_tokens=24,
            # a random model may ramble in its thought until the budget ends in every rollout
            # (no action, the same reward): capped, it goes on to a constrained action
            max_thinking_tokens=6,
            constrain=True,
            seed=0,
        )
    )
    (it,) = report.iterations
    assert it["rollouts"] == 4
    assert it["samples"] > 0
    assert it["tokens"] > 0
    groups, advantages = report.last_groups, report.last_advantages
    assert len(groups) == 2
    assert all(len(g.rollouts) == 2 for g in groups)
    assert [[list(a) for a in g] for g in advantages] == group_advantages(groups, "process")
    spread = 0
    for group, adv in zip(groups, advantages, strict=True):
        # process supervision: a step's advantage is its normalised reward plus the next ones
        z = [a[t] - (a[t + 1] if t + 1 < len(a) else 0.0) for a in adv for t in range(len(a))]
        rewards = [s.reward for r in group.rollouts for s in r.steps]
        if max(rewards) > min(rewards):
            spread += 1
            assert sum(z) / len(z) == pytest.approx(0.0, abs=1e-9)
            assert (sum(x * x for x in z) / len(z)) ** 0.5 == pytest.approx(1.0)
        else:
            assert all(x == 0.0 for x in z)
    assert spread >= 1, "no group had different rewards: nothing to learn from"
    assert it["zero_advantage_groups"] == 2 - spread
    assert _changed(sft_model, out)
    card = json.loads((out / "model_card.json").read_text())
    assert card["stage"] == "grpo"
    assert card["history"][0]["stage"] == "sft"


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_the_grpo_update_moves_the_weights_in_each_precision(
    tiny_model: Path, precision: str
) -> None:
    """One clipped-surrogate step on two hand-made samples (one good, one bad), under the
    autocast ``train grpo --precision`` picks: the loss is finite, the weights move, and the
    sample with the positive advantage gains probability."""
    torch = pytest.importorskip("torch")
    from droidpilot.policy.grpo import StepSample, _token_logprobs, policy_update
    from droidpilot.policy.train import load_base

    model, tok, _ = load_base(str(tiny_model))
    pad = int(tok.pad_token_id)
    prompt = tuple(tok("Goal: check the balance.")["input_ids"])
    good = StepSample(prompt_ids=prompt, completion_ids=tuple(tok(" answer")["input_ids"]),
                      reward=1.0)  # fmt: skip
    bad = StepSample(prompt_ids=prompt, completion_ids=tuple(tok(" scroll")["input_ids"]),
                     reward=0.0)  # fmt: skip
    with torch.no_grad():
        before = float(_token_logprobs(model, [good], pad, "cpu", precision)[0].sum())
    start = {k: v.clone() for k, v in model.state_dict().items()}
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    stats = policy_update(model, opt, [(good, 1.0), (bad, -1.0)], pad_id=pad, device="cpu",
                          precision=precision)  # fmt: skip
    assert stats["samples"] == 2
    assert math.isfinite(stats["loss"])
    assert any(not torch.equal(start[k], v) for k, v in model.state_dict().items())
    with torch.no_grad():
        after = float(_token_logprobs(model, [good], pad, "cpu", precision)[0].sum())
    assert after > before


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_answer_step_cites_the_row_it_reads_the_answer_from(tmp_path: Path, lang: str) -> None:
    """The menu shows the asked dish's price (¥5) and other lines that hold the same digits
    ("Min. order ¥15"): the thought cites the dish's row, which shows the answer whole."""
    ep = _demo(tmp_path, "FoodGoAskDishPriceInjected", 2000, lang)
    last = read_steps(ep)[-1]
    assert last.success
    assert isinstance(last.action, AnswerAction)
    cited = re.search(r"\[(\d+)\]", last.reasoning)
    assert cited is not None, last.reasoning
    line = last.screen_text.split(f"[{cited.group(1)}]", 1)[1].split("\n", 1)[0]
    dish = task_of("FoodGoAskDishPriceInjected", 2000, lang).params.t("dish", lang)
    assert dish in line, (line, last.reasoning)
    assert re.search(re.escape(last.action.text) + r"(?![\d.])", line), (line, last.action)


def test_menu_tabs_are_opened_only_while_the_open_one_lacks_the_dish(tmp_path: Path) -> None:
    """MealDash files dishes under tabs. The oracle used to tap the dish's tab (which the task
    knows) even when it was open already; now it opens other tabs, in order, only while the
    open tab does not show the dish, and says so: a demonstration the screen explains."""
    tapped = untouched = 0
    for seed in range(6):
        steps = read_steps(_demo(tmp_path / str(seed), "MealDashOrderDish", seed, "en"))
        assert steps[-1].success
        dish = task_of("MealDashOrderDish", seed, "en").params.t("dish", "en")
        tabs = [
            r
            for r in steps
            if isinstance(r.action, TapAction)
            and re.search(rf"^\[{r.action.element}\] tab ", r.screen_text, re.M)
        ]
        for r in tabs:
            assert f'"{dish}' not in r.screen_text, r.screen_text
            assert r.reasoning.startswith(f'"{dish}" is not on this tab.'), r.reasoning
        tapped += bool(tabs)
        untouched += not tabs and "] tab " in "".join(r.screen_text for r in steps)
    assert tapped
    assert untouched


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_pickers_day_is_tapped_as_the_goals_date_and_a_flight_by_the_goal(
    tmp_path: Path, lang: str
) -> None:
    """The thought names the goal's date in the goal's words ("March 16") beside the day's
    ("16 March 2025"), which a model can copy and the planner can check; the Flights tab is
    opened because the goal asks for a flight."""
    steps = read_steps(_demo(tmp_path, "TravelBookFlight", 3, lang))
    assert steps[-1].success
    date = task_of("TravelBookFlight", 3, lang).params.t("date", lang)
    day = re.compile(r'\[\d+\] "(\d{2} [A-Z][a-z]+ \d{4}|\d{4}年\d+月\d+日)"')
    days = [r for r in steps if day.search(r.reasoning)]
    assert len(days) == 1, [r.reasoning for r in steps]
    assert date in days[0].reasoning  # zh says it as the goal names it: 目标指定的日期是…
    if lang == "en":
        assert any(r.reasoning.startswith("The goal asks for flights") for r in steps)
