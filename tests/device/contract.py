"""The contract every Device backend passes.

A backend's test module subclasses :class:`DeviceContract` and provides two fixtures:

- ``device``: an open device on its home screen (closed by the fixture afterwards);
- ``editable``: a function that brings the device to a screen with a text field and returns
  that field's view id.

The same tests then run against the in-process simulated phone, AdbDevice and U2Device (over
``droidpilot sim serve`` and the real adb server), and a real phone (marker ``device``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from droidpilot.device import Device
from droidpilot.errors import ActionFailed, DeviceError, NotSupportedError
from droidpilot.types import (
    AnswerAction,
    FinishAction,
    KeyAction,
    Observation,
    Screen,
    ScreenView,
    TapAction,
    TypeAction,
)

UNICODE_TEXT = '宫保鸡丁 x2, café "naïve" ; $(rm -rf /) `id` 🍜'

Editable = Callable[[Device], int]


class DeviceContract:
    """Subclass and provide ``device`` and ``editable`` fixtures."""

    def test_observe_returns_a_screen(self, device: Device) -> None:
        obs = device.observe()
        assert isinstance(obs, Observation)
        assert isinstance(obs.screen, Screen)
        assert isinstance(obs.view, ScreenView)
        assert obs.screen.elements, "an observation with no elements"
        assert obs.app, "observation names no app"
        assert obs.view.items, "the model's view has no items"
        assert obs.view.text.strip()
        for item in obs.view.items:
            assert item.bounds.contains(*item.tap)
            assert 0 <= item.tap[0] < obs.screen.width
            assert 0 <= item.tap[1] < obs.screen.height

    def test_tap_on_an_element_lands_on_its_centre(self, device: Device) -> None:
        obs = device.observe()
        target = next(it for it in obs.view.items if it.clickable and it.enabled)
        result = device.perform(TapAction(element=target.id))
        assert result.ok
        assert result.point == target.tap
        assert target.tap == target.bounds.center

    def test_unknown_element_is_an_action_failure(self, device: Device) -> None:
        obs = device.observe()
        missing = max(obs.view.ids, default=0) + 1000
        with pytest.raises(ActionFailed, match=str(missing)):
            device.perform(TapAction(element=missing))

    def test_home_and_back(self, device: Device, editable: Editable) -> None:
        device.perform(KeyAction(key="home"))
        home_app = device.current_app()
        editable(device)
        inside = device.current_app()
        assert inside != home_app
        for _ in range(6):
            device.perform(KeyAction(key="back"))
            if device.current_app() == home_app:
                break
        assert device.current_app() == home_app, "back never returned to the home screen"
        editable(device)
        device.perform(KeyAction(key="home"))
        assert device.current_app() == home_app

    def test_unicode_text_is_typed_and_verified(self, device: Device, editable: Editable) -> None:
        field = editable(device)
        result = device.perform(TypeAction(text=UNICODE_TEXT, element=field, clear=True))
        assert result.ok
        obs = device.observe()
        texts = [obs.screen.elements[it.element].text for it in obs.view.items if it.editable]
        assert UNICODE_TEXT in texts, f"typed text not found in fields: {texts}"

    def test_agent_only_actions_are_not_device_actions(self, device: Device) -> None:
        for action in (AnswerAction(text="42"), FinishAction(status="success")):
            with pytest.raises(NotSupportedError):
                device.perform(action)

    def test_screenshot_is_a_png_of_the_screen(self, device: Device) -> None:
        png = device.screenshot()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"

    def test_closed_device_raises_device_errors(self, device: Device) -> None:
        device.close()
        with pytest.raises(DeviceError):
            device.observe()
