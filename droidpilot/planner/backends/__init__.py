"""planner/backends: transformers, onnxruntime-genai, OpenAI-compatible HTTP, scripted.

``open_backend(kind, model=..., base_url=...)`` builds one with its heavy imports inside.
"""

from __future__ import annotations

from droidpilot.planner.backends.base import (
    DEFAULT_SAMPLING,
    GREEDY,
    Backend,
    CompletionRequest,
    complete_many,
    make_completion,
)
from droidpilot.planner.backends.factory import open_backend
from droidpilot.planner.backends.scripted import ScriptedBackend

__all__ = [
    "DEFAULT_SAMPLING",
    "GREEDY",
    "Backend",
    "CompletionRequest",
    "ScriptedBackend",
    "complete_many",
    "make_completion",
    "open_backend",
]
