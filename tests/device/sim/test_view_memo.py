"""The ViewBuilder's memo of recent layouts (and the id-free part of each line it keeps on a
candidate) gives exactly what a builder that works every screen out afresh gives: over a
random walk (screens coming back under new ids, words, flags and bounds changing) and over a
screen that comes back after another one with its words or flags changed."""

from __future__ import annotations

import contextlib
import random

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.device.sim.walk import random_action
from droidpilot.device.view import ViewBuilder
from droidpilot.errors import ActionFailed
from droidpilot.types import Bounds, Element, Screen, ScreenView, WindowInfo


class _Forgetful(ViewBuilder):
    """A builder that keeps no layouts: every build works the screen out from scratch."""

    def build(
        self, screen: Screen, *, activity: str = "", keyboard: bool | None = None
    ) -> ScreenView:
        self._memo.clear()
        self._last = None
        return super().build(screen, activity=activity, keyboard=keyboard)


def _same(a: ScreenView, b: ScreenView) -> None:
    assert a.text == b.text
    assert a.items == b.items
    assert a.diff == b.diff
    assert (a.package, a.focused, a.keyboard, a.webview_thin) == (
        b.package,
        b.focused,
        b.keyboard,
        b.webview_thin,
    )


def test_memo_matches_fresh_builds_over_a_walk() -> None:
    dev = SimDevice(SimPhone(seed=3))
    fresh = _Forgetful()
    rng = random.Random(3)
    apps = [p for p, a in dev.phone.apps.items() if not a.system]
    for _ in range(400):
        obs = dev.observe()
        _same(obs.view, fresh.build(obs.screen, activity=obs.activity, keyboard=obs.keyboard))
        with contextlib.suppress(ActionFailed):
            dev.perform(random_action(rng, obs, apps))


def _el(index: int, parent: int | None, text: str, *, clickable: bool, y: int) -> Element:
    return Element(
        index=index,
        parent=parent,
        depth=0 if parent is None else 1,
        window=0,
        text=text,
        class_name="android.widget.Button" if clickable else "android.widget.TextView",
        package="com.example",
        bounds=Bounds(x1=0, y1=y, x2=1080, y2=y + 100)
        if parent is not None
        else Bounds(x1=0, y1=0, x2=1080, y2=2400),
        clickable=clickable,
        enabled=True,
        visible=True,
    )


def _screen(*rows: tuple[str, bool]) -> Screen:
    els = [_el(0, None, "", clickable=False, y=0)]
    els += [_el(i + 1, 0, t, clickable=c, y=100 + 120 * i) for i, (t, c) in enumerate(rows)]
    return Screen(
        elements=tuple(els),
        windows=(WindowInfo(index=0, package="com.example", bounds=els[0].bounds, kind="app"),),
        width=1080,
        height=2400,
    )


def test_a_screen_seen_again_gets_new_ids_and_current_lines() -> None:
    a = _screen(("Open", True), ("Title", False))
    b = _screen(("Other", True))
    a_changed = _screen(("Open now", True), ("Title", False))  # new words
    a_flags = _screen(("Open", False), ("Title", False))  # no longer tappable
    builder, fresh = ViewBuilder(), _Forgetful()
    for screen in (a, b, a, b, a_changed, a, a_flags, a, a):
        _same(builder.build(screen), fresh.build(screen))
