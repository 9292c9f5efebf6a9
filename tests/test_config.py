from __future__ import annotations

from pathlib import Path

import pytest

from droidpilot.config import DeviceConfig, data_dir, env, parse_device
from droidpilot.errors import ConfigError, DeviceError, DroidpilotError


@pytest.mark.parametrize(
    ("spec", "kind", "serial", "network"),
    [
        (None, "sim", None, False),
        ("sim", "sim", None, False),
        ("emulator-5554", "adb", "emulator-5554", False),
        ("127.0.0.1:5555", "adb", "127.0.0.1:5555", True),
        ("phone.local:5037", "adb", "phone.local:5037", True),
    ],
)
def test_parse_device(spec: str | None, kind: str, serial: str | None, network: bool) -> None:
    cfg = parse_device(spec)
    assert (cfg.kind, cfg.serial, cfg.is_network) == (kind, serial, network)


@pytest.mark.parametrize("spec", ["a b", "1.2.3.4:70000", "x" * 300])
def test_bad_device_specs(spec: str) -> None:
    with pytest.raises(ConfigError):
        parse_device(spec)


def test_device_config_rules() -> None:
    with pytest.raises(ConfigError, match="needs a serial"):
        DeviceConfig(kind="adb")
    with pytest.raises(ConfigError, match="language"):
        parse_device("sim", lang="fr")
    assert parse_device("sim", lang="zh", seed=4) == DeviceConfig(kind="sim", lang="zh", seed=4)


def test_env_reads_only_droidpilot_vars(tmp_path: Path) -> None:
    e = env({"DROIDPILOT_DATA_DIR": str(tmp_path), "HOME": "/x", "DROIDPILOT_API_TOKENS": "a,b"})
    assert e.get("api_tokens") == "a,b"
    assert e.get("home") is None
    assert data_dir(e) == tmp_path


def test_error_tree() -> None:
    err = DeviceError("dump failed", serial="emulator-5554")
    assert str(err) == "[emulator-5554] dump failed"
    assert err.serial == "emulator-5554"
    assert isinstance(err, DroidpilotError)
