"""The Device protocol every backend implements, and what backends share.

A backend maps its library's exceptions to :mod:`droidpilot.errors` ``DeviceError``
subclasses at its boundary; a capability it lacks raises ``NotSupportedError``, never a
silent no-op.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from droidpilot.errors import ActionFailed
from droidpilot.types import (
    Action,
    LongPressAction,
    Observation,
    ScreenView,
    ScrollAction,
    TapAction,
    TypeAction,
)

__all__ = [
    "ActionResult",
    "Device",
    "resolve_point",
    "scroll_vector",
    "wait_for_settle",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionResult:
    """What happened when a device carried out an action."""

    ok: bool = True
    message: str = ""
    point: tuple[int, int] | None = None  # where a tap/long press landed
    changed: bool | None = None  # whether the screen changed, where the backend knows


@runtime_checkable
class Device(Protocol):
    """A phone: something that can be seen and touched."""

    serial: str

    def observe(self) -> Observation:
        """Dump the screen, parse it and return what the agent sees now."""
        ...

    def perform(self, action: Action) -> ActionResult:
        """Carry out one device action (tap, type, scroll, key, open_app, wait, ...).

        Element ids refer to the view of the latest ``observe()``. Agent-only actions
        (remember, answer, ask_user, finish) are not device actions: ``NotSupportedError``.
        """
        ...

    def current_app(self) -> str:
        """The package of the app in front."""
        ...

    def shell(self, cmd: str) -> str:
        """Run a shell command on the phone and return its output."""
        ...

    def screenshot(self) -> bytes:
        """A PNG of the screen."""
        ...

    def reset(self) -> None:
        """Go back to a clean start (home screen, no dialogs)."""
        ...

    def close(self) -> None:
        """Release the connection; the device object is unusable afterwards."""
        ...


def resolve_point(
    action: TapAction | LongPressAction | TypeAction | ScrollAction,
    view: ScreenView | None,
    *,
    serial: str = "",
) -> tuple[int, int] | None:
    """The screen point an action aims at: its element's tap point, or its x,y.

    Returns ``None`` for an action with no target (a ``type`` into the focused field).
    Raises ``ActionFailed`` for an id that is not on the latest view.
    """
    element = action.element
    if element is None:
        if isinstance(action, TapAction | LongPressAction):
            assert action.x is not None
            assert action.y is not None
            return (action.x, action.y)
        return None
    item = view.item(element) if view is not None else None
    if item is None:
        known = ", ".join(str(i) for i in view.ids[:40]) if view is not None else "none"
        raise ActionFailed(
            f"element {element} is not on the current screen (ids: {known})", serial=serial
        )
    return item.tap


def scroll_vector(
    direction: str, area: tuple[int, int, int, int], fraction: float = 0.6
) -> tuple[int, int, int, int]:
    """The finger swipe (x1, y1, x2, y2) that scrolls content ``direction`` within ``area``.

    Scrolling *down* shows what is below, so the finger moves up.
    """
    x1, y1, x2, y2 = area
    cx, cy = (x1 + x2) // 2, (y1 + y2) // 2
    dx = int((x2 - x1) * fraction / 2)
    dy = int((y2 - y1) * fraction / 2)
    match direction:
        case "down":
            return (cx, cy + dy, cx, cy - dy)
        case "up":
            return (cx, cy - dy, cx, cy + dy)
        case "right":
            return (cx + dx, cy, cx - dx, cy)
        case "left":
            return (cx - dx, cy, cx + dx, cy)
    raise ValueError(f"unknown scroll direction {direction!r}")


def wait_for_settle(
    dump: Callable[[], str],
    *,
    timeout_s: float = 3.0,
    interval_s: float = 0.05,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[str, bool]:
    """Dump until two consecutive dumps agree, or the timeout passes.

    Returns the last dump and whether it settled. Clock and sleep are injected for tests.
    """
    deadline = clock() + timeout_s
    last = dump()
    while True:
        if clock() >= deadline:
            return last, False
        sleep(interval_s)
        current = dump()
        if current == last:
            return current, True
        last = current
