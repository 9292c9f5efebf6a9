"""Greedy decoding with drafts from the prompt, for both local backends.

A planner's thought copies the screen's words and the phrasing of earlier thoughts, so the
tokens that followed the last few generated ones where they last occurred (in the prompt or a
recent reply: prompt lookup, nothing to train) are appended together with the chosen token and
checked in one model pass. The drafts the model agrees with are kept: the same tokens as
decoding one at a time, through the same :class:`~droidpilot.planner.constrain.ReplyShaper`.
The KV cache is rewound past the rest.

A backend gives :func:`greedy_decode` a :class:`Runner` over its cache (an onnxruntime-genai
generator, a transformers ``DynamicCache``) and the logits of the prompt's last position.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from droidpilot.planner.backends.base import CompletionRequest
from droidpilot.planner.constrain import ReplyShaper

__all__ = [
    "DRAFT_MAX",
    "DRAFT_NGRAMS",
    "RECENT_REPLIES",
    "Decoded",
    "RecentReplies",
    "Runner",
    "greedy_decode",
    "prompt_lookup",
    "reply_shaper",
]

#: The longest draft checked in one pass, and the n-grams it is looked up by.
DRAFT_MAX = 8
DRAFT_NGRAMS = (3, 2, 1)
#: Replies kept to draft from besides the prompt (a planner's thoughts repeat their phrasing).
RECENT_REPLIES = 16


class Runner(Protocol):
    """A model's KV cache that tokens are appended to and rewound from."""

    def run(self, tokens: Sequence[int]) -> Any:
        """Append ``tokens`` to the cache; the logits of their positions (float32 rows, one
        per token, in order)."""

    def rewind_to(self, length: int) -> None:
        """Keep the cache's first ``length`` tokens."""


@dataclass(slots=True)
class Decoded:
    """What :func:`greedy_decode` wrote, and what it cost."""

    tokens: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    finish: str = "length"
    #: of ``tokens``, how many the cache holds at the end (the last chosen one is not run)
    cached: int = 0
    runs: int = 0  # model passes after the prompt's
    drafted: int = 0  # draft tokens checked
    accepted: int = 0  # draft tokens kept


class RecentReplies:
    """A backend's last :data:`RECENT_REPLIES` greedy replies, drafts' second source."""

    def __init__(self, keep: int = RECENT_REPLIES) -> None:
        self.keep = keep
        self._replies: list[list[int]] = []
        self.flat: list[int] = []

    def add(self, tokens: Sequence[int]) -> None:
        self._replies.append(list(tokens))
        del self._replies[: -self.keep]
        self.flat = [t for reply in self._replies for t in reply]


def reply_shaper(backend: Any, request: CompletionRequest) -> ReplyShaper:
    """The :class:`ReplyShaper` of ``request`` on a local ``backend`` (its decoder, end and
    ``</think>`` tokens, whether its template opens the thought, its ``top_k_constrain``)."""
    return ReplyShaper(
        backend.decode,
        eos_ids=backend.eos_ids,
        close_ids=backend.close_ids,
        constrain=request.constrain,
        max_thinking_tokens=request.sampling.max_thinking_tokens,
        think_open=backend.think_open,
        top_k=backend.settings.top_k_constrain,
        stop=request.stop,
        stop_after_action=request.stop_after_action,
        element_ids=request.element_ids,
        avoid_ids=request.avoid_ids,
    )


def greedy_decode(
    runner: Runner,
    first_row: Any,
    shaper: ReplyShaper,
    *,
    prompt_len: int,
    max_tokens: int,
    context: Sequence[int],
    eos: Sequence[int],
    draft: Callable[[Sequence[int], Sequence[int], int], list[int]],
    draft_max: int,
    logprobs: bool,
) -> Decoded:
    """Greedy decoding from ``first_row`` (the logits after the ``prompt_len`` tokens the cache
    holds) with drafts of up to
    ``draft_max`` tokens from ``draft(context, out, limit)``: the tokens, their log-probabilities
    (the model's own distribution) and the finish reason that decoding one token at a time
    gives."""
    import numpy as np

    done = Decoded()
    out = done.tokens

    def choose(row: Any) -> int:
        token = int(np.argmax(shaper.shape(out, row)))
        if logprobs and token not in eos:
            m = float(row.max())
            done.logprobs.append(float(row[token]) - m - float(np.log(np.exp(row - m).sum())))
        return token

    cached = 0  # of out, how many the cache holds
    token = choose(first_row)
    while True:
        if token in eos:
            done.finish = "stop"
            break
        out.append(token)
        if shaper.done(out):
            done.finish = "stop"
            break
        if len(out) >= max_tokens:
            break
        # run the chosen token, and a draft of what may follow it, in one pass
        guess = draft(context, out, min(draft_max, max_tokens - len(out)))
        rows = runner.run([token, *guess])
        done.runs += 1
        done.drafted += len(guess)
        cached += 1 + len(guess)
        token = choose(rows[0])
        k = 0
        while k < len(guess) and token == guess[k] and token not in eos:
            # the model would have written this draft token: it is in the cache already
            done.accepted += 1
            out.append(token)
            k += 1
            if shaper.done(out):
                done.finish = "stop"
                break
            if len(out) >= max_tokens:
                break
            token = choose(rows[k])
        if k < len(guess):  # the rest of the draft is not what the model writes
            cached -= len(guess) - k
            runner.rewind_to(prompt_len + cached)
        if done.finish == "stop" or len(out) >= max_tokens:
            break
    done.cached = cached
    return done


def prompt_lookup(context: Sequence[int], out: Sequence[int], limit: int) -> list[int]:
    """Up to ``limit`` tokens that followed the latest earlier occurrence, in ``context`` and
    ``out``, of the last n tokens of ``out``, for the first n of :data:`DRAFT_NGRAMS` that
    occurs (prompt lookup: the nearest context is likeliest to recur; nothing to train)."""
    if limit <= 0 or not out:
        return []
    seq = array("q", [*context, *out])
    data = seq.tobytes()  # searched by bytes.rfind: C speed over a few thousand tokens
    size = seq.itemsize
    end = len(seq)
    for n in DRAFT_NGRAMS:
        if len(out) < n:
            continue
        tail = data[(end - n) * size :]
        hi = (end - 1) * size  # an occurrence must end before the last token
        while True:
            at = data.rfind(tail, 0, hi)
            if at < 0:
                break
            if at % size == 0:  # (bytes may match across token boundaries)
                i = at // size + n
                return seq[i : min(i + limit, end)].tolist()
            hi = at + len(tail) - 1
    return []
