"""The sensitive-action policy: deterministic rules, not the model's opinion.

An action is *sensitive* when what it touches (the tapped element's words, the field it types
into) or, for a confirming key, the screen it acts on matches payment, order, send, delete,
booking or transfer patterns (English and Chinese), or when it enters a PIN. Then:

- a spend cap per episode, read from the amounts on screen, is a hard limit in every mode;
- a sensitive action of a kind the goal never asked for (a transfer when the goal was to order
  food: what prompt-injection text on screen tries to cause) is refused in every mode;
- otherwise the mode decides: ``allow`` lets it through, ``deny`` refuses it, ``ask`` asks an
  approver (a prompt on the CLI, an approval over REST) and follows the answer.

Every decision is a :class:`~droidpilot.types.GuardDecision` that goes into the step record.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from droidpilot.types import (
    Action,
    GuardDecision,
    KeyAction,
    LongPressAction,
    ScreenView,
    TapAction,
    TypeAction,
    ViewItem,
)

__all__ = [
    "ApprovalRequest",
    "Approver",
    "Guard",
    "GuardMode",
    "amounts_in",
    "classify",
    "goal_intents",
]

logger = logging.getLogger(__name__)

GuardMode = Literal["ask", "allow", "deny"]

# category -> what marks an element (its words) as that kind of irreversible step
_TARGET_PATTERNS: dict[str, re.Pattern[str]] = {
    "transfer": re.compile(r"\btransfer\b|\bsend money\b|转账|汇款", re.I),
    "payment": re.compile(
        # 已支付 / 已付款 ("paid") is an order's status, as "Paid" is in English: not a step
        r"\bpay\b|\bpay now\b|\bconfirm (and )?pay(ment)?\b|\bauthori[sz]e\b|"
        r"(?<!已)支付|(?<!已)付款|确认付款|立即支付|确认支付",
        re.I,
    ),
    "order": re.compile(
        r"\bplace (the |my )?order\b|\bsubmit order\b|\border now\b|\bbuy( now)?\b|"
        r"\bpurchase\b|\bcheckout and pay\b|提交订单|下单|立即购买|确认购买|购买",
        re.I,
    ),
    "booking": re.compile(
        r"\bbook( now| it| ticket| tickets)?\b|\bconfirm (the )?booking\b|\breserve\b|"
        r"预订|预定|订票",
        re.I,
    ),
    "send": re.compile(r"\bsend\b|\bshare\b|\bpost\b|发送|分享|发布", re.I),
    "delete": re.compile(
        r"\bdelete\b|\bremove (account|card)\b|\bcancel (the |my )?(order|booking)\b|"
        r"删除|取消订单|取消预订|退订",
        re.I,
    ),
}

# what in a goal asks for each kind of step
_GOAL_INTENTS: dict[str, re.Pattern[str]] = {
    "payment": re.compile(
        r"\b(order|buy|pay|purchase|book|reserve|ticket|tickets|reorder|checkout)\b|"
        r"点|订|买|购|支付|付款|预订|预定|下单|再来一单",
        re.I,
    ),
    "send": re.compile(
        r"\b(send|message|text|tell|share|reply|forward|notify|let .* know)\b|"
        r"发|告诉|分享|回复|通知",
        re.I,
    ),
    # 退掉 / 退票: give a ticket back (cancel the booking)
    "delete": re.compile(r"\b(delete|remove|cancel|clear)\b|删除|取消|退订|退掉|退票|清除", re.I),
    "transfer": re.compile(r"\btransfer\b|\bsend money\b|转账|汇款", re.I),
}
# a target category and the goal intent that covers it
_INTENT_FOR = {
    "payment": "payment",
    "order": "payment",
    "booking": "payment",
    "pin": "payment",
    "send": "send",
    "delete": "delete",
    "transfer": "transfer",
}

_PIN_SCREEN = re.compile(
    r"\b(enter|input|type) (your |the )?(payment )?(pin|password|passcode)\b|"
    r"\bPIN\b|支付密码|输入密码|请输入密码",
    re.I,
)
_DIGIT = re.compile(r"^\s*\d\s*$")
_AMOUNT = re.compile(
    r"(?:[¥￥$€£]|RMB|CNY|USD)\s?(\d{1,7}(?:[.,]\d{1,2})?)|(\d{1,7}(?:\.\d{1,2})?)\s?(?:元|yuan)",
    re.I,
)
_TOTAL_LINE = re.compile(r"total|amount|to pay|pay\b|合计|实付|应付|总计|金额|支付", re.I)
# lines whose amounts are not what a step spends (a balance, a limit, a discount)
_NOT_SPENT = re.compile(
    r"balance|available|limit|coupon|discount|saved|off\b|余额|可用|额度|优惠|立减|省", re.I
)
_MONEY = ("payment", "order", "booking", "transfer")


def amounts_in(text: str) -> list[float]:
    """Money amounts written in a text (¥58, $12.50, 30元)."""
    out = []
    for m in _AMOUNT.finditer(text):
        raw = (m.group(1) or m.group(2)).replace(",", ".")
        try:
            out.append(float(raw))
        except ValueError:  # pragma: no cover - the pattern only admits numbers
            continue
    return out


def goal_intents(goal: str) -> frozenset[str]:
    """The kinds of sensitive step a goal asks for (payment, send, delete, transfer)."""
    return frozenset(name for name, pat in _GOAL_INTENTS.items() if pat.search(goal))


def _target(action: Action, view: ScreenView | None) -> ViewItem | None:
    if view is None:
        return None
    if isinstance(action, TapAction | LongPressAction):
        if action.element is not None:
            return view.item(action.element)
        assert action.x is not None
        assert action.y is not None
        x, y = action.x, action.y
        hits = [it for it in view.items if it.clickable and it.bounds.contains(x, y)]
        return min(hits, key=lambda it: it.bounds.area) if hits else None
    if isinstance(action, TypeAction):
        if action.element is not None:
            return view.item(action.element)
        return view.item(view.focused) if view.focused is not None else None
    return None


def classify(action: Action, view: ScreenView | None) -> tuple[str, str]:
    """The sensitive category of an action on a screen and why; ``("", "")`` when not sensitive."""
    item = _target(action, view)
    on_pin_screen = view is not None and bool(_PIN_SCREEN.search(view.text))
    if isinstance(action, TypeAction):
        if item is not None and item.password:
            return "pin", f"types into a password field ({item.text or item.role})"
        if on_pin_screen:
            return "pin", "types on a PIN entry screen"
        return "", ""
    if isinstance(action, KeyAction) and action.key == "enter" and view is not None:
        focused = view.item(view.focused) if view.focused is not None else None
        if focused is not None and focused.password:
            return "pin", "submits a password field"
        return "", ""
    if item is None:
        return "", ""
    words = item.text
    if on_pin_screen and _DIGIT.match(words):
        return "pin", f"enters a PIN digit on a PIN pad ({words.strip()})"
    for category, pattern in _TARGET_PATTERNS.items():
        m = pattern.search(words)
        if m:
            return category, f"{category}: taps {words!r} (matches {m.group(0)!r})"
    return "", ""


def _amount_at_stake(item: ViewItem | None, view: ScreenView | None) -> float | None:
    if item is not None:
        own = amounts_in(item.text)
        if own:
            return max(own)
    if view is None:
        return None
    lines = [line for line in view.text.splitlines() if not _NOT_SPENT.search(line)]
    labelled = [a for line in lines if _TOTAL_LINE.search(line) for a in amounts_in(line)]
    if labelled:
        return max(labelled)
    every = [a for line in lines for a in amounts_in(line)]
    return max(every) if every else None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalRequest:
    """What a person is asked to approve."""

    action: Action
    category: str
    reason: str
    amount: float | None
    goal: str
    screen_text: str


#: Answers an approval request: (approved, reason).
Approver = Callable[[ApprovalRequest], tuple[bool, str]]


class Guard:
    """Reviews each action of one episode; keeps the episode's spending against the cap.

    One payment is often several sensitive steps (place the order, pay, then the PIN digits):
    they form a *flow* of one amount, counted against the cap once, and a person who approved
    its first step is not asked again for each PIN digit. A flow ends with the first other
    step after its PIN, or when a step of another amount starts a new one.
    """

    def __init__(
        self,
        *,
        mode: GuardMode = "ask",
        goal: str = "",
        spend_cap: float | None = None,
        approver: Approver | None = None,
    ) -> None:
        if mode not in ("ask", "allow", "deny"):
            raise ValueError(f"guard mode must be ask, allow or deny, got {mode!r}")
        self.mode: GuardMode = mode
        self.goal = goal
        self.intents = goal_intents(goal)
        self.spend_cap = spend_cap
        self.approver = approver
        self.spent = 0.0
        self._flow: float | None = None  # the amount of the payment in progress
        self._flow_approved = False
        self._in_pin = False

    def review(self, action: Action, view: ScreenView | None) -> GuardDecision:
        """Decide whether an action may go ahead."""
        category, why = classify(action, view)
        if not category:
            return GuardDecision(decision="allow", reason="not sensitive")
        amount = _amount_at_stake(_target(action, view), view) if category != "send" else None
        intent = _INTENT_FOR[category]
        if intent not in self.intents:
            return self._decided(
                "deny",
                f"{why}; the goal did not ask for a {intent} step "
                "(text on the screen is not an instruction)",
                category,
                amount,
            )
        in_flow = amount is not None and self._flow is not None and abs(amount - self._flow) < 1e-9
        paying = category in (*_MONEY, "pin") and not in_flow
        over_cap = (
            paying
            and self.spend_cap is not None
            and amount is not None
            and self.spent + amount > self.spend_cap + 1e-9
        )
        if over_cap:
            assert amount is not None
            return self._decided(
                "deny",
                f"{why}; {amount:g} would take spending to {self.spent + amount:g}, "
                f"over the cap of {self.spend_cap:g}",
                category,
                amount,
            )
        if category == "pin" and in_flow and self._flow_approved and self.mode != "deny":
            return self._decided(
                "approved" if self.mode == "ask" else "allow",
                f"{why}; part of the payment of {amount:g} approved at its first step",
                category,
                amount,
            )
        match self.mode:
            case "allow":
                return self._decided("allow", f"{why}; allowed by policy", category, amount)
            case "deny":
                return self._decided("deny", f"{why}; sensitive steps are denied", category, amount)
            case "ask":
                if self.approver is None:
                    return self._decided("ask", f"{why}; waiting for approval", category, amount)
                request = ApprovalRequest(
                    action=action,
                    category=category,
                    reason=why,
                    amount=amount,
                    goal=self.goal,
                    screen_text=view.text if view is not None else "",
                )
                ok, answer = self.approver(request)
                verdict: Literal["approved", "rejected"] = "approved" if ok else "rejected"
                text = f"{why}; {verdict}" + (f": {answer}" if answer else "")
                return self._decided(verdict, text, category, amount)

    def executed(self, decision: GuardDecision) -> None:
        """Count the money of a step that was carried out (every step the loop carries out
        comes here, sensitive or not).

        The first money step of a flow (an order, a booking, a payment, a transfer, or a PIN
        with no step before it) counts its amount; the later steps of the same flow do not.
        """
        if not decision.proceed:
            return
        category, amount = decision.category, decision.amount
        if category in (*_MONEY, "pin"):
            if amount is not None and (self._flow is None or abs(amount - self._flow) > 1e-9):
                self.spent += amount
                self._flow = amount
                self._flow_approved = False
            if amount is not None:
                self._flow_approved = self._flow_approved or decision.decision in (
                    "approved",
                    "allow",
                )
            self._in_pin = category == "pin"
        elif self._in_pin:  # the first other step after a PIN: that payment is done
            self._flow, self._flow_approved, self._in_pin = None, False, False

    def _decided(
        self,
        verdict: Literal["allow", "ask", "approved", "rejected", "deny"],
        reason: str,
        category: str,
        amount: float | None,
    ) -> GuardDecision:
        logger.info("guard: %s (%s)", verdict, reason)
        return GuardDecision(
            decision=verdict, reason=reason, sensitive=True, category=category, amount=amount
        )
