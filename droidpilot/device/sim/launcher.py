"""The launcher: a home screen of app icons and an app drawer with a search field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from droidpilot.device.sim.app import App, Ctx, Model, ModelEnv, Page
from droidpilot.device.sim.views import (
    MATCH,
    WRAP,
    Text,
    View,
    column,
    edit_text,
    icon_button,
    row,
    scroll,
    spacer,
    text,
    tr,
)

__all__ = ["LAUNCHER", "LAUNCHER_PACKAGE", "LauncherApp"]

LAUNCHER_PACKAGE = "com.android.launcher3"
COLUMNS = 4


@dataclass(kw_only=True)
class LauncherModel(Model):
    opened: int = 0  # how many apps were opened from the launcher


def _icon(ctx: Ctx[LauncherModel], app: App[Any], prefix: str) -> View:
    name = app.name(ctx.lang)

    def open_app(c: Ctx[LauncherModel]) -> None:
        c.model.opened += 1
        c.launch(app.package)

    v = text(
        name,
        id=f"{prefix}_{app.package.rsplit('.', 1)[-1]}",
        size=12,
        w=WRAP,
        weight=1.0,
        desc=name,
        gravity="center",
        on_click=open_app,
        lines=1,
    )
    v.role = "app_icon"
    v.bg = app.color
    v.h = 92
    return v


def _grid(ctx: Ctx[LauncherModel], apps: list[App[Any]], prefix: str) -> list[View]:
    rows: list[View] = []
    for i in range(0, len(apps), COLUMNS):
        chunk = [_icon(ctx, a, prefix) for a in apps[i : i + COLUMNS]]
        while len(chunk) < COLUMNS:
            chunk.append(spacer(1, w=WRAP, weight=1.0))
        rows.append(row(*chunk, pad=8))
    return rows


def _apps(ctx: Ctx[Any]) -> list[App[Any]]:
    return [a for a in ctx.phone.apps.values() if not a.system]


class HomePage(Page[LauncherModel]):
    activity = ".Launcher"

    def build(self, ctx: Ctx[LauncherModel]) -> View:
        apps = _apps(ctx)
        now = ctx.now
        date = now.strftime("%A, %B %-d") if ctx.lang == "en" else f"{now.month}月{now.day}日"
        return column(
            spacer(24),
            text(date, id="date", size=20, gravity="center"),
            spacer(24),
            *_grid(ctx, apps[:16], "icon"),
            spacer(1, weight=1.0),
            icon_button(
                Text("Apps list", "应用列表"), self.open_drawer, id="all_apps_handle", size=40
            ),
            h=MATCH,
            id="workspace",
        )

    def open_drawer(self, ctx: Ctx[LauncherModel]) -> None:
        ctx.start(DrawerPage())

    def on_back(self, ctx: Ctx[LauncherModel]) -> bool:
        return True  # the home screen stays

    def on_swipe(self, ctx: Ctx[LauncherModel], direction: str) -> bool:
        if direction == "up":
            ctx.start(DrawerPage())
            return True
        return False


class DrawerPage(Page[LauncherModel]):
    activity = ".Launcher"

    def build(self, ctx: Ctx[LauncherModel]) -> View:
        query = ctx.field("search_box").strip().casefold()
        apps = _apps(ctx)
        if query:
            apps = [
                a
                for a in apps
                if query in a.name("en").casefold() or query in a.name("zh") or query in a.package
            ]
        return column(
            edit_text("search_box", hint=Text("Search apps", "搜索应用")),
            scroll(
                "apps_list_view",
                *_grid(ctx, apps, "drawer"),
                text(Text("No apps found", "未找到应用"), gravity="center") if not apps else None,
                weight=1.0,
            ),
            h=MATCH,
            bg="@surface",
        )

    def on_swipe(self, ctx: Ctx[LauncherModel], direction: str) -> bool:
        if direction == "down":
            ctx.finish()
            return True
        return False


class LauncherApp(App[LauncherModel]):
    package = LAUNCHER_PACKAGE
    label = Text("Launcher", "桌面")
    launcher = HomePage
    system = True

    def create_model(self, env: ModelEnv) -> LauncherModel:
        return LauncherModel()


LAUNCHER = LauncherApp()


def app_by_name(apps: dict[str, App[Any]], name: str) -> App[Any] | None:
    """The app a user means by ``name``: its package, or its label in either language."""
    key = name.strip().casefold()
    if key in apps:
        return apps[key]
    for app in apps.values():
        if app.system:
            continue
        labels = (tr(app.label, "en").casefold(), tr(app.label, "zh").casefold())
        if key in labels:
            return app
    for app in apps.values():
        if app.system:
            continue
        if any(key and key in lab for lab in (tr(app.label, "en").casefold(), tr(app.label, "zh"))):
            return app
    return None
