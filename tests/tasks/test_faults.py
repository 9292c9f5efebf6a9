"""Faults switched on by adversarial tasks, and the oracle driver getting past them through the
Device API: pop-up ads, permission prompts, ANR dialogs, expired sessions, network errors,
loading spinners, a dump that fails."""

from __future__ import annotations

import pytest

from droidpilot.device.sim import FaultConfig, SimDevice, SimPhone
from droidpilot.errors import DeviceTimeout
from droidpilot.tasks import all_specs, get
from droidpilot.tasks.adversarial import switch_faults_on
from droidpilot.tasks.oracle import Driver, interruption
from droidpilot.types import (
    Action,
    Observation,
    OpenAppAction,
    TapAction,
    WaitAction,
)


def _phone(config: FaultConfig, seed: int = 3) -> SimDevice:
    dev = SimDevice(SimPhone(seed=seed))
    dev.reset()
    switch_faults_on(dev.phone, config)
    return dev


def _rid(obs: Observation, action: Action | None) -> str:
    assert isinstance(action, TapAction)
    item = obs.view.item(action.element) if action.element is not None else None
    assert item is not None
    return item.resource_id.rsplit("/", 1)[-1]


@pytest.mark.parametrize(
    ("config", "app", "what", "rid"),
    [
        (FaultConfig(ads=1.0), "FoodGo", "ad", "ad_close"),
        (FaultConfig(permissions=1.0), "Maps", "permission",
         "permission_allow_foreground_only_button"),
        (FaultConfig(expired_login=1.0), "Travel", "login", "button1"),
        (FaultConfig(network_error=1.0), "Tickets", "network_error", "retry"),
    ],
)  # fmt: skip
def test_interruptions_are_recognised(config: FaultConfig, app: str, what: str, rid: str) -> None:
    dev = _phone(config)
    dev.perform(OpenAppAction(name=app))
    obs = dev.observe()
    found = interruption(obs)
    assert found is not None
    assert found[0] == what
    assert _rid(obs, found[1]) == rid


def test_the_topmost_interruption_goes_first_and_a_spinner_means_wait() -> None:
    dev = _phone(FaultConfig(ads=1.0, permissions=1.0))
    dev.perform(OpenAppAction(name="Maps"))
    found = interruption(dev.observe())
    assert found is not None
    assert found[0] == "ad"  # the ad is drawn above the prompt
    dev = _phone(FaultConfig(slow_load=1.0))
    dev.perform(OpenAppAction(name="MealDash"))
    found = interruption(dev.observe())
    assert found == ("loading", WaitAction(seconds=1.0))
    dev = _phone(FaultConfig())
    dev.perform(OpenAppAction(name="MealDash"))
    assert interruption(dev.observe()) is None


def test_deny_answers_the_prompt_the_other_way() -> None:
    dev = _phone(FaultConfig(permissions=1.0))
    dev.perform(OpenAppAction(name="Maps"))
    obs = dev.observe()
    found = interruption(obs, permissions="deny")
    assert found is not None
    assert _rid(obs, found[1]) == "permission_deny_button"


def test_the_driver_clears_faults_and_counts_them_as_steps() -> None:
    dev = _phone(FaultConfig(ads=1.0, permissions=1.0, anr=0.3))
    d = Driver(dev, lang="en")
    d.open("Maps")
    d.type("Museum", rid="search_box", submit=True)
    assert {"ad", "permission"} <= set(d.cleared)
    assert d.steps >= 1 + len(d.cleared)
    assert interruption(d.obs()) is None


class _FlakyDump(SimDevice):
    """A device whose first observation fails, as ``uiautomator dump`` sometimes does."""

    failed = False

    def observe(self) -> Observation:
        if not self.failed:
            self.failed = True
            raise DeviceTimeout("ERROR: could not get idle state.", serial=self.serial)
        return super().observe()


def test_the_driver_looks_again_when_a_dump_fails() -> None:
    dev = _FlakyDump(SimPhone(seed=1))
    d = Driver(dev, lang="en")
    assert d.obs().app == "com.android.launcher3"
    assert d.cleared == ["dump_fail"]
    assert d.steps == 0


def test_faults_last_one_episode() -> None:
    spec = get("FoodGoOrderDishPopupAds")
    dev = SimDevice(SimPhone())
    task = spec.instantiate(0, lang="en", phone=dev.phone)
    task.setup(dev)
    assert dev.phone.state.faults.config.ads == 1.0
    dev.reset()
    assert not dev.phone.state.faults.config.any


def test_fault_variants_cover_every_fault_named() -> None:
    tags = {t for s in all_specs() if "faults" in s.tags for t in s.tags}
    assert {"ads", "permissions", "slow_load", "network_error", "anr", "dump_fail"} <= tags
    for s in all_specs():
        if "faults" in s.tags:
            assert s.suites[0] == "adversarial"
            assert s.difficulty == "hard"
