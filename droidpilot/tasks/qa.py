"""Questions about the personal apps: the wallet balance and latest transaction, a contact's
phone number, a pick-up code in Messages. (The food, travel and ticket questions live with
their suites and also carry the ``qa`` suite.)"""

from __future__ import annotations

import random
import re

from droidpilot.device.sim.apps.contacts import ContactsApp
from droidpilot.device.sim.apps.messages import MessagesApp
from droidpilot.device.sim.apps.wallet.app import WalletApp
from droidpilot.tasks.answers import Expected
from droidpilot.tasks.checkers import (
    contact_number,
    inbox_code,
    wallet_balance,
    wallet_last_amount,
)
from droidpilot.tasks.oracle import Driver, OracleStuck
from droidpilot.tasks.spec import (
    Baseline,
    Bi,
    Hit,
    Milestone,
    Params,
    ParamValue,
    Predicate,
    TaskSpec,
    World,
    hit,
)
from droidpilot.types import Action, AnswerAction

__all__ = ["SPECS"]

WALLET = WalletApp.package
CONTACTS = ContactsApp.package
MESSAGES = MessagesApp.package


def _in_app(package: str, activity: str = "") -> Predicate:
    def check(w: World, p: Params, b: Baseline) -> Hit:
        on = w.package == package and w.activity.endswith(activity)
        return hit(on, f"{package}{activity} open" if on else f"not in {package}{activity}")

    return check


def _nothing(rng: random.Random, w: World) -> dict[str, ParamValue]:
    return {}


def balance() -> TaskSpec:
    def answer(w: World, p: Params, b: Baseline) -> Expected:
        return Expected(kind="money", value=w.wallet.balance)

    def oracle(d: Driver, p: Params) -> Action:
        d.open(d.t("Wallet", "钱包"))
        return AnswerAction(text=d.text_of("balance"))

    return TaskSpec(
        id="WalletAskBalance",
        suites=("qa",),
        apps=(WALLET,),
        kind="question",
        difficulty="easy",
        tags=("question", "wallet"),
        goal_en="How much money is left in my wallet?",
        goal_zh="我的钱包余额还有多少？",
        sample=_nothing,
        oracle=oracle,
        budget=6,
        milestones=(Milestone(name="wallet_open", weight=1.0, check=_in_app(WALLET)),),
        answer=answer,
        checker=wallet_balance(),
    )


def last_transaction() -> TaskSpec:
    def answer(w: World, p: Params, b: Baseline) -> Expected:
        return Expected(kind="money", value=w.wallet.transactions[0].amount)

    def oracle(d: Driver, p: Params) -> Action:
        d.open(d.t("Wallet", "钱包"))
        row = d.must(rid="transaction")
        amount = next((x for x in row.text.split(" | ") if "¥" in x), row.text)
        return AnswerAction(text=amount.lstrip("+-"))

    return TaskSpec(
        id="WalletAskLastTransaction",
        suites=("qa",),
        apps=(WALLET,),
        kind="question",
        difficulty="easy",
        tags=("question", "wallet"),
        goal_en="What was the amount of the most recent transaction in my wallet?",
        goal_zh="我钱包里最近一笔交易的金额是多少？",
        sample=_nothing,
        oracle=oracle,
        budget=8,
        milestones=(Milestone(name="wallet_open", weight=1.0, check=_in_app(WALLET)),),
        answer=answer,
        checker=wallet_last_amount(),
    )


def contact_phone() -> TaskSpec:
    def sample(rng: random.Random, w: World) -> dict[str, ParamValue]:
        c = rng.choice(w.phone.read(ContactsApp).contacts)
        return {"name": Bi.of(c.name), "_phone": c.phone}

    def answer(w: World, p: Params, b: Baseline) -> Expected:
        return Expected(kind="text", forms=(p.s("_phone"),))

    def oracle(d: Driver, p: Params) -> Action:
        d.open(d.t("Contacts", "通讯录"))
        d.tap(p.t("name", d.lang), rid="contact", exact=True)
        return AnswerAction(text=d.text_of("phone"))

    return TaskSpec(
        id="ContactsAskPhoneNumber",
        suites=("qa",),
        apps=(CONTACTS,),
        kind="question",
        difficulty="easy",
        tags=("question", "contacts"),
        goal_en="What is {name}'s mobile number?",
        goal_zh="{name}的手机号是多少？",
        sample=sample,
        oracle=oracle,
        budget=12,
        milestones=(
            Milestone(
                name="contact_open", weight=1.0, check=_in_app(CONTACTS, "ContactDetailActivity")
            ),
        ),
        answer=answer,
        checker=contact_number("name"),
    )


def parcel_code() -> TaskSpec:
    def answer(w: World, p: Params, b: Baseline) -> Expected:
        return Expected(kind="text", forms=(w.phone.read(MessagesApp).facts.parcel_code,))

    def oracle(d: Driver, p: Params) -> Action:
        d.open(d.t("Messages", "信息"))
        d.tap(d.t("Courier", "快递驿站"), rid="conversation")
        for it in d.obs().view.items:
            m = re.search(r"\d-\d-\d{4}", it.text)
            if m:
                return AnswerAction(text=m.group(0))
        raise OracleStuck(f"no pick-up code on screen:\n{d.screen()}")

    return TaskSpec(
        id="MessagesAskParcelCode",
        suites=("qa",),
        apps=(MESSAGES,),
        kind="question",
        difficulty="easy",
        tags=("question", "messages"),
        goal_en="What is the pick-up code for my parcel? It came by text message.",
        goal_zh="我的快递取件码是多少？短信里有。",
        sample=_nothing,
        oracle=oracle,
        budget=10,
        milestones=(
            Milestone(
                name="thread_open", weight=1.0, check=_in_app(MESSAGES, "ConversationActivity")
            ),
        ),
        answer=answer,
        checker=inbox_code(r"\d-\d-\d{4}"),
    )


SPECS: tuple[TaskSpec, ...] = (balance(), last_transaction(), contact_phone(), parcel_code())
