"""Driving the food and wallet apps through the Device API only (observe, find, perform)."""

from __future__ import annotations

from droidpilot.device.sim import SimDevice
from droidpilot.types import (
    KeyAction,
    Observation,
    OpenAppAction,
    ScrollAction,
    TapAction,
    TypeAction,
    ViewItem,
)


def find(obs: Observation, text: str, *, role: str | None = None) -> ViewItem | None:
    for it in obs.view.items:
        if text in it.text and (role is None or it.role == role):
            return it
    return None


def find_id(obs: Observation, rid: str) -> ViewItem | None:
    for it in obs.view.items:
        if it.resource_id.endswith(f":id/{rid}"):
            return it
    return None


def need(dev: SimDevice, text: str, *, role: str | None = None) -> ViewItem:
    obs = dev.observe()
    it = find(obs, text, role=role)
    assert it is not None, f"no {text!r} on screen:\n{obs.view.text}"
    return it


def tap(dev: SimDevice, text: str, *, role: str | None = None) -> Observation:
    dev.perform(TapAction(element=need(dev, text, role=role).id))
    return dev.observe()


def tap_id(dev: SimDevice, rid: str) -> Observation:
    obs = dev.observe()
    it = find_id(obs, rid)
    assert it is not None, f"no id {rid!r} on screen:\n{obs.view.text}"
    dev.perform(TapAction(element=it.id))
    return dev.observe()


def scroll_to(dev: SimDevice, text: str, *, tries: int = 25) -> ViewItem:
    """Scroll the screen's main list down (then up) until ``text`` is on screen."""
    for direction in ("down", "up"):
        for _ in range(tries):
            obs = dev.observe()
            it = find(obs, text)
            if it is not None and it.bounds.height > 0:
                return it
            lists = [i for i in obs.view.items if i.scrollable and "categories" not in
                     i.resource_id and "tabs" not in i.resource_id]  # fmt: skip
            before = obs.view.text
            dev.perform(
                ScrollAction(
                    direction=direction,  # type: ignore[arg-type]
                    element=lists[-1].id if lists else None,
                )
            )
            if dev.observe().view.text == before:
                break
    raise AssertionError(f"{text!r} not found by scrolling:\n{dev.observe().view.text}")


def type_into(dev: SimDevice, hint_or_text: str, value: str) -> None:
    dev.perform(TypeAction(text=value, element=need(dev, hint_or_text).id))
    dev.perform(KeyAction(key="back"))  # hide the keyboard


def open_app(dev: SimDevice, name: str) -> Observation:
    dev.perform(KeyAction(key="home"))
    dev.perform(OpenAppAction(name=name))
    return dev.observe()


def enter_pin(dev: SimDevice, pin: str) -> Observation:
    for d in pin:
        tap_id(dev, f"key_{d}")
    return dev.observe()
