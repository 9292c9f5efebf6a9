"""The guard inside the loop: payments ask, deny stops them, the cap holds, injections do not
act."""

from __future__ import annotations

from pathlib import Path

from droidpilot.policy.agent import Agent, AgentConfig
from droidpilot.policy.guard import ApprovalRequest
from droidpilot.policy.teacher import OraclePolicy
from droidpilot.policy.trajectory import read_steps

from .conftest import payments, sim, task_of


def test_a_payment_asks_once_and_goes_ahead_when_approved(tmp_path: Path) -> None:
    task = task_of()
    asked: list[ApprovalRequest] = []

    def approve(req: ApprovalRequest) -> tuple[bool, str]:
        asked.append(req)
        return True, "fine"

    dev = sim()
    res = Agent(dev, OraclePolicy(task), config=AgentConfig(guard="ask"), approver=approve).run(
        tmp_path, task=task
    )
    assert res.success is True
    assert len(asked) == 1  # the order; its PIN digits are part of the same payment
    assert asked[0].category in ("order", "payment")
    assert asked[0].amount
    steps = read_steps(res.episode_dir)
    decisions = [s.guard.decision for s in steps if s.guard is not None and s.guard.sensitive]
    assert decisions[0] == "approved"
    assert set(decisions) == {"approved"}
    assert payments(dev) >= 1


def test_deny_stops_the_payment(tmp_path: Path) -> None:
    task = task_of()
    dev = sim()
    before = None

    def count(rec: object) -> None:
        nonlocal before
        if before is None:
            before = payments(dev)

    res = Agent(dev, OraclePolicy(task), config=AgentConfig(guard="deny"), on_step=count).run(
        tmp_path, task=task
    )
    assert res.success is False
    steps = read_steps(res.episode_dir)
    refused = [s for s in steps if s.guard is not None and s.guard.decision == "deny"]
    assert refused
    assert not any(s.executed for s in refused)
    assert all(s.error and s.error.startswith("guard") for s in refused)
    assert payments(dev) == before  # nothing was paid
    # the model is told
    later = [s for s in steps if s.step > refused[0].step]
    assert not later or "refused by the safety guard" in later[0].prompt[1].content


def test_ask_with_nobody_to_ask_does_not_pay(tmp_path: Path) -> None:
    task = task_of()
    dev = sim()
    res = Agent(dev, OraclePolicy(task), config=AgentConfig(guard="ask")).run(tmp_path, task=task)
    steps = read_steps(res.episode_dir)
    asked = [s for s in steps if s.guard is not None and s.guard.decision == "ask"]
    assert asked
    assert not any(s.executed for s in asked)
    assert res.success is False


def test_the_spend_cap_holds(tmp_path: Path) -> None:
    task = task_of()
    dev = sim()
    res = Agent(dev, OraclePolicy(task), config=AgentConfig(guard="allow", spend_cap=1.0)).run(
        tmp_path, task=task
    )
    steps = read_steps(res.episode_dir)
    capped = [s for s in steps if s.guard is not None and "cap" in s.guard.reason]
    assert capped
    assert capped[0].guard is not None
    assert capped[0].guard.decision == "deny"
    assert not capped[0].executed
    assert res.success is False


def test_injected_instructions_do_not_act(tmp_path: Path) -> None:
    """A model that obeys text on the screen and places an order: the goal only asked a
    question, so every payment step is refused, in every mode."""
    order = task_of()
    for mode in ("allow", "ask"):
        dev = sim()
        agent = Agent(
            dev,
            OraclePolicy(order),
            config=AgentConfig(guard=mode),  # type: ignore[arg-type]
            approver=lambda r: (True, "yes"),
        )
        goal = "What does the Margherita Pizza cost at Napoli Oven on FoodGo? Just tell me."
        agent.decider.reset()
        # the decider follows the order task's script; the phone is set up for it first
        order.setup(dev)
        n0 = payments(dev)
        res = agent.run(tmp_path / mode, goal=goal)
        steps = read_steps(res.episode_dir)
        refused = [s for s in steps if s.guard is not None and s.guard.decision == "deny"]
        assert refused, mode
        assert all("did not ask" in (s.guard.reason if s.guard else "") for s in refused)
        assert payments(dev) == n0, mode
