"""The Settings app driven through the Device API (the example app of the authoring API)."""

from __future__ import annotations

import pytest

from droidpilot.device.sim import ReadOnlyError, SimDevice, SimPhone
from droidpilot.device.sim.apps.settings import SettingsApp
from droidpilot.types import KeyAction

from .helpers import find, open_app, tap_text


@pytest.fixture
def dev() -> SimDevice:
    return SimDevice(SimPhone(seed=1))


def test_launcher_icon_opens_settings(dev: SimDevice) -> None:
    obs = dev.observe()
    assert obs.app == "com.android.launcher3"
    obs = tap_text(dev, "Settings")
    assert obs.app == "com.android.settings"
    assert obs.activity == "com.android.settings/.Settings"


def test_switches_change_the_model(dev: SimDevice) -> None:
    open_app(dev, "Settings")
    tap_text(dev, "Display")
    obs = tap_text(dev, "Dark theme", role="Switch")
    assert find(obs, "Dark theme", role="Switch").checked
    assert dev.phone.read(SettingsApp).dark is True
    dev.perform(KeyAction(key="back"))
    obs = tap_text(dev, "Network")
    obs = tap_text(dev, "Use Wi-Fi")
    assert dev.phone.read(SettingsApp).wifi is False
    assert not find(obs, "Use Wi-Fi").checked
    dev.perform(KeyAction(key="back"))
    tap_text(dev, "Notifications")
    tap_text(dev, "Show notifications")
    assert dev.phone.read(SettingsApp).notifications is False


def test_language_switch_changes_every_app(dev: SimDevice) -> None:
    open_app(dev, "Settings")
    tap_text(dev, "Language")
    obs = tap_text(dev, "中文")
    assert dev.phone.lang == "zh"
    assert find(obs, "语言")
    dev.perform(KeyAction(key="back"))
    obs = dev.observe()
    assert find(obs, "网络和互联网")
    dev.perform(KeyAction(key="home"))
    obs = dev.observe()
    assert find(obs, "设置")  # the launcher's label follows the locale
    obs = open_app(dev, "设置")
    assert obs.app == "com.android.settings"


def test_navigate_up_and_back_leave_the_app(dev: SimDevice) -> None:
    open_app(dev, "Settings")
    tap_text(dev, "Display")
    obs = tap_text(dev, "Navigate up")
    assert obs.activity.endswith(".Settings")
    dev.perform(KeyAction(key="back"))
    assert dev.current_app() == "com.android.launcher3"


def test_read_is_read_only(dev: SimDevice) -> None:
    state = dev.phone.read(SettingsApp)
    with pytest.raises(ReadOnlyError):
        state.wifi = False  # type: ignore[misc]
    dev.phone.model(SettingsApp).wifi = False
    assert dev.phone.read(SettingsApp).wifi is False
