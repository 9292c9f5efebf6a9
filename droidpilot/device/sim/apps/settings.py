"""Settings: Wi-Fi, language (English / 中文), notifications and dark mode.

The smallest complete app, and the example of :mod:`droidpilot.device.sim.app`. Its model is
the phone's :class:`SystemSettings`: what it changes, the whole phone sees (the locale of every
app, Wi-Fi for apps that load over the network, the dark theme of screenshots).
"""

from __future__ import annotations

from collections.abc import Callable

from droidpilot.device.sim.app import App, Ctx, ModelEnv, Page, SystemSettings
from droidpilot.device.sim.views import (
    MATCH,
    Text,
    View,
    card,
    column,
    divider,
    radio,
    scroll,
    switch,
    text,
    toolbar,
)

__all__ = ["APP", "SettingsApp"]

Ctx_ = Ctx[SystemSettings]


def _entry(name: str, title: Text, summary: str, page: Page[SystemSettings]) -> View:
    def open_page(ctx: Ctx_) -> None:
        ctx.start(page)

    return card(
        text(title, size=17, id="title"),
        text(summary, size=13, color="#666666", id="summary"),
        id=name,
        on_click=open_page,
    )


class MainPage(Page[SystemSettings]):
    activity = ".Settings"

    def build(self, ctx: Ctx_) -> View:
        s = ctx.model
        on_off = (ctx.t("On", "已开启"), ctx.t("Off", "已关闭"))
        return column(
            toolbar(Text("Settings", "设置"), back=False),
            scroll(
                "settings_list",
                _entry(
                    "network",
                    Text("Network & internet", "网络和互联网"),
                    f"Wi-Fi: {s.wifi_network}" if s.wifi else on_off[1],
                    WifiPage(),
                ),
                divider(),
                _entry(
                    "language",
                    Text("Language", "语言"),
                    "English" if s.lang == "en" else "中文（简体）",
                    LanguagePage(),
                ),
                divider(),
                _entry(
                    "notifications",
                    Text("Notifications", "通知"),
                    on_off[0] if s.notifications else on_off[1],
                    NotificationsPage(),
                ),
                divider(),
                _entry(
                    "display",
                    Text("Display", "显示"),
                    ctx.t("Dark theme", "深色主题") + ": " + (on_off[0] if s.dark else on_off[1]),
                    DisplayPage(),
                ),
                divider(),
                text(Text("About phone", "关于手机"), size=17, id="about"),
                text("droidpilot SimPhone · Android 14", size=13, color="#666666"),
                weight=1,
            ),
            h=MATCH,
        )


class WifiPage(Page[SystemSettings]):
    activity = ".wifi.WifiSettingsActivity"

    def build(self, ctx: Ctx_) -> View:
        s = ctx.model
        return column(
            toolbar(Text("Wi-Fi", "WLAN")),
            switch("wifi_switch", Text("Use Wi-Fi", "使用 WLAN"), s.wifi, self.toggle),
            text(ctx.t("Connected", "已连接") if s.wifi else "", id="status"),
            text(s.wifi_network if s.wifi else "", size=17, id="network_name"),
            h=MATCH,
        )

    def toggle(self, ctx: Ctx_, on: bool) -> None:
        ctx.model.wifi = on


class LanguagePage(Page[SystemSettings]):
    activity = ".LanguageSettings"

    def build(self, ctx: Ctx_) -> View:
        lang = ctx.model.lang
        return column(
            toolbar(Text("Language", "语言")),
            radio("lang_en", "English (United States)", lang == "en", self.pick("en")),
            radio("lang_zh", "中文（简体）", lang == "zh", self.pick("zh")),
            h=MATCH,
        )

    @staticmethod
    def pick(lang: str) -> Callable[[Ctx_], None]:
        def handler(ctx: Ctx_) -> None:
            if ctx.model.lang != lang:
                ctx.set_locale(lang)

        return handler


class NotificationsPage(Page[SystemSettings]):
    activity = ".notification.NotificationSettings"

    def build(self, ctx: Ctx_) -> View:
        return column(
            toolbar(Text("Notifications", "通知")),
            switch(
                "notifications_switch",
                Text("Show notifications", "显示通知"),
                ctx.model.notifications,
                self.toggle,
            ),
            h=MATCH,
        )

    def toggle(self, ctx: Ctx_, on: bool) -> None:
        ctx.model.notifications = on


class DisplayPage(Page[SystemSettings]):
    activity = ".display.DisplaySettings"

    def build(self, ctx: Ctx_) -> View:
        return column(
            toolbar(Text("Display", "显示")),
            switch("dark_switch", Text("Dark theme", "深色主题"), ctx.model.dark, self.toggle),
            h=MATCH,
        )

    def toggle(self, ctx: Ctx_, on: bool) -> None:
        ctx.model.dark = on


class SettingsApp(App[SystemSettings]):
    package = "com.android.settings"
    label = Text("Settings", "设置")
    launcher = MainPage
    color = "#607D8B"

    def create_model(self, env: ModelEnv) -> SystemSettings:
        return SystemSettings()


APP = SettingsApp()
