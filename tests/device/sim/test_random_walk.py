"""Random walks: never crash, always dump parseable XML, home always works."""

from __future__ import annotations

import pytest

from droidpilot.device.screen import parse_hierarchy
from droidpilot.device.sim import FaultConfig, SimDevice, SimPhone
from droidpilot.device.sim.dump import dump_u2, dump_xml, screen_of
from droidpilot.device.sim.launcher import LAUNCHER_PACKAGE
from droidpilot.device.sim.walk import random_walk
from droidpilot.types import KeyAction, Observation

from .conftest import DEMO_APPS


def _check_xml(dev: SimDevice, obs: Observation) -> None:
    if dev.phone.state.actions % 7 == 0:
        wins = dev.phone.windows()
        parsed = parse_hierarchy(dump_u2(wins))
        assert parsed.elements
        # the direct Screen (with its element caches, reused across the walk) is exactly
        # what parsing the dump gives: parents, indices, windows and all
        direct = screen_of(wins, parsed.width, parsed.height)
        assert direct.windows == parsed.windows
        assert direct.elements == parsed.elements
        assert parse_hierarchy(dump_xml(dev.phone.active_window())).elements


def _home_works(dev: SimDevice) -> None:
    dev.perform(KeyAction(key="home"))
    obs = dev.observe()
    assert obs.app == LAUNCHER_PACKAGE
    assert dev.phone.active_window().package == LAUNCHER_PACKAGE


@pytest.mark.parametrize("seed", range(12))
def test_random_walk_over_demo_apps(seed: int) -> None:
    faults = FaultConfig.from_pairs([("all", 0.05)]) if seed % 3 == 0 else None
    dev = SimDevice(
        SimPhone(seed=seed, apps=DEMO_APPS, faults=faults, lang="zh" if seed % 2 else "en")
    )
    for chunk in range(4):
        random_walk(dev, 250, seed=seed * 100 + chunk, check=_check_xml)
        _home_works(dev)


@pytest.mark.parametrize("seed", range(6))
def test_random_walk_over_all_apps(seed: int) -> None:
    faults = FaultConfig.from_pairs([("all", 0.05)]) if seed % 2 else None
    dev = SimDevice(SimPhone(seed=seed, faults=faults, lang="zh" if seed % 3 == 1 else "en"))
    for chunk in range(4):
        random_walk(dev, 250, seed=seed * 100 + chunk, check=_check_xml)
        _home_works(dev)
