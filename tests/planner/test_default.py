"""The default model's machinery on the tiny model: ship a trained model as its difference from
the base, rebuild it (transformers + ONNX), and plan with the settings it was trained for."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from droidpilot.errors import ModelNotFound, ValidationError
from droidpilot.planner.default import (
    DELTA_FILE,
    DELTA_MANIFEST,
    PLANNER_SETTINGS,
    build_default,
    default_model,
    planner_config_for,
    shipped_default,
    write_delta,
)
from droidpilot.planner.prompt import COMPACT_SYSTEM_PROMPT, SYSTEM_PROMPT

pytest.importorskip("torch")
pytest.importorskip("safetensors")

SETTINGS = {
    "plan_first": False,
    "constrain": True,
    "sampling": {"temperature": 0.0, "top_p": 1.0, "max_tokens": 40},
}


def _changed_model(tiny_model: Path, out: Path, seed: int, change: Any) -> Path:
    """The tiny model with ``change(name, param)`` applied to each parameter, saved into
    ``out`` with its tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(tiny_model), dtype=torch.float32)
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            change(name, param)
    model.save_pretrained(str(out))
    for f in tiny_model.iterdir():
        if f.name.startswith(("tokenizer", "special_tokens", "chat_template")):
            shutil.copyfile(f, out / f.name)
    return out


@pytest.fixture(scope="module")
def trained(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model with its top layer and final norm changed, as training would."""
    import torch

    def change(name: str, param: Any) -> None:
        if name.startswith(("model.layers.1.", "model.norm.")):
            param.add_(0.05 * torch.randn_like(param))

    out = _changed_model(tiny_model, tmp_path_factory.mktemp("trained") / "model", 1, change)
    (out / PLANNER_SETTINGS).write_text(json.dumps(SETTINGS), encoding="utf-8")
    (out / "model_card.json").write_text('{"stage": "sft"}', encoding="utf-8")
    return out


def _weights(path: Path) -> dict[str, object]:
    from safetensors.numpy import load_file

    return dict(load_file(str(path)))


def test_delta_holds_only_the_changed_tensors_in_fp16(
    tiny_model: Path, trained: Path, tmp_path: Path
) -> None:
    import numpy as np

    out = write_delta(trained, tmp_path / "ship", base=str(tiny_model))
    delta = _weights(out / DELTA_FILE)
    assert delta, "nothing shipped"
    assert all(k.startswith(("model.layers.1.", "model.norm.")) for k in delta)
    assert any(k.startswith("model.layers.1.") for k in delta)
    assert all(np.asarray(v).dtype == np.float16 for v in delta.values())
    manifest = json.loads((out / DELTA_MANIFEST).read_text())
    assert manifest["tensors"] == sorted(delta)
    assert manifest["base"] == str(tiny_model)
    # the side files travel: the settings, the card, the tokenizer
    for name in (PLANNER_SETTINGS, "model_card.json", "tokenizer.json", "config.json"):
        assert (out / name).is_file(), name
    # naming the prefixes ships exactly those tensors, changed or not
    named = write_delta(trained, tmp_path / "named", base=str(tiny_model), prefixes=["lm_head."])
    assert list(_weights(named / DELTA_FILE)) == ["lm_head.weight"]


def test_nothing_to_ship_and_missing_delta_are_clear_errors(
    tiny_model: Path, tmp_path: Path
) -> None:
    with pytest.raises(ModelNotFound, match="does not differ"):
        write_delta(tiny_model, tmp_path / "none", base=str(tiny_model))
    with pytest.raises(ModelNotFound, match="no bundled default model"):
        shipped_default(tmp_path)
    with pytest.raises(ModelNotFound, match="no bundled default model"):
        default_model("onnx", root=tmp_path)


def test_build_puts_the_delta_into_the_base(
    tiny_model: Path, trained: Path, tmp_path: Path
) -> None:
    import numpy as np

    ship = write_delta(trained, tmp_path / "ship", base=str(tiny_model))
    built = build_default(ship, onnx=False, target=tmp_path / "built")
    got = _weights(built / "hf" / "model.safetensors")
    want = _weights(trained / "model.safetensors")
    base = _weights(tiny_model / "model.safetensors")
    assert set(got) == set(want)
    for name, value in got.items():
        if name.startswith(("model.layers.1.", "model.norm.")):
            assert np.allclose(value, want[name], atol=1e-3), name  # fp16 rounding only
            assert not np.array_equal(value, base[name]), name
        else:
            assert np.array_equal(value, base[name]), name
    assert json.loads((built / "hf" / PLANNER_SETTINGS).read_text()) == SETTINGS


def test_build_refuses_a_delta_that_does_not_fit(
    tiny_model: Path, trained: Path, tmp_path: Path
) -> None:
    import numpy as np
    from safetensors.numpy import save_file

    ship = write_delta(trained, tmp_path / "ship", base=str(tiny_model))
    save_file({"model.norm.weight": np.zeros(3, dtype=np.float16)}, str(ship / DELTA_FILE))
    with pytest.raises(ModelNotFound, match="does not fit"):
        build_default(ship, onnx=False, target=tmp_path / "built")


@pytest.fixture(scope="module")
def lora_trained(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model as a merged rank-2 LoRA leaves it: ``W + B @ A`` on every projection."""
    import torch

    def change(name: str, param: Any) -> None:
        if name.endswith("proj.weight"):
            rows, cols = param.shape
            param.add_(0.1 * torch.randn(rows, 2) @ torch.randn(2, cols))

    return _changed_model(tiny_model, tmp_path_factory.mktemp("lora") / "model", 2, change)


def test_low_rank_delta_is_exact_for_a_lora_model_and_honest_otherwise(
    tiny_model: Path, lora_trained: Path, trained: Path, tmp_path: Path
) -> None:
    import numpy as np

    full = write_delta(lora_trained, tmp_path / "full", base=str(tiny_model))
    ship = write_delta(lora_trained, tmp_path / "ship", base=str(tiny_model), rank=2)
    small = (ship / DELTA_FILE).stat().st_size
    assert small < (full / DELTA_FILE).stat().st_size / 3
    manifest = json.loads((ship / DELTA_MANIFEST).read_text())
    low = manifest["low_rank"]
    assert low
    assert all(k.endswith("proj.weight") for k in low)
    assert max(v["relative_error"] for v in low.values()) < 5e-3  # fp16 factors only
    built = build_default(ship, onnx=False, target=tmp_path / "built")
    got = _weights(built / "hf" / "model.safetensors")
    want = _weights(lora_trained / "model.safetensors")
    base = _weights(tiny_model / "model.safetensors")
    for name in low:
        assert np.allclose(got[name], want[name], atol=2e-3), name
        assert not np.allclose(got[name], base[name], atol=1e-2), name
    # a change of full rank cut to rank 2 is not exact, and the manifest says by how much
    cut = write_delta(trained, tmp_path / "cut", base=str(tiny_model), rank=2)
    errors = json.loads((cut / DELTA_MANIFEST).read_text())["low_rank"].values()
    assert max(v["relative_error"] for v in errors) > 0.3


def test_fit_spends_what_the_limit_leaves_on_the_largest_changes(
    tiny_model: Path, lora_trained: Path, trained: Path, tmp_path: Path
) -> None:
    def low_rank(ship: Path) -> dict[str, dict[str, float]]:
        return dict(json.loads((ship / DELTA_MANIFEST).read_text())["low_rank"])

    def size_mb(ship: Path) -> float:
        return sum(f.stat().st_size for f in ship.iterdir()) / 1e6

    floor = write_delta(trained, tmp_path / "floor", base=str(tiny_model), rank=1)
    limit = size_mb(floor) + 0.02  # room for a few more directions, not for all
    fit = write_delta(trained, tmp_path / "fit", base=str(tiny_model), rank=1, max_mb=limit,
                      fit=True)  # fmt: skip
    before, after = low_rank(floor), low_rank(fit)
    assert size_mb(fit) <= limit
    assert set(after) == set(before)
    assert all(v["rank"] >= 1 for v in after.values())
    grown = [n for n in after if after[n]["rank"] > 1]
    assert grown
    assert size_mb(fit) > size_mb(floor) + 0.01  # most of the room is spent
    for name in grown:
        assert after[name]["relative_error"] < before[name]["relative_error"], name
    total = sum(v["relative_error"] for v in after.values())
    assert total < sum(v["relative_error"] for v in before.values())
    # a merged rank-2 LoRA: with room to spare, fitting stops at rank 2, where the change ends
    lora = write_delta(lora_trained, tmp_path / "lora", base=str(tiny_model), rank=1, fit=True)
    assert {v["rank"] for v in low_rank(lora).values()} == {2}
    assert max(v["relative_error"] for v in low_rank(lora).values()) < 5e-3
    with pytest.raises(ValidationError, match="floor rank"):
        write_delta(trained, tmp_path / "nofloor", base=str(tiny_model), fit=True)


def test_a_delta_over_the_size_limit_is_refused(
    tiny_model: Path, trained: Path, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="--rank"):
        write_delta(trained, tmp_path / "big", base=str(tiny_model), max_mb=0.001)
    assert not (tmp_path / "big").exists()
    with pytest.raises(ValidationError, match="rank must be"):
        write_delta(trained, tmp_path / "r0", base=str(tiny_model), rank=0)


def test_default_model_builds_once_and_both_backends_plan_with_its_settings(
    tiny_model: Path, trained: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("onnxruntime_genai")
    pytest.importorskip("onnx_ir")
    from droidpilot.planner.backends.hf import TransformersBackend
    from droidpilot.planner.backends.ort import OnnxBackend
    from droidpilot.planner.default import planner_for
    from droidpilot.types import Observation, Screen

    from .conftest import make_view

    monkeypatch.setenv("DROIDPILOT_CACHE", str(tmp_path / "cache"))
    ship = write_delta(trained, tmp_path / "ship", base=str(tiny_model))
    onnx_dir = default_model("onnx", root=ship)
    hf_dir = default_model("transformers", root=ship)
    assert onnx_dir.parent == hf_dir.parent
    assert str(onnx_dir).startswith(str(tmp_path / "cache"))
    assert (onnx_dir / "genai_config.json").is_file()
    assert json.loads((onnx_dir / PLANNER_SETTINGS).read_text()) == SETTINGS
    stamp = (onnx_dir / "genai_config.json").stat().st_mtime_ns
    assert default_model("onnx", root=ship) == onnx_dir  # built once
    assert (onnx_dir / "genai_config.json").stat().st_mtime_ns == stamp

    view = make_view()
    obs = Observation(
        screen=Screen(elements=(), windows=(), width=1080, height=2400), view=view, app=view.package
    )
    for backend in (TransformersBackend(hf_dir), OnnxBackend(onnx_dir)):
        planner = planner_for(backend)
        assert planner.config.plan_first is False
        assert planner.config.constrain is True
        assert planner.config.sampling.temperature == 0.0
        assert planner.config.sampling.max_tokens == 40
        decision = planner.decide("Search for milk tea", obs)
        assert decision.completion.completion_tokens <= 40
    # (the same greedy action through both backends is checked on the real shipped model, in
    # test_shipped_model.py: an int4 export of random tiny weights need not agree)


def test_planner_settings_file(tmp_path: Path) -> None:
    assert planner_config_for(None).plan_first is True
    assert planner_config_for(tmp_path).plan_first is True  # no file: the defaults
    (tmp_path / PLANNER_SETTINGS).write_text(json.dumps(SETTINGS), encoding="utf-8")
    cfg = planner_config_for(tmp_path)
    assert (cfg.plan_first, cfg.constrain, cfg.sampling.max_tokens) == (False, True, 40)
    assert cfg.system == SYSTEM_PROMPT  # no "prompt": the full style
    (tmp_path / PLANNER_SETTINGS).write_text(
        json.dumps({**SETTINGS, "prompt": "compact"}), encoding="utf-8"
    )
    cfg = planner_config_for(tmp_path)
    assert cfg.system == COMPACT_SYSTEM_PROMPT
    assert cfg.budget.thought_chars == 0
    assert cfg.constrain is True  # the rest still read
    assert cfg.ground_quotes is False  # not asked for
    (tmp_path / PLANNER_SETTINGS).write_text(
        json.dumps({**SETTINGS, "ground_quotes": True}), encoding="utf-8"
    )
    assert planner_config_for(tmp_path).ground_quotes is True
    assert planner_config_for(tmp_path).ask_again is False  # not asked for
    (tmp_path / PLANNER_SETTINGS).write_text(
        json.dumps({**SETTINGS, "ask_again": True, "ask_samples": 2}), encoding="utf-8"
    )
    cfg = planner_config_for(tmp_path)
    assert (cfg.ask_again, cfg.ask_samples) == (True, 2)
    (tmp_path / PLANNER_SETTINGS).write_text(
        json.dumps({**SETTINGS, "ask_samples": "many"}), encoding="utf-8"
    )
    with pytest.raises(ModelNotFound, match="bad planner settings"):
        planner_config_for(tmp_path)
    (tmp_path / PLANNER_SETTINGS).write_text(
        json.dumps({**SETTINGS, "prompt": "tiny"}), encoding="utf-8"
    )
    with pytest.raises(ModelNotFound, match=r"bad planner settings.*unknown prompt style 'tiny'"):
        planner_config_for(tmp_path)
    (tmp_path / PLANNER_SETTINGS).write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelNotFound, match="unreadable planner settings"):
        planner_config_for(tmp_path)
    (tmp_path / PLANNER_SETTINGS).write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ModelNotFound, match="must be a JSON object"):
        planner_config_for(tmp_path)


def test_planner_for_reads_the_settings_through_a_wrapper(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from droidpilot.planner.backends.scripted import ScriptedBackend
    from droidpilot.planner.default import planner_for

    (tmp_path / PLANNER_SETTINGS).write_text(json.dumps(SETTINGS), encoding="utf-8")
    inner = ScriptedBackend(["wait(1)"], name="scripted")
    inner.settings = SimpleNamespace(model=str(tmp_path))  # type: ignore[attr-defined]
    assert planner_for(inner).config.plan_first is False
    wrapper = SimpleNamespace(backend=inner, name="wrapped", complete=inner.complete)
    assert planner_for(wrapper).config.constrain is True  # type: ignore[arg-type]
    assert planner_for(ScriptedBackend(["wait(1)"])).config.plan_first is True  # no model dir


def test_build_parts_are_published_once(tmp_path: Path) -> None:
    from droidpilot.planner.default import _publish, onnx_dir

    assert onnx_dir(tmp_path) == tmp_path / "onnx"
    assert onnx_dir(tmp_path, "int4") == tmp_path / "onnx-int4"  # never mixed with fp32
    final = tmp_path / "hf"
    first = tmp_path / "hf.tmp1"
    first.mkdir()
    (first / "model.safetensors").write_text("first")
    _publish(first, final, "model.safetensors")
    assert (final / "model.safetensors").read_text() == "first"
    assert not first.exists()
    second = tmp_path / "hf.tmp2"  # another worker finished later: the first copy stands
    second.mkdir()
    (second / "model.safetensors").write_text("second")
    _publish(second, final, "model.safetensors")
    assert (final / "model.safetensors").read_text() == "first"
    assert not second.exists()
    half = tmp_path / "onnx"  # a half-written part (no marker) is replaced
    half.mkdir()
    third = tmp_path / "onnx.tmp3"
    third.mkdir()
    (third / "genai_config.json").write_text("{}")
    _publish(third, half, "genai_config.json")
    assert (half / "genai_config.json").is_file()


def test_model_ship_command(tiny_model: Path, lora_trained: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from droidpilot.cli import cli

    runner = CliRunner()
    args = ["model", "ship", str(lora_trained), "--base", str(tiny_model), "--json"]
    res = runner.invoke(cli, [*args, "--out", str(tmp_path / "a"), "--rank", "2"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["low_rank"] > 0
    assert doc["max_error"] < 5e-3
    assert doc["rank_range"] == [2, 2]
    res = runner.invoke(cli, [*args, "--out", str(tmp_path / "c"), "--rank", "1", "--fit"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["rank_range"] == [2, 2]  # the change's own rank, found
    res = runner.invoke(cli, [*args, "--out", str(tmp_path / "b"), "--max-mb", "0.001"])
    assert res.exit_code != 0
    assert "over the 0.001 MB" in res.output
