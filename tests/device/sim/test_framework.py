"""The phone's framework: layout, input, windows, back stack, hand-offs, snapshots, faults."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from droidpilot.device.screen import parse_hierarchy
from droidpilot.device.sim import FaultConfig, SimDevice
from droidpilot.device.sim.dump import DECLARATION, dump_u2, dump_xml
from droidpilot.errors import ActionFailed, DeviceTimeout
from droidpilot.types import (
    KeyAction,
    LongPressAction,
    Observation,
    OpenAppAction,
    ScrollAction,
    SwipeAction,
    TapAction,
    TypeAction,
    WaitAction,
)

from .conftest import demo_phone
from .demo_apps import PayApp, ShopApp
from .helpers import find, open_app, tap_text

CLASSIC_ATTRS = [
    "index",
    "text",
    "resource-id",
    "class",
    "package",
    "content-desc",
    "checkable",
    "checked",
    "clickable",
    "enabled",
    "focusable",
    "focused",
    "scrollable",
    "long-clickable",
    "password",
    "selected",
    "bounds",
]


def test_layout_fills_the_screen_between_the_bars(dev: SimDevice) -> None:
    obs = open_app(dev, "Shop")
    app = next(w for w in obs.screen.windows if w.package == "com.example.shop")
    root = next(e for e in obs.screen.elements if e.window == app.index)
    assert (root.bounds.x2, root.bounds.y2) == (1080, 2400)
    content = next(e for e in obs.screen.elements if e.resource_id == "android:id/content")
    assert content.bounds.y1 == dev.phone.status_h
    assert content.bounds.y2 == 2400 - dev.phone.nav_h
    for e in obs.screen.elements:
        assert 0 <= e.bounds.x1 < e.bounds.x2 <= 1080
        assert 0 <= e.bounds.y1 < e.bounds.y2 <= 2400
        if e.parent is not None:
            p = obs.screen.elements[e.parent].bounds
            assert p.x1 <= e.bounds.x1
            assert e.bounds.x2 <= p.x2
            assert p.y1 <= e.bounds.y1
            assert e.bounds.y2 <= p.y2


def test_classic_dump_is_one_line_with_real_attributes(dev: SimDevice) -> None:
    open_app(dev, "Shop")
    xml = dev.dump()
    assert xml.startswith(DECLARATION + '<hierarchy rotation="0"><node ')
    assert "\n" not in xml
    root = ET.fromstring(xml[len(DECLARATION) :])
    for node in root.iter("node"):
        assert list(node.attrib) == CLASSIC_ATTRS
        assert node.attrib["package"] == "com.example.shop"
    assert 'resource-id="com.example.shop:id/search"' in xml


def test_u2_dump_has_every_window_and_parses_to_the_same_screen(dev: SimDevice) -> None:
    obs = open_app(dev, "Shop")
    dev.perform(TapAction(element=find(obs, "Search items").id))
    xml = dump_u2(dev.phone.windows())
    assert xml.count("\n") > 10
    root = ET.fromstring(xml[len(DECLARATION) :])
    packages = [n.attrib["package"] for n in root]
    assert packages[:3] == ["com.android.systemui", "com.android.systemui", "com.example.shop"]
    assert "com.google.android.inputmethod.latin" in packages
    first = next(root.iter("node"))
    assert list(first.attrib)[-4:] == ["bounds", "drawing-order", "hint", "display-id"]
    fast = SimDevice(dev.phone).observe().screen
    assert parse_hierarchy(xml) == fast


def test_tap_hits_the_topmost_clickable(dev: SimDevice) -> None:
    obs = open_app(dev, "Shop")
    row = find(obs, "Item 0")
    dev.perform(TapAction(element=row.id))
    assert dev.phone.read(ShopApp).cart == (0,)
    # the price text inside the row is not clickable: the tap lands on the row
    price = next(e for e in obs.screen.elements if e.text.startswith("¥"))
    dev.perform(TapAction(x=price.bounds.center[0], y=price.bounds.center[1]))
    assert len(dev.phone.read(ShopApp).cart) == 2


def test_long_press_opens_a_dialog_whose_buttons_work(dev: SimDevice) -> None:
    obs = open_app(dev, "Shop")
    dev.perform(LongPressAction(element=find(obs, "Item 3").id))
    obs = dev.observe()
    assert find(obs, "Price")
    assert dump_xml(dev.phone.active_window()).count("android:id/button1") == 1
    tap_text(dev, "Add")
    assert dev.phone.read(ShopApp).cart == (3,)
    assert dev.phone.active_window().kind == "app"


def _list(obs: Observation) -> int:
    return next(it.id for it in obs.view.items if it.resource_id.endswith(":id/items"))


def test_scroll_shows_only_on_screen_children(dev: SimDevice) -> None:
    obs = open_app(dev, "Shop")
    names = [e.text for e in obs.screen.elements if e.text.startswith("Item ")]
    assert "Item 0" in names
    assert "Item 199" not in names
    assert len(names) < 40
    dev.perform(ScrollAction(direction="down", element=_list(obs)))
    obs = dev.observe()
    after = [e.text for e in obs.screen.elements if e.text.startswith("Item ")]
    assert "Item 0" not in after
    assert int(after[0].split()[1]) > 0
    for _ in range(100):
        dev.perform(ScrollAction(direction="down", element=_list(obs)))
        obs = dev.observe()
    assert any(e.text == "Item 199" for e in obs.screen.elements)
    dev.perform(SwipeAction(x1=540, y1=900, x2=540, y2=1900))
    obs = dev.observe()
    assert not any(e.text == "Item 199" for e in obs.screen.elements)


def test_keyboard_window_covers_the_lower_screen(dev: SimDevice) -> None:
    obs = open_app(dev, "Shop")
    assert not obs.keyboard
    dev.perform(TapAction(element=find(obs, "Search items").id))
    obs = dev.observe()
    assert obs.keyboard
    ime = [w for w in obs.screen.windows if w.kind == "ime"]
    assert len(ime) == 1
    assert ime[0].bounds.y1 > 1200
    assert ime[0].bounds.y2 == 2400 - dev.phone.nav_h
    # taps on the keys type; the action key submits
    for key in ("t", "e", "a"):
        el = next(e for e in obs.screen.elements if e.content_desc == key)
        dev.perform(TapAction(x=el.bounds.center[0], y=el.bounds.center[1]))
    done = next(e for e in obs.screen.elements if e.content_desc == "Done")
    dev.perform(TapAction(x=done.bounds.center[0], y=done.bounds.center[1]))
    assert dev.phone.read(ShopApp).searches == ("tea",)
    obs = dev.observe()
    assert not obs.keyboard
    dev.perform(TapAction(element=find(obs, "tea").id))
    assert dev.observe().keyboard
    dev.perform(KeyAction(key="back"))
    assert not dev.observe().keyboard
    assert dev.current_app() == "com.example.shop"


def test_typing_unicode_clear_and_password(dev: SimDevice) -> None:
    obs = open_app(dev, "Shop")
    field = find(obs, "Search items").id
    dev.perform(TypeAction(text="宫保鸡丁 🍜", element=field))
    dev.perform(TypeAction(text=" x2", clear=False))
    obs = dev.observe()
    assert find(obs, "宫保鸡丁 🍜 x2")
    dev.perform(TypeAction(text="tea", element=find(obs, "宫保").id, clear=True, submit=True))
    assert dev.phone.read(ShopApp).searches == ("tea",)
    assert not dev.observe().keyboard


def test_type_without_a_focused_field_fails(dev: SimDevice) -> None:
    dev.observe()
    with pytest.raises(ActionFailed, match="focus"):
        dev.perform(TypeAction(text="hello"))


def _pay_flow(dev: SimDevice, pin: str) -> None:
    obs = open_app(dev, "Shop")
    dev.perform(TapAction(element=find(obs, "Item 1").id))
    tap_text(dev, "Cart (1)")
    obs = tap_text(dev, "Pay", role="Button")
    assert obs.app == "com.example.pay"
    dev.perform(TypeAction(text=pin, element=find(obs, "PIN").id))
    tap_text(dev, "Confirm", role="Button")


def test_hand_off_to_another_app_returns_a_result(dev: SimDevice) -> None:
    price = dev.phone.read(ShopApp).items[1].price
    _pay_flow(dev, "1234")
    obs = dev.observe()
    assert obs.app == "com.example.shop"
    assert obs.activity.endswith(".MainActivity")
    assert dev.phone.read(ShopApp).paid == (price,)
    assert dev.phone.read(PayApp).payments == (price,)
    # the notification is in the shade; tapping it opens the app
    dev.perform(SwipeAction(x1=540, y1=10, x2=540, y2=1200))
    obs = dev.observe()
    assert find(obs, "Order placed")
    tap_text(dev, "Order placed")
    assert dev.current_app() == "com.example.shop"


def test_backing_out_of_a_hand_off_cancels(dev: SimDevice) -> None:
    _pay_flow(dev, "0000")
    obs = dev.observe()
    assert find(obs, "Wrong PIN")
    dev.perform(KeyAction(key="back"))  # the alert
    dev.perform(KeyAction(key="back"))  # the keyboard
    dev.perform(KeyAction(key="back"))  # the payment page
    obs = dev.observe()
    assert obs.app == "com.example.shop"
    assert find(obs, "Payment canceled")
    assert dev.phone.read(ShopApp).paid == ()


def test_share_sheet_chooses_an_app(dev: SimDevice) -> None:
    obs = open_app(dev, "Shop")
    dev.perform(TapAction(element=find(obs, "Item 1").id))
    tap_text(dev, "Cart (1)")
    obs = tap_text(dev, "Share")
    assert find(obs, "Notes")
    assert find(obs, "Payer")
    tap_text(dev, "Payer")
    obs = tap_text(dev, "Send", role="Button")
    assert obs.app == "com.example.shop"
    assert dev.phone.read(PayApp).shared[0].startswith("My cart")


def test_toasts_fade_after_a_few_observations(dev: SimDevice) -> None:
    obs = open_app(dev, "Shop")
    dev.perform(TapAction(element=find(obs, "Item 2").id))
    seen = [any(e.text == "Added to cart" for e in dev.observe().screen.elements) for _ in range(5)]
    assert seen[0]
    assert not seen[-1]
    assert dev.phone.active_window().kind == "app"


def test_back_stack_home_and_recents(dev: SimDevice) -> None:
    open_app(dev, "Shop")
    tap_text(dev, "Cart (0)")
    dev.perform(KeyAction(key="home"))
    assert dev.current_app() == "com.android.launcher3"
    dev.perform(OpenAppAction(name="Settings"))
    dev.perform(KeyAction(key="app_switch"))
    obs = dev.observe()
    assert find(obs, "Shop")
    assert find(obs, "Settings")
    tap_text(dev, "Shop")
    obs = dev.observe()
    assert obs.activity.endswith(".CartActivity")  # the task kept its stack
    dev.perform(KeyAction(key="back"))
    dev.perform(KeyAction(key="back"))
    assert dev.current_app() == "com.android.launcher3"
    dev.perform(KeyAction(key="back"))
    assert dev.current_app() == "com.android.launcher3"


def test_widgets_checkbox_spinner_date_picker(dev: SimDevice) -> None:
    obs = open_app(dev, "Shop")
    dev.perform(TapAction(element=find(obs, "Item 1").id))
    obs = tap_text(dev, "Cart (1)")
    dev.perform(TapAction(element=find(obs, "Gift wrap").id))
    assert dev.phone.read(ShopApp).gift is True
    obs = tap_text(dev, "Small")
    tap_text(dev, "Large")
    assert dev.phone.read(ShopApp).size == 2
    obs = tap_text(dev, "2025-03-20")
    obs = tap_text(dev, "Next month")
    assert find(obs, "April 2025")
    tap_text(dev, "02 April 2025")
    tap_text(dev, "OK")
    assert str(dev.phone.read(ShopApp).day) == "2025-04-02"


def test_snapshot_restore_gives_an_identical_phone(dev: SimDevice) -> None:
    obs = open_app(dev, "Shop")
    dev.perform(TapAction(element=find(obs, "Item 1").id))
    snap = dev.phone.snapshot()
    before = dump_u2(dev.phone.windows())
    tap_text(dev, "Cart (1)")
    dev.perform(KeyAction(key="home"))
    dev.phone.restore(snap)
    assert dump_u2(dev.phone.windows()) == before
    assert dev.phone.read(ShopApp).cart == (1,)
    tap_text(dev, "Cart (1)")
    dev.phone.restore(snap)
    assert dump_u2(dev.phone.windows()) == before


def test_reset_is_deterministic_per_seed() -> None:
    a, b, c = demo_phone(5), demo_phone(5), demo_phone(6)
    assert a.read(ShopApp).items == b.read(ShopApp).items
    assert a.read(ShopApp).items != c.read(ShopApp).items
    a.model(ShopApp).cart.append(3)
    a.reset()
    assert a.read(ShopApp).cart == ()
    assert dump_u2(a.windows()) == dump_u2(b.windows())


def test_locale_switch_changes_content_language(dev: SimDevice) -> None:
    open_app(dev, "Shop")
    dev.phone.set_locale("zh")
    obs = dev.observe()
    assert find(obs, "商品0")
    assert find(obs, "搜索商品")


def test_clock_and_battery_in_the_status_bar(dev: SimDevice) -> None:
    obs = dev.observe()
    assert any(
        e.resource_id == "com.android.systemui:id/clock" and e.text == "9:30"
        for e in obs.screen.elements
    )
    dev.perform(WaitAction(seconds=60))
    dev.perform(WaitAction(seconds=60))
    obs = dev.observe()
    assert any(e.text == "9:32" for e in obs.screen.elements)


def test_network_page_without_wifi_shows_retry(dev: SimDevice) -> None:
    from droidpilot.device.sim.apps.settings import SettingsApp

    dev.phone.model(SettingsApp).wifi = False
    obs = open_app(dev, "Shop")
    obs = tap_text(dev, "Cart (0)")
    assert find(obs, "No connection")
    dev.phone.model(SettingsApp).wifi = True
    obs = tap_text(dev, "Retry")
    assert find(obs, "Loading") or find(obs, "Total")


def test_faults_ads_anr_permission_and_dump_failure() -> None:
    p = demo_phone(3, faults=FaultConfig(ads=1.0, anr=1.0, dump_fail=1.0, slow_load=1.0))
    dev = SimDevice(p)
    dev.perform(OpenAppAction(name="Shop"))
    obs = dev.observe()
    assert find(obs, "Close ad")
    with pytest.raises(DeviceTimeout, match="could not get idle state"):
        dev.dump()
    dev.perform(TapAction(element=find(obs, "Close ad").id))
    obs = dev.observe()
    assert any("isn't responding" in e.text for e in obs.screen.elements)
    tap_text(dev, "Close app")
    assert dev.current_app() == "com.android.launcher3"
    dev.perform(KeyAction(key="home"))
    assert dev.phone.active_window().kind == "app"


def test_permission_prompt_and_injection_hooks() -> None:
    p = demo_phone(4, faults=FaultConfig(injection=1.0))
    assert p.read(ShopApp).injected is not None
    assert demo_phone(4).read(ShopApp).injected is None
    granted: list[bool] = []
    p.request_permission("com.example.shop", "location", None)
    dev = SimDevice(p)
    obs = dev.observe()
    assert find(obs, "location")
    tap_text(dev, "While using the app")
    assert ("com.example.shop", "location") in p.state.granted
    assert granted == []


def test_open_app_by_unknown_name_fails(dev: SimDevice) -> None:
    with pytest.raises(ActionFailed, match="no app"):
        dev.perform(OpenAppAction(name="Nope"))
