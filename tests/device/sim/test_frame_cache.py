"""The phone reuses the windows it built while nothing they are drawn from changed, and builds
them again whenever something did: a handler, typing, scrolling, a toast fading, the clock, a
model changed through ``phone.model()``, a fault, a restore. A window drawn again alike gives
its elements as the very tuple of last time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from droidpilot.device.sim import FaultConfig, SimDevice, SimPhone
from droidpilot.device.sim.app import App, Ctx, Model, ModelEnv, Page
from droidpilot.device.sim.dump import screen_of, screen_parts
from droidpilot.device.sim.views import (
    View,
    button,
    column,
    edit_text,
    scroll,
    text,
)
from droidpilot.device.sim.window import Window
from droidpilot.types import (
    KeyAction,
    LongPressAction,
    Observation,
    OpenAppAction,
    ScrollAction,
    TapAction,
    TypeAction,
)

PKG = "com.example.counter"


@dataclass(kw_only=True)
class CounterModel(Model):
    count: int = 0
    note: str = "first"


class CounterPage(Page[CounterModel]):
    activity = ".Main"

    def __init__(self) -> None:
        super().__init__()
        self.builds = 0

    def build(self, ctx: Ctx[CounterModel]) -> View:
        self.builds += 1
        m = ctx.model
        return column(
            text(f"Count {m.count}", id="count"),
            text(f"Note {m.note}", id="note"),
            text(f"Time {ctx.now:%H:%M}", id="time"),
            button("Add", self.add, id="add"),
            button("Nothing", None, id="nothing"),
            button("Toast", lambda c: c.toast("Hello toast"), id="toast"),
            edit_text("name", hint="Name"),
            scroll("rows", *[text(f"Row {i}", id=f"row{i}") for i in range(60)], weight=1.0),
            h=-1,
        )

    def add(self, ctx: Ctx[CounterModel]) -> None:
        ctx.model.count += 1


class CounterApp(App[CounterModel]):
    package = PKG
    label = "Counter"
    launcher = CounterPage

    def create_model(self, env: ModelEnv) -> CounterModel:
        return CounterModel()


COUNTER = CounterApp()


def _start(**kw: object) -> tuple[SimDevice, Observation]:
    dev = SimDevice(SimPhone(apps=(COUNTER,), **kw))  # type: ignore[arg-type]
    dev.perform(OpenAppAction(name="Counter"))
    return dev, dev.observe()


def _app_window(dev: SimDevice) -> Window:
    return next(w for w in dev.phone.windows() if w.kind == "app")


def _item(obs: Observation, words: str) -> int:
    return next(it.id for it in obs.view.items if words in it.text)


def _page(dev: SimDevice) -> CounterPage:
    page = dev.phone.top_page()
    assert isinstance(page, CounterPage)
    return page


def test_a_tap_that_changes_nothing_reuses_the_windows() -> None:
    dev, obs = _start()
    win = _app_window(dev)
    builds = _page(dev).builds
    dev.perform(TapAction(element=_item(obs, "Nothing")))  # a button without a handler
    dev.perform(LongPressAction(element=_item(obs, "Add")))  # no long-click handler
    obs2 = dev.observe()
    assert _app_window(dev) is win
    assert _page(dev).builds == builds
    assert obs2.screen == obs.screen
    assert obs2.view.diff is not None
    assert obs2.view.diff.same_screen


def test_a_handler_that_changes_state_rebuilds() -> None:
    dev, obs = _start()
    win = _app_window(dev)
    dev.perform(TapAction(element=_item(obs, "Add")))
    obs2 = dev.observe()
    assert _app_window(dev) is not win
    assert "Count 1" in obs2.view.text
    assert dev.phone.read(CounterApp).count == 1


def test_typing_rebuilds_and_focusing_the_focused_field_does_not() -> None:
    dev, obs = _start()
    field = next(it.id for it in obs.view.items if it.editable)
    dev.perform(TypeAction(text="Ada", element=field))
    obs2 = dev.observe()
    assert any(it.editable and it.text == "Ada" for it in obs2.view.items)
    assert obs2.keyboard
    win = _app_window(dev)
    field2 = next(it.id for it in obs2.view.items if it.editable)
    dev.perform(TapAction(element=field2))  # already focused: nothing to draw again
    assert _app_window(dev) is win
    dev.perform(KeyAction(key="back"))  # hides the keyboard only
    obs3 = dev.observe()
    assert _app_window(dev) is win
    assert not obs3.keyboard
    dev.perform(TypeAction(text="!", element=field2, clear=False))
    obs4 = dev.observe()
    assert _app_window(dev) is not win
    assert any(it.editable and it.text == "Ada!" for it in obs4.view.items)


def test_scrolling_rebuilds_and_scrolling_past_the_end_does_not() -> None:
    dev, obs = _start()
    rows = next(it.id for it in obs.view.items if it.scrollable)
    win = _app_window(dev)
    dev.perform(ScrollAction(direction="down", element=rows))
    obs2 = dev.observe()
    assert _app_window(dev) is not win
    assert obs2.screen != obs.screen
    assert "Row 0" not in obs2.view.text
    dev.perform(ScrollAction(direction="up", element=rows))
    dev.perform(ScrollAction(direction="up", element=rows))
    obs3 = dev.observe()
    assert "Row 0" in obs3.view.text
    win = _app_window(dev)
    dev.perform(ScrollAction(direction="up", element=rows))  # already at the top
    dev.observe()
    assert _app_window(dev) is win


def test_a_toast_fades_while_the_app_window_stays() -> None:
    dev, obs = _start()
    dev.perform(TapAction(element=_item(obs, "Toast")))
    shown = 0
    win: Window | None = None
    while True:
        obs = dev.observe()
        if not any(e.text == "Hello toast" for e in obs.screen.elements):
            break
        shown += 1
        if win is None:
            win = _app_window(dev)
        assert _app_window(dev) is win  # the toast fading does not draw the app again
    assert shown == SimPhone.TOAST_FRAMES
    assert _app_window(dev) is win
    assert not any(w.kind == "toast" for w in dev.phone.windows())


def test_the_clock_moving_rebuilds() -> None:
    dev, obs = _start()
    assert "Time 09:30" in obs.view.text
    dev.phone.wait(120)
    obs2 = dev.observe()
    assert "Time 09:32" in obs2.view.text
    assert any(e.text == "9:32" for e in obs2.screen.elements)  # the status bar clock
    # a clock set from outside shows once the screen is drawn again (after any action,
    # even one that changes nothing)
    dev.phone.clock.set(dt.datetime(2025, 3, 14, 18, 5))
    dev.perform(TapAction(element=_item(obs2, "Nothing")))
    obs3 = dev.observe()
    assert "Time 18:05" in obs3.view.text


def test_a_model_changed_through_phone_model_rebuilds() -> None:
    dev, _ = _start()
    win = _app_window(dev)
    dev.phone.model(CounterApp).note = "second"
    obs2 = dev.observe()
    assert "Note second" in obs2.view.text
    assert _app_window(dev) is not win
    # and a model changed through phone.model() before a no-op action
    dev.phone.model(CounterApp).count = 41
    dev.perform(TapAction(element=_item(obs2, "Nothing")))
    assert "Count 41" in dev.observe().view.text


def test_a_fault_after_a_no_op_action_shows() -> None:
    dev, obs = _start(faults=FaultConfig(anr=1.0))
    # launching rolled no ANR (it is rolled after actions): a no-op tap now brings one
    assert not any(w.kind == "dialog" for w in dev.phone.windows())
    dev.perform(TapAction(element=_item(obs, "Nothing")))
    obs2 = dev.observe()
    assert any(w.kind == "dialog" for w in dev.phone.windows())
    assert "isn't responding" in obs2.view.text or "没有响应" in obs2.view.text


def test_restore_and_locale_rebuild() -> None:
    dev, obs = _start()
    snap = dev.phone.snapshot()
    dev.perform(TapAction(element=_item(obs, "Add")))
    assert "Count 1" in dev.observe().view.text
    dev.phone.restore(snap)
    obs2 = dev.observe()
    assert "Count 0" in obs2.view.text
    # the restored page's own windows, not the ones of before the snapshot
    assert _app_window(dev).page is dev.phone.top_page()
    dev.perform(TapAction(element=_item(obs2, "Add")))
    assert "Count 1" in dev.observe().view.text
    assert dev.phone.read(CounterApp).count == 1
    dev.phone.set_locale("zh")
    dev.observe()
    assert dev.phone.lang == "zh"


def test_offline_retry_changes_nothing_and_online_retry_reloads() -> None:
    phone = SimPhone(apps=(COUNTER,))
    dev = SimDevice(phone)
    dev.perform(OpenAppAction(name="Counter"))
    page = phone.top_page()
    phone.state.settings.wifi = False
    page.frame.error = True
    phone.changed()
    obs = dev.observe()
    retry = _item(obs, "Retry")
    win = _app_window(dev)
    dev.perform(TapAction(element=retry))
    obs2 = dev.observe()
    assert _app_window(dev) is win
    assert page.frame.error
    phone.state.settings.wifi = True
    phone.changed()  # setup that touches the state marks the screen stale
    dev.perform(TapAction(element=_item(obs2, "Retry")))
    obs3 = dev.observe()
    assert not page.frame.error
    assert "Retry" not in obs3.view.text


def test_a_window_drawn_again_alike_gives_its_elements_as_the_same_tuple() -> None:
    # what the ViewBuilder knows windows by (ViewBuilder.build's ``parts``)
    dev, obs = _start()
    phone = dev.phone
    screen, parts = screen_parts(phone.windows(), phone.width, phone.height)
    assert screen == screen_of(phone.windows(), phone.width, phone.height) == obs.screen
    assert sum(parts, ()) == screen.elements
    assert [p[0].window for p in parts] == list(range(len(screen.windows)))
    win = _app_window(dev)
    phone.changed()  # drawn anew, and alike
    screen2, parts2 = screen_parts(phone.windows(), phone.width, phone.height)
    assert _app_window(dev) is not win
    assert screen2 == screen
    assert all(a is b for a, b in zip(parts2, parts, strict=True))
    dev.perform(TapAction(element=_item(obs, "Add")))  # the app window changes: a new part
    screen3, parts3 = screen_parts(phone.windows(), phone.width, phone.height)
    app = next(i for i, w in enumerate(screen3.windows) if w.kind == "app")
    assert parts3[app] is not parts[app]
    assert sum(parts3, ()) == screen3.elements
    assert parts3[0] is parts[0]  # the status bar: the same window, the same part
