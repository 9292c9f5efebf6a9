"""Configuration: the only module that reads environment variables or config files.

Device and planner choices are plain frozen values; the CLI and the server build them from
flags and ``DROIDPILOT_*`` environment variables and hand them to ``open_device`` and the
planner factory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from droidpilot.errors import ConfigError

__all__ = [
    "DeviceConfig",
    "Environment",
    "data_dir",
    "env",
    "parse_device",
]

DeviceKind = Literal["sim", "adb", "u2"]
_HOSTPORT = re.compile(r"^(?P<host>[A-Za-z0-9_.\-]+|\[[0-9a-fA-F:]+\]):(?P<port>\d{1,5})$")


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceConfig:
    """Which phone to drive and how.

    ``kind="sim"`` is the built-in simulated phone (in-process). ``adb`` and ``u2`` drive a
    real phone, an emulator or ``droidpilot sim serve`` through adbutils or uiautomator2;
    ``serial`` is an adb serial or ``host:port`` (connected with ``adb connect`` first).
    """

    kind: DeviceKind = "sim"
    serial: str | None = None
    seed: int = 0
    lang: Literal["en", "zh"] = "en"
    width: int = 1080
    height: int = 2400
    density: int = 440
    settle_timeout_s: float = 3.0
    faults: tuple[tuple[str, float], ...] = ()
    adb_host: str = "127.0.0.1"
    adb_port: int = 5037

    def __post_init__(self) -> None:
        if self.kind not in ("sim", "adb", "u2"):
            raise ConfigError(f"unknown device kind {self.kind!r}; use sim, adb or u2")
        if self.kind != "sim" and not self.serial:
            raise ConfigError(f"device kind {self.kind!r} needs a serial or host:port")
        if self.lang not in ("en", "zh"):
            raise ConfigError(f"unknown language {self.lang!r}; use en or zh")
        if self.width <= 0 or self.height <= 0:
            raise ConfigError(f"screen size must be positive, got {self.width}x{self.height}")

    @property
    def is_network(self) -> bool:
        return bool(self.serial and _HOSTPORT.match(self.serial))


def parse_device(
    spec: str | None, *, backend: DeviceKind = "adb", seed: int = 0, lang: str = "en"
) -> DeviceConfig:
    """Turn a ``--device`` value into a config: ``sim``, an adb serial, or ``host:port``."""
    if lang not in ("en", "zh"):
        raise ConfigError(f"unknown language {lang!r}; use en or zh")
    language: Literal["en", "zh"] = "zh" if lang == "zh" else "en"
    if spec is None or spec.strip() in ("", "sim"):
        return DeviceConfig(kind="sim", seed=seed, lang=language)
    spec = spec.strip()
    if any(c.isspace() for c in spec) or len(spec) > 200:
        raise ConfigError(f"not a device serial or host:port: {spec!r}")
    match = _HOSTPORT.match(spec)
    if match and not 0 < int(match["port"]) < 65536:
        raise ConfigError(f"port out of range in {spec!r}")
    return DeviceConfig(kind=backend, serial=spec, seed=seed, lang=language)


@dataclass(frozen=True, slots=True, kw_only=True)
class Environment:
    """The ``DROIDPILOT_*`` variables, read once."""

    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.values.get(f"DROIDPILOT_{name.upper()}", default)


def env(source: Mapping[str, str] | None = None) -> Environment:
    """Snapshot the ``DROIDPILOT_*`` variables (of ``os.environ`` unless given)."""
    src = os.environ if source is None else source
    return Environment(values={k: v for k, v in src.items() if k.startswith("DROIDPILOT_")})


def data_dir(environment: Environment | None = None) -> Path:
    """Where droidpilot keeps its data: ``DROIDPILOT_DATA_DIR`` or ``~/.local/share/droidpilot``."""
    environment = environment or env()
    raw = environment.get("DATA_DIR")
    if raw:
        return Path(raw).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "droidpilot"
