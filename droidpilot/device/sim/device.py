"""SimDevice: the in-process Device backend over a :class:`SimPhone`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import assert_never

from droidpilot.config import DeviceConfig
from droidpilot.device._construct import slot_maker
from droidpilot.device.base import ActionResult, resolve_point, scroll_vector
from droidpilot.device.screen import ViewBuilder, parse_hierarchy
from droidpilot.device.sim.dump import dump_u2, dump_xml, screen_parts
from droidpilot.device.sim.faults import FaultConfig
from droidpilot.device.sim.phone import SimClock, SimPhone
from droidpilot.device.sim.window import Window
from droidpilot.errors import ActionFailed, DeviceDisconnected, DeviceTimeout, NotSupportedError
from droidpilot.types import (
    Action,
    AnswerAction,
    AskUserAction,
    FinishAction,
    KeyAction,
    LongPressAction,
    Observation,
    OpenAppAction,
    RememberAction,
    ScreenView,
    ScrollAction,
    SwipeAction,
    TapAction,
    TypeAction,
    WaitAction,
)

__all__ = ["SimDevice"]

logger = logging.getLogger(__name__)

# an Observation checks nothing on construction: this builds one without keyword binding
_observation = slot_maker(
    Observation,
    ("screen", "view", "app", "activity", "keyboard", "ts", "hierarchy_xml", "screenshot"),
)


class SimDevice:
    """The simulated phone as a :class:`~droidpilot.device.Device` (thousands of steps/s).

    ``observe()`` builds the ``Screen`` straight from the view tree (every window, as the
    uiautomator2 dump shows them); with ``via_xml=True`` it goes through the u2 XML and the
    screen parser instead, as a real backend does. ``hierarchy_xml`` is filled only with
    ``keep_xml=True`` (it costs a serialisation per step).
    """

    def __init__(
        self,
        phone: SimPhone | None = None,
        *,
        serial: str = "sim",
        via_xml: bool = False,
        keep_xml: bool = False,
    ) -> None:
        self.phone = phone or SimPhone()
        self.serial = serial
        self.via_xml = via_xml
        self.keep_xml = keep_xml
        self.builder = ViewBuilder()
        self._view: ScreenView | None = None
        self._closed = False

    @classmethod
    def from_config(cls, config: DeviceConfig) -> SimDevice:
        phone = SimPhone(
            seed=config.seed,
            lang=config.lang,
            width=config.width,
            height=config.height,
            density=config.density,
            faults=FaultConfig.from_pairs(config.faults),
            clock=SimClock(),
        )
        return cls(phone, serial=config.serial or "sim")

    # ------------------------------------------------------------------ Device
    def _check(self) -> None:
        if self._closed:
            raise DeviceDisconnected("the simulated phone is closed", serial=self.serial)

    def observe(self) -> Observation:
        self._check()
        phone = self.phone
        if phone.take_dump_failure():
            logger.debug("dump failed once (could not get idle state): retrying")
        windows = phone.windows()
        xml = ""
        parts = None
        if self.via_xml:
            xml = dump_u2(windows)
            screen = parse_hierarchy(xml)
        else:
            screen, parts = screen_parts(windows, phone.width, phone.height)
            if self.keep_xml:
                xml = dump_u2(windows)
        activity = phone.current_activity()
        keyboard = phone.keyboard_shown()
        view = self.builder.build(screen, activity=activity, keyboard=keyboard, parts=parts)
        self._view = view
        obs = _observation(
            screen,
            view,
            phone.current_package(),
            activity,
            keyboard,
            phone.clock.now().timestamp(),
            xml,
            self._lazy_png(windows),
        )
        phone.observed()
        return obs

    def _lazy_png(self, windows: list[Window]) -> Callable[[], bytes]:
        """The screenshot of ``windows`` (this frame's), drawn only when asked for."""
        dark = self.phone.state.settings.dark
        size = (self.phone.width, self.phone.height)

        def shot() -> bytes:
            from droidpilot.device.sim.render import render_png

            return render_png(windows, size, dark=dark)

        return shot

    def dump(self, *, all_windows: bool = False) -> str:
        """The hierarchy XML: classic (active window) or uiautomator2's (all windows).

        Raises ``DeviceTimeout`` once when the dump-failure fault is pending, with the message
        the real ``uiautomator dump`` prints.
        """
        self._check()
        if self.phone.take_dump_failure():
            raise DeviceTimeout("ERROR: could not get idle state.", serial=self.serial)
        if all_windows:
            return dump_u2(self.phone.windows())
        return dump_xml(self.phone.active_window())

    def perform(self, action: Action) -> ActionResult:
        self._check()
        phone = self.phone
        match action:
            case TapAction():
                point = resolve_point(action, self._view, serial=self.serial)
                assert point is not None
                self._in_screen(point)
                phone.tap(*point)
                return ActionResult(point=point)
            case LongPressAction():
                point = resolve_point(action, self._view, serial=self.serial)
                assert point is not None
                self._in_screen(point)
                phone.long_press(*point)
                return ActionResult(point=point)
            case TypeAction():
                point = resolve_point(action, self._view, serial=self.serial)
                if point is not None:
                    phone.tap(*point)
                try:
                    phone.input_text(action.text, clear=action.clear)
                except ActionFailed as exc:
                    raise ActionFailed(str(exc), serial=self.serial) from exc
                if action.submit:
                    phone.key("enter")
                return ActionResult(point=point)
            case ScrollAction():
                area = (0, phone.status_h, phone.width, phone.height - phone.nav_h)
                if action.element is not None:
                    item = self._view.item(action.element) if self._view else None
                    if item is None:
                        resolve_point(action, self._view, serial=self.serial)
                    else:
                        b = item.bounds
                        area = (b.x1, b.y1, b.x2, b.y2)
                x1, y1, x2, y2 = scroll_vector(action.direction, area)
                phone.swipe(x1, y1, x2, y2)
                return ActionResult()
            case SwipeAction():
                for x, y in ((action.x1, action.y1), (action.x2, action.y2)):
                    self._in_screen((x, y))
                phone.swipe(action.x1, action.y1, action.x2, action.y2)
                return ActionResult()
            case KeyAction():
                phone.key(action.key)
                return ActionResult()
            case OpenAppAction():
                pkg = phone.open_app(action.name)
                return ActionResult(message=pkg)
            case WaitAction():
                phone.wait(action.seconds)
                return ActionResult()
            case RememberAction() | AnswerAction() | AskUserAction() | FinishAction():
                raise NotSupportedError(
                    f"{action.kind} is an agent action, not a device action", serial=self.serial
                )
            case _:
                assert_never(action)

    def _in_screen(self, point: tuple[int, int]) -> None:
        x, y = point
        if not (0 <= x < self.phone.width and 0 <= y < self.phone.height):
            raise ActionFailed(
                f"point ({x}, {y}) is outside the {self.phone.width}x{self.phone.height} screen",
                serial=self.serial,
            )

    def current_app(self) -> str:
        self._check()
        return self.phone.current_package()

    def shell(self, cmd: str) -> str:
        self._check()
        raise NotSupportedError(
            "the in-process simulated phone has no shell yet "
            "(use `droidpilot sim serve` and an adb backend)",
            serial=self.serial,
        )

    def screenshot(self) -> bytes:
        self._check()
        from droidpilot.device.sim.render import render_png

        return render_png(
            self.phone.windows(),
            (self.phone.width, self.phone.height),
            dark=self.phone.state.settings.dark,
        )

    def reset(self) -> None:
        self._check()
        self.phone.reset()
        self.builder.reset()
        self._view = None

    def close(self) -> None:
        self._closed = True
