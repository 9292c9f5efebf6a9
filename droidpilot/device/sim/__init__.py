"""The simulated Android phone: system UI, apps, dumps, screenshots and its Device backend.

``SimDevice`` is the in-process backend (``open_device(DeviceConfig(kind="sim"))``);
``SimPhone`` is the phone itself (state, snapshot/restore, the task-facing ``read``). To write
an app, read :mod:`droidpilot.device.sim.app`.
"""

from __future__ import annotations

from droidpilot.device.sim.app import (
    App,
    Ctx,
    Model,
    ModelEnv,
    Page,
    Result,
    Static,
    SystemSettings,
)
from droidpilot.device.sim.device import SimDevice
from droidpilot.device.sim.faults import FaultConfig
from droidpilot.device.sim.phone import PhoneState, SimClock, SimPhone
from droidpilot.device.sim.readonly import ReadOnlyError
from droidpilot.device.sim.views import Text, View

__all__ = [
    "App",
    "Ctx",
    "FaultConfig",
    "Model",
    "ModelEnv",
    "Page",
    "PhoneState",
    "ReadOnlyError",
    "Result",
    "SimClock",
    "SimDevice",
    "SimPhone",
    "Static",
    "SystemSettings",
    "Text",
    "View",
]
