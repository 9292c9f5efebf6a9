"""A seeded random walk over the phone through the Device API (for tests and the bench)."""

from __future__ import annotations

import random
from collections.abc import Callable

from droidpilot.device.sim.device import SimDevice
from droidpilot.errors import ActionFailed
from droidpilot.types import (
    Action,
    KeyAction,
    LongPressAction,
    Observation,
    OpenAppAction,
    ScrollAction,
    SwipeAction,
    TapAction,
    TypeAction,
)

__all__ = ["random_action", "random_walk"]

_TEXTS = ("hello", "宫保鸡丁", "1234", "Beijing", "café ☕", "")


def random_action(rng: random.Random, obs: Observation, apps: list[str]) -> Action:
    """One plausible action for the screen ``obs`` (mostly taps on what can be tapped)."""
    items = obs.view.items
    clickable = [it for it in items if it.clickable and it.enabled]
    r = rng.random()
    if r < 0.62 and clickable:
        return TapAction(element=rng.choice(clickable).id)
    if r < 0.66 and clickable:
        return LongPressAction(element=rng.choice(clickable).id)
    editable = [it for it in items if it.editable]
    if r < 0.74 and editable:
        return TypeAction(
            text=rng.choice(_TEXTS),
            element=rng.choice(editable).id,
            clear=rng.random() < 0.5,
            submit=rng.random() < 0.3,
        )
    if r < 0.82:
        scrollable = [it for it in items if it.scrollable]
        target = rng.choice(scrollable).id if scrollable and rng.random() < 0.7 else None
        return ScrollAction(
            direction=rng.choice(("down", "down", "up", "left", "right")), element=target
        )
    if r < 0.90:
        return KeyAction(key="back")
    if r < 0.92:
        return KeyAction(key="home")
    if r < 0.93:
        return KeyAction(key=rng.choice(("app_switch", "enter", "delete", "tab")))
    if r < 0.94:
        return SwipeAction(x1=540, y1=10, x2=540, y2=1400)
    if apps:
        return OpenAppAction(name=rng.choice(apps))
    return KeyAction(key="back")


def random_walk(
    dev: SimDevice,
    steps: int,
    *,
    seed: int = 0,
    check: Callable[[SimDevice, Observation], None] | None = None,
) -> int:
    """Take ``steps`` observe+act steps; returns how many actions the phone refused."""
    rng = random.Random(seed)
    apps = [p for p, a in dev.phone.apps.items() if not a.system]
    refused = 0
    for _ in range(steps):
        obs = dev.observe()
        if check is not None:
            check(dev, obs)
        try:
            dev.perform(random_action(rng, obs, apps))
        except ActionFailed:
            refused += 1
    return refused
