"""export: Parquet with an explicit schema that datasets loads; TRL and verl columns; a TRL
GRPOTrainer takes the export on the tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest

from droidpilot.errors import ConfigError
from droidpilot.policy.agent import Agent, AgentConfig
from droidpilot.policy.export import export_run, steps_schema
from droidpilot.policy.report import write_reports
from droidpilot.policy.teacher import OraclePolicy
from droidpilot.policy.trajectory import read_steps

from .conftest import sim, task_of

datasets = pytest.importorskip("datasets")
pa = pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    for task_id, seed in (("FoodGoOrderDish", 1), ("WalletAskBalance", 2)):
        task = task_of(task_id, seed)
        Agent(sim(seed), OraclePolicy(task), config=AgentConfig(guard="allow")).run(out, task=task)
    return out


def _load(path: Path, tmp_path: Path) -> object:
    return datasets.load_dataset("parquet", data_files=str(path), cache_dir=str(tmp_path / "c"))


def _no_maps(t: object) -> None:
    assert not pa.types.is_map(t)
    for child in getattr(t, "fields", None) or []:
        _no_maps(child.type)
    value = getattr(t, "value_type", None)
    if value is not None:
        _no_maps(value)


def test_parquet_and_hf_load_with_returns(run_dir: Path, tmp_path: Path) -> None:
    schema = steps_schema()
    for f in schema:
        _no_maps(f.type)
    rep = export_run(run_dir, tmp_path / "steps.parquet", format="parquet", gamma=0.9)
    ds = _load(rep.path, tmp_path)["train"]
    assert ds.num_rows == rep.rows
    assert rep.episodes == 2
    row = ds[0]
    assert row["action"]["kind"] == "open_app"
    assert row["prompt"][0]["role"] == "system"
    first_ep = [r for r in ds if r["episode_id"] == row["episode_id"]]
    rewards = [r["reward"] for r in first_ep]
    expect = 0.0
    for r in reversed(rewards):
        expect = r + 0.9 * expect
    assert first_ep[0]["return"] == pytest.approx(expect)

    hf = export_run(run_dir, tmp_path / "hf", format="hf")
    loaded = datasets.load_dataset(str(hf.path), cache_dir=str(tmp_path / "c"))["train"]
    assert loaded.num_rows == rep.rows
    assert set(loaded.features) == {f.name for f in schema}


def test_trl_and_verl_columns(run_dir: Path, tmp_path: Path) -> None:
    trl = export_run(run_dir, tmp_path / "trl.parquet", format="trl", only_success=True)
    ds = _load(trl.path, tmp_path)["train"]
    assert {"prompt", "completion", "reward", "return"} <= set(ds.features)
    c = ds[1]["completion"]
    assert c[0]["role"] == "assistant"
    assert c[0]["content"].startswith("<think>")
    verl = export_run(run_dir, tmp_path / "verl.parquet", format="verl")
    v = _load(verl.path, tmp_path)["train"][0]
    assert v["reward_model"]["style"] == "rule"
    assert v["reward_model"]["ground_truth"]
    assert v["ability"] == "android_control"
    assert v["extra_info"]["step"] == 0
    with pytest.raises(ConfigError, match="no finished"):
        export_run(tmp_path, tmp_path / "x.parquet")


@pytest.mark.slow
@pytest.mark.filterwarnings(
    "ignore::FutureWarning", "ignore::UserWarning", "ignore::DeprecationWarning"
)
def test_grpo_trainer_takes_the_trl_export(run_dir: Path, tmp_path: Path, tiny_model: Path) -> None:
    pytest.importorskip("trl")
    from trl import GRPOConfig, GRPOTrainer

    rep = export_run(run_dir, tmp_path / "trl.parquet", format="trl")
    ds = _load(rep.path, tmp_path)["train"].select(range(2))

    def reward_fn(
        completions: list[object], reward: list[float | None], **_: object
    ) -> list[float]:
        return [float(r or 0.0) for r in reward]

    args = GRPOConfig(
        output_dir=str(tmp_path / "out"),
        per_device_train_batch_size=2,
        num_generations=2,
        max_completion_length=4,
        max_steps=1,
        report_to=[],
        use_cpu=True,
        save_strategy="no",
        logging_steps=1,
    )
    trainer = GRPOTrainer(
        model=str(tiny_model), reward_funcs=reward_fn, args=args, train_dataset=ds
    )
    out = trainer.train()
    assert out.global_step == 1


def test_view_draws_the_tapped_point(run_dir: Path) -> None:
    import base64
    import io
    import re

    from PIL import Image

    index = write_reports(run_dir)
    assert index.name == "index.html"
    assert "report.html" in index.read_text()
    ep_dir = sorted(p for p in run_dir.iterdir() if p.is_dir())[0]
    html = (ep_dir / "report.html").read_text()
    assert "http" not in html.replace("http-equiv", "")  # self-contained
    imgs = re.findall(r'data:image/jpeg;base64,([^"]+)', html)
    steps = read_steps(ep_dir)
    assert len(imgs) == len(steps)
    k, rec = next((i, s) for i, s in enumerate(steps) if s.point is not None)
    img = Image.open(io.BytesIO(base64.b64decode(imgs[k]))).convert("RGB")
    scale = img.width / 1080
    r, g, b = img.getpixel((round(rec.point[0] * scale), round(rec.point[1] * scale)))  # type: ignore[index,misc]
    assert r > 180
    assert g < 120
    assert b < 120
