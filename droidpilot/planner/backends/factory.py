"""Building a backend from its kind, with the heavy imports inside each branch."""

from __future__ import annotations

from typing import Literal

from droidpilot.errors import ConfigError
from droidpilot.planner.backends.base import Backend

__all__ = ["BackendKind", "open_backend"]

BackendKind = Literal["transformers", "onnx", "openai"]


def open_backend(
    kind: str,
    *,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str = "",
    device: str = "auto",
) -> Backend:
    """A planner backend of ``kind`` (transformers, onnx, openai) for ``model``."""
    if kind == "transformers":
        from droidpilot.planner.backends.hf import LocalSettings, TransformersBackend

        return TransformersBackend(LocalSettings(model=model or "smollm2", device=device))
    if kind == "onnx":
        from droidpilot.planner.backends.hf import LocalSettings
        from droidpilot.planner.backends.ort import OnnxBackend

        if not model:
            raise ConfigError(
                "--backend onnx needs --model DIR (made by `droidpilot model export-onnx SRC DIR`)"
            )
        return OnnxBackend(LocalSettings(model=model, device=device))
    if kind == "openai":
        from droidpilot.planner.backends.openai_http import HttpSettings, OpenAIBackend

        settings = HttpSettings(
            base_url=base_url or HttpSettings().base_url, model=model or "", api_key=api_key
        )
        return OpenAIBackend(settings)
    raise ConfigError(f"unknown planner backend {kind!r}; known: transformers, onnx, openai")
