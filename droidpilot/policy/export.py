"""Run directories -> training data: Parquet, a Hugging Face dataset folder, TRL, verl.

Every format is Parquet written with an explicit pyarrow schema (structs and lists, never Arrow
map types, never pickle), so ``datasets.load_dataset`` reads it as is:

- ``parquet``: one row per step with every step-record field (DESIGN "Step record"), the
  episode's outcome, and ``return`` (the discounted return-to-go, added here);
- ``hf``: the same rows as a dataset folder (``data/train-*.parquet`` + a README card), for
  ``datasets.load_dataset(PATH)``;
- ``trl``: ``prompt`` (chat messages) and ``completion`` (one assistant message:
  ``<think>reasoning</think>`` and the action), what TRL's ``SFTTrainer`` (prompt-completion)
  and ``GRPOTrainer`` (``prompt``; the other columns reach reward functions as keyword
  arguments) take, plus ``reward``, ``return``, ``success`` and ids;
- ``verl``: ``data_source``, ``prompt``, ``ability``, ``reward_model`` (``style: rule``,
  ``ground_truth``: the recorded action in call syntax) and ``extra_info`` (index, episode,
  step, task, reward, return, success).

Only finished episodes (with ``episode.json``) are exported; ``only_success`` keeps the
successful ones (demonstrations for SFT).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from droidpilot.errors import BackendUnavailable, ConfigError
from droidpilot.planner.prompt import render_action
from droidpilot.policy.trajectory import episode_dirs, read_episode, read_steps
from droidpilot.tasks.reward import discounted_returns
from droidpilot.types import EpisodeRecord, StepRecord, to_json

__all__ = ["EXPORT_FORMATS", "ExportFormat", "ExportReport", "export_run", "step_rows"]

logger = logging.getLogger(__name__)

ExportFormat = Literal["parquet", "hf", "trl", "verl"]
EXPORT_FORMATS: tuple[str, ...] = ("parquet", "hf", "trl", "verl")

#: Every field any action kind has (the action column is a struct of all of them, nullable).
_ACTION_FIELDS: tuple[tuple[str, str], ...] = (
    ("kind", "str"), ("element", "int"), ("x", "int"), ("y", "int"), ("ms", "int"),
    ("text", "str"), ("clear", "bool"), ("submit", "bool"), ("direction", "str"),
    ("x1", "int"), ("y1", "int"), ("x2", "int"), ("y2", "int"), ("key", "str"),
    ("name", "str"), ("seconds", "float"), ("fact", "str"), ("question", "str"),
    ("status", "str"), ("message", "str"),
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportReport:
    path: Path
    format: str
    rows: int
    episodes: int


def _pa() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet
    except ImportError as exc:
        raise BackendUnavailable("export needs pyarrow: pip install 'droidpilot[rl]'") from exc
    return pa


def _messages_type(pa: Any) -> Any:
    return pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))


def steps_schema() -> Any:
    """The explicit schema of the ``parquet`` and ``hf`` formats."""
    pa = _pa()
    kinds = {"str": pa.string(), "int": pa.int64(), "bool": pa.bool_(), "float": pa.float64()}
    action = pa.struct([(name, kinds[t]) for name, t in _ACTION_FIELDS])
    return pa.schema([
        ("schema_version", pa.int32()), ("run_id", pa.string()), ("episode_id", pa.string()),
        ("step", pa.int32()), ("ts", pa.float64()), ("task_id", pa.string()),
        ("goal", pa.string()), ("lang", pa.string()), ("seed", pa.int64()),
        ("app", pa.string()), ("activity", pa.string()), ("screen_text", pa.string()),
        ("hierarchy_sha256", pa.string()), ("hierarchy_path", pa.string()),
        ("screenshot_path", pa.string()), ("prompt", _messages_type(pa)),
        ("completion", pa.string()), ("reasoning", pa.string()), ("model", pa.string()),
        ("sampling", pa.struct([
            ("temperature", pa.float64()), ("top_p", pa.float64()), ("max_tokens", pa.int64()),
            ("max_thinking_tokens", pa.int64()), ("seed", pa.int64()),
        ])),
        ("prompt_token_ids", pa.list_(pa.int64())),
        ("completion_token_ids", pa.list_(pa.int64())),
        ("completion_logprobs", pa.list_(pa.float64())),
        ("action", action), ("action_text", pa.string()), ("action_valid", pa.bool_()),
        ("executed", pa.bool_()), ("error", pa.string()),
        ("guard", pa.struct([
            ("decision", pa.string()), ("reason", pa.string()), ("sensitive", pa.bool_()),
            ("category", pa.string()), ("amount", pa.float64()),
        ])),
        ("reward", pa.float64()),
        ("reward_components", pa.list_(pa.struct([
            ("name", pa.string()), ("value", pa.float64()), ("evidence", pa.string()),
        ]))),
        ("progress", pa.float64()), ("terminated", pa.bool_()), ("truncated", pa.bool_()),
        ("success", pa.bool_()), ("point", pa.list_(pa.int64())),
        ("timings_ms", pa.struct([
            ("observe", pa.float64()), ("model", pa.float64()), ("guard", pa.float64()),
            ("act", pa.float64()), ("settle", pa.float64()),
        ])),
        ("return", pa.float64()), ("episode_success", pa.bool_()),
        ("episode_return", pa.float64()), ("episode_steps", pa.int32()),
    ])  # fmt: skip


def _action_row(rec: StepRecord) -> dict[str, Any] | None:
    if rec.action is None:
        return None
    data = to_json(rec.action)
    return {name: data.get(name) for name, _ in _ACTION_FIELDS}


def _episodes(
    run_dir: Path, only_success: bool
) -> Iterator[tuple[EpisodeRecord, list[StepRecord]]]:
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ConfigError(f"{run_dir} is not a run directory")
    for ep_dir in episode_dirs(run_dir):
        ep = read_episode(ep_dir)
        if ep is None:
            logger.info("%s is not finished: left out of the export", ep_dir.name)
            continue
        if only_success and not ep.success:
            continue
        yield ep, read_steps(ep_dir)


def step_rows(
    run_dir: Path, *, gamma: float = 1.0, only_success: bool = False
) -> tuple[list[dict[str, Any]], int]:
    """One dict per step of every finished episode (schema :func:`steps_schema`)."""
    rows: list[dict[str, Any]] = []
    episodes = 0
    for ep, steps in _episodes(run_dir, only_success):
        episodes += 1
        returns = discounted_returns([s.reward for s in steps], gamma)
        for rec, ret in zip(steps, returns, strict=True):
            row = to_json(rec)
            row["action"] = _action_row(rec)
            row["action_text"] = render_action(rec.action) if rec.action is not None else None
            row["lang"] = ep.lang
            row["seed"] = ep.seed
            row["return"] = ret
            row["episode_success"] = ep.success
            row["episode_return"] = ep.return_
            row["episode_steps"] = ep.steps
            rows.append(row)
    return rows, episodes


def _assistant_text(row: dict[str, Any]) -> str:
    answer = row["action_text"] or row["completion"] or ""
    reasoning = row["reasoning"] or ""
    return f"<think>{reasoning}</think>\n{answer}" if reasoning else answer


def _trl_table(pa: Any, rows: list[dict[str, Any]]) -> Any:
    msgs = _messages_type(pa)
    schema = pa.schema([
        ("prompt", msgs), ("completion", msgs), ("reward", pa.float64()),
        ("return", pa.float64()), ("success", pa.bool_()), ("action_valid", pa.bool_()),
        ("task_id", pa.string()), ("episode_id", pa.string()), ("step", pa.int32()),
    ])  # fmt: skip
    out = [{
        "prompt": r["prompt"],
        "completion": [{"role": "assistant", "content": _assistant_text(r)}],
        "reward": r["reward"], "return": r["return"], "success": r["episode_success"],
        "action_valid": r["action_valid"], "task_id": r["task_id"],
        "episode_id": r["episode_id"], "step": r["step"],
    } for r in rows if r["prompt"]]  # fmt: skip
    return pa.Table.from_pylist(out, schema=schema)


def _verl_table(pa: Any, rows: list[dict[str, Any]]) -> Any:
    schema = pa.schema([
        ("data_source", pa.string()), ("prompt", _messages_type(pa)), ("ability", pa.string()),
        ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
        ("extra_info", pa.struct([
            ("split", pa.string()), ("index", pa.int64()), ("episode_id", pa.string()),
            ("step", pa.int32()), ("task_id", pa.string()), ("goal", pa.string()),
            ("reward", pa.float64()), ("return", pa.float64()), ("success", pa.bool_()),
            ("action_valid", pa.bool_()),
        ])),
    ])  # fmt: skip
    out = []
    for n, r in enumerate(x for x in rows if x["prompt"]):
        out.append({
            "data_source": f"droidpilot/{r['task_id'] or 'goal'}",
            "prompt": r["prompt"],
            "ability": "android_control",
            "reward_model": {"style": "rule", "ground_truth": r["action_text"] or ""},
            "extra_info": {
                "split": "train", "index": n, "episode_id": r["episode_id"], "step": r["step"],
                "task_id": r["task_id"], "goal": r["goal"], "reward": r["reward"],
                "return": r["return"], "success": r["episode_success"],
                "action_valid": r["action_valid"],
            },
        })  # fmt: skip
    return pa.Table.from_pylist(out, schema=schema)


_CARD = """---
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train-*.parquet
---
# droidpilot trajectories

Step records of {episodes} episodes ({rows} steps) from `{run}`, one row per step, with
rule-based step rewards and `return` (return-to-go, gamma {gamma:g}). Written by
`droidpilot export --format hf`.
"""


def export_run(
    run_dir: Path,
    out: Path,
    *,
    format: ExportFormat = "parquet",
    gamma: float = 1.0,
    only_success: bool = False,
) -> ExportReport:
    """Export a run directory's finished episodes to ``out`` in ``format``."""
    if format not in EXPORT_FORMATS:
        raise ConfigError(f"unknown export format {format!r}; use {', '.join(EXPORT_FORMATS)}")
    pa = _pa()
    rows, episodes = step_rows(run_dir, gamma=gamma, only_success=only_success)
    if format in ("trl", "verl"):
        rows = [r for r in rows if r["prompt"]]
    if not rows:
        raise ConfigError(
            f"{run_dir}: no finished episodes with steps to export"
            + (" (with --only-success)" if only_success else "")
        )
    out = Path(out)
    if format == "trl":
        table = _trl_table(pa, rows)
    elif format == "verl":
        table = _verl_table(pa, rows)
    else:
        table = pa.Table.from_pylist(rows, schema=steps_schema())
    if format == "hf":
        (out / "data").mkdir(parents=True, exist_ok=True)
        target = out / "data" / "train-00000-of-00001.parquet"
        (out / "README.md").write_text(
            _CARD.format(episodes=episodes, rows=len(rows), run=Path(run_dir).name, gamma=gamma),
            encoding="utf-8",
        )
    else:
        if out.suffix != ".parquet" and (out.is_dir() or not out.suffix):
            out.mkdir(parents=True, exist_ok=True)
            target = out / f"{format}.parquet"
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            target = out
    pa.parquet.write_table(table, target)
    logger.info("exported %d rows of %d episodes to %s", table.num_rows, episodes, target)
    return ExportReport(
        path=out if format == "hf" else target,
        format=format,
        rows=table.num_rows,
        episodes=episodes,
    )
