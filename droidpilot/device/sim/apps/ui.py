"""Small helpers the personal apps' pages share: date, time and duration words, and the
payment and refund hand-offs to the wallet app.

Payment: a page calls :func:`request_payment`, which sends the ``"pay"`` intent to the wallet
(``com.droidpilot.wallet``) with ``amount_cents``, ``merchant``, ``order_ref`` and ``caller``;
the wallet's result (``ok`` with ``txn``) comes back to the page's ``on_result`` under the
request name ``"pay"``; :func:`payment_ref` reads the transaction id out of it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from droidpilot.device.sim.app import Ctx, Result
from droidpilot.device.sim.apps.world import Text

__all__ = [
    "WALLET",
    "format_date",
    "format_duration",
    "model_of",
    "payment_ref",
    "refund_to_wallet",
    "request_payment",
]

WALLET = "com.droidpilot.wallet"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(d: dt.date, lang: str, *, weekday: bool = True) -> str:
    """``Sat, Mar 15`` / ``3月15日 周六``."""
    if lang == "zh":
        return f"{d.month}月{d.day}日" + (f" {_WEEKDAYS_ZH[d.weekday()]}" if weekday else "")
    base = f"{_MONTHS_EN[d.month - 1]} {d.day}"
    return f"{_WEEKDAYS_EN[d.weekday()]}, {base}" if weekday else base


def format_duration(minutes: int, lang: str) -> str:
    """``4h 28m`` / ``4小时28分``."""
    h, m = divmod(minutes, 60)
    if lang == "zh":
        return f"{h}小时{m}分" if h else f"{m}分钟"
    return f"{h}h {m:02d}m" if h else f"{m}m"


def model_of(ctx: Ctx[Any], package: str) -> Any:
    """Another app's model on the same phone (``None`` if that app is not installed)."""
    return ctx.phone.state.models.get(package)


def request_payment(ctx: Ctx[Any], *, amount: int, merchant: Text, order_ref: str) -> bool:
    """Hand payment to the wallet; the result comes back to ``on_result(ctx, "pay", ...)``."""
    return ctx.send(
        "pay",
        request="pay",
        amount_cents=amount,
        merchant=merchant,
        order_ref=order_ref,
        caller=ctx.package,
    )


def payment_ref(result: Result) -> str | None:
    """The wallet transaction id of a successful payment result, else ``None``."""
    if not result.ok:
        return None
    txn = result.get("txn") or result.get("txn_id") or result.get("transaction")
    return str(txn) if txn else "paid"


def refund_to_wallet(ctx: Ctx[Any], order_ref: str, amount: int) -> bool:
    """Give ``amount`` back to the wallet for ``order_ref`` (False if there is no wallet)."""
    wallet = model_of(ctx, WALLET)
    if wallet is None or amount <= 0 or not hasattr(wallet, "refund"):
        return False
    return wallet.refund(order_ref, amount, ctx.now) is not None
