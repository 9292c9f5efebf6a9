"""The browser (``com.droidpilot.browser``): pages in a WebView with a thin accessibility
tree; address bar, search, back/forward, bookmarks. Handles the ``view_url`` intent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from droidpilot.device.sim.app import App, ModelEnv, Page
from droidpilot.device.sim.apps.browser.model import (
    HOME_URL,
    SEARCH_URL,
    Block,
    BrowserModel,
    WebPage,
)
from droidpilot.device.sim.apps.browser.pages import BrowserPage
from droidpilot.device.sim.apps.world import Text

__all__ = [
    "APP",
    "HOME_URL",
    "PACKAGE",
    "SEARCH_URL",
    "Block",
    "BrowserApp",
    "BrowserModel",
    "WebPage",
]

PACKAGE = "com.droidpilot.browser"


class BrowserApp(App[BrowserModel]):
    package = PACKAGE
    label = Text("Browser", "浏览器")
    launcher = BrowserPage
    intents: ClassVar[Mapping[str, type[Page[Any]]]] = {"view_url": BrowserPage}
    color = "#EA4335"
    network = True

    def create_model(self, env: ModelEnv) -> BrowserModel:
        inj = env.injection("web")
        return BrowserModel.generate(Text.of(inj) if inj else None)


APP = BrowserApp()
