"""A scripted backend: a callable (or a list of replies) plays the model. For tests and demos."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace

from droidpilot.errors import PlannerError
from droidpilot.planner.backends.base import CompletionRequest, make_completion
from droidpilot.planner.tokens import count_tokens
from droidpilot.types import Completion

__all__ = ["ScriptedBackend"]


class ScriptedBackend:
    """Answers each request with ``script(request)``, or the next of a fixed list of replies.

    The reply is raw model text (``<think>...</think>`` and an action); token counts use the
    bundled SmolLM2 tokenizer so budgets and logs look like a real model's.
    """

    def __init__(
        self,
        script: Callable[[CompletionRequest], str] | Iterable[str],
        *,
        name: str = "scripted",
    ) -> None:
        self._name = name
        self.requests: list[CompletionRequest] = []
        if callable(script):
            self._script: Callable[[CompletionRequest], str] = script
        else:
            replies = iter(list(script))

            def _next(_: CompletionRequest) -> str:
                try:
                    return next(replies)
                except StopIteration:
                    raise PlannerError("the scripted backend ran out of replies") from None

            self._script = _next

    @property
    def name(self) -> str:
        return self._name

    def complete(self, request: CompletionRequest) -> Completion:
        started = time.perf_counter()
        self.requests.append(request)
        raw = self._script(request)
        prompt = sum(count_tokens(m.content) + 4 for m in request.messages)
        completion = make_completion(raw, model=self._name, started=started, prompt_tokens=prompt)
        return replace(completion, completion_tokens=count_tokens(raw), finish_reason="stop")

    def close(self) -> None:
        return None
