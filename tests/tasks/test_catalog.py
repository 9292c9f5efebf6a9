"""The catalog test, in the way Gymnasium checks every registered environment: for every task
template and five seeds, success is false right after setup, the oracle reaches success within
the budget, the milestones fire in order, the step rewards add up, and both languages
instantiate."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.tasks import all_specs, by_pattern, by_suite, get, run_oracle
from droidpilot.tasks.reward import SUCCESS_BONUS
from droidpilot.tasks.spec import Task, TaskSpec
from droidpilot.types import FinishAction

SEEDS = range(5)
SPECS = all_specs()
ID = re.compile(r"^[A-Z][a-z]+([A-Z][a-z0-9]+)+$")


@pytest.fixture(scope="module")
def device() -> SimDevice:
    return SimDevice(SimPhone())


def test_the_catalog_is_big_sorted_and_unique() -> None:
    ids = [s.id for s in SPECS]
    assert len(ids) >= 60
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    for suite in ("food", "travel", "tickets", "crossapp", "infeasible", "adversarial", "qa"):
        assert by_suite(suite), suite
    assert get("FoodGoOrderDish").id == "FoodGoOrderDish"
    assert {s.id for s in by_pattern("TravelBook*")} >= {"TravelBookTrain", "TravelBookHotel"}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_spec_is_well_formed(spec: TaskSpec) -> None:
    assert ID.match(spec.id), spec.id
    assert math.isclose(spec.total_weight, 1.0), spec.id
    assert spec.apps
    assert spec.suites
    assert spec.budget > 0
    if spec.effects.pays:
        assert "payment" in spec.sensitive
    if spec.effects.sends:
        assert "send" in spec.sensitive


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_oracle_solves_every_seed(spec: TaskSpec, device: SimDevice) -> None:
    for seed in SEEDS:
        lang = "en" if seed % 2 == 0 else "zh"
        task = spec.instantiate(seed, lang=lang, phone=device.phone)
        goals = task.goals()
        assert goals["en"]
        assert goals["zh"]
        assert "{" not in goals["en"] + goals["zh"]
        assert re.search("[\u4e00-\u9fff]", goals["zh"]), goals["zh"]
        run = run_oracle(task, device)
        where = f"{spec.id} seed {seed} ({lang})"
        assert run.error is None, f"{where}: {run.error}"
        assert not run.success_at_start, f"{where}: successful right after setup"
        assert run.success, f"{where}: {run.reason}"
        assert run.steps <= task.budget, f"{where}: {run.steps} steps > {task.budget}"
        assert run.in_order, f"{where}: milestones out of order {run.first_reached}"
        assert math.isclose(run.final_progress, spec.total_weight), where
        assert math.isclose(run.returned, run.final_progress + SUCCESS_BONUS), where
        assert all(c.evidence for comps in run.components for c in comps), where
        if spec.kind == "infeasible":
            assert isinstance(run.final, FinishAction)
            assert run.final.status == "infeasible"


def test_same_seed_same_task_and_languages_differ() -> None:
    spec = get("TravelBookTrain")
    a = spec.instantiate(3, lang="en")
    b = spec.instantiate(3, lang="zh")
    assert a.params == b.params
    assert a.goal != b.goal
    assert spec.instantiate(4, lang="en").params != a.params


def test_wrong_end_and_wrong_payment_are_failures(device: SimDevice) -> None:
    task: Task = get("FoodGoOrderSoldOutDish").instantiate(0, lang="en", phone=device.phone)
    base = task.setup(device)
    phone = device.phone
    assert not task.check(phone, base, FinishAction(status="success")).success
    assert not task.check(phone, base, FinishAction(status="infeasible", message="hmm")).success
    ok = task.check(phone, base, FinishAction(status="infeasible", message="It is sold out."))
    assert ok.success
    assert ok.reward == SUCCESS_BONUS


def test_an_unasked_payment_is_penalised_and_fails(device: SimDevice) -> None:
    from droidpilot.device.sim.apps.food.payments import place_paid_order
    from droidpilot.device.sim.apps.foodgo import FoodGoApp
    from droidpilot.device.sim.apps.wallet.app import WalletApp

    task = get("FoodGoAskDishPrice").instantiate(1, lang="en", phone=device.phone)
    base = task.setup(device)
    phone = device.phone
    before = task.state(phone, base)
    place_paid_order(
        phone.model(FoodGoApp), phone.model(WalletApp), task.params.s("_dish_id"), phone.clock.now()
    )
    after = task.state(phone, base)
    reward, comps = task.reward(before, after)
    assert [c.name for c in comps] == ["penalty:irreversible"]
    assert reward < 0
    price = phone.read(FoodGoApp).dish(task.params.s("_dish_id")).price
    from droidpilot.types import AnswerAction

    verdict = task.check(phone, base, AnswerAction(text=f"¥{price / 100:.2f}"))
    assert not verdict.success
    assert "not asked for" in verdict.reason


def test_a_real_phone_without_a_checker_gets_no_reward(device: SimDevice) -> None:
    task = get("TravelAskSeatsLeft").instantiate(0, lang="en", phone=device.phone)
    assert task.spec.checker is None
    assert task.check_real(device, None) is None


def test_most_specs_can_be_scored_on_a_real_phone() -> None:
    with_checker = [s.id for s in SPECS if s.checker is not None]
    assert len(with_checker) >= 0.8 * len(SPECS), sorted(
        set(s.id for s in SPECS) - set(with_checker)
    )
    for suite in ("food", "travel", "tickets", "crossapp", "infeasible", "adversarial", "qa"):
        assert any(s.checker is not None for s in by_suite(suite)), suite


def test_the_trip_needs_all_three_paid_within_the_budget(device: SimDevice) -> None:
    from droidpilot.device.sim.apps.tickets import TicketsApp
    from droidpilot.device.sim.apps.travel import TravelApp
    from droidpilot.device.sim.apps.wallet.app import WalletApp
    from droidpilot.tasks.travelkit import book_and_pay_trip, pay_in_setup

    task = get("TravelPlanTrip").instantiate(2, lang="en", phone=device.phone)
    p = task.params
    assert p.i("_cost") <= p.i("_budget")
    base = task.setup(device)
    phone = device.phone
    now = phone.clock.now()
    travel = phone.model(TravelApp)
    trip = next(
        t
        for t in travel.timetable.trains(
            travel.owner.home_city, p.s("_dest"), dt.date.fromisoformat(p.s("_day"))
        )
        if t.number == p.s("_number")
    )
    book_and_pay_trip(phone, trip.id, "second")
    state = task.state(phone, base)
    assert [m.name for m in state.milestones if m.reached] == ["train_booked", "train_paid"]
    assert not task.check(phone, base, FinishAction(status="success")).success
    # the hotel: the cheapest free room that takes the total over the budget
    hotels = travel.hotels
    check_in, check_out = dt.date.fromisoformat(p.s("_in")), dt.date.fromisoformat(p.s("_out"))
    sight = phone.read(TicketsApp).attraction(p.s("_aid"))
    need = p.i("_budget") - trip.fare("second").price - sight.price("adult") * p.i("count")
    h, room = min(
        (
            (h, r)
            for h in hotels.in_city(p.s("_dest"))
            for r in h.rooms
            if hotels.available(h.id, r.code, check_in, check_out) >= 1
            and hotels.quote(h.id, r.code, check_in, check_out) > need
        ),
        key=lambda hr: hotels.quote(hr[0].id, hr[1].code, check_in, check_out),
    )
    booking = travel.book_hotel(h.id, room.code, check_in, check_out, now=now)
    txn = pay_in_setup(
        phone.model(WalletApp),
        merchant=h.name,
        amount=booking.total,
        ref=booking.order_no,
        caller=TravelApp.package,
        now=now,
    )
    travel.mark_paid(booking.id, txn)
    tickets = phone.model(TicketsApp)
    bought = tickets.buy(
        p.s("_aid"), dt.date.fromisoformat(p.s("_visit")), "adult", p.i("count"), now=now
    )
    txn = pay_in_setup(
        phone.model(WalletApp),
        merchant=bought.attraction_name,
        amount=bought.total,
        ref=bought.order_no,
        caller=TicketsApp.package,
        now=now,
    )
    tickets.mark_paid(bought.id, txn)
    state = task.state(phone, base)
    assert state.progress == pytest.approx(1.0)
    assert not state.wrong
    verdict = task.check(phone, base, FinishAction(status="success"))
    assert not verdict.success, verdict.reason
    assert "over the budget" in verdict.reason


def test_an_order_is_met_only_with_the_goals_count_and_nothing_else(device: SimDevice) -> None:
    """ "order 1 × Kung Pao Chicken" is not met by seven of them, or by one and a drink."""
    from droidpilot.device.sim.apps.food.payments import merchant_for
    from droidpilot.device.sim.apps.foodgo import FoodGoApp
    from droidpilot.device.sim.apps.wallet.app import WalletApp

    def verdict(more: int, other: bool) -> tuple[bool, str, list[str]]:
        """A paid order of the goal's count of its dish plus ``more``, and with ``other``
        one of another dish of the restaurant."""
        task = get("FoodGoOrderDish").instantiate(3, lang="en", phone=device.phone)
        base = task.setup(device)
        phone, now = device.phone, device.phone.clock.now()
        food, wallet = phone.model(FoodGoApp), phone.model(WalletApp)
        dish = task.params.s("_dish_id")
        food.clear_cart()
        assert food.add_to_cart(dish, task.params.i("qty") + more) == "added"
        if other:
            shop = food.restaurant(task.params.s("_shop_key"))
            extra = next(d for d in shop.dish_ids if d != dish and not food.dish(d).sold_out)
            assert food.add_to_cart(extra, 1) == "added"
        order = food.checkout(now).order
        assert order is not None
        req = wallet.create_request(
            merchant=merchant_for(order), amount=order.total, order_ref=order.id,
            caller=food.package, now=now,
        )  # fmt: skip
        txn = wallet.authorise(req.id, wallet.pin, now).transaction
        assert txn is not None
        food.mark_paid(order.id, txn.id, now)
        got = task.check(phone, base, FinishAction(status="success"))
        reached = [m.name for m in task.state(phone, base).milestones if m.reached]
        return got.success, got.reason, reached

    ok, _, reached = verdict(0, other=False)
    assert ok
    assert reached == ["in_cart", "ordered", "paid"]
    ok, why, reached = verdict(6, other=False)
    assert not ok
    assert "the goal" in why
    assert "paid" not in reached
    ok, why, reached = verdict(0, other=True)
    assert not ok
    assert "also holds" in why
    assert "paid" not in reached
