"""The wallet's state and rules: balance, linked cards, payment requests, PIN, SMS codes,
transactions and refunds.

Other apps ask the wallet to pay (a :class:`PaymentRequest`: merchant, amount, order ref,
caller); the user authorises with the six-digit PIN; the balance pays (cards are shown but
never charged, and there is no top-up in the app, so a balance that is too small stays too
small). With ``require_code`` on, a correct PIN is followed by a six-digit code sent by SMS
(:attr:`WalletModel.outbox`; the wallet app hands it to Messages) that must be entered to
finish. Three wrong PINs (or codes) decline the request.

Seeded state (``WalletModel.seeded(seed, now)``): balance ¥2,000-¥5,000 in whole yuan, PIN
six digits with at least three different digits, two linked cards, a few past transactions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Literal

from droidpilot.device.sim.app import Model, Static
from droidpilot.device.sim.apps.world import Text, format_money, sub_rng
from droidpilot.errors import ValidationError

__all__ = [
    "MAX_ATTEMPTS",
    "Card",
    "PayOutcome",
    "PayResult",
    "PaymentRequest",
    "RequestStatus",
    "Sms",
    "Transaction",
    "TxnKind",
    "WalletModel",
    "WalletSnapshot",
]

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
SMS_SENDER = "95017"

TxnKind = Literal["payment", "refund", "topup", "transfer"]
RequestStatus = Literal["pending", "awaiting_code", "paid", "declined", "cancelled"]
PayOutcome = Literal[
    "paid", "wrong_pin", "locked", "insufficient", "need_code", "wrong_code", "invalid"
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Card(Static):
    id: str
    bank: Text
    kind: Text  # Debit card / Credit card
    last4: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Transaction(Static):
    id: str
    kind: TxnKind
    amount: int  # cents, always positive; payments and transfers take it off the balance
    merchant: Text
    at: dt.datetime
    balance_after: int
    order_ref: str | None = None
    caller: str = ""  # the package that asked for the payment

    @property
    def signed(self) -> int:
        return -self.amount if self.kind in ("payment", "transfer") else self.amount


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentRequest(Static):
    id: str
    merchant: Text
    amount: int
    order_ref: str
    caller: str
    created: dt.datetime
    status: RequestStatus = "pending"
    txn_id: str | None = None
    pin_attempts: int = 0  # wrong PINs so far
    code_attempts: int = 0  # wrong codes so far


@dataclass(frozen=True, slots=True, kw_only=True)
class Sms(Static):
    """A text message the wallet sent to the owner's phone (the verification code)."""

    sender: str
    body: Text
    at: dt.datetime
    code: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PayResult(Static):
    outcome: PayOutcome
    request: PaymentRequest | None = None
    transaction: Transaction | None = None
    attempts_left: int = MAX_ATTEMPTS


@dataclass(frozen=True, slots=True, kw_only=True)
class WalletSnapshot(Static):
    balance: int
    cards: tuple[Card, ...]
    transactions: tuple[Transaction, ...]  # newest first
    requests: tuple[PaymentRequest, ...]  # oldest first
    outbox: tuple[Sms, ...]


_BANKS = (
    Text("ICBC", "工商银行"), Text("China Merchants Bank", "招商银行"),
    Text("Bank of China", "中国银行"), Text("China Construction Bank", "建设银行"),
    Text("Agricultural Bank of China", "农业银行"),
)  # fmt: skip
_PAST = (
    (Text("Starbucks", "星巴克"), 3200, 4600),
    (Text("Metro ticket", "地铁票"), 400, 900),
    (Text("Convenience store", "便利店"), 1200, 5800),
    (Text("Cinema", "电影院"), 4500, 9000),
    (Text("Supermarket", "超市"), 6000, 25000),
)


class WalletModel(Model):
    """The wallet: pages call its methods; tasks read its properties."""

    def __init__(self, *, seed: int, now: dt.datetime) -> None:
        rng = sub_rng(seed, "wallet")
        pin = ""
        while len(set(pin)) < 3:
            pin = f"{rng.randrange(10**6):06d}"
        self._pin = pin
        self._rng = sub_rng(seed, "wallet", "runtime")
        self._balance = rng.randrange(2000, 5001) * 100
        banks = rng.sample(_BANKS, 2)
        self._cards: list[Card] = [
            Card(id="card-1", bank=banks[0], kind=Text("Debit card", "储蓄卡"),
                 last4=f"{rng.randrange(10**4):04d}"),
            Card(id="card-2", bank=banks[1], kind=Text("Credit card", "信用卡"),
                 last4=f"{rng.randrange(10**4):04d}"),
        ]  # fmt: skip
        self._txns: list[Transaction] = []  # oldest first
        self._requests: list[PaymentRequest] = []
        self._outbox: list[Sms] = []
        self.require_code = False
        self._code: dict[str, str] = {}  # request id -> the code sent for it
        # A short past: a top-up a week ago, then a few small payments.
        start = now - dt.timedelta(days=7, hours=rng.randrange(1, 10))
        past: list[tuple[dt.datetime, TxnKind, Text, int]] = [
            (start, "topup", Text(f"Top-up from {banks[0].en}", f"{banks[0].zh}充值"),
             rng.randrange(10, 31) * 10000),
        ]  # fmt: skip
        for i, (merchant, lo, hi) in enumerate(rng.sample(_PAST, 3)):
            at = start + dt.timedelta(days=i + 1, hours=rng.randrange(0, 10))
            past.append((at, "payment", merchant, rng.randrange(lo, hi, 10)))
        balance = self._balance - sum(a if k == "topup" else -a for _, k, _, a in past)
        for at, kind, merchant, amount in past:
            balance += amount if kind == "topup" else -amount
            self._txns.append(
                Transaction(
                    id=self._txn_id(),
                    kind=kind,
                    amount=amount,
                    merchant=merchant,
                    at=at,
                    balance_after=balance,
                )
            )
        self._resort()

    # ------------------------------------------------------------------ reads (task-facing)

    @property
    def pin(self) -> str:
        """The six-digit PIN (tasks quote it in goals that ask the agent to pay)."""
        return self._pin

    @property
    def balance(self) -> int:
        return self._balance

    @property
    def cards(self) -> tuple[Card, ...]:
        return tuple(self._cards)

    @property
    def transactions(self) -> tuple[Transaction, ...]:
        """Newest first."""
        return tuple(reversed(self._txns))

    @property
    def payments(self) -> tuple[Transaction, ...]:
        return tuple(t for t in self.transactions if t.kind == "payment")

    @property
    def requests(self) -> tuple[PaymentRequest, ...]:
        return tuple(self._requests)

    @property
    def outbox(self) -> tuple[Sms, ...]:
        return tuple(self._outbox)

    def request(self, request_id: str) -> PaymentRequest:
        for r in self._requests:
            if r.id == request_id:
                return r
        raise ValidationError(f"no payment request {request_id!r}")

    def transaction(self, txn_id: str) -> Transaction:
        for t in self._txns:
            if t.id == txn_id:
                return t
        raise ValidationError(f"no transaction {txn_id!r}")

    def paid_for(self, order_ref: str) -> int:
        """Cents paid for ``order_ref`` less the refunds."""
        return sum(-t.signed for t in self._txns if t.order_ref == order_ref
                   and t.kind in ("payment", "refund"))  # fmt: skip

    def can_afford(self, amount: int) -> bool:
        return 0 <= amount <= self._balance

    def snapshot(self) -> WalletSnapshot:
        return WalletSnapshot(balance=self._balance, cards=self.cards,
                              transactions=self.transactions, requests=self.requests,
                              outbox=self.outbox)  # fmt: skip

    # ------------------------------------------------------------------ paying

    def _txn_id(self) -> str:
        return f"T{self._rng.randrange(10**9, 10**10)}"

    def _resort(self) -> None:
        self._txns.sort(key=lambda t: t.at)

    def _put(self, new: PaymentRequest) -> PaymentRequest:
        i = next(i for i, r in enumerate(self._requests) if r.id == new.id)
        self._requests[i] = new
        return new

    def create_request(
        self, *, merchant: Text | str, amount: int, order_ref: str, caller: str,
        now: dt.datetime,
    ) -> PaymentRequest:  # fmt: skip
        if amount <= 0:
            raise ValidationError(f"a payment must be positive, got {amount}")
        req = PaymentRequest(
            id=f"R{len(self._requests) + 1:04d}",
            merchant=Text.same(merchant) if isinstance(merchant, str) else merchant,
            amount=amount, order_ref=order_ref, caller=caller, created=now,
        )  # fmt: skip
        self._requests.append(req)
        return req

    def authorise(self, request_id: str, pin: str, now: dt.datetime) -> PayResult:
        """Check the PIN and pay (or send the SMS code first, when ``require_code``)."""
        req = self.request(request_id)
        if req.status != "pending":
            return PayResult(outcome="invalid", request=req)
        if pin != self._pin:
            req = self._put(dataclasses.replace(req, pin_attempts=req.pin_attempts + 1))
            left = MAX_ATTEMPTS - req.pin_attempts
            if left <= 0:
                req = self._put(dataclasses.replace(req, status="declined"))
                return PayResult(outcome="locked", request=req, attempts_left=0)
            return PayResult(outcome="wrong_pin", request=req, attempts_left=left)
        if not self.can_afford(req.amount):
            return PayResult(outcome="insufficient", request=req)
        if self.require_code:
            code = f"{self._rng.randrange(10**6):06d}"
            self._code[req.id] = code
            self._outbox.append(Sms(
                sender=SMS_SENDER, at=now, code=code, body=Text(
                    f"[Wallet] Your verification code is {code}. It pays "
                    f"{format_money(req.amount)} to {req.merchant.en}. Do not share it.",
                    f"【钱包】验证码{code}，用于向{req.merchant.zh}支付{format_money(req.amount)}，"
                    "请勿泄露。"),
            ))  # fmt: skip
            req = self._put(dataclasses.replace(req, status="awaiting_code"))
            return PayResult(outcome="need_code", request=req)
        return self._pay(req, now)

    def confirm_code(self, request_id: str, code: str, now: dt.datetime) -> PayResult:
        req = self.request(request_id)
        if req.status != "awaiting_code":
            return PayResult(outcome="invalid", request=req)
        if code.strip() != self._code.get(req.id):
            req = self._put(dataclasses.replace(req, code_attempts=req.code_attempts + 1))
            left = MAX_ATTEMPTS - req.code_attempts
            if left <= 0:
                req = self._put(dataclasses.replace(req, status="declined"))
                return PayResult(outcome="locked", request=req, attempts_left=0)
            return PayResult(outcome="wrong_code", request=req, attempts_left=left)
        if not self.can_afford(req.amount):
            return PayResult(outcome="insufficient", request=req)
        return self._pay(req, now)

    def pending_code(self, request_id: str) -> str | None:
        """The code sent for a request (for the Messages hand-off and for tests)."""
        return self._code.get(request_id)

    def _pay(self, req: PaymentRequest, now: dt.datetime) -> PayResult:
        self._balance -= req.amount
        txn = Transaction(id=self._txn_id(), kind="payment", amount=req.amount,
                          merchant=req.merchant, at=now, balance_after=self._balance,
                          order_ref=req.order_ref, caller=req.caller)  # fmt: skip
        self._txns.append(txn)
        self._resort()
        req = self._put(dataclasses.replace(req, status="paid", txn_id=txn.id))
        logger.debug("wallet: paid %d to %s for %s", req.amount, req.merchant.en, req.order_ref)
        return PayResult(outcome="paid", request=req, transaction=txn)

    def cancel_request(self, request_id: str) -> PaymentRequest:
        req = self.request(request_id)
        if req.status in ("pending", "awaiting_code"):
            req = self._put(dataclasses.replace(req, status="cancelled"))
        return req

    def refund(self, order_ref: str, amount: int, now: dt.datetime) -> Transaction | None:
        """Give back up to what was paid for ``order_ref``; None if nothing is left to refund."""
        amount = min(amount, self.paid_for(order_ref))
        if amount <= 0:
            return None
        paid = next(t for t in reversed(self._txns)
                    if t.order_ref == order_ref and t.kind == "payment")  # fmt: skip
        self._balance += amount
        txn = Transaction(id=self._txn_id(), kind="refund", amount=amount,
                          merchant=paid.merchant, at=now, balance_after=self._balance,
                          order_ref=order_ref, caller=paid.caller)  # fmt: skip
        self._txns.append(txn)
        self._resort()
        return txn

    # ------------------------------------------------------------------ setup hooks for tasks

    def set_balance(self, cents: int) -> None:
        if cents < 0:
            raise ValidationError(f"a balance cannot be negative, got {cents}")
        self._balance = cents

    def set_pin(self, pin: str) -> None:
        if len(pin) != 6 or not pin.isdigit():
            raise ValidationError("a PIN is six digits")
        self._pin = pin

    def record_payment(
        self, *, txn_id: str, merchant: Text, amount: int, at: dt.datetime,
        order_ref: str | None = None, caller: str = "",
    ) -> Transaction:  # fmt: skip
        """Put a past payment into the history (the balance is taken as already paid)."""
        self._txns.append(Transaction(id=txn_id, kind="payment", amount=amount,
                                      merchant=merchant, at=at, balance_after=self._balance,
                                      order_ref=order_ref, caller=caller))  # fmt: skip
        self._resort()
        # Balances after each entry, recomputed backwards from the current balance.
        bal = self._balance
        fixed: list[Transaction] = []
        for t in reversed(self._txns):
            fixed.append(dataclasses.replace(t, balance_after=bal))
            bal -= t.signed
        self._txns = list(reversed(fixed))
        return self.transaction(txn_id)
