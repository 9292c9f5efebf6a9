from __future__ import annotations

import pytest

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.device.sim.apps.settings import APP as SETTINGS

from .demo_apps import NOTES, PAY, SHOP

DEMO_APPS = (SETTINGS, SHOP, PAY, NOTES)


def demo_phone(seed: int = 0, **kw: object) -> SimPhone:
    return SimPhone(seed=seed, apps=DEMO_APPS, **kw)  # type: ignore[arg-type]


@pytest.fixture
def phone() -> SimPhone:
    return demo_phone()


@pytest.fixture
def dev(phone: SimPhone) -> SimDevice:
    return SimDevice(phone)
