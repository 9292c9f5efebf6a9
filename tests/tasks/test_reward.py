"""Table-driven tests of the rule-based rewards."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from droidpilot.errors import ValidationError
from droidpilot.tasks.reward import (
    PENALTY_INVALID,
    SUCCESS_BONUS,
    MilestoneState,
    discounted_returns,
    invalid_action_penalty,
    irreversible_penalty,
    noop_penalty,
    progress,
    step_reward,
)

W = {"opened": 0.2, "in_cart": 0.3, "paid": 0.5}


def ms(*reached: str) -> list[MilestoneState]:
    return [
        MilestoneState(name=n, weight=w, reached=n in reached, evidence=f"{n}?")
        for n, w in W.items()
    ]


@pytest.mark.parametrize(
    ("before", "after", "success", "reward", "names"),
    [
        ((), (), None, 0.0, []),
        ((), ("opened",), None, 0.2, ["milestone:opened"]),
        (("opened",), ("opened", "in_cart"), None, 0.3, ["milestone:in_cart"]),
        (("opened", "in_cart"), ("opened",), None, -0.3, ["undone:in_cart"]),
        (("opened",), ("opened", "in_cart", "paid"), True, 1.8,
         ["milestone:in_cart", "milestone:paid", "success"]),
        (("opened", "in_cart", "paid"), ("opened", "in_cart", "paid"), False, 0.0, []),
        ((), ("opened",), True, 1.2, ["milestone:opened", "success"]),
    ],
)  # fmt: skip
def test_step_reward_table(
    before: tuple[str, ...],
    after: tuple[str, ...],
    success: bool | None,
    reward: float,
    names: list[str],
) -> None:
    r, comps = step_reward(ms(*before), ms(*after), success=success)
    assert r == pytest.approx(reward)
    assert [c.name for c in comps] == names
    assert all(c.evidence for c in comps)


def test_penalties_are_components() -> None:
    r, comps = step_reward(
        ms(), ms(), penalties=[invalid_action_penalty("no action in reply"), noop_penalty(3)]
    )
    assert r == pytest.approx(PENALTY_INVALID - 0.05)
    assert comps[0].evidence == "no action in reply"
    assert irreversible_penalty("paid the wrong order").value == -1.0


def test_mismatched_milestones_are_refused() -> None:
    with pytest.raises(ValidationError):
        step_reward(ms(), ms()[:2])
    with pytest.raises(ValidationError):
        MilestoneState(name="x", weight=-1, reached=False)


@given(
    st.lists(st.sets(st.sampled_from(sorted(W))), min_size=1, max_size=30),
    st.booleans(),
    st.lists(st.booleans(), max_size=30),
)
def test_rewards_add_up_to_final_progress_plus_terminal(
    path: list[set[str]], success: bool, invalid: list[bool]
) -> None:
    states = [ms(), *(ms(*s) for s in path)]
    total = 0.0
    penalties = 0.0
    for k in range(1, len(states)):
        last = k == len(states) - 1
        pens = [invalid_action_penalty("x")] if k - 1 < len(invalid) and invalid[k - 1] else []
        penalties += sum(p.value for p in pens)
        r, _ = step_reward(
            states[k - 1], states[k], success=success if last else None, penalties=pens
        )
        total += r
    terminal = SUCCESS_BONUS if success else 0.0
    assert total == pytest.approx(progress(states[-1]) + terminal + penalties)


def test_discounted_returns() -> None:
    assert discounted_returns([1.0, 0.0, 2.0]) == [3.0, 2.0, 2.0]
    assert discounted_returns([1.0, 1.0], gamma=0.5) == [1.5, 1.0]
    assert discounted_returns([1.0, None]) == [None, None]
    with pytest.raises(ValidationError):
        discounted_returns([1.0], gamma=2)
