"""``droidpilot eval``: success per suite with 95% Wilson intervals, steps, latency, tokens.

Evaluation is a collection (:mod:`.rollout`) of every spec of a suite for seeds
``seed..seed+K-1``, summarised from the run directory: so it resumes like ``collect`` and the
numbers always come from what is on disk.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from droidpilot.policy.trajectory import episode_dirs, read_episode, read_steps
from droidpilot.tasks.registry import all_specs
from droidpilot.types import EpisodeRecord, StepRecord

__all__ = ["EvalSummary", "SuiteStats", "markdown", "summarize", "wilson"]


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval of a success rate (95% by default)."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True, slots=True, kw_only=True)
class SuiteStats:
    suite: str
    episodes: int
    successes: int
    rate: float
    ci95: tuple[float, float]
    mean_steps: float
    mean_return: float | None
    ms_per_step: tuple[tuple[str, float], ...]  # observe, model, guard, act, settle
    tokens_per_step: tuple[tuple[str, float], ...]  # prompt, completion
    failed: tuple[str, ...]  # episode ids that did not succeed
    median_step_ms: float = 0.0  # a whole step (observe + model + guard + act + settle)
    median_model_ms: float = 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "suite": self.suite, "episodes": self.episodes, "successes": self.successes,
            "success_rate": self.rate, "ci95": list(self.ci95), "mean_steps": self.mean_steps,
            "mean_return": self.mean_return, "ms_per_step": dict(self.ms_per_step),
            "tokens_per_step": dict(self.tokens_per_step), "failed": list(self.failed),
            "median_step_ms": self.median_step_ms, "median_model_ms": self.median_model_ms,
        }  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class EvalSummary:
    run_dir: Path
    suites: tuple[SuiteStats, ...]
    overall: SuiteStats

    def as_json(self) -> dict[str, object]:
        return {
            "run_dir": str(self.run_dir),
            "suites": [s.as_json() for s in self.suites],
            "overall": self.overall.as_json(),
        }


def _tokens(rec: StepRecord) -> tuple[float, float]:
    from droidpilot.planner.tokens import count_tokens

    if rec.prompt_token_ids is not None:
        prompt = float(len(rec.prompt_token_ids))
    else:
        prompt = float(sum(count_tokens(m.content) for m in rec.prompt))
    if rec.completion_token_ids is not None:
        completion = float(len(rec.completion_token_ids))
    else:
        completion = float(count_tokens(rec.reasoning) + count_tokens(rec.completion))
    return prompt, completion


def _stats(name: str, eps: Sequence[tuple[EpisodeRecord, list[StepRecord]]]) -> SuiteStats:
    n = len(eps)
    wins = sum(bool(ep.success) for ep, _ in eps)
    steps = [rec for _, recs in eps for rec in recs]
    k = max(1, len(steps))
    phases = ("observe", "model", "guard", "act", "settle")
    ms = tuple((p, sum(getattr(r.timings_ms, p) for r in steps) / k) for p in phases)
    toks = [_tokens(r) for r in steps]
    tokens = (("prompt", sum(t[0] for t in toks) / k), ("completion", sum(t[1] for t in toks) / k))
    returns = [ep.return_ for ep, _ in eps if ep.return_ is not None]
    whole = [sum(getattr(r.timings_ms, p) for p in phases) for r in steps]
    return SuiteStats(
        suite=name, episodes=n, successes=wins, rate=wins / n if n else 0.0,
        ci95=wilson(wins, n), mean_steps=sum(ep.steps for ep, _ in eps) / n if n else 0.0,
        mean_return=sum(returns) / len(returns) if returns else None, ms_per_step=ms,
        tokens_per_step=tokens,
        failed=tuple(ep.episode_id for ep, _ in eps if not ep.success),
        median_step_ms=statistics.median(whole) if whole else 0.0,
        median_model_ms=statistics.median(r.timings_ms.model for r in steps) if steps else 0.0,
    )  # fmt: skip


def summarize(run_dir: Path, suites: Iterable[str] | None = None) -> EvalSummary:
    """Per-suite statistics of the finished episodes in ``run_dir``."""
    suites_of = {s.id: s.suites for s in all_specs()}
    eps: list[tuple[EpisodeRecord, list[StepRecord]]] = []
    for ep_dir in episode_dirs(Path(run_dir)):
        ep = read_episode(ep_dir)
        if ep is not None:
            eps.append((ep, read_steps(ep_dir)))
    names = sorted(
        set(suites)
        if suites is not None
        else {s for ep, _ in eps for s in suites_of.get(ep.task_id or "", ())}
    )
    per = tuple(
        _stats(name, [(ep, r) for ep, r in eps if name in suites_of.get(ep.task_id or "", ())])
        for name in names
    )
    return EvalSummary(run_dir=Path(run_dir), suites=per, overall=_stats("all", eps))


def markdown(summary: EvalSummary, *, title: str = "droidpilot eval") -> str:
    """The summary as a Markdown report."""
    lines = [
        f"# {title}", "", f"Run: `{summary.run_dir}`", "",
        "| suite | episodes | success | 95% CI | mean steps | mean return |",
        "|---|---:|---:|---|---:|---:|",
    ]  # fmt: skip
    for s in (*summary.suites, summary.overall):
        ret = "" if s.mean_return is None else f"{s.mean_return:.2f}"
        lines.append(
            f"| {s.suite} | {s.episodes} | {s.successes}/{s.episodes} ({s.rate:.0%}) | "
            f"{s.ci95[0]:.0%}–{s.ci95[1]:.0%} | {s.mean_steps:.1f} | {ret} |"
        )
    o = summary.overall
    ms = dict(o.ms_per_step)
    tok = dict(o.tokens_per_step)
    lines += [
        "", "## Per step", "",
        "| observe ms | model ms | guard ms | act ms | settle ms | prompt tokens | "
        "completion tokens | median step ms | median model ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {ms['observe']:.1f} | {ms['model']:.1f} | {ms['guard']:.2f} | {ms['act']:.1f} | "
        f"{ms['settle']:.1f} | {tok['prompt']:.0f} | {tok['completion']:.0f} | "
        f"{o.median_step_ms:.0f} | {o.median_model_ms:.0f} |",
    ]  # fmt: skip
    if o.failed:
        lines += ["", "## Not successful", "", *(f"- `{e}`" for e in o.failed)]
    return "\n".join(lines) + "\n"
