"""SimDevice passes the Device contract, with the real apps and from a config."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from droidpilot.config import DeviceConfig
from droidpilot.device import Device, open_device
from droidpilot.device.sim import SimDevice
from droidpilot.types import KeyAction, OpenAppAction

from ..contract import DeviceContract
from .conftest import demo_phone


class TestSimDeviceContract(DeviceContract):
    @pytest.fixture
    def device(self) -> Iterator[Device]:
        dev = SimDevice(demo_phone(7))
        yield dev
        dev.close()

    @pytest.fixture
    def editable(self) -> object:
        def go(dev: Device) -> int:
            dev.perform(KeyAction(key="home"))
            dev.perform(OpenAppAction(name="Shop"))
            obs = dev.observe()
            return next(it.id for it in obs.view.items if it.editable)

        return go


def test_open_device_builds_a_sim_from_config() -> None:
    dev = open_device(DeviceConfig(kind="sim", seed=3, lang="zh", faults=(("ads", 0.0),)))
    assert isinstance(dev, SimDevice)
    assert dev.phone.lang == "zh"
    assert dev.observe().app == "com.android.launcher3"
