"""Configuration: the only module that reads environment variables or config files.

Device and planner choices are plain frozen values; the CLI and the server build them from
flags and ``DROIDPILOT_*`` environment variables and hand them to ``open_device`` and the
planner factory.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal

from droidpilot.errors import ConfigError

__all__ = [
    "DeviceConfig",
    "Environment",
    "ServerSettings",
    "data_dir",
    "env",
    "is_loopback",
    "parse_device",
    "server_settings",
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


# --------------------------------------------------------------------------- the REST service

_SERVER_BACKENDS = ("oracle", "transformers", "onnx", "openai")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback name or address (``localhost``, 127.0.0.0/8, ``::1``)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerSettings:
    """Everything ``droidpilot serve`` needs; built by :func:`server_settings`.

    ``api_tokens`` are the bearer tokens the API accepts; ``auth=False`` turns checking off and
    is only allowed on a loopback ``host``. ``sim_devices`` simulated phones and the adb
    ``devices`` (serials or ``host:port``, driven with ``device_backend``) form the pool.
    ``backends`` are the planner backends a request may ask for; ``backend``/``model``/
    ``base_url`` are what a request that names none gets (``oracle`` for catalog tasks when no
    backend is configured). ``models`` are the extra model names a request may pick.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    api_tokens: tuple[str, ...] = ()
    auth: bool = True
    data_dir: Path = field(default_factory=lambda: Path("droidpilot-data"))
    db_path: Path | None = None  # default: DATA_DIR/server.sqlite3
    runs_dir: Path | None = None  # default: DATA_DIR/runs
    sim_devices: int = 1
    devices: tuple[str, ...] = ()
    device_backend: Literal["adb", "u2"] = "adb"
    backend: str | None = None
    model: str | None = None
    base_url: str | None = None
    models: tuple[str, ...] = ()
    max_body_bytes: int = 64 * 1024
    max_queue: int = 1000
    task_timeout_s: float = 900.0
    approval_timeout_s: float = 600.0
    device_retry_s: float = 30.0
    max_steps: int = 200
    spend_cap: float | None = None
    screenshots: bool = True
    cors_origins: tuple[str, ...] = ()
    sse_heartbeat_s: float = 15.0

    def __post_init__(self) -> None:
        if not 0 <= self.port < 65536:
            raise ConfigError(f"port out of range: {self.port}")
        if self.auth and not self.api_tokens:
            raise ConfigError(
                "no API tokens: set DROIDPILOT_API_TOKENS (comma-separated) or --token; "
                "or turn auth off with DROIDPILOT_AUTH=off (loopback only)"
            )
        if not self.auth and not is_loopback(self.host):
            raise ConfigError(
                f"refusing to turn auth off on {self.host}: that is only allowed on loopback "
                "(127.0.0.1, ::1, localhost)"
            )
        for token in self.api_tokens:
            if len(token) < 8 or any(c.isspace() for c in token):
                raise ConfigError("an API token needs at least 8 characters and no spaces")
        if self.sim_devices < 0 or self.sim_devices > 64:
            raise ConfigError(f"sim_devices must be 0..64, got {self.sim_devices}")
        if self.sim_devices == 0 and not self.devices:
            raise ConfigError("the device pool is empty: give sim devices or adb serials")
        if self.device_backend not in ("adb", "u2"):
            raise ConfigError(f"device backend must be adb or u2, got {self.device_backend!r}")
        for b in (*self.backends, *((self.backend,) if self.backend else ())):
            if b not in _SERVER_BACKENDS:
                raise ConfigError(f"unknown backend {b!r}; known: {', '.join(_SERVER_BACKENDS)}")
        for name, value in (
            ("max_body_bytes", self.max_body_bytes),
            ("max_queue", self.max_queue),
            ("max_steps", self.max_steps),
        ):
            if value < 1:
                raise ConfigError(f"{name} must be at least 1, got {value}")
        for name, secs in (
            ("task_timeout_s", self.task_timeout_s),
            ("approval_timeout_s", self.approval_timeout_s),
            ("device_retry_s", self.device_retry_s),
            ("sse_heartbeat_s", self.sse_heartbeat_s),
        ):
            if secs <= 0:
                raise ConfigError(f"{name} must be positive, got {secs}")
        for serial in self.devices:
            parse_device(serial)  # raises on a bad one

    @property
    def backends(self) -> tuple[str, ...]:
        """The backends a request may ask for: the oracle, and the configured one."""
        return ("oracle",) + ((self.backend,) if self.backend and self.backend != "oracle" else ())

    @property
    def database(self) -> Path:
        return self.db_path or self.data_dir / "server.sqlite3"

    @property
    def runs(self) -> Path:
        return self.runs_dir or self.data_dir / "runs"


def _flag(name: str, raw: str) -> bool:
    low = raw.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ConfigError(f"DROIDPILOT_{name}: expected on/off, got {raw!r}")


def _number(name: str, raw: str, kind: type[int] | type[float]) -> int | float:
    try:
        return kind(raw.strip())
    except ValueError:
        raise ConfigError(f"DROIDPILOT_{name}: not a number: {raw!r}") from None


def _items(raw: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in raw.split(",") if x.strip())


def server_settings(environment: Environment | None = None, **overrides: object) -> ServerSettings:
    """Server settings from ``DROIDPILOT_*`` variables, then ``overrides`` (flags) on top.

    Variables: ``API_TOKENS`` (comma-separated), ``AUTH`` (on/off), ``DATA_DIR``, ``DB``,
    ``RUNS_DIR``, ``HOST``, ``PORT``, ``SIM_DEVICES``, ``DEVICES`` (comma-separated serials or
    host:ports), ``DEVICE_BACKEND`` (adb/u2), ``BACKEND``, ``MODEL``, ``BASE_URL``, ``MODELS``,
    ``MAX_BODY_BYTES``, ``MAX_QUEUE``, ``TASK_TIMEOUT_S``, ``APPROVAL_TIMEOUT_S``,
    ``DEVICE_RETRY_S``, ``MAX_STEPS``, ``SPEND_CAP``, ``SCREENSHOTS`` (on/off),
    ``CORS_ORIGINS`` (comma-separated). An override of ``None`` is ignored.
    """
    environment = environment or env()
    values: dict[str, object] = {"data_dir": data_dir(environment)}
    get = environment.get
    texts = {"HOST": "host", "BACKEND": "backend", "MODEL": "model", "BASE_URL": "base_url",
             "DEVICE_BACKEND": "device_backend"}  # fmt: skip
    for var, key in texts.items():
        raw = get(var)
        if raw is not None and raw.strip():
            values[key] = raw.strip()
    for var, key in (("DB", "db_path"), ("RUNS_DIR", "runs_dir")):
        raw = get(var)
        if raw:
            values[key] = Path(raw).expanduser()
    for var, key in (("API_TOKENS", "api_tokens"), ("DEVICES", "devices"),
                     ("MODELS", "models"), ("CORS_ORIGINS", "cors_origins")):  # fmt: skip
        raw = get(var)
        if raw is not None:
            values[key] = _items(raw)
    ints = {"PORT": "port", "SIM_DEVICES": "sim_devices", "MAX_BODY_BYTES": "max_body_bytes",
            "MAX_QUEUE": "max_queue", "MAX_STEPS": "max_steps"}  # fmt: skip
    for var, key in ints.items():
        raw = get(var)
        if raw:
            values[key] = _number(var, raw, int)
    floats = {"TASK_TIMEOUT_S": "task_timeout_s", "APPROVAL_TIMEOUT_S": "approval_timeout_s",
              "DEVICE_RETRY_S": "device_retry_s", "SPEND_CAP": "spend_cap",
              "SSE_HEARTBEAT_S": "sse_heartbeat_s"}  # fmt: skip
    for var, key in floats.items():
        raw = get(var)
        if raw:
            values[key] = _number(var, raw, float)
    for var, key in (("AUTH", "auth"), ("SCREENSHOTS", "screenshots")):
        raw = get(var)
        if raw is not None:
            values[key] = _flag(var, raw)
    known = {f.name for f in fields(ServerSettings)}
    for key, value in overrides.items():
        if key not in known:
            raise ConfigError(f"unknown server setting {key!r}")
        if value is not None:
            values[key] = value
    try:
        return ServerSettings(**values)  # type: ignore[arg-type]
    except TypeError as exc:
        raise ConfigError(f"bad server settings: {exc}") from exc
