"""RL on the simulated phone (``droidpilot train grpo``): GRPO with the rule-based step rewards.

One iteration:

1. pick ``groups`` task instances (training templates, training seeds; a seeded draw);
2. run ``group_size`` episodes of each through the real agent loop (the planner over the
   transformers backend, sampling, the same prompt as at run time) on a fresh simulated phone
   seeded alike; every step record keeps its prompt and completion token ids and rewards;
3. advantages, normalised per group (:func:`group_advantages`):

   - ``process`` (default; DeepSeekMath's process supervision): every step reward of the
     group is normalised by the mean and standard deviation of all the group's step rewards,
     and a step's advantage is the (discounted) sum of the normalised rewards from it on;
   - ``outcome``: each episode's return, normalised within the group, for all its steps;

   a group whose rewards are all equal teaches nothing (all advantages are 0);
4. a clipped policy-gradient update on the completions' tokens (the PPO/GRPO surrogate with
   ``clip``; the old log-probabilities are the policy's before the update; ``beta`` > 0 adds
   the k3 KL estimate to a frozen copy of the starting model), token-level mean over the
   iteration's completion tokens, ``epochs`` passes.

Validation runs greedy episodes on validation seeds before and after (``val_episodes``).
The policy that rolls out is the model being trained (the backend's own model object).
"""

from __future__ import annotations

import copy
import logging
import math
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from droidpilot.errors import ConfigError
from droidpilot.planner.default import planner_config_for
from droidpilot.planner.planner import Planner, PlannerConfig
from droidpilot.planner.prompt import PromptStyle, prompt_style, style_of
from droidpilot.policy.agent import Agent, AgentConfig
from droidpilot.policy.splits import TRAIN_SEEDS, VALIDATION_SEEDS, split_of, train_templates
from droidpilot.policy.train import (
    autocast_for,
    check_precision,
    freeze_below,
    machine,
    seed_everything,
    target_logits,
    write_model_card,
)
from droidpilot.policy.trajectory import read_steps
from droidpilot.tasks.registry import get as get_spec
from droidpilot.tasks.spec import Task
from droidpilot.types import Sampling

__all__ = [
    "AdvantageMode",
    "EvalResult",
    "GRPOConfig",
    "GRPOReport",
    "Group",
    "Rollout",
    "StepSample",
    "evaluate_policy",
    "group_advantages",
    "policy_update",
    "rollout",
    "train_grpo",
]

logger = logging.getLogger(__name__)

AdvantageMode = Literal["process", "outcome"]
_EPS = 1e-6


@dataclass(frozen=True, slots=True, kw_only=True)
class StepSample:
    """One step of a rollout, as the update needs it."""

    prompt_ids: tuple[int, ...]
    completion_ids: tuple[int, ...]
    reward: float
    logprobs: tuple[float, ...] | None = None  # the backend's, at sampling time


@dataclass(frozen=True, slots=True, kw_only=True)
class Rollout:
    task_id: str
    seed: int
    steps: tuple[StepSample, ...]
    success: bool
    episode_dir: str = ""

    @property
    def return_(self) -> float:
        return sum(s.reward for s in self.steps)


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """The rollouts of one task instance."""

    task_id: str
    seed: int
    rollouts: tuple[Rollout, ...]


def group_advantages(
    groups: Sequence[Group], mode: AdvantageMode = "process", gamma: float = 1.0
) -> list[list[list[float]]]:
    """``[group][rollout][step]`` advantages, normalised within each group."""
    out: list[list[list[float]]] = []
    for g in groups:
        if mode == "outcome":
            returns = [r.return_ for r in g.rollouts]
            mean = statistics.fmean(returns) if returns else 0.0
            std = statistics.pstdev(returns) if len(returns) > 1 else 0.0
            out.append([
                [0.0 if std < _EPS else (ret - mean) / std] * len(r.steps)
                for r, ret in zip(g.rollouts, returns, strict=True)
            ])  # fmt: skip
            continue
        rewards = [s.reward for r in g.rollouts for s in r.steps]
        mean = statistics.fmean(rewards) if rewards else 0.0
        std = statistics.pstdev(rewards) if len(rewards) > 1 else 0.0
        per: list[list[float]] = []
        for r in g.rollouts:
            norm = [0.0 if std < _EPS else (s.reward - mean) / std for s in r.steps]
            adv = [0.0] * len(norm)
            acc = 0.0
            for t in range(len(norm) - 1, -1, -1):
                acc = norm[t] + gamma * acc
                adv[t] = acc
            per.append(adv)
        out.append(per)
    return out


# --------------------------------------------------------------------------- rollouts


def _sim_device(seed: int) -> Any:
    from droidpilot.device.sim import SimDevice, SimPhone

    return SimDevice(SimPhone(seed=seed))


def rollout(
    backend: Any,
    task: Task,
    run_dir: Path,
    *,
    sampling: Sampling,
    constrain: bool = False,
    max_steps: int | None = None,
    style: PromptStyle | None = None,
) -> Rollout:
    """One episode of ``task`` with the planner over ``backend``, its step prompts written in
    ``style`` (default ``full``); its steps for the update."""
    config = PlannerConfig(plan_first=False, sampling=sampling, constrain=constrain)
    planner = Planner(backend, config.styled(style) if style is not None else config)
    agent = Agent(
        _sim_device(task.seed),
        planner,
        config=AgentConfig(guard="allow", max_steps=max_steps, screenshots=False, hierarchy=False),
    )
    try:
        res = agent.run(run_dir, task=task)
    finally:
        agent.device.close()
    steps: list[StepSample] = []
    for rec in read_steps(res.episode_dir):
        steps.append(
            StepSample(
                prompt_ids=tuple(rec.prompt_token_ids or ()),
                completion_ids=tuple(rec.completion_token_ids or ()),
                reward=float(rec.reward or 0.0),
                logprobs=rec.completion_logprobs,
            )
        )
    return Rollout(
        task_id=task.id,
        seed=task.seed,
        steps=tuple(steps),
        success=bool(res.success),
        episode_dir=str(res.episode_dir),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class EvalResult:
    episodes: int
    successes: int
    mean_return: float
    per_task: tuple[tuple[str, int, int], ...]  # task, successes, episodes

    @property
    def success_rate(self) -> float:
        return self.successes / self.episodes if self.episodes else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "episodes": self.episodes,
            "successes": self.successes,
            "success_rate": round(self.success_rate, 4),
            "mean_return": round(self.mean_return, 4),
            "per_task": [list(t) for t in self.per_task],
        }


def evaluate_policy(
    backend: Any,
    tasks: Sequence[str],
    seeds: Sequence[int],
    run_dir: Path,
    *,
    max_new_tokens: int = 128,
    max_thinking_tokens: int | None = None,
    constrain: bool = False,
    max_steps: int | None = None,
    style: PromptStyle | None = None,
) -> EvalResult:
    """Greedy episodes of every task x seed (validation seeds); success and mean return."""
    greedy = Sampling(
        temperature=0.0,
        top_p=1.0,
        max_tokens=max_new_tokens,
        max_thinking_tokens=max_thinking_tokens,
    )
    wins = 0
    returns: list[float] = []
    per: list[tuple[str, int, int]] = []
    for tid in tasks:
        spec = get_spec(tid)
        ok = 0
        for seed in seeds:
            r = rollout(backend, spec.instantiate(seed), run_dir, sampling=greedy,
                        constrain=constrain, max_steps=max_steps, style=style)  # fmt: skip
            ok += r.success
            returns.append(r.return_)
        wins += ok
        per.append((tid, ok, len(seeds)))
    return EvalResult(
        episodes=len(returns),
        successes=wins,
        mean_return=statistics.fmean(returns) if returns else 0.0,
        per_task=tuple(per),
    )


# --------------------------------------------------------------------------- the update


def _token_logprobs(
    model: Any, batch: Sequence[StepSample], pad_id: int, device: str, precision: str = "auto"
) -> Any:
    """Log-probabilities of the completion tokens under ``model`` (flat, row by row) and the
    ``(rows, width-1)`` mask of the positions they are predicted at."""
    import torch

    width = max(len(s.prompt_ids) + len(s.completion_ids) for s in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    target = torch.zeros((len(batch), width), dtype=torch.bool)
    for row, s in enumerate(batch):
        seq = [*s.prompt_ids, *s.completion_ids]
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
        target[row, len(s.prompt_ids) : len(seq)] = True
    ids, mask, target = ids.to(device), mask.to(device), target.to(device)
    autocast = autocast_for(device, precision)
    where = target[:, 1:]
    with autocast:
        logits = target_logits(model, ids, mask, where)
    logp = torch.log_softmax(logits.float(), dim=-1)
    taken = logp.gather(-1, ids[:, 1:][where].unsqueeze(-1)).squeeze(-1)
    return taken, where


def policy_update(
    model: Any,
    optimizer: Any,
    samples: Sequence[tuple[StepSample, float]],
    *,
    pad_id: int,
    device: str,
    clip: float = 0.2,
    epochs: int = 1,
    micro_batch: int = 4,
    beta: float = 0.0,
    ref_model: Any = None,
    max_grad_norm: float = 1.0,
    precision: str = "auto",
) -> dict[str, float]:
    """The clipped surrogate on ``(step, advantage)`` pairs; one optimizer step per epoch.
    ``precision``: the forward passes' autocast (:func:`~droidpilot.policy.train.autocast_for`)."""
    import torch

    usable = [(s, a) for s, a in samples if s.completion_ids and s.prompt_ids and a != 0.0]
    if not usable:
        return {"loss": 0.0, "clip_fraction": 0.0, "tokens": 0.0, "samples": 0.0}
    batches = [usable[i : i + micro_batch] for i in range(0, len(usable), micro_batch)]
    n_tokens = sum(len(s.completion_ids) for s, _ in usable)
    model.eval()  # no dropout: the old and new log-probabilities must agree at the start
    old: list[Any] = []
    ref: list[Any] = []
    with torch.no_grad():
        for b in batches:
            rows = [s for s, _ in b]
            old.append(_token_logprobs(model, rows, pad_id, device, precision)[0])
            if beta > 0 and ref_model is not None:
                ref.append(_token_logprobs(ref_model, rows, pad_id, device, precision)[0])
    total_loss = 0.0
    clipped = 0.0
    for _ in range(epochs):
        optimizer.zero_grad(set_to_none=True)
        for k, b in enumerate(batches):
            new, where = _token_logprobs(model, [s for s, _ in b], pad_id, device, precision)
            per_row = torch.tensor([a for _, a in b], dtype=torch.float32, device=new.device)
            adv = per_row.unsqueeze(-1).expand(where.shape)[where]
            ratio = torch.exp(new - old[k])
            surrogate = torch.minimum(ratio * adv, torch.clamp(ratio, 1.0 - clip, 1.0 + clip) * adv)
            per_token = -surrogate
            if beta > 0 and ref:
                delta = ref[k] - new
                per_token = per_token + beta * (torch.exp(delta) - delta - 1.0)
            loss = per_token.sum() / n_tokens
            loss.backward()  # type: ignore[no-untyped-call]
            total_loss += float(loss.detach())
            out_of = (ratio - 1.0).abs() > clip
            clipped += float(out_of.sum())
        torch.nn.utils.clip_grad_norm_(
            [p for p in model.parameters() if p.requires_grad], max_grad_norm
        )
        optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return {
        "loss": total_loss / epochs,
        "clip_fraction": clipped / (n_tokens * epochs),
        "tokens": float(n_tokens),
        "samples": float(len(usable)),
    }


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True, slots=True, kw_only=True)
class GRPOConfig:
    """Settings of a GRPO run (defaults: a small run from an SFT model)."""

    model: str  # the SFT model directory (or any model spec)
    out: Path
    tasks: tuple[str, ...] = ()  # training templates (default: every one of the train split)
    device: str = "cpu"
    iterations: int = 10
    groups: int = 2  # task instances per iteration
    group_size: int = 4  # rollouts per instance
    seed: int = 0  # the draw of instances (training seeds) and the sampling seeds
    lr: float = 1e-6
    clip: float = 0.2
    epochs: int = 1
    beta: float = 0.0
    micro_batch: int = 4
    advantage: AdvantageMode = "process"
    gamma: float = 1.0
    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 128
    #: the thinking cap of rollouts and validation; None: the model's own (its droidpilot.json,
    #: what the planner applies to it when deployed), or no cap
    max_thinking_tokens: int | None = None
    max_steps: int | None = None  # per episode (default: the task's budget)
    constrain: bool = False
    val_tasks: tuple[str, ...] = ()  # default: the training tasks
    val_seeds: int = 0  # validation seeds per task (0: no validation)
    threads: int | None = None
    train_layers: int | None = None  # update only the top N decoder layers (+ final norm)
    #: the update's autocast: auto (bf16 on CUDA, fp32 on a CPU) | bf16 | fp32
    precision: str = "auto"

    def __post_init__(self) -> None:
        if self.group_size < 2:
            raise ConfigError("a group needs at least 2 rollouts to normalise advantages")
        if self.iterations < 1 or self.groups < 1:
            raise ConfigError("iterations and groups must be at least 1")
        if self.advantage not in ("process", "outcome"):
            raise ConfigError(f"unknown advantage mode {self.advantage!r}")
        if self.train_layers is not None and self.train_layers < 1:
            raise ConfigError("train_layers must be at least 1 (or unset: every layer)")
        check_precision(self.precision)
        for tid in self.tasks:
            if split_of(tid, TRAIN_SEEDS.start) != "train":
                raise ConfigError(f"{tid} is a held-out template: it never trains")


@dataclass(frozen=True, slots=True, kw_only=True)
class GRPOReport:
    out: Path
    iterations: tuple[dict[str, Any], ...]
    before: EvalResult | None
    after: EvalResult | None
    seconds: float
    last_groups: tuple[Group, ...] = ()  # the last iteration's rollouts
    last_advantages: tuple[tuple[tuple[float, ...], ...], ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "iterations": list(self.iterations),
            "validation_before": self.before.as_json() if self.before else None,
            "validation_after": self.after.as_json() if self.after else None,
            "seconds": round(self.seconds, 2),
        }


def thinking_cap(cfg: GRPOConfig) -> int | None:
    """The thinking cap of ``cfg``'s rollouts: its own, else the model's (what the planner
    applies when it runs the model: rollouts sample as it will be used), else none."""
    if cfg.max_thinking_tokens is not None:
        return cfg.max_thinking_tokens
    return planner_config_for(cfg.model).sampling.max_thinking_tokens


def _model_style(model: str | Path) -> PromptStyle:
    """The prompt style the model at ``model`` was trained on (its ``droidpilot.json``)."""
    config = planner_config_for(model)
    found = style_of(config.system)
    return prompt_style(found or "full")


def train_grpo(
    cfg: GRPOConfig, *, on_iteration: Callable[[dict[str, Any]], None] | None = None
) -> GRPOReport:
    """Run GRPO from ``cfg.model``; save the policy into ``cfg.out`` with its model card."""
    import torch

    from droidpilot.planner.backends.hf import LocalSettings, TransformersBackend

    started_at = time.time()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed)
    backend = TransformersBackend(LocalSettings(model=cfg.model, device=cfg.device))
    device = backend.device
    model = backend.model
    pad_id = int(backend.pad_id)
    if cfg.train_layers is not None:
        freeze_below(model, cfg.train_layers)
    ref_model = copy.deepcopy(model).eval() if cfg.beta > 0 else None
    think_cap = thinking_cap(cfg)
    # rollouts prompt the model as the planner will: in the style it was trained on
    style = _model_style(cfg.model)
    tasks = cfg.tasks or train_templates()
    val_tasks = cfg.val_tasks or tasks
    val_seeds = [VALIDATION_SEEDS.start + k for k in range(cfg.val_seeds)]
    rollouts_dir = cfg.out / "rollouts"
    t0 = time.perf_counter()
    before = after = None
    if val_seeds:
        before = evaluate_policy(backend, val_tasks, val_seeds, rollouts_dir / "val-before",
                                 max_new_tokens=cfg.max_new_tokens, constrain=cfg.constrain,
                                 max_thinking_tokens=think_cap, style=style,
                                 max_steps=cfg.max_steps)  # fmt: skip
        logger.info("validation before: %d/%d", before.successes, before.episodes)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=cfg.lr, weight_decay=0.0
    )
    rng = random.Random(cfg.seed)
    history: list[dict[str, Any]] = []
    last_adv: list[list[list[float]]] = []
    last_groups: list[Group] = []
    for it in range(cfg.iterations):
        ti = time.perf_counter()
        groups: list[Group] = []
        for g in range(cfg.groups):
            tid = tasks[rng.randrange(len(tasks))]
            seed = rng.randrange(TRAIN_SEEDS.start, TRAIN_SEEDS.stop or 1000)
            task = get_spec(tid).instantiate(seed)
            rolls = []
            for k in range(cfg.group_size):
                sampling = Sampling(
                    temperature=cfg.temperature, top_p=cfg.top_p, max_tokens=cfg.max_new_tokens,
                    max_thinking_tokens=think_cap,
                    seed=cfg.seed * 1_000_003 + it * 10_007 + g * 101 + k,
                )  # fmt: skip
                rolls.append(
                    rollout(
                        backend,
                        task,
                        rollouts_dir / f"iter-{it:04d}",
                        sampling=sampling,
                        constrain=cfg.constrain,
                        max_steps=cfg.max_steps,
                        style=style,
                    )
                )
            groups.append(Group(task_id=tid, seed=seed, rollouts=tuple(rolls)))
        advantages = group_advantages(groups, cfg.advantage, cfg.gamma)
        last_adv, last_groups = advantages, groups
        samples = [
            (step, advantages[gi][ri][si])
            for gi, g in enumerate(groups)
            for ri, r in enumerate(g.rollouts)
            for si, step in enumerate(r.steps)
        ]
        tu = time.perf_counter()
        stats = policy_update(
            model, optimizer, samples, pad_id=pad_id, device=device, clip=cfg.clip,
            epochs=cfg.epochs, micro_batch=cfg.micro_batch, beta=cfg.beta, ref_model=ref_model,
            precision=cfg.precision,
        )  # fmt: skip
        model.eval()
        all_r = [r for g in groups for r in g.rollouts]
        doc = {
            "iteration": it,
            "instances": [f"{g.task_id}/s{g.seed}" for g in groups],
            "rollouts": len(all_r),
            "success_rate": round(sum(r.success for r in all_r) / len(all_r), 4),
            "mean_return": round(statistics.fmean(r.return_ for r in all_r), 4),
            "steps": sum(len(r.steps) for r in all_r),
            "zero_advantage_groups": sum(
                all(a == 0.0 for ra in ga for a in ra) for ga in advantages
            ),
            **{k: round(v, 5) for k, v in stats.items()},
            "rollout_seconds": round(tu - ti, 2),
            "update_seconds": round(time.perf_counter() - tu, 2),
        }
        history.append(doc)
        logger.info("GRPO iteration %d: %s", it, doc)
        if on_iteration is not None:
            on_iteration(doc)
    if val_seeds:
        after = evaluate_policy(backend, val_tasks, val_seeds, rollouts_dir / "val-after",
                                max_new_tokens=cfg.max_new_tokens, constrain=cfg.constrain,
                                max_thinking_tokens=think_cap, style=style,
                                max_steps=cfg.max_steps)  # fmt: skip
        logger.info("validation after: %d/%d", after.successes, after.episodes)
    seconds = time.perf_counter() - t0
    _save_policy(model, backend.tokenizer, cfg)
    report = GRPOReport(
        out=cfg.out,
        iterations=tuple(history),
        before=before,
        after=after,
        seconds=seconds,
        last_groups=tuple(last_groups),
        last_advantages=tuple(tuple(tuple(r) for r in g) for g in last_adv),
    )
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(cfg).items()}
    settings["tasks"] = list(tasks)
    write_model_card(
        cfg.out,
        kind="grpo",
        base=cfg.model,
        settings=settings,
        results=report.as_json(),
        machine_doc=machine(device),
        started_at=started_at,
        extra={"history": _card_of(cfg.model)},
    )
    return report


def _card_of(model: str) -> list[Any]:
    import json

    path = Path(model) / "model_card.json"
    if not path.is_file():
        return []
    return [json.loads(path.read_text(encoding="utf-8"))]


def _save_policy(model: Any, tokenizer: Any, cfg: GRPOConfig) -> None:
    import shutil

    from droidpilot.policy.train import PLANNER_SETTINGS

    if not math.isfinite(sum(float(p.detach().float().abs().sum()) for p in model.parameters())):
        raise ConfigError("the policy's weights are no longer finite: lower --lr")
    cfg.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(cfg.out), safe_serialization=True)
    tokenizer.save_pretrained(str(cfg.out))
    settings = Path(cfg.model) / PLANNER_SETTINGS
    if settings.is_file():
        shutil.copyfile(settings, cfg.out / PLANNER_SETTINGS)
