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
    dtype: str = "auto",
) -> Backend:
    """A planner backend of ``kind`` (transformers, onnx, openai) for ``model`` (a local one in
    ``dtype``: :class:`~droidpilot.planner.backends.hf.LocalSettings`); a local backend
    without a model runs the bundled default model (built on first use)."""
    if kind in ("transformers", "onnx"):
        from droidpilot.planner.backends.hf import LocalSettings

        if not model:
            from droidpilot.planner.default import default_model

            model = str(default_model(kind))
        settings = LocalSettings(model=model, device=device, dtype=dtype)
        if kind == "transformers":
            from droidpilot.planner.backends.hf import TransformersBackend

            return TransformersBackend(settings)
        from droidpilot.planner.backends.ort import OnnxBackend

        return OnnxBackend(settings)
    if kind == "openai":
        from droidpilot.planner.backends.openai_http import HttpSettings, OpenAIBackend

        http = HttpSettings(
            base_url=base_url or HttpSettings().base_url, model=model or "", api_key=api_key
        )
        return OpenAIBackend(http)
    raise ConfigError(f"unknown planner backend {kind!r}; known: transformers, onnx, openai")
