from __future__ import annotations

import datetime as dt
import itertools

import pytest

from droidpilot.device.sim.apps.wallet.model import MAX_ATTEMPTS, WalletModel
from droidpilot.device.sim.apps.world import Text
from droidpilot.errors import ValidationError

NOW = dt.datetime(2025, 5, 12, 11, 20)


def wallet(seed: int = 1) -> WalletModel:
    return WalletModel(seed=seed, now=NOW)


def wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 10**6:06d}"


@pytest.mark.parametrize("seed", range(8))
def test_seeded_state(seed: int) -> None:
    w = wallet(seed)
    assert w.snapshot() == wallet(seed).snapshot()
    assert w.pin == wallet(seed).pin
    assert len(w.pin) == 6
    assert w.pin.isdigit()
    assert len(set(w.pin)) >= 3
    assert 200_000 <= w.balance <= 500_000
    assert w.balance % 100 == 0
    assert len(w.cards) == 2
    assert w.cards[0].bank != w.cards[1].bank
    txns = w.transactions
    assert len(txns) == 4
    assert txns[0].balance_after == w.balance
    assert all(a.at >= b.at for a, b in itertools.pairwise(txns))
    # each entry's balance follows from the one before it
    for newer, older in itertools.pairwise(txns):
        assert newer.balance_after == older.balance_after + newer.signed


def test_pay_with_pin() -> None:
    w = wallet()
    before = w.balance
    req = w.create_request(
        merchant=Text("FoodGo · X", "饭来了·X"),
        amount=4550,
        order_ref="FG1",
        caller="com.droidpilot.foodgo",
        now=NOW,
    )
    res = w.authorise(req.id, w.pin, NOW)
    assert res.outcome == "paid"
    assert res.transaction is not None
    assert w.balance == before - 4550
    assert w.request(req.id).status == "paid"
    assert w.request(req.id).txn_id == res.transaction.id
    assert w.transactions[0] == res.transaction
    assert w.paid_for("FG1") == 4550
    assert w.authorise(req.id, w.pin, NOW).outcome == "invalid"


def test_wrong_pin_then_locked() -> None:
    w = wallet()
    req = w.create_request(merchant="Shop", amount=100, order_ref="o", caller="x", now=NOW)
    for left in range(MAX_ATTEMPTS - 1, 0, -1):
        res = w.authorise(req.id, wrong(w.pin), NOW)
        assert res.outcome == "wrong_pin"
        assert res.attempts_left == left
    res = w.authorise(req.id, wrong(w.pin), NOW)
    assert res.outcome == "locked"
    assert w.request(req.id).status == "declined"
    assert w.authorise(req.id, w.pin, NOW).outcome == "invalid"


def test_insufficient_balance() -> None:
    w = wallet()
    w.set_balance(1000)
    req = w.create_request(merchant="Shop", amount=1001, order_ref="o", caller="x", now=NOW)
    assert not w.can_afford(1001)
    assert w.authorise(req.id, w.pin, NOW).outcome == "insufficient"
    assert w.balance == 1000
    assert w.request(req.id).status == "pending"
    assert not w.payments or w.payments[0].order_ref != "o"


def test_sms_code_flow() -> None:
    w = wallet()
    w.require_code = True
    req = w.create_request(merchant="Shop", amount=500, order_ref="o", caller="x", now=NOW)
    res = w.authorise(req.id, w.pin, NOW)
    assert res.outcome == "need_code"
    sms = w.outbox[-1]
    code = w.pending_code(req.id)
    assert code is not None
    assert sms.code == code
    assert code in sms.body.en
    assert code in sms.body.zh
    assert (
        w.confirm_code(req.id, "000000" if code != "000000" else "111111", NOW).outcome
        == "wrong_code"
    )
    res = w.confirm_code(req.id, code, NOW)
    assert res.outcome == "paid"


def test_cancel_and_refund_caps() -> None:
    w = wallet()
    req = w.create_request(merchant="Shop", amount=2000, order_ref="o", caller="x", now=NOW)
    w.cancel_request(req.id)
    assert w.request(req.id).status == "cancelled"
    assert w.refund("o", 2000, NOW) is None
    req = w.create_request(merchant="Shop", amount=2000, order_ref="p", caller="x", now=NOW)
    w.authorise(req.id, w.pin, NOW)
    before = w.balance
    assert w.refund("p", 500, NOW) is not None
    txn = w.refund("p", 5000, NOW)
    assert txn is not None
    assert txn.amount == 1500
    assert w.balance == before + 2000
    assert w.paid_for("p") == 0


def test_setup_hooks() -> None:
    w = wallet()
    with pytest.raises(ValidationError):
        w.set_balance(-1)
    with pytest.raises(ValidationError):
        w.set_pin("12ab56")
    w.set_pin("135790")
    assert w.pin == "135790"
    with pytest.raises(ValidationError):
        w.create_request(merchant="Shop", amount=0, order_ref="o", caller="x", now=NOW)
    past = NOW - dt.timedelta(days=2)
    t = w.record_payment(
        txn_id="T1", merchant=Text("A", "甲"), amount=300, at=past, order_ref="FG9"
    )
    assert t.at == past
    assert w.transactions[0].balance_after == w.balance
    txns = w.transactions
    for newer, older in itertools.pairwise(txns):
        assert newer.balance_after == older.balance_after + newer.signed
