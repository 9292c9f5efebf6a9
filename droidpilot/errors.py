"""The one exception tree of droidpilot.

Expected outcomes (a model reply that does not parse, a task that failed) are values, not
exceptions: see ``ParseFailure`` and ``CheckResult``. Exceptions are for what stops work::

    DroidpilotError
    ├── ConfigError              bad settings, unknown backend, bad CLI/config value
    ├── ValidationError          a value that breaks a type's rules (also a ValueError)
    ├── ScreenParseError         a UI hierarchy that cannot be read at all
    ├── DeviceError              anything between us and the phone; names the serial
    │   ├── DeviceNotFound       no such serial / host:port
    │   ├── DeviceDisconnected   the connection dropped (a reconnect may help)
    │   ├── DeviceTimeout        the phone did not answer in time
    │   ├── ActionFailed         the phone refused or could not carry out an action
    │   └── NotSupportedError    the backend has no such capability (never a silent no-op)
    ├── PlannerError             the reasoning model could not give an answer
    │   ├── ModelNotFound        no weights where we looked; says how to provide them
    │   ├── BackendUnavailable   an optional dependency or a server is missing
    │   └── ModelTimeout         the model or server took too long
    └── TaskError                unknown task id, bad parameters, a broken task spec
"""

from __future__ import annotations

__all__ = [
    "ActionFailed",
    "BackendUnavailable",
    "ConfigError",
    "DeviceDisconnected",
    "DeviceError",
    "DeviceNotFound",
    "DeviceTimeout",
    "DroidpilotError",
    "ModelNotFound",
    "ModelTimeout",
    "NotSupportedError",
    "PlannerError",
    "ScreenParseError",
    "TaskError",
    "ValidationError",
]


class DroidpilotError(Exception):
    """Root of every exception droidpilot raises on purpose."""


class ConfigError(DroidpilotError):
    """A setting, flag or configuration value is wrong or missing."""


class ValidationError(DroidpilotError, ValueError):
    """A value breaks the rules of the type it was given to."""


class ScreenParseError(DroidpilotError):
    """A UI hierarchy dump that is not a hierarchy at all (says what is wrong)."""


class DeviceError(DroidpilotError):
    """Something between droidpilot and the phone failed."""

    def __init__(self, message: str, *, serial: str | None = None) -> None:
        self.serial = serial
        super().__init__(f"[{serial}] {message}" if serial else message)


class DeviceNotFound(DeviceError):
    """No device answers to the given serial or address."""


class DeviceDisconnected(DeviceError):
    """The connection to the device dropped."""


class DeviceTimeout(DeviceError):
    """The device did not answer in time."""


class ActionFailed(DeviceError):
    """The device could not carry out an action."""


class NotSupportedError(DeviceError):
    """The backend has no such capability."""


class PlannerError(DroidpilotError):
    """The reasoning model could not produce a completion."""


class ModelNotFound(PlannerError):
    """No model weights where we looked."""


class BackendUnavailable(PlannerError):
    """An optional dependency or the model server is missing or unreachable."""


class ModelTimeout(PlannerError):
    """The model or its server took too long."""


class TaskError(DroidpilotError):
    """An unknown task, bad task parameters, or a broken task spec."""
