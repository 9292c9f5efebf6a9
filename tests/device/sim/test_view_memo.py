"""The ViewBuilder's memo of recent layouts (and the id-free part of each line it keeps on a
candidate) gives exactly what a builder that works every screen out afresh gives: over a
random walk (screens coming back under new ids, words, flags and bounds changing) and over a
screen that comes back after another one with its words or flags changed. A layout put
together from its windows' parts (kept per window, by their elements or by the very tuples
of a simulated phone's windows) is the layout of the whole screen, and candidates shared
with an earlier window are the ones worked out afresh."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Sequence
from dataclasses import replace

import pytest

from droidpilot.device import view as view_mod
from droidpilot.device.sim import FaultConfig, SimDevice, SimPhone
from droidpilot.device.sim.dump import screen_parts
from droidpilot.device.sim.walk import random_action
from droidpilot.device.view import ViewBuilder, _Layout, _layout
from droidpilot.errors import ActionFailed
from droidpilot.types import Bounds, Element, Screen, ScreenView, WindowInfo


class _Forgetful(ViewBuilder):
    """A builder that keeps no layouts: every build works the screen out from scratch."""

    def build(
        self,
        screen: Screen,
        *,
        activity: str = "",
        keyboard: bool | None = None,
        parts: Sequence[tuple[Element, ...]] | None = None,
    ) -> ScreenView:
        self._memo.clear()
        self._parts.clear()
        self._cands.clear()
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


def _cands(layout: _Layout) -> list[tuple[object, ...]]:
    fields = ("index", "box", "window_rank", "tappable", "own", "folded", "sig", "loose")
    return [(*(getattr(c, f) for f in fields), c.tap, c.web_thin) for c in layout.cands]


def _same_layout(a: _Layout, b: _Layout) -> None:
    assert _cands(a) == _cands(b)
    assert (a.package, a.dialog, a.ime, a.thin_webs) == (b.package, b.dialog, b.ime, b.thin_webs)


@pytest.mark.parametrize("seed", range(4))
def test_layouts_from_window_parts_match_whole_screens(seed: int) -> None:
    # faults bring dialogs, prompts and spinners over the apps; typing brings the keyboard
    faults = FaultConfig.from_pairs([("all", 0.08)]) if seed % 2 else None
    dev = SimDevice(SimPhone(seed=seed, faults=faults, lang="zh" if seed == 2 else "en"))
    builder, by_parts = ViewBuilder(), ViewBuilder()
    rng = random.Random(seed)
    apps = [p for p, a in dev.phone.apps.items() if not a.system]
    seen: dict[int, object] = {}  # the candidates so far (kept, so their ids stay theirs)
    shared = 0
    for _ in range(500):
        phone = dev.phone
        screen, parts = screen_parts(phone.windows(), phone.width, phone.height)
        obs = dev.observe()
        assert screen == obs.screen
        assert sum(parts, ()) == screen.elements
        whole = _layout(obs.screen, 160, 6)
        _same_layout(builder._fresh_layout(obs.screen), whole)
        by_parts._parts.clear()  # every window worked out: what is shared comes from _share
        layout = by_parts._fresh_layout(screen, parts)
        _same_layout(layout, whole)
        shared += sum(id(c) in seen for c in layout.cands)
        seen.update((id(c), c) for c in layout.cands)
        with contextlib.suppress(ActionFailed):
            dev.perform(random_action(rng, obs, apps))
    assert builder._parts
    assert by_parts._parts
    assert shared  # and candidates of earlier windows were shared


def test_views_by_parts_match_views_by_elements_over_a_walk() -> None:
    faults = FaultConfig.from_pairs([("all", 0.05)])
    dev = SimDevice(SimPhone(seed=5, faults=faults))
    plain = ViewBuilder()
    rng = random.Random(5)
    apps = [p for p, a in dev.phone.apps.items() if not a.system]
    for _ in range(400):
        obs = dev.observe()  # built with the windows' parts
        _same(obs.view, plain.build(obs.screen, activity=obs.activity, keyboard=obs.keyboard))
        with contextlib.suppress(ActionFailed):
            dev.perform(random_action(rng, obs, apps))
    # the device's builder knew its screens by their parts
    assert all(isinstance(owner[0], tuple) for owner, _ in dev.builder._memo.values())


def _window_screen(order: tuple[int, ...], web: bool = False) -> Screen:
    """Two windows: an app page (a tappable card with a button inside, the card's centre on
    the button) and a dialog over it, their elements in ``order`` (app first or dialog
    first)."""
    runs: dict[int, list[tuple[int | None, str, str, bool, Bounds]]] = {
        0: [
            (None, "android.widget.FrameLayout", "", False, Bounds(x1=0, y1=0, x2=1080, y2=2400)),
            (0, "android.widget.LinearLayout", "Card", True, Bounds(x1=0, y1=100, x2=1080, y2=300)),
            (1, "android.widget.Button", "Buy", True, Bounds(x1=400, y1=150, x2=700, y2=250)),
        ],
        1: [
            (
                None,
                "android.widget.FrameLayout",
                "",
                False,
                Bounds(x1=60, y1=800, x2=1020, y2=1600),
            ),
            (0, "android.widget.Button", "OK", True, Bounds(x1=100, y1=1400, x2=500, y2=1500)),
        ],
    }
    if web:
        runs[0].append(
            (0, "android.webkit.WebView", "", False, Bounds(x1=0, y1=400, x2=1080, y2=2000))
        )
    els: list[Element] = []
    for w in order:
        base = len(els)
        for parent, cls, words, tap, b in runs[w]:
            els.append(
                Element(
                    index=len(els),
                    parent=None if parent is None else base + parent,
                    depth=0 if parent is None else 1,
                    window=w,
                    text=words,
                    class_name=cls,
                    package="com.example",
                    bounds=b,
                    clickable=tap,
                    enabled=True,
                    visible=True,
                )
            )
    windows = (
        WindowInfo(index=0, package="com.example", bounds=runs[0][0][4], kind="app"),
        WindowInfo(index=1, package="com.example", bounds=runs[1][0][4], kind="dialog"),
    )
    return Screen(elements=tuple(els), windows=windows, width=1080, height=2400)


@pytest.mark.parametrize(
    "screen",
    [
        _window_screen((0, 1)),
        _window_screen((1, 0)),  # the dialog's elements first: a tap point may look past it
        _window_screen((0, 1), web=True),  # a web page: thin or not by every window's pages
    ],
)
def test_window_parts_and_their_fallbacks_match_the_whole_screen(screen: Screen) -> None:
    builder, fresh = ViewBuilder(), _Forgetful()
    for _ in range(2):  # the second time from the kept parts
        builder._memo.clear()
        _same_layout(builder._fresh_layout(screen), _layout(screen, 160, 6))
        _same(builder.build(screen), fresh.build(screen))


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_parts_that_are_not_runs_of_their_windows_give_the_whole_screen(
    order: tuple[int, ...],
) -> None:
    screen = _window_screen(order)
    els = screen.elements
    app = tuple(e for e in els if e.window == 0)
    dialog = tuple(e for e in els if e.window == 1)
    cut = len(app) if order == (0, 1) else len(dialog)
    bad: list[tuple[tuple[Element, ...], ...]] = [
        (app, dialog),  # in windows' order, but not in the elements' order when reversed
        (els[:cut], els[cut:]),  # in the elements' order, named as the other windows' when
        (els[: cut - 1], els[cut - 1 :]),  # a window cut in two
        (tuple(replace(e) for e in els[:cut]), els[cut:]),  # equal, not the screen's own
    ]
    for parts in bad:
        builder, plain = ViewBuilder(), _Forgetful()
        for _ in range(2):  # the second time from the kept parts
            builder._memo.clear()
            _same_layout(builder._fresh_layout(screen, parts), _layout(screen, 160, 6))
            _same(builder.build(screen, parts=parts), plain.build(screen))


def test_a_window_part_is_kept_per_place() -> None:
    # the same elements under a window of another kind (one that hides part of them) are
    # worked out again, and the first screen's parts still hold when it comes back
    a = _window_screen((0, 1))
    covered = replace(a, windows=(a.windows[0], replace(a.windows[1], kind="system")))
    builder = ViewBuilder()
    for screen in (a, covered, a):
        builder._memo.clear()
        _same_layout(builder._fresh_layout(screen), _layout(screen, 160, 6))


def test_a_window_drawn_again_with_one_change_shares_the_other_candidates() -> None:
    a = _screen(("Open", True), ("Title", False), ("Close", True))
    # a's elements, the last one's words changed (as a simulated phone hands them out)
    b = replace(a, elements=(*a.elements[:-1], replace(a.elements[-1], text="Close now")))
    builder, fresh = ViewBuilder(), _Forgetful()
    va = builder.build(a, parts=(a.elements,))
    _same(va, fresh.build(a))
    la = builder._layout_of(a, (a.elements,))
    _same(builder.build(b, parts=(b.elements,)), fresh.build(b))
    lb = builder._layout_of(b, (b.elements,))
    # the same elements at the same places: the very candidates of a, with their items
    assert lb.cands[0] is la.cands[0]
    assert lb.cands[-1] is not la.cands[-1]
    assert [c.made for c in lb.cands[:-1]] == [c.made for c in la.cands[:-1]]
    # a screen equal to a but of other element objects shares nothing with it
    a2 = _screen(("Open", True), ("Title", False), ("Close", True))
    _same(builder.build(a2, parts=(a2.elements,)), fresh.build(a2))
    assert not set(map(id, builder._layout_of(a2, (a2.elements,)).cands)) & set(map(id, la.cands))


def test_own_labels_from_the_memo_are_worked_out_afresh() -> None:
    # the words of elements that differ only in what the label does not read (or does: the
    # hint of an editable field) come out as _label works them out each time
    base = _el(1, 0, "", clickable=True, y=100)
    variants = [
        replace(base, text="Open", content_desc="Open the door"),
        replace(base, text="Open", content_desc="Open the door", hint="ignored"),
        replace(base, text="", hint="Search", editable=True),
        replace(base, text="", hint="Find", editable=True),
        replace(base, text="", hint="Search", editable=False),
        replace(base, text="  two \n lines ", content_desc="x"),
        replace(base, text="\ue001 icon"),
        replace(base, text="long " * 60),
    ]
    view_mod._LABELS.clear()
    for limit in (160, 12):
        for e in variants * 2:  # the second time round from the memo
            assert view_mod._own_label(e, limit) == view_mod._label(e, limit)
    assert view_mod._LABELS
