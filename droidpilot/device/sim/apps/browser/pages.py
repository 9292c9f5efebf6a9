"""The browser's one page: an address bar, back/forward/bookmark buttons and a WebView whose
accessibility tree is thin (plain ``android.view.View`` nodes, links clickable)."""

from __future__ import annotations

from collections.abc import Callable

from droidpilot.device.sim.app import Ctx, Page
from droidpilot.device.sim.apps.browser.model import BrowserModel, WebPage
from droidpilot.device.sim.apps.world import Text
from droidpilot.device.sim.views import (
    MATCH,
    View,
    column,
    edit_text,
    icon_button,
    row,
    webview,
)

__all__ = ["BrowserPage"]

C = Ctx[BrowserModel]


class BrowserPage(Page[BrowserModel]):
    activity = ".BrowserActivity"

    def __init__(self, url: str = "", **_: object) -> None:
        super().__init__()
        self.url = url

    def on_start(self, ctx: C) -> None:
        if self.url:
            ctx.model.go(self.url)

    def build(self, ctx: C) -> View:
        m = ctx.model
        page = m.current
        starred = m.url in m.bookmarks
        return column(
            row(
                icon_button(
                    Text("Back", "后退"), self.back, id="back_button", enabled=m.can_back()
                ),
                icon_button(
                    Text("Forward", "前进"),
                    self.forward,
                    id="forward_button",
                    enabled=m.position < len(m.history) - 1,
                ),
                edit_text(
                    "url_bar",
                    hint=Text("Search or type web address", "搜索或输入网址"),
                    value=m.url,
                    on_submit=self.submit,
                    w=0,
                    weight=1,
                ),
                icon_button(
                    Text("Remove bookmark", "取消书签")
                    if starred
                    else Text("Bookmark this page", "添加书签"),
                    self.bookmark,
                    id="bookmark_button",
                ),
                id="toolbar",
            ),
            webview("web_content", *self.nodes(ctx, page), url=m.url),
            h=MATCH,
        )

    def nodes(self, ctx: C, page: WebPage) -> list[View]:
        out: list[View] = [View("android.view.View", text=page.title, size=11, color="#888888")]
        for b in page.blocks:
            v = View(
                "android.view.View",
                text=b.text,
                size=22 if b.kind == "h1" else 15,
                bold=b.kind == "h1",
                color="#1A0DAB" if b.kind == "link" else None,
                clickable=b.kind == "link",
                pad=6,
            )
            if b.kind == "link":
                v.on_click = self._follow(b.href)
            out.append(v)
        return out

    def _follow(self, href: str) -> Callable[[C], None]:
        def handler(ctx: C) -> None:
            self._go(ctx, href)

        return handler

    def _go(self, ctx: C, typed: str) -> None:
        url = ctx.model.go(typed)
        ctx.set_field("url_bar", url)

    def submit(self, ctx: C, typed: str) -> None:
        self._go(ctx, typed)

    def back(self, ctx: C) -> None:
        ctx.model.back()
        ctx.set_field("url_bar", ctx.model.url)

    def forward(self, ctx: C) -> None:
        ctx.model.forward()
        ctx.set_field("url_bar", ctx.model.url)

    def bookmark(self, ctx: C) -> None:
        added = ctx.model.toggle_bookmark()
        ctx.toast(
            Text("Bookmarked", "已添加书签") if added else Text("Bookmark removed", "已删除书签")
        )

    def on_back(self, ctx: C) -> bool:
        if ctx.model.can_back():
            self.back(ctx)
            return True
        return False
