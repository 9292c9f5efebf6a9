"""The wallet app (com.droidpilot.wallet): balance and cards, transactions, and the payment
screen other apps open with the ``"pay"`` intent.

``ctx.send("pay", request=..., amount_cents=..., merchant=Text|str, order_ref=..., caller=...)``
opens :class:`PayPage`: the user types the six-digit PIN on its keypad (buttons ``0``-``9``,
resource ids ``key_0``..``key_9``, ``key_delete``); with the SMS code switched on
(``WalletModel.require_code``) a code field follows, and the code arrives in Messages from
``95017``. On success the page shows "Payment successful" and Done (or back) returns
``Result.success(txn=<transaction id>, request=<request id>)``; backing out earlier returns
``Result.canceled()`` and cancels the request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from droidpilot.device.sim.app import App, Ctx, ModelEnv, Page, Result
from droidpilot.device.sim.apps.food.generate import APP_IDS, catalogs
from droidpilot.device.sim.apps.food.model import FoodAppModel
from droidpilot.device.sim.apps.food.payments import merchant_for
from droidpilot.device.sim.apps.wallet.model import SMS_SENDER, Sms, Transaction, WalletModel
from droidpilot.device.sim.apps.world import Text, format_money
from droidpilot.device.sim.views import (
    MATCH,
    WRAP,
    View,
    button,
    card,
    column,
    divider,
    edit_text,
    icon_button,
    list_view,
    row,
    scroll,
    text,
    toolbar,
)

__all__ = ["APP", "PACKAGE", "HomePage", "PayPage", "TransactionsPage", "WalletApp"]

PACKAGE = "com.droidpilot.wallet"
WCtx = Ctx[WalletModel]
T = Text

_KINDS: dict[str, Text] = {
    "payment": T("Payment", "付款"), "refund": T("Refund", "退款"),
    "topup": T("Top-up", "充值"), "transfer": T("Transfer", "转账"),
}  # fmt: skip


def _signed(t: Transaction) -> str:
    return ("+" if t.signed > 0 else "-") + format_money(t.amount)


def _txn_row(ctx: WCtx, t: Transaction, on_click: Callable[[WCtx], None] | None) -> View:
    return card(
        row(text(t.merchant, size=15, bold=True, id="txn_merchant", w=WRAP, weight=1, lines=1),
            text(_signed(t), size=15, id="txn_amount", w=WRAP)),
        text(f"{ctx.tr(_KINDS[t.kind])} · {t.at:%Y-%m-%d %H:%M}", size=12, color="#777777",
             id="txn_meta"),
        id="transaction", on_click=on_click,
    )  # fmt: skip


class HomePage(Page[WalletModel]):
    activity = ".HomeActivity"

    def build(self, ctx: WCtx) -> View:
        m = ctx.model
        cards = [
            card(text(f"{ctx.tr(c.bank)} {ctx.tr(c.kind)}", size=15, id="card_bank"),
                 text(f"•••• {c.last4}", size=13, id="card_number"), id="bank_card")
            for c in m.cards
        ]  # fmt: skip
        recent = [_txn_row(ctx, t, _open_txn(t.id)) for t in m.transactions[:3]]
        return column(
            toolbar(T("Wallet", "钱包"), back=False),
            scroll(
                "wallet_home",
                column(text(T("Balance", "余额"), size=14, id="balance_label"),
                       text(format_money(m.balance), size=32, bold=True, id="balance"),
                       pad=16),
                divider(),
                text(T("Linked cards", "已绑定的银行卡"), size=15, bold=True, id="cards_title"),
                *cards,
                divider(),
                row(text(T("Recent transactions", "最近交易"), size=15, bold=True, w=WRAP,
                         weight=1),
                    button(T("All transactions", "全部账单"), self.all_txns, id="all_transactions",
                           w=WRAP, primary=False)),
                *recent,
                weight=1,
            ),
            h=MATCH,
        )  # fmt: skip

    def all_txns(self, ctx: WCtx) -> None:
        ctx.start(TransactionsPage())


def _open_txn(txn_id: str) -> Callable[[WCtx], None]:
    def handler(ctx: WCtx) -> None:
        ctx.start(TransactionDetailPage(txn_id))

    return handler


class TransactionsPage(Page[WalletModel]):
    activity = ".bill.BillListActivity"

    def build(self, ctx: WCtx) -> View:
        rows = [_txn_row(ctx, t, _open_txn(t.id)) for t in ctx.model.transactions]
        return column(toolbar(T("Transactions", "账单")), list_view("transactions", rows, weight=1),
                      h=MATCH)  # fmt: skip


class TransactionDetailPage(Page[WalletModel]):
    activity = ".bill.BillDetailActivity"

    def __init__(self, txn_id: str) -> None:
        super().__init__()
        self.txn_id = txn_id

    def build(self, ctx: WCtx) -> View:
        t = ctx.model.transaction(self.txn_id)
        return column(
            toolbar(T("Transaction details", "账单详情")),
            text(t.merchant, size=18, bold=True, id="txn_merchant"),
            text(_signed(t), size=28, bold=True, id="txn_amount"),
            text(f"{ctx.t('Type', '类型')}: {ctx.tr(_KINDS[t.kind])}", id="txn_kind"),
            text(f"{ctx.t('Time', '时间')}: {t.at:%Y-%m-%d %H:%M}", id="txn_time"),
            text(f"{ctx.t('Order', '订单号')}: {t.order_ref}", id="txn_order")
            if t.order_ref else None,
            text(f"{ctx.t('Transaction no.', '交易单号')}: {t.id}", id="txn_id"),
            text(f"{ctx.t('Balance after', '交易后余额')}: {format_money(t.balance_after)}",
                 id="txn_balance"),
            h=MATCH,
        )  # fmt: skip


class PayPage(Page[WalletModel]):
    """The payment authorisation screen (the ``"pay"`` intent)."""

    activity = ".pay.PayActivity"

    def __init__(
        self, amount_cents: int = 0, merchant: object = "", order_ref: str = "",
        caller: str = "", **_extras: object,
    ) -> None:  # fmt: skip
        super().__init__()
        self.amount = int(amount_cents)
        self.merchant = merchant if isinstance(merchant, Text) else Text.same(str(merchant))
        self.order_ref = str(order_ref)
        self.caller = str(caller)
        self.request_id: str | None = None
        self.digits = ""
        self.mode = "pin"  # pin | code | done | failed
        self.error: Text | None = None
        self.txn: str | None = None

    def _request(self, ctx: WCtx) -> str:
        if self.request_id is None:
            req = ctx.model.create_request(merchant=self.merchant, amount=max(1, self.amount),
                                           order_ref=self.order_ref, caller=self.caller,
                                           now=ctx.now)  # fmt: skip
            self.request_id = req.id
        return self.request_id

    def on_start(self, ctx: WCtx) -> None:
        self._request(ctx)

    def build(self, ctx: WCtx) -> View:
        m = ctx.model
        self._request(ctx)
        head = [
            toolbar(T("Payment", "付款")),
            text(self.merchant, size=16, gravity="center", id="merchant"),
            text(format_money(self.amount), size=34, bold=True, gravity="center", id="amount"),
        ]
        err = text(self.error, color="#D32F2F", id="error", gravity="center") if self.error \
            else None  # fmt: skip
        if self.mode == "done":
            return column(*head, text(T("Payment successful", "支付成功"), size=22, bold=True,
                                      gravity="center", id="result"),
                          button(T("Done", "完成"), self.done, id="done"), h=MATCH)  # fmt: skip
        if self.mode == "failed":
            return column(*head, text(T("Payment declined", "支付失败"), size=22, bold=True,
                                      gravity="center", id="result"), err,
                          button(T("Close", "关闭"), self.close, id="close"), h=MATCH)  # fmt: skip
        source = ctx.t(
            f"Pay with: Wallet balance ({format_money(m.balance)})",
            f"付款方式：钱包余额（{format_money(m.balance)}）",
        )
        if self.mode == "code":
            return column(
                *head, text(source, size=13, gravity="center", id="pay_source"),
                text(T("Enter the verification code we sent to your phone by SMS",
                       "请输入短信验证码"), id="code_prompt"),
                edit_text("code", hint=T("6-digit code", "6位验证码"), on_submit=self.submit_code),
                err,
                button(T("Confirm", "确认"), self.confirm_code, id="confirm_code"),
                h=MATCH,
            )  # fmt: skip
        dots = "●" * len(self.digits) + "○" * (6 - len(self.digits))
        keys = [[str(d) for d in range(i, i + 3)] for i in (1, 4, 7)]
        pad = [row(*[button(k, self.digit(k), id=f"key_{k}", weight=1, w=WRAP, primary=False)
                     for k in ks]) for ks in keys]  # fmt: skip
        pad.append(row(
            text("", weight=1, w=WRAP),
            button("0", self.digit("0"), id="key_0", weight=1, w=WRAP, primary=False),
            icon_button(T("Delete", "删除"), self.delete, id="key_delete"),
        ))  # fmt: skip
        return column(
            *head,
            text(source, size=13, gravity="center", id="pay_source"),
            text(T("Enter your 6-digit payment PIN", "请输入6位支付密码"), gravity="center",
                 id="pin_prompt"),
            text(dots, size=24, gravity="center", id="pin_dots",
                 desc=ctx.t(f"{len(self.digits)} of 6 digits entered",
                            f"已输入{len(self.digits)}位")),
            err,
            *pad,
            h=MATCH,
        )  # fmt: skip

    def digit(self, d: str) -> Callable[[WCtx], None]:
        def handler(ctx: WCtx) -> None:
            if self.mode != "pin" or len(self.digits) >= 6:
                return
            self.digits += d
            if len(self.digits) == 6:
                self._authorise(ctx)

        return handler

    def delete(self, ctx: WCtx) -> None:
        self.digits = self.digits[:-1]

    def _authorise(self, ctx: WCtx) -> None:
        res = ctx.model.authorise(self._request(ctx), self.digits, ctx.now)
        self.digits = ""
        self.error = None
        if res.outcome == "paid" and res.transaction is not None:
            self.mode, self.txn = "done", res.transaction.id
        elif res.outcome == "wrong_pin":
            self.error = T(f"Wrong PIN. {res.attempts_left} attempts left.",
                           f"支付密码错误，还可以尝试{res.attempts_left}次")  # fmt: skip
        elif res.outcome == "insufficient":
            self.error = T("Insufficient balance", "余额不足")
        elif res.outcome == "need_code":
            self.mode = "code"
            _deliver_sms(ctx, ctx.model.outbox[-1])
        elif res.outcome == "locked":
            self.mode = "failed"
            self.error = T("Too many wrong attempts", "错误次数过多")
        else:
            self.mode = "failed"

    def submit_code(self, ctx: WCtx, code: str) -> None:
        self._check_code(ctx, code)

    def confirm_code(self, ctx: WCtx) -> None:
        self._check_code(ctx, ctx.field("code"))

    def _check_code(self, ctx: WCtx, code: str) -> None:
        res = ctx.model.confirm_code(self._request(ctx), code, ctx.now)
        self.error = None
        if res.outcome == "paid" and res.transaction is not None:
            self.mode, self.txn = "done", res.transaction.id
        elif res.outcome == "wrong_code":
            self.error = T(f"Wrong code. {res.attempts_left} attempts left.",
                           f"验证码错误，还可以尝试{res.attempts_left}次")  # fmt: skip
        elif res.outcome == "insufficient":
            self.error = T("Insufficient balance", "余额不足")
        else:
            self.mode = "failed"
            self.error = T("Too many wrong attempts", "错误次数过多")

    def done(self, ctx: WCtx) -> None:
        ctx.finish(Result.success(txn=self.txn, request=self.request_id))

    def close(self, ctx: WCtx) -> None:
        ctx.finish(Result.canceled(request=self.request_id))

    def on_back(self, ctx: WCtx) -> bool:
        if self.mode == "done":
            self.done(ctx)
            return True
        if self.request_id is not None:
            ctx.model.cancel_request(self.request_id)
        return False


def _deliver_sms(ctx: WCtx, sms: Sms) -> None:
    """Hand the verification text to the Messages app (and its notification)."""
    from droidpilot.device.sim.apps.messages.model import MessagesModel

    for package, model in ctx.phone.state.models.items():
        if isinstance(model, MessagesModel):
            model.receive(SMS_SENDER, sms.body, now=ctx.now)
            ctx.phone.notify(package, SMS_SENDER, ctx.tr(sms.body), None)
            return


class WalletApp(App[WalletModel]):
    package = PACKAGE
    label = T("Wallet", "钱包")
    launcher = HomePage
    intents: ClassVar[Mapping[str, type[Page[Any]]]] = MappingProxyType({"pay": PayPage})
    color = "#1E88E5"

    def create_model(self, env: ModelEnv) -> WalletModel:
        wallet = WalletModel(seed=env.seed, now=env.now)
        # The food apps' seeded past orders were paid from this wallet.
        for app in APP_IDS:
            food = FoodAppModel(catalogs(env.seed)[app], seed=env.seed, now=env.now)
            for order in food.orders:
                if order.payment_ref is not None and order.paid_at is not None:
                    wallet.record_payment(txn_id=order.payment_ref, merchant=merchant_for(order),
                                          amount=order.total, at=order.paid_at,
                                          order_ref=order.id, caller=food.package)  # fmt: skip
        return wallet


APP = WalletApp()
