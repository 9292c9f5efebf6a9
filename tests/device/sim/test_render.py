"""Screenshots agree with the tree: every clickable element is inside and drawn."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from droidpilot.device.sim import SimDevice
from droidpilot.device.sim.render import font_path
from droidpilot.types import TapAction

from .conftest import demo_phone
from .helpers import find, open_app


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_clickable_elements_are_drawn_inside_their_bounds(lang: str) -> None:
    dev = SimDevice(demo_phone(2, lang=lang))
    for app in (None, "Shop", "Settings"):
        obs = open_app(dev, app) if app else dev.observe()
        png = dev.screenshot()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        img = Image.open(io.BytesIO(png)).convert("RGB")
        assert img.size == (1080, 2400)
        bg = img.getpixel((1079, 1200))
        for e in obs.screen.elements:
            if not (e.clickable and e.label):
                continue
            b = e.bounds
            assert 0 <= b.x1 < b.x2 <= img.width
            assert 0 <= b.y1 < b.y2 <= img.height
            crop = img.crop((b.x1, b.y1, b.x2, b.y2))
            colors = crop.getcolors(maxcolors=1 << 20) or []
            assert any(c != bg for _, c in colors), f"nothing drawn for {e.label!r} at {b}"


def test_cjk_font_is_installed() -> None:
    path = font_path()
    assert path is not None
    assert "dejavu" not in path.lower(), "install fonts-wqy-zenhei (or fonts-noto-cjk)"


def test_keyboard_and_dialog_render() -> None:
    dev = SimDevice(demo_phone(2))
    obs = open_app(dev, "Shop")
    dev.perform(TapAction(element=find(obs, "Search items").id))
    dev.observe()
    img = Image.open(io.BytesIO(dev.screenshot())).convert("RGB")
    assert len(img.crop((0, 1800, 1080, 2300)).getcolors(1 << 20) or []) > 2
