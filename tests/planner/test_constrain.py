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


CITE = ["<think>", "[", "1", "2", "]", "</think>", "\n", "tap(", ")", "<|im_end|>", "}"]


def cite_decode(ids: Sequence[int]) -> str:
    return "".join(CITE[i] for i in ids)


def test_avoided_ids_are_not_cited_in_the_thought_nor_named_in_the_action() -> None:
    shaper = ReplyShaper(cite_decode, eos_ids=[9], close_ids=[5], constrain=True,
                         element_ids=[1, 12], avoid_ids=[1])  # fmt: skip
    scores = np.zeros(len(CITE), dtype=np.float32)
    scores[4] = 5.0  # "]" would close the citation "[1]"
    scores[3] = 3.0  # "2" makes it "[12", which is allowed
    got = shaper.shape([0, 1, 2], scores)  # "<think>[1"
    assert int(got.argmax()) == 3
    assert got[4] < -1e20
    # "[12]" is no citation of [1]
    assert int(shaper.shape([0, 1, 2, 3], scores).argmax()) == 4
    # nor grow into a number the screen does not have ("[122")
    grow = np.zeros(len(CITE), dtype=np.float32)
    grow[3], grow[4] = 5.0, 1.0
    assert int(shaper.shape([0, 1, 2, 3], grow).argmax()) == 4
    # nor may "[1" be closed any other way ("[1}")
    scores[10] = 4.0
    got = shaper.shape([0, 1, 2], scores)
    assert int(got.argmax()) == 3
    assert got[10] < -1e20
    # the action: "tap(1" may only grow into "tap(12"
    action = [0, 5, 6, 7, 2]  # "<think></think>\ntap(1"
    scores = np.zeros(len(CITE), dtype=np.float32)
    scores[8] = 5.0  # ")" would make it tap(1)
    assert int(shaper.shape(action, scores).argmax()) == 3
    # without avoided ids the same scores pass as they are in the thought
    plain = ReplyShaper(cite_decode, eos_ids=[9], close_ids=[5], element_ids=[1, 12])
    assert plain.shape([0, 1, 2], scores) is scores


def test_a_thought_cannot_open_think_again() -> None:
    """Inside the thought the model's best token is "<think>" (a random model's habit): held to
    the grammar, the next best is taken instead; the thought still ends where it likes."""
    scores = np.zeros(len(PIECES), dtype=np.float32)
    scores[0], scores[1] = 5.0, 3.0  # "<think>" again, then "I"
    got = shaper(constrain=True).shape([0, 1], scores)  # "<think>I"
    assert int(got.argmax()) == 1
    assert got[0] < -1e20
    assert shaper(constrain=False, cap=10).shape([0, 1], scores) is scores
