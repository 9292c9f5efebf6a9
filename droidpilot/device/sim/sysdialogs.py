"""System overlays: recents, share chooser, permission prompt, ANR, pop-up ad, expired login."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from droidpilot.device.sim.launcher import LAUNCHER_PACKAGE
from droidpilot.device.sim.views import (
    MATCH,
    WRAP,
    Text,
    View,
    button,
    card,
    column,
    dialog,
    frame,
    icon_button,
    image,
    row,
    scroll,
    spacer,
    text,
)

if TYPE_CHECKING:
    from droidpilot.device.sim.app import Ctx
    from droidpilot.device.sim.phone import SimPhone, SysOverlay

__all__ = ["build", "cancel"]

PERMISSION_PACKAGE = "com.google.android.permissioncontroller"
_PERM = {
    "location": Text("access this device's location", "获取此设备的位置信息"),
    "camera": Text("take pictures and record video", "拍摄照片和录制视频"),
    "contacts": Text("access your contacts", "访问您的通讯录"),
    "notifications": Text("send you notifications", "向您发送通知"),
    "sms": Text("send and view SMS messages", "发送和查看短信"),
    "calendar": Text("access your calendar", "访问您的日历"),
}
_ADS = (
    Text("Limited offer! 50% off everything today", "限时优惠！今日全场五折"),
    Text("You won a free phone! Claim it now", "恭喜您获得免费手机！立即领取"),
    Text("Install SuperCleaner: your phone is slow", "安装超级清理：您的手机运行缓慢"),
)

Build = tuple[View, str, str, Callable[[], None] | None]


def _label(phone: SimPhone, package: str) -> str:
    app = phone.apps.get(package)
    return app.name(phone.lang) if app is not None else package


def cancel(phone: SimPhone, sov: SysOverlay) -> bool:
    """What back does to a system overlay; False where back does nothing (it stays)."""
    if sov.kind == "login":
        return False
    if sov.kind == "permission":
        phone.answer_permission(sov, False)
        return True
    if sov in phone.state.sys:
        phone.state.sys.remove(sov)
    return True


def build(phone: SimPhone, sov: SysOverlay) -> Build:
    """The overlay's view, its placement (full, dialog, sheet), package and outside-tap."""
    st = phone.state

    def close(c: Ctx[Any] | None = None) -> None:
        if sov in st.sys:
            st.sys.remove(sov)

    def close0() -> None:
        close(None)

    name = _label(phone, sov.package)
    if sov.kind == "recents":
        return _recents(phone, sov), "full", LAUNCHER_PACKAGE, None
    if sov.kind == "chooser":
        return _chooser(phone, sov, close), "sheet", "android", close0
    if sov.kind == "permission":
        perm = str(sov.args.get("permission", ""))
        words = _PERM.get(perm, Text(f"use {perm}", f"使用{perm}"))
        msg = (
            f"Allow {name} to {words.en}?"
            if phone.lang == "en"
            else f"要允许“{name}”{words.zh}吗？"
        )

        def answer(granted: bool) -> Callable[[Ctx[Any]], None]:
            def go(c: Ctx[Any]) -> None:
                phone.answer_permission(sov, granted)

            return go

        v = column(
            text(msg, id="permission_message", size=18, gravity="center"),
            button(
                Text("While using the app", "使用该应用时允许"),
                answer(True),
                id="permission_allow_foreground_only_button",
                primary=False,
            ),
            button(
                Text("Only this time", "仅限这一次"),
                answer(True),
                id="permission_allow_one_time_button",
                primary=False,
            ),
            button(
                Text("Don't allow", "不允许"),
                answer(False),
                id="permission_deny_button",
                primary=False,
            ),
            id="grant_dialog",
            pad=16,
            bg="@dialog",
        )
        return frame(v), "dialog", PERMISSION_PACKAGE, None
    if sov.kind == "anr":

        def close_app(c: Ctx[Any]) -> None:
            close(c)
            phone.kill(sov.package)

        v = dialog(
            f"{name} isn't responding" if phone.lang == "en" else f"“{name}”没有响应",
            "",
            View(
                "Button",
                id="android:id/aerr_close",
                text=Text("Close app", "关闭应用"),
                clickable=True,
                role="flat",
            ),
            View(
                "Button",
                id="android:id/aerr_wait",
                text=Text("Wait", "等待"),
                clickable=True,
                role="flat",
            ),
        )
        panel = v.children[0]
        panel.children[1].on_click = close_app
        panel.children[2].on_click = close
        return v, "dialog", "android", None
    if sov.kind == "ad":
        ad = _ADS[int(str(sov.args.get("ad", 0))) % len(_ADS)]

        def cta(c: Ctx[Any]) -> None:
            close(c)
            phone.toast(
                "Opening store…" if phone.lang == "en" else "正在打开应用商店…", sov.package
            )

        v = column(
            row(
                spacer(1, w=0, weight=1.0),
                icon_button(Text("Close ad", "关闭广告"), close, id="ad_close", size=24, icon="x"),
            ),
            image(Text("Advertisement", "广告"), id="ad_image", w=MATCH, h=180, color="#FFB300"),
            text(ad, id="ad_title", size=20, bold=True, gravity="center"),
            button(Text("Install now", "立即安装"), cta, id="ad_cta"),
            pad=12,
            bg="@dialog",
        )
        return frame(v), "dialog", sov.package, None

    # login
    def sign_in(c: Ctx[Any]) -> None:
        close(c)
        phone.toast("Signed in" if phone.lang == "en" else "已登录", sov.package)

    v = dialog(
        Text("Session expired", "登录已过期"),
        Text("Please sign in again to continue.", "请重新登录后继续。"),
        positive=(Text("Sign in", "登录"), sign_in),
    )
    return v, "dialog", sov.package, None


def _recents(phone: SimPhone, sov: SysOverlay) -> View:
    st = phone.state
    cards: list[View] = []
    tasks = [t for t in reversed(st.tasks) if t.package != LAUNCHER_PACKAGE]
    for t in tasks:
        top = t.stack[-1]
        label = _label(phone, top.frame.package)

        def switch(c: Ctx[Any], pkg: str = t.package) -> None:
            phone.state.sys.remove(sov)
            phone.launch(pkg)

        def remove(c: Ctx[Any], task: Any = t) -> None:
            phone.state.tasks.remove(task)

        cards.append(
            card(
                row(
                    text(label, bold=True, w=WRAP, weight=1.0, id="title"),
                    icon_button(
                        Text(f"Remove {label}", f"移除{label}"), remove, id="dismiss_task", icon="x"
                    ),
                    gravity="center_vertical",
                ),
                image(type(top).__name__, w=MATCH, h=240, color="#E0E0E0"),
                id="task_view",
                desc=label,
                on_click=switch,
            )
        )

    def clear_all(c: Ctx[Any]) -> None:
        st.tasks[:] = [t for t in st.tasks if t.package == LAUNCHER_PACKAGE]
        phone.go_home()

    return column(
        scroll(
            "overview_panel",
            *cards,
            text(Text("No recent items", "近期没有任何内容"), gravity="center", id="empty_message")
            if not cards
            else None,
            weight=1.0,
        ),
        button(Text("Clear all", "全部清除"), clear_all, id="clear_all", w=WRAP) if cards else None,
        h=MATCH,
        bg="@recents",
        pad=16,
    )


def _chooser(phone: SimPhone, sov: SysOverlay, close: Callable[[Ctx[Any]], None]) -> View:
    targets = sov.args.get("targets")
    icons: list[View] = []
    for pkg in targets if isinstance(targets, list) else []:

        def pick(c: Ctx[Any], pkg: str = str(pkg)) -> None:
            close(c)
            app = phone.apps[pkg]
            extras = sov.args.get("extras")
            request = sov.args.get("request")
            phone.start_intent(
                app,
                str(sov.args.get("action")),
                dict(extras) if isinstance(extras, dict) else {},
                request if isinstance(request, str) else None,
            )

        label = _label(phone, str(pkg))
        v = text(
            label,
            id="chooser_target",
            desc=label,
            w=WRAP,
            weight=1.0,
            gravity="center",
            on_click=pick,
            size=12,
        )
        v.role = "app_icon"
        app = phone.apps.get(str(pkg))
        v.bg = app.color if app is not None else None
        v.h = 92
        icons.append(v)
    rows = [row(*icons[i : i + 4], pad=8) for i in range(0, len(icons), 4)]
    title = (
        Text("Share", "分享")
        if sov.args.get("action") == "share"
        else Text("Open with", "打开方式")
    )
    panel = column(
        text(title, id="title", size=18, bold=True),
        *rows,
        pad=16,
        bg="@dialog",
        id="chooser_header",
        w=MATCH,
        h=WRAP,
    )
    return frame(panel, w=MATCH)
