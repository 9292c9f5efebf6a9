"""Shaping a local model's next-token scores: the thinking cap, the action grammar, the stop.

One implementation serves both local backends (a transformers logits processor and the
onnxruntime-genai loop call it with a row of scores as a NumPy array):

- inside ``<think>``, once ``max_thinking_tokens`` are spent, ``</think>`` is forced;
- with ``constrain``, the answer (after ``</think>``, or from the start when the model does not
  think) may only grow into one action in call syntax (:func:`~droidpilot.planner.grammar.
  call_state`): of the ``top_k`` best tokens those that keep the text viable survive (then the
  next ``4 * top_k``, then up to 4096), and once the action is complete only end-of-sequence
  is allowed; inside the thought it may neither end nor open ``<think>`` a second time;
- with ``avoid_ids``, the reply may not cite those elements in its thought (``[N]``, or ``[N``
  closed by anything else), nor an id the screen does not have (``[N9]``) when its ids are
  given, nor, held to the grammar with the screen's ids, name them in its action: a planner
  that refuses a reply's action asks again this way
  (:class:`~droidpilot.planner.planner.Planner`).

Checking the top few candidates instead of the whole vocabulary keeps this cheap (tens of
decodes per step) and leaves the model's own ranking intact among the viable tokens.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from droidpilot.planner.grammar import answer_phase, call_state
from droidpilot.planner.parse import ParseFailure, parse_action

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["ReplyShaper", "action_complete"]

_NEG = -1e30
#: "[12]", and what a model writes instead when "]" is barred ("[12}", "[12)", "[129]")
_CITATION = re.compile(r"\[(\d+)")


def action_complete(answer: str) -> bool:
    """Does the answer text already hold one whole action (so generation may stop)?"""
    tail = answer.rstrip()
    if not tail.endswith((")", "}", "```")):
        return False
    return not isinstance(parse_action(answer), ParseFailure)


class ReplyShaper:
    """Per-sequence score shaping and stop test for one completion request."""

    def __init__(
        self,
        decode: Callable[[Sequence[int]], str],
        *,
        eos_ids: Sequence[int],
        close_ids: Sequence[int] = (),
        constrain: bool = False,
        max_thinking_tokens: int | None = None,
        think_open: bool = False,
        top_k: int = 48,
        stop: Sequence[str] = (),
        stop_after_action: bool = True,
        element_ids: Sequence[int] | None = None,
        avoid_ids: Sequence[int] = (),
    ) -> None:
        self.decode = decode
        self.eos_ids = tuple(eos_ids)
        self.close_ids = tuple(close_ids)
        self.constrain = constrain
        self.max_thinking_tokens = max_thinking_tokens
        self.think_open = think_open
        self.top_k = top_k
        self.stop = tuple(stop)
        self.stop_after_action = stop_after_action
        # the screen's ids: a constrained action may only name one of them
        self.avoid = frozenset(str(i) for i in avoid_ids)
        self.ids = (
            frozenset(str(i) for i in element_ids) - self.avoid if element_ids is not None else None
        )
        self.fallback_width = 4096  # the widest search before giving up with end-of-sequence
        self.forced_close = 0  # how many times the thinking cap forced </think>
        self.masked_steps = 0  # steps where the grammar changed the choice

    @property
    def active(self) -> bool:
        return self.constrain or self.max_thinking_tokens is not None or bool(self.avoid)

    def shape(self, ids: Sequence[int], scores: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The scores for the next token after ``ids`` (the completion so far)."""
        if not self.active:
            return scores
        text = self.decode(ids)
        phase, answer = answer_phase(text, think_open=self.think_open)
        if phase == "thinking":
            cap = self.max_thinking_tokens
            if cap is not None and len(ids) >= cap and self.close_ids:
                return self._force(scores, self._next_close(ids))
            out = scores
            if self.constrain and self.eos_ids:
                # held to the grammar, a reply goes on to its action: no end inside the thought
                eos = [t for t in self.eos_ids if 0 <= t < scores.shape[-1]]
                if eos and float(scores[eos].max()) > _NEG:
                    out = scores.copy()
                    out[eos] = _NEG
            if self.constrain:
                out = self._no_second_think(ids, text, out)
            if self.avoid:
                out = self._uncited(ids, text, out)
            return out
        if not self.constrain:
            return scores
        if phase == "answer" and call_state(answer, self.ids) == "complete":
            return self._only(scores, self.eos_ids)
        order = scores.argsort()[::-1]
        for width in (self.top_k, 4 * self.top_k, self.fallback_width):
            allowed = [int(t) for t in order[:width] if self._viable(ids, int(t), phase)]
            if allowed:
                if allowed[0] != int(order[0]):
                    self.masked_steps += 1
                return self._only(scores, allowed)
        return self._only(scores, self.eos_ids)  # nothing viable: end, the parser will say why

    def done(self, ids: Sequence[int]) -> bool:
        """Should generation stop after ``ids`` (an action is complete, or a stop string)?"""
        text = self.decode(ids)
        if self.stop and any(s in text for s in self.stop):
            return True
        if not self.stop_after_action:
            return False
        phase, answer = answer_phase(text, think_open=self.think_open)
        if phase != "answer":
            return False
        if self.constrain:
            return call_state(answer, self.ids) == "complete"
        return action_complete(answer)

    def trim(self, text: str) -> str:
        """Cut the text at the first stop string."""
        for s in self.stop:
            at = text.find(s)
            if at >= 0:
                text = text[:at]
        return text

    # ------------------------------------------------------------------ internals

    def _viable(self, ids: Sequence[int], token: int, phase: str) -> bool:
        if token in self.eos_ids:
            return False
        text = self.decode([*ids, token])
        if phase == "answer" and text.count("think>") > self.decode(ids).count("think>"):
            return False  # no think tags inside the action
        new_phase, answer = answer_phase(text, think_open=self.think_open)
        if new_phase == "thinking":
            return True
        if new_phase == "start":
            return True  # still a prefix of "<think>"
        return call_state(answer, self.ids) != "bad"

    def _no_second_think(
        self, ids: Sequence[int], text: str, scores: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32]:
        """``scores`` without the best tokens that would open ``<think>`` again inside the
        thought (a reply has one thought; the parser would read a second tag as text): those
        ranked above the best one that does not are barred. One decode when the best token is
        fine, which is nearly always."""
        opened = text.count("<think>")
        order = scores.argsort()[::-1]
        for rank, t in enumerate(order[: self.top_k]):
            if self.decode([*ids, int(t)]).count("<think>") <= opened:
                if rank == 0:
                    return scores
                out = scores.copy()
                out[order[:rank]] = _NEG
                self.masked_steps += 1
                return out
        return scores

    def _cited(self, text: str) -> int:
        """How many citations in ``text`` are barred: one of an avoided element, or (when the
        screen's ids are known) one that is no other id of the screen, or cannot grow into
        one; a citation still being written counts once it is closed ("[12]", "[12}")."""
        bad = 0
        for m in _CITATION.finditer(text):
            num, closed = m.group(1), m.end() < len(text)
            if self.ids is None:
                bad += closed and num in self.avoid
            elif closed:
                bad += num not in self.ids
            else:
                bad += not any(i.startswith(num) for i in self.ids)
        return bad

    def _uncited(
        self, ids: Sequence[int], text: str, scores: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32]:
        """``scores`` held to the best tokens that cite no avoided element."""
        before = self._cited(text)
        order = scores.argsort()[::-1]
        for width in (self.top_k, 4 * self.top_k, self.fallback_width):
            allowed = [
                int(t)
                for t in order[:width]
                if scores[int(t)] > _NEG and self._cited(self.decode([*ids, int(t)])) <= before
            ]
            if allowed:
                if allowed[0] != int(order[0]):
                    self.masked_steps += 1
                return self._only(scores, allowed)
        return scores

    def _next_close(self, ids: Sequence[int]) -> int:
        close = self.close_ids
        for k in range(min(len(close) - 1, len(ids)), 0, -1):
            if tuple(ids[-k:]) == close[:k]:
                return close[k]
        self.forced_close += 1
        return close[0]

    @staticmethod
    def _force(scores: npt.NDArray[np.float32], token: int) -> npt.NDArray[np.float32]:
        return ReplyShaper._only(scores, [token])

    @staticmethod
    def _only(scores: npt.NDArray[np.float32], allowed: Sequence[int]) -> npt.NDArray[np.float32]:
        out = scores.copy()
        keep = [t for t in allowed if 0 <= t < out.shape[-1]]
        if not keep:
            return scores
        saved = out[keep].copy()
        out[:] = _NEG
        out[keep] = saved
        return out
