from __future__ import annotations

import pytest

from droidpilot.device.sim.apps.browser import BrowserApp
from tests.device.sim.apps.driver import Driver


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_follow_links_search_and_go_back(lang: str) -> None:
    d = Driver(seed=14, lang=lang)
    d.open("Browser")
    view = d.view()
    assert view.webview_thin or any("WebView" in it.role or it.scrollable for it in view.items)
    d.tap(d.t("City guide: Beijing", "城市指南：北京"))
    assert d.phone.read(BrowserApp).url == "https://travel.example.com/beijing"
    assert d.t("Forbidden City is closed on Mondays", "故宫博物院周一闭馆") in d.screen()
    d.type("refund", rid="url_bar", submit=True)
    d.hide_keyboard()
    d.tap(d.t("Refund rules", "退票规则"))
    assert d.phone.read(BrowserApp).url == "https://help.example.com/refunds"
    d.back()
    assert d.phone.read(BrowserApp).url.startswith("https://search.example.com/")
    d.tap(rid="bookmark_button")
    assert d.phone.read(BrowserApp).bookmarks
