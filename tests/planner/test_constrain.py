"""ReplyShaper on a toy vocabulary: what it lets through inside a thought."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from droidpilot.planner.constrain import ReplyShaper

PIECES = ["<think>", "I", " tap", "</think>", "\n", "tap(", "1", ")", "x", "<|im_end|>"]
EOS = 9


def decode(ids: Sequence[int]) -> str:
    return "".join(PIECES[i] for i in ids)


def shaper(constrain: bool, cap: int | None = None) -> ReplyShaper:
    return ReplyShaper(decode, eos_ids=[EOS], close_ids=[3], constrain=constrain,
                       max_thinking_tokens=cap, element_ids=[1])  # fmt: skip


def test_a_constrained_reply_cannot_end_inside_its_thought() -> None:
    scores = np.zeros(len(PIECES), dtype=np.float32)
    scores[EOS] = 5.0  # the model would end here
    thinking = [0, 1, 2]  # "<think>I tap"
    got = shaper(constrain=True).shape(thinking, scores)
    assert int(got.argmax()) != EOS
    assert got[EOS] < -1e20
    assert scores[EOS] == 5.0  # the raw scores are left as they were (kept for logprobs)
    # unconstrained, and with only the thinking cap, the model may stop where it likes
    assert shaper(constrain=False, cap=10).shape(thinking, scores) is scores


def test_the_cap_still_forces_the_close_and_a_complete_action_ends() -> None:
    scores = np.zeros(len(PIECES), dtype=np.float32)
    assert int(shaper(constrain=True, cap=3).shape([0, 1, 2], scores).argmax()) == 3
    done = [0, 1, 3, 4, 5, 6, 7]  # "<think>I</think>\ntap(1)"
    assert int(shaper(constrain=True).shape(done, scores).argmax()) == EOS
