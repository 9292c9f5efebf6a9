"""The food apps' main flows through the Device API only; state checked through the models."""

from __future__ import annotations

import pytest

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.device.sim.apps.food import Dish, FoodAppModel, Restaurant
from droidpilot.device.sim.apps.food.content import SECTIONS
from droidpilot.device.sim.apps.food.payments import place_paid_order
from droidpilot.device.sim.apps.foodgo import FoodGoApp
from droidpilot.device.sim.apps.mealdash import MealDashApp
from droidpilot.device.sim.apps.wallet.app import WalletApp
from droidpilot.device.sim.apps.world import format_money
from droidpilot.types import KeyAction, TypeAction

from .flow import enter_pin, find_id, need, open_app, scroll_to, tap, tap_id, type_into

SEED = 3
APPS_ORDERS = {"foodgo": {"en": "Orders", "zh": "订单"}, "meals": {"en": "My orders", "zh": "订单"}}
APPS = {"foodgo": (FoodGoApp, "FoodGo", "饭来了"), "meals": (MealDashApp, "MealDash", "美食达")}


def phone(lang: str, seed: int = SEED) -> SimDevice:
    return SimDevice(SimPhone(seed=seed, lang=lang))


def pick_dish(m: FoodAppModel) -> tuple[Restaurant, Dish]:
    """A restaurant and a dish with spice, size and add-on options, on sale."""
    for r in m.restaurants:
        for d in (m.dish(x) for x in r.dish_ids):
            keys = {g.key for g in d.options}
            if not d.sold_out and {"size", "addons"} <= keys and d.price * 2 >= r.min_order:
                return r, d
    raise AssertionError("no dish with options")


def choose_options(dev: SimDevice, lang: str, d: Dish) -> tuple[tuple[str, str], ...]:
    """Pick the last choice of each single option and the first add-on; quantity 2."""
    picks = []
    for g in d.options:
        c = g.choices[0] if g.multi else g.choices[-1]
        scroll_to(dev, c.name.get(lang))
        tap_id(dev, f"opt_{g.key}_{c.key}")
        picks.append((g.key, c.key))
    tap_id(dev, "qty_plus")
    return tuple(picks)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_foodgo_order_with_options_coupon_note_paid_in_wallet(lang: str) -> None:
    dev = phone(lang)
    app, en, zh = APPS["foodgo"]
    m = dev.phone.model(app)
    wallet = dev.phone.model(WalletApp)
    balance = wallet.balance
    shop, dish = pick_dish(m)
    obs = open_app(dev, zh if lang == "zh" else en)
    assert obs.app == "com.droidpilot.foodgo"
    scroll_to(dev, shop.name.get(lang))
    tap(dev, shop.name.get(lang))
    scroll_to(dev, dish.name.get(lang))
    tap(dev, dish.name.get(lang))
    picks = choose_options(dev, lang, dish)
    tap(dev, "Add to cart" if lang == "en" else "加入购物车")
    assert m.cart.count == 2
    tap_id(dev, "go_cart")
    tap_id(dev, "checkout")
    best = m.best_coupon()
    assert best is not None
    tap_id(dev, "coupon_row")
    tap(dev, best.title.get(lang))
    type_into(dev, "e.g. no cilantro" if lang == "en" else "如：不要香菜", "少放盐 less salt")
    tap_id(dev, "submit_order")
    obs = dev.observe()
    assert obs.app == "com.droidpilot.wallet"
    need(dev, format_money(m.orders[0].total))
    enter_pin(dev, wallet.pin)
    need(dev, "Payment successful" if lang == "en" else "支付成功")
    obs = tap_id(dev, "done")
    assert obs.app == "com.droidpilot.foodgo"
    order = m.orders[0]
    assert order.status == "paid"
    assert order.coupon_id == best.id
    assert order.discount == best.discount
    assert order.note == "少放盐 less salt"
    assert order.lines[0].dish_id == dish.id
    assert order.lines[0].qty == 2
    assert set(order.lines[0].choices) == set(picks)
    assert wallet.balance == balance - order.total
    assert wallet.transactions[0].order_ref == order.id
    assert order.payment_ref == wallet.transactions[0].id
    need(dev, "Paid, waiting for the restaurant" if lang == "en" else "已支付，等待商家接单")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_mealdash_search_customise_basket_voucher_note_paid(lang: str) -> None:
    dev = phone(lang)
    app, en, zh = APPS["meals"]
    m = dev.phone.model(app)
    wallet = dev.phone.model(WalletApp)
    shop, dish = pick_dish(m)
    open_app(dev, zh if lang == "zh" else en)
    tap_id(dev, "search_button")
    box = find_id(dev.observe(), "search")
    assert box is not None
    dev.perform(TypeAction(text=shop.name.get(lang), element=box.id, submit=True))
    dev.perform(KeyAction(key="back"))
    tap(dev, shop.name.get(lang))
    tap(dev, SECTIONS[dish.section].get(lang))
    scroll_to(dev, dish.name.get(lang))
    tap(dev, dish.name.get(lang))
    assert dev.observe().activity.endswith(".menu.CustomizeActivity")
    choose_options(dev, lang, dish)
    tap_id(dev, "add_to_cart")
    tap_id(dev, "go_cart")
    tap_id(dev, "checkout")
    tap_id(dev, "note_row")
    type_into(dev, "Allergies" if lang == "en" else "口味", "no peanuts")
    tap_id(dev, "save_note")
    best = m.best_coupon()
    assert best is not None
    tap_id(dev, "coupon_row")
    tap(dev, best.title.get(lang))
    tap_id(dev, "submit_order")
    enter_pin(dev, wallet.pin)
    tap_id(dev, "done")
    order = m.orders[0]
    assert order.status == "paid"
    assert order.note == "no peanuts"
    assert order.coupon_id == best.id
    assert order.restaurant == shop.key
    assert wallet.paid_for(order.id) == order.total


@pytest.mark.parametrize(("app_id", "lang"), [("foodgo", "en"), ("meals", "zh")])
def test_cancel_paid_order_refunds_the_wallet(app_id: str, lang: str) -> None:
    dev = phone(lang)
    app, en, zh = APPS[app_id]
    m = dev.phone.model(app)
    wallet = dev.phone.model(WalletApp)
    before = wallet.balance
    order = place_paid_order(m, wallet, pick_dish(m)[1].id, dev.phone.clock.now())
    assert wallet.balance == before - order.total
    open_app(dev, zh if lang == "zh" else en)
    tap(dev, APPS_ORDERS[app_id][lang])
    tap(dev, order.restaurant_name.get(lang))
    tap_id(dev, "cancel_order")
    tap_id(dev, "button1")  # the dialog's positive button
    done = m.order(order.id)
    assert done.status == "cancelled"
    assert done.refunded == order.total
    assert wallet.balance == before
    assert wallet.transactions[0].kind == "refund"
    need(dev, "Cancelled" if lang == "en" else "已取消")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_new_address_is_added_and_chosen(lang: str) -> None:
    dev = phone(lang)
    m = dev.phone.model(FoodGoApp)
    open_app(dev, "FoodGo" if lang == "en" else "饭来了")
    tap_id(dev, "address_bar")
    tap_id(dev, "add_address")
    type_into(
        dev,
        "Street, building, room" if lang == "en" else "街道、楼栋、门牌号",
        "88 Jianguo Road, Chaoyang, Beijing",
    )
    type_into(dev, "e.g. Home, Work" if lang == "en" else "如：家、公司", "Gym")
    obs = tap_id(dev, "save_address")
    assert obs.activity.endswith(".ui.MainActivity")
    assert m.selected_address is not None
    assert m.selected_address.line.en == "88 Jianguo Road, Chaoyang, Beijing"
    assert m.selected_address.label.en == "Gym"
    need(dev, "88 Jianguo Road")
    # an order now goes there
    place_paid_order(m, dev.phone.model(WalletApp), pick_dish(m)[1].id, dev.phone.clock.now())
    assert m.orders[0].address.line.en == "88 Jianguo Road, Chaoyang, Beijing"


def test_choose_another_saved_address_at_checkout() -> None:
    dev = phone("en")
    m = dev.phone.model(FoodGoApp)
    shop, dish = pick_dish(m)
    m.add_to_cart(dish.id, 3)
    open_app(dev, "FoodGo")
    scroll_to(dev, shop.name.en)
    tap(dev, shop.name.en)
    tap_id(dev, "go_cart")
    tap_id(dev, "checkout")
    tap_id(dev, "address")
    work = m.addresses[1]
    tap(dev, work.line.en[:20])
    assert m.selected_address == work
    need(dev, work.line.en[:20])


def test_unpaid_order_wrong_pin_and_insufficient_balance() -> None:
    dev = phone("en")
    m = dev.phone.model(FoodGoApp)
    wallet = dev.phone.model(WalletApp)
    order = place_paid_order(m, wallet, pick_dish(m)[1].id, dev.phone.clock.now(), paid=False)
    wallet.set_balance(order.total - 1)
    open_app(dev, "FoodGo")
    tap(dev, "Orders")
    tap(dev, order.restaurant_name.en)
    need(dev, "Awaiting payment")
    tap_id(dev, "pay_now")
    wrong = f"{(int(wallet.pin) + 1) % 10**6:06d}"
    enter_pin(dev, wrong)
    need(dev, "Wrong PIN. 2 attempts left.")
    enter_pin(dev, wallet.pin)
    need(dev, "Insufficient balance")
    obs = dev.observe()
    dev.perform(KeyAction(key="back"))
    assert dev.observe().app == "com.droidpilot.foodgo"
    assert obs.app == "com.droidpilot.wallet"
    assert m.order(order.id).status == "placed"
    assert wallet.requests[-1].status == "cancelled"
    assert wallet.balance == order.total - 1


def test_sms_verification_code_finishes_the_payment() -> None:
    from droidpilot.device.sim.apps.messages.model import MessagesModel

    dev = phone("en")
    m = dev.phone.model(FoodGoApp)
    wallet = dev.phone.model(WalletApp)
    wallet.require_code = True
    order = place_paid_order(m, wallet, pick_dish(m)[1].id, dev.phone.clock.now(), paid=False)
    open_app(dev, "FoodGo")
    tap(dev, "Orders")
    tap(dev, order.restaurant_name.en)
    tap_id(dev, "pay_now")
    enter_pin(dev, wallet.pin)
    need(dev, "verification code")
    code = wallet.outbox[-1].code
    messages = [x for x in dev.phone.state.models.values() if isinstance(x, MessagesModel)]
    assert messages, "the Messages app is installed"
    assert any(code in s.body.en for s in messages[0].messages)
    field = find_id(dev.observe(), "code")
    assert field is not None
    dev.perform(TypeAction(text=code, element=field.id))
    dev.perform(KeyAction(key="back"))
    tap_id(dev, "confirm_code")
    tap_id(dev, "done")
    assert m.order(order.id).status == "paid"


def test_reorder_the_last_order() -> None:
    dev = phone("zh")
    m = dev.phone.model(MealDashApp)
    last = m.last_order
    assert last is not None
    open_app(dev, "美食达")
    tap(dev, "订单")
    tap_id(dev, "reorder")
    assert dev.observe().activity.endswith(".cart.CartActivity")
    assert sorted((x.dish_id, x.qty) for x in m.cart.lines) == sorted(
        (x.dish_id, x.qty) for x in last.lines
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_wallet_home_and_history(lang: str) -> None:
    dev = phone(lang)
    wallet = dev.phone.model(WalletApp)
    food = dev.phone.model(FoodGoApp)
    open_app(dev, "Wallet" if lang == "en" else "钱包")
    need(dev, format_money(wallet.balance))
    need(dev, wallet.cards[0].last4)
    tap_id(dev, "all_transactions")
    seeded = food.orders[0]
    assert wallet.transaction(seeded.payment_ref or "").order_ref == seeded.id
    scroll_to(dev, seeded.restaurant_name.get(lang))
