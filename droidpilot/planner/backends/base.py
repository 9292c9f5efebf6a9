"""The one backend seam: ``complete(request) -> Completion``.

Every planner backend (transformers, onnxruntime-genai, OpenAI-compatible HTTP, scripted)
takes a :class:`CompletionRequest` and returns a :class:`~droidpilot.types.Completion` with the
answer text, the reasoning split out of ``<think>...</think>``, token ids and logprobs where the
backend has them, token counts and the latency.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from droidpilot.errors import ValidationError
from droidpilot.planner.parse import split_think
from droidpilot.types import Completion, Message, Sampling

__all__ = [
    "DEFAULT_SAMPLING",
    "GREEDY",
    "Backend",
    "CompletionRequest",
    "complete_many",
    "make_completion",
]

#: DeepSeek-R1-Distill's recommended sampling (temperature 0.6, top_p 0.95).
DEFAULT_SAMPLING = Sampling(temperature=0.6, top_p=0.95, max_tokens=512)
#: Greedy decoding (temperature 0), for tests, parity checks and evaluation.
GREEDY = Sampling(temperature=0.0, top_p=1.0, max_tokens=256)


@dataclass(frozen=True, slots=True, kw_only=True)
class CompletionRequest:
    """One chat completion to make.

    ``constrain`` asks a local backend to constrain the answer (after ``</think>``) to one
    action in call syntax (naming only ``element_ids``, when given); ``json_schema`` (JSON
    Schema text) asks a server for structured output. ``stop`` strings end the completion
    (they are not included in the text).
    """

    messages: tuple[Message, ...]
    sampling: Sampling = field(default_factory=lambda: DEFAULT_SAMPLING)
    stop: tuple[str, ...] = ()
    constrain: bool = False
    json_schema: str | None = None
    stop_after_action: bool = True
    #: the current screen's element ids: with ``constrain``, the action may only name these
    element_ids: tuple[int, ...] | None = None
    #: elements the reply may not cite in its thought nor (held to ``element_ids``) act on:
    #: local backends only; a server ignores it
    avoid_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.messages:
            raise ValidationError("a completion request needs at least one message")


@runtime_checkable
class Backend(Protocol):
    """What the planner needs from a model."""

    @property
    def name(self) -> str: ...

    def complete(self, request: CompletionRequest) -> Completion: ...

    def close(self) -> None: ...


def complete_many(backend: Backend, requests: Sequence[CompletionRequest]) -> list[Completion]:
    """Complete several requests; batched where the backend has ``complete_batch``."""
    batch = getattr(backend, "complete_batch", None)
    if callable(batch):
        out = batch(list(requests))
        return list(out)
    return [backend.complete(r) for r in requests]


def make_completion(
    raw: str,
    *,
    model: str,
    started: float,
    prompt_token_ids: Sequence[int] | None = None,
    completion_token_ids: Sequence[int] | None = None,
    completion_logprobs: Sequence[float] | None = None,
    prompt_tokens: int | None = None,
    finish_reason: str = "",
    reasoning: str | None = None,
    think_open: bool = False,
) -> Completion:
    """A :class:`Completion` from raw model text: reasoning split out, counts filled in.

    ``think_open`` says the prompt already opened ``<think>`` (R1-Distill chat templates do),
    so the raw text starts inside the reasoning. A server that returns the reasoning separately
    passes it as ``reasoning``.
    """
    if reasoning is None:
        text = raw
        if think_open and "<think>" not in raw[:32]:
            text = "<think>" + raw
        reasoning, answer, closed = split_think(text)
        if not closed and not answer:
            answer = ""
    else:
        answer = raw.strip()
    ids = tuple(int(i) for i in completion_token_ids) if completion_token_ids is not None else None
    pids = tuple(int(i) for i in prompt_token_ids) if prompt_token_ids is not None else None
    return Completion(
        text=answer,
        reasoning=reasoning,
        model=model,
        prompt_tokens=prompt_tokens if prompt_tokens is not None else len(pids or ()),
        completion_tokens=len(ids) if ids is not None else 0,
        prompt_token_ids=pids,
        completion_token_ids=ids,
        completion_logprobs=(
            tuple(float(x) for x in completion_logprobs)
            if completion_logprobs is not None
            else None
        ),
        finish_reason=finish_reason,
        latency_ms=(time.perf_counter() - started) * 1000.0,
    )
