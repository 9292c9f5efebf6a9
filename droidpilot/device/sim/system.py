"""The system's windows: the app window and its dialogs, status bar, shade, recents, chooser,
permission / ANR / ad / login prompts, the soft keyboard, toasts and the navigation bar.

:func:`build_windows` turns the phone's state into laid-out windows, bottom to top.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING, Any

from droidpilot.device.sim.app import Overlay, Page
from droidpilot.device.sim.keyboard import IME_PACKAGE, build_keyboard
from droidpilot.device.sim.layout import Layout
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
    progress,
    row,
    scroll,
    spacer,
    text,
    tr,
)
from droidpilot.device.sim.window import Window

if TYPE_CHECKING:
    from droidpilot.device.sim.app import Ctx
    from droidpilot.device.sim.phone import SimPhone, SysOverlay

__all__ = ["SYSTEMUI", "build_windows"]

SYSTEMUI = "com.android.systemui"
PERMISSION_PACKAGE = "com.google.android.permissioncontroller"
_PERM_WORDS = {
    "location": Text("this device's location", "此设备的位置信息"),
    "camera": Text("take pictures and record video", "拍摄照片和录制视频"),
    "contacts": Text("your contacts", "您的通讯录"),
    "notifications": Text("send you notifications", "向您发送通知"),
    "sms": Text("send and view SMS messages", "发送和查看短信"),
    "calendar": Text("your calendar", "您的日历"),
}


def _decor(content: View) -> View:
    return frame(column(frame(content, id="android:id/content", h=MATCH), h=MATCH), h=MATCH)


def _lay(
    phone: SimPhone,
    root: View,
    rect: tuple[int, int, int, int],
    package: str,
    fields: dict[str, object] | None = None,
    focus: str | None = None,
    full: bool = True,
) -> Layout:
    lay = Layout(scale=phone.scale, lang=phone.lang, package=package, fields=fields, focus=focus)
    x1, y1, x2, y2 = rect
    if full:
        lay.run(root, x1, y1, x2 - x1, y2 - y1)
    else:
        lay.measure(root, x2 - x1, y2 - y1)
        lay.place(root, x1, y1)
    return lay


def _window(
    phone: SimPhone,
    root: View,
    rect: tuple[int, int, int, int],
    *,
    kind: str,
    package: str,
    page: Page[Any] | None = None,
    overlay: Overlay | None = None,
    fields: dict[str, object] | None = None,
    focus: str | None = None,
    modal: bool = False,
    focusable: bool = True,
    full: bool = True,
    on_outside: Any = None,
    title: str = "",
) -> Window:
    lay = _lay(phone, root, rect, package, fields, focus, full)
    if not full:
        rect = root.box
    nodes = lay.flatten(root, rect)
    return Window(
        kind=kind,
        package=package,
        root=root,
        nodes=nodes,
        rect=rect,
        page=page,
        overlay=overlay,
        fields=fields,
        focusable=focusable,
        modal=modal,
        on_outside=on_outside,
        title=title,
    )


def build_windows(phone: SimPhone) -> list[Window]:
    """The windows bottom to top: the bars, the app window with its dialogs and the system
    overlays (the same window objects as last time while ``phone.version``, the state object,
    the clock and the locale stay), the keyboard and a toast."""
    st = phone.state
    key = (phone.version, phone.clock.now(), phone.lang, phone.width, phone.height, phone.scale)
    hit = phone.frame_cache
    if hit is not None and hit[0] is st and hit[1] == key:
        middle = hit[2]
    else:
        middle = _app_windows(phone)
        phone.frame_cache = (st, key, middle)
    wins: list[Window] = [*_bars(phone), *middle]
    if phone.keyboard_shown():
        wins.append(_keyboard(phone))
    if st.toasts:
        wins.append(_toast(phone, str(st.toasts[0][0]), str(st.toasts[0][1])))
    return wins


def _app_windows(phone: SimPhone) -> list[Window]:
    """The app window, the page's dialogs, the system overlays and the shade."""
    st = phone.state
    page = phone.top_page()
    pkg = page.frame.package
    w, h = phone.width, phone.height
    wins: list[Window] = []
    ctx = phone.ctx(page)
    content_rect = (0, phone.status_h, w, h - phone.nav_h)
    # the app window: the decor spans the screen, the page sits between the bars
    body = _page_body(phone, page, ctx)
    root = _decor(body)
    lay = Layout(
        scale=phone.scale,
        lang=phone.lang,
        package=pkg,
        fields=page.frame.fields,
        focus=page.frame.focus,
    )
    for v in (root, root.children[0], root.children[0].children[0]):
        lay.resolve(v)
    lay.run(body, 0, phone.status_h, w, h - phone.status_h - phone.nav_h)
    root.box = root.children[0].box = (0, 0, w, h)
    root.children[0].children[0].box = content_rect
    app_win = Window(
        kind="app",
        package=pkg,
        root=root,
        nodes=lay.flatten(root, (0, 0, w, h)),
        rect=(0, 0, w, h),
        page=page,
        fields=page.frame.fields,
        title=type(page).__name__,
    )
    wins.append(app_win)
    # the page's dialogs
    for ov in page.frame.overlays:
        view = _overlay_view(phone, page, ctx, ov)
        if view is None:
            continue
        wins.append(_floating_window(phone, view, pkg, page, ov, bottom=ov.kind == "sheet"))
    # system overlays
    for sov in st.sys:
        wins.append(_sys_window(phone, sov))
    # status bar
    if st.shade:
        wins.append(
            _window(
                phone,
                _shade(phone),
                (0, 0, w, h),
                kind="system",
                package=SYSTEMUI,
                fields=st.sys_fields,
                modal=True,
            )
        )
    return wins


def _keyboard(phone: SimPhone) -> Window:
    """The soft keyboard's window; the same one while the phone state object, its shift and
    symbols layers and the screen stay (its keys' handlers read the state when pressed)."""
    st = phone.state
    key = (st.symbols, st.shift, phone.width, phone.height, phone.scale, phone.nav_h, phone.ime_h)
    hit = phone.ime_window
    if hit is not None and hit[0] is st and hit[1] == key:
        return hit[2]
    w, h = phone.width, phone.height
    top = h - phone.nav_h - phone.ime_h
    win = _window(
        phone,
        build_keyboard(phone),
        (0, top, w, h - phone.nav_h),
        kind="ime",
        package=IME_PACKAGE,
        focusable=False,
    )
    phone.ime_window = (st, key, win)
    return win


_BARS: dict[tuple[object, ...], tuple[Window, Window]] = {}


def _bars(phone: SimPhone) -> tuple[Window, Window]:
    """The status and navigation bars (first in the dump, as on real phones); cached."""
    st = phone.state
    now = phone.clock.now()
    key = (
        phone.width,
        phone.height,
        phone.density,
        now.hour,
        now.minute,
        st.battery,
        st.settings.wifi,
        phone.lang,
        tuple((n.package, n.title) for n in st.notifications[:4]),
    )
    hit = _BARS.get(key)
    if hit is not None:
        return hit
    w, h = phone.width, phone.height
    status = _window(
        phone,
        _status_bar(phone),
        (0, 0, w, phone.status_h),
        kind="system",
        package=SYSTEMUI,
        focusable=False,
    )
    nav = frame(
        View(
            "android.view.View",
            id="home_handle",
            desc="",
            w=120,
            h=4,
            gravity="center",
            bg="#888888",
        ),
        id="navigation_bar_frame",
        h=MATCH,
    )
    navw = _window(
        phone, nav, (0, h - phone.nav_h, w, h), kind="system", package=SYSTEMUI, focusable=False
    )
    if len(_BARS) > 256:
        _BARS.clear()
    _BARS[key] = (status, navw)
    return status, navw


class _Retry:
    """The error screen's Retry handler (a class of its own, so input can tell it apart)."""

    __slots__ = ("page",)

    def __init__(self, page: Page[Any]) -> None:
        self.page = page

    def __call__(self, c: Ctx[Any]) -> None:
        page = self.page
        page.frame.error = False
        if not c.online():
            page.frame.error = True
            return
        page.on_retry(c)


def offline_retry(handler: object, phone: SimPhone, page: Page[Any] | None) -> bool:
    """Whether ``handler`` is the error screen's Retry of ``page`` while Wi-Fi is off: it
    then changes nothing (the error stays, ``on_retry`` is not called)."""
    return (
        isinstance(handler, _Retry)
        and handler.page is page
        and page is not None
        and page.frame.error
        and not phone.state.settings.wifi
    )


def _page_body(phone: SimPhone, page: Page[Any], ctx: Ctx[Any]) -> View:
    if page.frame.loading > 0:
        return frame(progress(id="loading", desc=Text("Loading", "加载中")), h=MATCH)
    if page.frame.error:
        retry = _Retry(page)

        return column(
            spacer(160),
            image(Text("No connection", "无网络连接"), w=96, h=96, color="#BDBDBD"),
            text(
                Text("No connection", "网络连接失败"),
                size=20,
                bold=True,
                gravity="center",
                id="error_title",
            ),
            text(
                Text("Check your network and try again.", "请检查网络后重试。"),
                gravity="center",
                id="error_message",
            ),
            button(Text("Retry", "重试"), retry, id="retry", w=WRAP),
            h=MATCH,
            gravity="center_horizontal",
        )
    return page.build(ctx)


def _floating_window(
    phone: SimPhone,
    view: View,
    pkg: str,
    page: Page[Any] | None,
    ov: Overlay | None,
    *,
    bottom: bool = False,
    modal: bool = True,
    cancel: Any = None,
) -> Window:
    fields = page.frame.fields if page is not None else phone.state.sys_fields
    focus = page.frame.focus if page is not None else None
    lay = Layout(scale=phone.scale, lang=phone.lang, package=pkg, fields=fields, focus=focus)
    root = view
    margin = 0 if bottom else lay.px(24)
    root.w = MATCH
    _, height = lay.measure(root, phone.width - 2 * margin, round(phone.height * 0.8))
    x = margin
    y = phone.height - phone.nav_h - height if bottom else (phone.height - height) // 2
    lay.place(root, x, y)
    nodes = lay.flatten(root, (0, 0, phone.width, phone.height))

    def outside() -> None:
        if page is not None and ov is not None and ov in page.frame.overlays:
            page.frame.overlays.remove(ov)
        elif cancel is not None:
            cancel()

    return Window(
        kind="dialog",
        package=pkg,
        root=root,
        nodes=nodes,
        rect=root.box,
        page=page,
        overlay=ov,
        fields=fields,
        modal=modal,
        on_outside=outside,
    )


# --------------------------------------------------------------------------- page overlays


def _overlay_view(phone: SimPhone, page: Page[Any], ctx: Ctx[Any], ov: Overlay) -> View | None:
    if ov.kind in ("dialog", "sheet"):
        return page.build_dialog(ctx, ov.name, ov.args)
    if ov.kind == "alert":
        return dialog(
            str(ov.args.get("title", "")),
            str(ov.args.get("message", "")),
            positive=(Text("OK", "确定"), None),
        )
    if ov.kind == "spinner":
        return _spinner_popup(phone, page, ov)
    if ov.kind == "date":
        return _date_dialog(phone, page, ov)
    return None


def _page_view(phone: SimPhone, page: Page[Any], view_id: str) -> View | None:
    stack = [page.build(phone.ctx(page))]
    while stack:
        v = stack.pop()
        if v.id == view_id:
            return v
        stack.extend(v.children)
    return None


def _spinner_popup(phone: SimPhone, page: Page[Any], ov: Overlay) -> View | None:
    spin = _page_view(phone, page, ov.name)
    if spin is None:
        return None
    options = spin.options
    selected = spin.value if isinstance(spin.value, int) else -1
    handler = spin.on_select
    items: list[View] = []
    for i, label in enumerate(options):

        def pick(c: Ctx[Any], i: int = i) -> None:
            if ov in page.frame.overlays:
                page.frame.overlays.remove(ov)
            if handler is not None:
                handler(c, i)
            else:
                page.frame.fields["spin:" + ov.name] = i

        item = View(
            "CheckedTextView",
            id="android:id/text1",
            text=label,
            checkable=True,
            checked=i == selected,
            clickable=True,
            role="spinner_text",
        )
        item.on_click = pick
        items.append(item)
    lst = View(
        "android.widget.ListView",
        kind="scroll",
        id="android:id/select_dialog_listview",
        children=items,
        h=WRAP,
    )
    lst.scrollable = True
    return View(
        "FrameLayout",
        kind="frame",
        children=[View("LinearLayout", kind="col", children=[lst], bg="@dialog", pad=8)],
        role="dialog",
    )


def _date_dialog(phone: SimPhone, page: Page[Any], ov: Overlay) -> View | None:
    field_view = _page_view(phone, page, ov.name)
    if field_view is None or field_view.date is None:
        return None
    sel_raw = ov.args.get("selected")
    sel = sel_raw if isinstance(sel_raw, dt.date) else field_view.date
    year = int(str(ov.args.get("year", sel.year)))
    month = int(str(ov.args.get("month", sel.month)))
    on_date = field_view.on_date
    lang = phone.lang
    name = calendar.month_name[month]  # (a strftime call each time it is read)
    month_name = f"{name} {year}" if lang == "en" else f"{year}年{month}月"

    def shift(delta: int) -> Any:
        def go(c: Ctx[Any]) -> None:
            m = month - 1 + delta
            ov.args["year"] = year + m // 12
            ov.args["month"] = m % 12 + 1

        return go

    def choose(day: int) -> Any:
        def go(c: Ctx[Any]) -> None:
            ov.args["selected"] = dt.date(year, month, day)

        return go

    def ok(c: Ctx[Any]) -> None:
        if ov in page.frame.overlays:
            page.frame.overlays.remove(ov)
        if on_date is not None:
            on_date(c, sel)

    def cancel(c: Ctx[Any]) -> None:
        if ov in page.frame.overlays:
            page.frame.overlays.remove(ov)

    weeks: list[View] = []
    first_wd, ndays = calendar.monthrange(year, month)
    cells: list[View | None] = [None] * ((first_wd + 1) % 7)
    for day in range(1, ndays + 1):
        d = dt.date(year, month, day)
        desc = f"{day:02d} {name} {year}" if lang == "en" else f"{year}年{month}月{day}日"
        cell = View(
            "android.view.View",
            text=str(day),
            desc=desc,
            clickable=True,
            w=WRAP,
            weight=1.0,
            gravity="center",
            checkable=True,
            checked=d == sel,
            selected=d == sel,
            role="day",
        )
        cell.on_click = choose(day)
        cells.append(cell)
    while len(cells) % 7:
        cells.append(None)
    for i in range(0, len(cells), 7):
        weeks.append(
            row(
                *[c if c is not None else spacer(1, w=WRAP, weight=1.0) for c in cells[i : i + 7]],
                h=44,
            )
        )
    header_date = (
        sel.strftime("%a, %b %-d")
        if lang == "en"
        else f"{sel.month}月{sel.day}日 周{'一二三四五六日'[sel.weekday()]}"
    )
    prev_b = icon_button(
        Text("Previous month", "上个月"), shift(-1), id="android:id/prev", icon="<"
    )
    next_b = icon_button(Text("Next month", "下个月"), shift(1), id="android:id/next", icon=">")
    panel = column(
        text(str(sel.year), id="android:id/date_picker_header_year", color="#FFFFFF"),
        text(
            header_date,
            id="android:id/date_picker_header_date",
            size=28,
            bold=True,
            color="#FFFFFF",
        ),
        row(
            prev_b,
            text(month_name, id="android:id/month_view", w=WRAP, weight=1.0, gravity="center"),
            next_b,
            gravity="center_vertical",
        ),
        column(*weeks, id="android:id/day_picker_view_pager"),
        row(
            spacer(1, w=0, weight=1.0),
            button(Text("Cancel", "取消"), cancel, id="android:id/button2", w=WRAP, primary=False),
            button(Text("OK", "确定"), ok, id="android:id/button1", w=WRAP, primary=False),
        ),
        id="android:id/datePicker",
        pad=8,
        bg="@dialog",
    )
    panel.cls = "android.widget.DatePicker"
    return View("FrameLayout", kind="frame", children=[panel], role="dialog")


# --------------------------------------------------------------------------- system overlays


def _sys_window(phone: SimPhone, sov: SysOverlay) -> Window:
    from droidpilot.device.sim import sysdialogs

    view, kind, pkg, cancel = sysdialogs.build(phone, sov)
    if cancel is None:

        def cancel() -> None:
            sysdialogs.cancel(phone, sov)

    if kind == "full":
        return _window(
            phone,
            view,
            (0, 0, phone.width, phone.height),
            kind="dialog",
            package=pkg,
            fields=phone.state.sys_fields,
            modal=True,
        )
    return _floating_window(phone, view, pkg, None, None, bottom=kind == "sheet", cancel=cancel)


def _status_bar(phone: SimPhone) -> View:
    st = phone.state
    now = phone.clock.now()
    clock = f"{now.hour}:{now.minute:02d}"
    icons: list[View] = []
    for n in st.notifications[:4]:
        app = phone.apps.get(n.package)
        name = app.name(phone.lang) if app else n.package
        icons.append(image(f"{name} notification: {n.title}", w=20, h=20))
    wifi = "Wi-Fi signal full." if st.settings.wifi else "Wi-Fi off."
    bar = row(
        text(clock, id="clock", w=WRAP, desc=clock, color="@onbar"),
        spacer(8, w=8),
        *icons,
        spacer(1, w=0, weight=1.0),
        image(wifi, id="wifi_combo", w=20, h=20),
        text(
            f"{st.battery}%",
            id="battery",
            w=WRAP,
            desc=f"Battery {st.battery} percent.",
            color="@onbar",
        ),
        id="status_bar_contents",
        h=MATCH,
        pad=6,
        gravity="center_vertical",
    )
    return frame(frame(bar, id="status_bar", h=MATCH), h=MATCH)


def _shade(phone: SimPhone) -> View:
    st = phone.state

    def qs(label: Text, on: bool, flip: Any, vid: str) -> View:
        v = View(
            "android.widget.Switch",
            id=vid,
            text=label,
            desc=label,
            checkable=True,
            checked=on,
            clickable=True,
            w=WRAP,
            weight=1.0,
            role="switch",
        )
        v.on_checked = flip
        return v

    def wifi(c: Ctx[Any], on: bool) -> None:
        st.settings.wifi = on

    def dark(c: Ctx[Any], on: bool) -> None:
        st.settings.dark = on

    cards: list[View] = []
    for n in st.notifications:
        app = phone.apps.get(n.package)

        def open_n(c: Ctx[Any], n: Any = n) -> None:
            phone.open_notification(n)

        cards.append(
            card(
                text(app.name(phone.lang) if app else n.package, size=12, id="app_name_text"),
                text(n.title, bold=True, id="title"),
                text(n.text, id="text"),
                id="expandableNotificationRow",
                on_click=open_n,
                pad=12,
            )
        )

    def clear(c: Ctx[Any]) -> None:
        st.notifications.clear()
        st.shade = False

    now = phone.clock.now()
    return column(
        text(f"{now.hour}:{now.minute:02d}", id="clock", size=32),
        row(
            qs(Text("Wi-Fi", "WLAN"), st.settings.wifi, wifi, "qs_wifi"),
            qs(Text("Dark theme", "深色主题"), st.settings.dark, dark, "qs_dark"),
            pad=8,
        ),
        scroll(
            "notification_stack_scroller",
            *cards,
            text(Text("No notifications", "无通知"), gravity="center") if not cards else None,
            weight=1.0,
        ),
        button(Text("Clear all", "全部清除"), clear, id="clear_all", w=WRAP) if cards else None,
        h=MATCH,
        bg="@shade",
        id="notification_panel",
        pad=8,
    )


_TOASTS: dict[tuple[object, ...], Window] = {}


def _toast(phone: SimPhone, message: str, package: str) -> Window:
    """The toast's window (cached: it is drawn from its words and the screen alone)."""
    key = (message, package, phone.width, phone.height, phone.scale, phone.nav_h, phone.lang)
    hit = _TOASTS.get(key)
    if hit is None:
        if len(_TOASTS) > 256:
            _TOASTS.clear()
        hit = _TOASTS[key] = _make_toast(phone, message, package)
    return hit


def _make_toast(phone: SimPhone, message: str, package: str) -> Window:
    v = View(
        "android.widget.LinearLayout",
        kind="col",
        children=[text(message, id="android:id/message", w=WRAP, color="#FFFFFF")],
        pad=12,
        w=WRAP,
        bg="#323232",
        role="toast",
    )
    lay = Layout(scale=phone.scale, lang=phone.lang, package=package)
    cw, ch = lay.measure(v, phone.width - 2 * lay.px(32), phone.height)
    x = (phone.width - cw) // 2
    y = phone.height - phone.nav_h - lay.px(96) - ch
    lay.place(v, x, y)
    nodes = lay.flatten(v, (0, 0, phone.width, phone.height))
    return Window(kind="toast", package=package, root=v, nodes=nodes, rect=v.box, focusable=False)


def app_label(phone: SimPhone, package: str) -> str:
    app = phone.apps.get(package)
    return tr(app.label, phone.lang) if app is not None else package
