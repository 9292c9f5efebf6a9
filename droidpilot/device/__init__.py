"""The phone: seeing it (uiautomator hierarchies) and touching it (actions).

``open_device(config)`` picks the backend from the config's kind; heavy imports stay inside
the branch that needs them.
"""

from __future__ import annotations

from droidpilot.config import DeviceConfig
from droidpilot.device.base import ActionResult, Device, resolve_point, wait_for_settle
from droidpilot.device.screen import parse_hierarchy
from droidpilot.device.view import ViewBuilder, render_screen
from droidpilot.errors import ConfigError

__all__ = [
    "ActionResult",
    "Device",
    "ViewBuilder",
    "open_device",
    "parse_hierarchy",
    "render_screen",
    "resolve_point",
    "wait_for_settle",
]


def open_device(config: DeviceConfig) -> Device:
    """Open the device a config names."""
    match config.kind:
        case "sim":
            from droidpilot.device.sim import SimDevice

            return SimDevice.from_config(config)
        case "adb":
            from droidpilot.device.adb import AdbDevice

            return AdbDevice.from_config(config)
        case "u2":
            from droidpilot.device.u2 import U2Device

            return U2Device.from_config(config)
    raise ConfigError(f"unknown device kind {config.kind!r}")
