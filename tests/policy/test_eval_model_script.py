"""scripts/eval_model.py: which backend each model runs through, on a CPU and on CUDA."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .conftest import load_script


def test_cpu_runs_as_shipped_and_cuda_through_transformers(tmp_path: Path) -> None:
    how = load_script("eval_model")._how
    assert how("default", tmp_path, "cpu") == ["--backend", "onnx"]
    assert how("default", tmp_path, "cuda") == ["--backend", "transformers"]
    assert how("default-torch", tmp_path, "cpu") == ["--backend", "transformers"]
    assert how("default-fp32", tmp_path, "cuda") == ["--backend", "transformers"]
    assert how("oracle", tmp_path, "cuda") == ["--backend", "oracle"]
    # a candidate laid out as build-default and gpu_distill.sh do: onnx/ beside hf/
    onnx, hf = tmp_path / "cand" / "onnx", tmp_path / "cand" / "hf"
    onnx.mkdir(parents=True)
    (onnx / "genai_config.json").write_text("{}")
    assert how(str(onnx), tmp_path, "cpu") == ["--backend", "onnx", "--model", str(onnx)]
    assert how(str(onnx), tmp_path, "cuda") == ["--backend", "onnx", "--model", str(onnx)]
    hf.mkdir()
    (hf / "config.json").write_text("{}")
    assert how(str(onnx), tmp_path, "cuda") == ["--backend", "transformers", "--model", str(hf)]
    assert how(str(hf), tmp_path, "cpu") == ["--backend", "transformers", "--model", str(hf)]
    with pytest.raises(SystemExit, match="unknown model"):
        how(str(tmp_path / "nothing"), tmp_path, "cpu")


def test_default_fp32_names_the_fp32_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from droidpilot.planner import default

    asked: list[tuple[str, str | None]] = []

    def fake(backend: str = "onnx", *, precision: str | None = None, **_: object) -> Path:
        asked.append((backend, precision))
        return tmp_path / "onnx"

    monkeypatch.setattr(default, "default_model", fake)
    how = load_script("eval_model")._how
    assert how("default-fp32", tmp_path, "cpu") == [
        "--backend", "onnx", "--model", str(tmp_path / "onnx")
    ]  # fmt: skip
    assert asked == [("onnx", "fp32")]


def test_cuda_without_a_gpu_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    mod = load_script("eval_model")
    monkeypatch.setattr(sys, "argv", ["eval_model.py", "--device", "cuda"])
    with pytest.raises(SystemExit, match="no CUDA device"):
        mod.main()


def test_the_base_model_on_cuda_is_smollm2_with_the_full_prompt(tmp_path: Path) -> None:
    """`--models base --device cuda`: SmolLM2 converted from its GGUF (linked, not copied)
    with the default model's planner settings but the full prompt, and nothing built for the
    CPU on the way."""
    pytest.importorskip("gguf")
    pytest.importorskip("transformers")
    import json

    how = load_script("eval_model")._how("base", tmp_path, "cuda")
    assert how[:3] == ["--backend", "transformers", "--model"]
    base = Path(how[3])
    assert (base / "config.json").is_symlink()
    settings = json.loads((base / "droidpilot.json").read_text())
    assert settings["prompt"] == "full"
    assert settings["constrain"] is True
    assert not (tmp_path / "base-onnx-fp32").exists()
