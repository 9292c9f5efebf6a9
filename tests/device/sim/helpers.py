"""Helpers for driving the simulated phone through the Device API only."""

from __future__ import annotations

from droidpilot.device.sim import SimDevice
from droidpilot.types import KeyAction, Observation, OpenAppAction, TapAction, ViewItem


def find(obs: Observation, text: str, *, role: str | None = None) -> ViewItem:
    """The first item whose words contain ``text`` (and whose role is ``role``)."""
    for it in obs.view.items:
        if text in it.text and (role is None or it.role == role):
            return it
    raise AssertionError(f"no item with {text!r} on screen:\n{obs.view.text}")


def tap_text(dev: SimDevice, text: str, *, role: str | None = None) -> Observation:
    obs = dev.observe()
    dev.perform(TapAction(element=find(obs, text, role=role).id))
    return dev.observe()


def open_app(dev: SimDevice, name: str) -> Observation:
    dev.perform(KeyAction(key="home"))
    dev.perform(OpenAppAction(name=name))
    return dev.observe()
