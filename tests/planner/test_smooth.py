"""SmoothQuant for the int8-dynamic export (droidpilot/planner/backends/smooth.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

TEXTS = [
    "tap the cart button",
    'Goal: order milk tea\nCurrent screen:\n[1] input "Search" (type)\n[3] button "Add" (tap)',
    "点一杯奶茶",
    "Goal: book the 9:40 train to Suzhou; pay with the wallet",
]


def _sequences(model: Path) -> list[list[int]]:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model))
    return [tok.encode(t) for t in TEXTS]


def _logits(model: Path, seqs: list[list[int]]) -> list[Any]:
    import torch
    from transformers import AutoModelForCausalLM

    m = AutoModelForCausalLM.from_pretrained(str(model), dtype=torch.float32)
    with torch.inference_mode():
        return [m(torch.tensor([s])).logits[0].numpy() for s in seqs]


def _with_outliers(src: Path, dst: Path) -> Path:
    """``src`` with a few input channels of every q/k/v and gate/up made 60x larger and their
    weights 60x smaller: the same function, the uneven inputs a trained model has."""
    import numpy as np
    from safetensors.numpy import load_file, save_file

    shutil.copytree(src, dst)
    w = {k: np.array(v) for k, v in load_file(str(src / "model.safetensors")).items()}
    config = json.loads((src / "config.json").read_text())
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        for norm, mats in (
            ("input_layernorm", ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj")),
            ("post_attention_layernorm", ("mlp.gate_proj", "mlp.up_proj")),
        ):
            w[p + norm + ".weight"][:3] *= 60.0
            for m in mats:
                w[p + m + ".weight"][:, :3] /= 60.0
    save_file(w, str(dst / "model.safetensors"), metadata={"format": "pt"})
    return dst


@pytest.fixture(scope="module")
def ranges_of(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tiny model with outliers, and its ranges measured on :data:`TEXTS`."""
    from droidpilot.planner.backends.smooth import activation_ranges, save_ranges

    root = tmp_path_factory.mktemp("smooth")
    model = _with_outliers(tiny_model, root / "model")
    ranges = activation_ranges(model, _sequences(model))
    save_ranges(ranges, root / "ranges.safetensors", {"examples": str(len(TEXTS))})
    return model, root / "ranges.safetensors"


def test_ranges_cover_every_site_of_every_layer(ranges_of: tuple[Path, Path]) -> None:
    import numpy as np
    from safetensors import safe_open

    from droidpilot.planner.backends.smooth import SITES, load_ranges

    model, file = ranges_of
    config = json.loads((model / "config.json").read_text())
    ranges = load_ranges(file)
    want = {
        "attn_in": config["hidden_size"],
        "mlp_in": config["hidden_size"],
        "attn_out": config["hidden_size"],  # heads x head size
        "mlp_mid": config["intermediate_size"],
    }
    assert set(SITES) == set(want)
    assert set(ranges) == {
        f"layers.{i}.{s}" for i in range(config["num_hidden_layers"]) for s in SITES
    }
    for key, value in ranges.items():
        assert value.shape == (want[key.rsplit(".", 1)[1]],), key
        assert (value > 0).all(), key
    # the outlier channels made for the test are the largest inputs of q/k/v
    assert (np.argsort(ranges["layers.0.attn_in"])[-3:] < 3).all()
    with safe_open(str(file), "np") as f:
        assert f.metadata() == {"examples": str(len(TEXTS))}


def test_smoothing_keeps_the_function_and_evens_the_inputs(
    ranges_of: tuple[Path, Path], tmp_path: Path
) -> None:
    """With alpha 1 each channel's range moves into the weights whole: the smoothed model
    computes the same logits, and the largest input of every channel it measures is 1 (the
    output projection's at most 1, its value channels shared by a group of heads)."""
    import numpy as np

    from droidpilot.planner.backends.smooth import activation_ranges, write_smoothed

    model, file = ranges_of
    about = write_smoothed(model, tmp_path / "smooth", file, alpha=1.0)
    assert about["alpha"] == 1.0
    assert len(about["ranges_sha256"]) == 16
    seqs = _sequences(model)
    for a, b in zip(_logits(model, seqs), _logits(tmp_path / "smooth", seqs), strict=True):
        assert np.allclose(a, b, atol=2e-4, rtol=1e-4)
    after = activation_ranges(tmp_path / "smooth", seqs)
    for key, value in after.items():
        if key.endswith("attn_out"):
            assert value.max() == pytest.approx(1.0, abs=1e-4), key
            assert (value <= 1 + 1e-4).all(), key
        else:
            assert np.allclose(value, 1.0, atol=1e-4), key
    # the model's other files come along
    assert (tmp_path / "smooth" / "tokenizer.json").is_file()


def test_bad_ranges_are_named(ranges_of: tuple[Path, Path], tmp_path: Path) -> None:
    from safetensors.numpy import load_file, save_file

    from droidpilot.errors import ModelNotFound
    from droidpilot.planner.backends.smooth import load_ranges, write_smoothed

    model, file = ranges_of
    ranges = load_file(str(file))
    ranges["layers.1.mlp_mid"] = ranges["layers.1.mlp_mid"][:5]
    save_file(ranges, str(tmp_path / "short.safetensors"))
    with pytest.raises(ModelNotFound, match=r"layers\.1\.mlp_mid is shape \(5,\)"):
        write_smoothed(model, tmp_path / "out", tmp_path / "short.safetensors")
    del ranges["layers.1.mlp_mid"]
    save_file(ranges, str(tmp_path / "less.safetensors"))
    with pytest.raises(ModelNotFound, match=r"layers\.1\.mlp_mid is missing"):
        write_smoothed(model, tmp_path / "out", tmp_path / "less.safetensors")
    (tmp_path / "junk.safetensors").write_text("not safetensors")
    with pytest.raises(ModelNotFound, match="unreadable activation ranges"):
        load_ranges(tmp_path / "junk.safetensors")


def test_smoothed_int8_export_follows_fp32_closer_than_plain_int8(
    ranges_of: tuple[Path, Path], tmp_path: Path
) -> None:
    """The point of it: on a model with outlier channels, int8-dynamic's last logits stray
    from fp32's, and smoothing first brings them back."""
    pytest.importorskip("onnxruntime_genai")
    pytest.importorskip("onnx_ir")
    import numpy as np

    from droidpilot.errors import PlannerError
    from droidpilot.planner.backends.ort import EXPORT_INFO, OnnxBackend, export_onnx

    model, file = ranges_of
    with pytest.raises(PlannerError, match="smooth an int8-dynamic export"):
        export_onnx(model, tmp_path / "no", precision="fp32", ranges=file)
    fp32 = export_onnx(model, tmp_path / "fp32")
    plain = export_onnx(model, tmp_path / "plain", precision="int8-dynamic")
    smooth = export_onnx(model, tmp_path / "smooth", precision="int8-dynamic", ranges=file)
    info = json.loads((smooth / EXPORT_INFO).read_text())
    assert info["precision"] == "int8-dynamic"
    assert info["smoothed"]["alpha"] == 0.75
    assert not list(tmp_path.glob(".*smoothed"))  # the smoothed copy is gone

    def last_logits(path: Path) -> Any:
        b = OnnxBackend(path)
        rows = []
        for seq in _sequences(model):
            gen = b._generator(256, _greedy())
            gen.append_tokens(np.asarray(seq, dtype=np.int32))
            rows.append(np.asarray(gen.get_logits(), dtype=np.float32)[0, -1])
        return np.stack(rows)

    want = last_logits(fp32)
    err_plain = np.abs(last_logits(plain) - want).mean()
    err_smooth = np.abs(last_logits(smooth) - want).mean()
    assert err_smooth < 0.5 * err_plain, (err_smooth, err_plain)


def _greedy() -> Any:
    from droidpilot.types import Sampling

    return Sampling(temperature=0.0, top_p=1.0, max_tokens=8)


def test_build_default_smooths_its_int8_export_with_the_shipped_ranges(
    tiny_model: Path, ranges_of: tuple[Path, Path], tmp_path: Path
) -> None:
    pytest.importorskip("onnxruntime_genai")
    pytest.importorskip("onnx_ir")
    from droidpilot.planner.backends.ort import EXPORT_INFO
    from droidpilot.planner.backends.smooth import RANGES_FILE
    from droidpilot.planner.default import _build_key, build_default, onnx_dir, write_delta

    model, file = ranges_of
    ship = write_delta(model, tmp_path / "ship", base=str(tiny_model))
    before = _build_key(ship)
    shutil.copyfile(file, ship / RANGES_FILE)
    assert _build_key(ship) != before  # new ranges, a new build
    built = build_default(ship, precision="int8-dynamic", target=tmp_path / "built")
    info = json.loads((onnx_dir(built, "int8-dynamic") / EXPORT_INFO).read_text())
    assert info["smoothed"]["alpha"] == 0.75


def test_calibrate_command_measures_ranges_on_demonstrations(
    tiny_model: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner
    from safetensors import safe_open

    from droidpilot.cli import cli

    runner = CliRunner()
    demos = tmp_path / "demos"
    res = runner.invoke(
        cli,
        [
            "collect", "--tasks", "FoodGoOrderDish", "--episodes", "1", "--seed", "3",
            "--backend", "oracle", "--prompt-style", "compact", "--no-screenshots",
            "--out", str(demos), "--json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = tmp_path / "r.safetensors"
    res = runner.invoke(
        cli,
        [
            "model", "calibrate", str(demos), "--model", str(tiny_model), "--examples", "3",
            "--out", str(out), "--json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert (doc["examples"], doc["seeds"], doc["sites"]) == ("3", "3-3", 8)
    with safe_open(str(out), "np") as f:
        assert len(list(f.keys())) == 8
        assert f.metadata()["runs"] == str(demos)
    # demonstrations of test seeds only: nothing to calibrate on, said plainly
    test_demos = tmp_path / "test-demos"
    runner.invoke(
        cli,
        [
            "collect", "--tasks", "FoodGoOrderDish", "--episodes", "1", "--seed", "2500",
            "--backend", "oracle", "--no-screenshots", "--out", str(test_demos),
        ],
    )  # fmt: skip
    res = runner.invoke(
        cli,
        ["model", "calibrate", str(test_demos), "--model", str(tiny_model), "--out", str(out)],
    )
    assert res.exit_code != 0
    assert "no training examples" in res.output


def test_default_precision_is_int8_where_the_cpu_has_int8_dot_products(
    tiny_model: Path, ranges_of: tuple[Path, Path], tmp_path: Path, monkeypatch: Any
) -> None:
    from droidpilot.errors import ConfigError
    from droidpilot.planner import default
    from droidpilot.planner.backends.smooth import RANGES_FILE

    model, file = ranges_of
    ship = default.write_delta(model, tmp_path / "ship", base=str(tiny_model))
    monkeypatch.delenv(default.PRECISION_ENV, raising=False)
    monkeypatch.setattr(default, "cpu_flags", lambda: frozenset({"avx2", "avx512_vnni"}))
    assert default.default_precision(ship) == "fp32"  # no ranges shipped: no smoothing
    shutil.copyfile(file, ship / RANGES_FILE)
    assert default.default_precision(ship) == "int8-dynamic"
    monkeypatch.setattr(default, "cpu_flags", lambda: frozenset({"avx2", "fma"}))
    assert default.default_precision(ship) == "fp32"  # u8 x s8 may saturate without VNNI
    monkeypatch.setenv(default.PRECISION_ENV, "int8-dynamic")
    assert default.default_precision(ship) == "int8-dynamic"
    monkeypatch.setenv(default.PRECISION_ENV, "int4")
    with pytest.raises(ConfigError, match="DROIDPILOT_ONNX_PRECISION='int4'"):
        default.default_precision(ship)


def test_cpu_flags_reads_this_machine() -> None:
    from droidpilot.planner.default import cpu_flags

    flags = cpu_flags()
    if Path("/proc/cpuinfo").is_file() and "flags" in Path("/proc/cpuinfo").read_text():
        assert "sse2" in flags or "avx2" in flags
