"""AdbDevice and U2Device pass the Device contract against `droidpilot sim serve`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from droidpilot.device import Device
from droidpilot.device.adb import AdbDevice
from droidpilot.device.u2 import U2Device
from droidpilot.types import OpenAppAction
from tests.device.adb.conftest import AdbEnv
from tests.device.contract import DeviceContract, Editable

FOOD = "com.droidpilot.foodgo"


def _editable(device: Device) -> int:
    device.perform(OpenAppAction(name=FOOD))
    obs = device.observe()
    return next(it.id for it in obs.view.items if it.editable)


class TestAdbDeviceContract(DeviceContract):
    @pytest.fixture
    def device(self, adb_env: AdbEnv, serial: str) -> Iterator[Device]:
        d = AdbDevice(serial, port=adb_env.port)
        yield d
        d.close()

    @pytest.fixture
    def editable(self) -> Editable:
        return _editable


class TestU2DeviceContract(DeviceContract):
    @pytest.fixture
    def device(self, adb_env: AdbEnv, serial: str) -> Iterator[Device]:
        d = U2Device(serial, port=adb_env.port)
        yield d
        d.close()

    @pytest.fixture
    def editable(self) -> Editable:
        return _editable
