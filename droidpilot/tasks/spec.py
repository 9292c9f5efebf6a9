"""TaskSpec (a declarative task template) and Task (one instance of it, for one seed).

A :class:`TaskSpec` says, as data and pure functions:

- ``id`` (``<App><Verb><Object>``), ``suites``, ``tags``, ``apps`` (packages), ``difficulty``
  and ``kind``: ``do`` (change the phone's state), ``question`` (answer it) or ``infeasible``
  (the right end is ``finish(infeasible)`` with the reason);
- goal templates in English and Chinese, filled from :class:`Params`;
- ``sample(rng, world)``: parameters from ``random.Random(seed)`` *and* the seeded content of
  that seed's phone (so every dish, train and attraction named exists in that world);
- ``setup(phone, params)``: shapes the start state through the apps' setup hooks and returns
  named references (an order it placed) that the checks may use;
- ``milestones``: named predicates over app state with weights (progress is potential-based,
  see :mod:`.reward`); ``success`` (for ``do`` tasks); ``answer`` (the :class:`Expected`
  answer of a ``question``); ``reason`` words for ``infeasible`` tasks;
- ``effects``: how many payments and sent messages the goal asks for (anything beyond, or a
  payment the goal did not ask for, is an irreversible wrong action: a penalty, and a failure);
- ``budget`` (about twice the oracle's steps), ``sensitive`` (the categories of steps the goal
  needs: payment, send, booking, cancel), an ``oracle`` that acts only through the Device API
  (:mod:`.oracle`), and an optional ``checker`` for real phones (:mod:`.checkers`).

Predicates receive a :class:`World` (the phone's task-facing read API: ``phone.read(App)``),
the :class:`Params` and the :class:`Baseline` taken right after setup, and return
``(reached, evidence)``. They never change anything.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from droidpilot.device.sim.apps.food.model import FoodAppModel
from droidpilot.device.sim.apps.foodgo import FoodGoApp
from droidpilot.device.sim.apps.mealdash import MealDashApp
from droidpilot.device.sim.apps.wallet.app import WalletApp
from droidpilot.device.sim.apps.wallet.model import Transaction, WalletModel
from droidpilot.device.sim.phone import SimPhone
from droidpilot.errors import TaskError
from droidpilot.tasks.answers import Expected, check_answer, fold
from droidpilot.tasks.reward import (
    SUCCESS_BONUS,
    CheckResult,
    MilestoneState,
    irreversible_penalty,
    step_reward,
)
from droidpilot.types import Action, AnswerAction, FinishAction, Param, RewardComponent

if TYPE_CHECKING:
    from droidpilot.device.base import Device
    from droidpilot.tasks.checkers import RealChecker
    from droidpilot.tasks.oracle import Driver

__all__ = [
    "Baseline",
    "Bi",
    "Difficulty",
    "Effects",
    "Hit",
    "Milestone",
    "ParamValue",
    "Params",
    "Predicate",
    "Sampler",
    "Task",
    "TaskKind",
    "TaskSpec",
    "TaskState",
    "World",
    "hit",
    "sim_phone",
]

logger = logging.getLogger(__name__)

Lang = Literal["en", "zh"]
TaskKind = Literal["do", "question", "infeasible"]
Difficulty = Literal["easy", "medium", "hard"]
Hit = tuple[bool, str]
SAMPLE_TRIES = 20


def hit(reached: bool, evidence: str) -> Hit:
    return (bool(reached), evidence)


@dataclass(frozen=True, slots=True)
class Bi:
    """A parameter value in English and Chinese (a dish, a city, a person)."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    @classmethod
    def of(cls, text: object) -> Bi:
        """From anything with ``.en``/``.zh`` (the apps' ``Text``) or a plain string."""
        if isinstance(text, str):
            return cls(text, text)
        en, zh = getattr(text, "en", None), getattr(text, "zh", None)
        if not isinstance(en, str) or not isinstance(zh, str):
            raise TaskError(f"not bilingual text: {text!r}")
        return cls(en, zh)

    def __str__(self) -> str:
        return self.en


ParamValue = str | int | bool | Bi | None


@dataclass(frozen=True, slots=True)
class Params:
    """A task instance's parameters: names and values, in the order the sampler gave them.

    Names starting with ``_`` are solution knowledge (the oracle's, never in a goal).
    """

    values: tuple[tuple[str, ParamValue], ...] = ()

    @classmethod
    def of(cls, mapping: Mapping[str, ParamValue]) -> Params:
        return cls(tuple(mapping.items()))

    def __getitem__(self, name: str) -> ParamValue:
        for k, v in self.values:
            if k == name:
                return v
        raise TaskError(f"no parameter {name!r} (have: {', '.join(k for k, _ in self.values)})")

    def __contains__(self, name: object) -> bool:
        return any(k == name for k, _ in self.values)

    def s(self, name: str) -> str:
        v = self[name]
        if isinstance(v, Bi):
            return v.en
        return "" if v is None else str(v)

    def i(self, name: str) -> int:
        v = self[name]
        if not isinstance(v, int) or isinstance(v, bool):
            raise TaskError(f"parameter {name!r} is not an integer: {v!r}")
        return v

    def bi(self, name: str) -> Bi:
        v = self[name]
        return v if isinstance(v, Bi) else Bi(str(v), str(v))

    def t(self, name: str, lang: str) -> str:
        return self.bi(name).get(lang)

    def render(self, lang: str) -> dict[str, str]:
        """Every value as words in ``lang`` (for filling goal templates)."""
        out: dict[str, str] = {}
        for k, v in self.values:
            out[k] = v.get(lang) if isinstance(v, Bi) else ("" if v is None else str(v))
        return out

    def public(self, lang: str) -> tuple[Param, ...]:
        """The goal's parameters as ``Param`` pairs (solution knowledge left out)."""
        out: list[Param] = []
        for k, v in self.values:
            if not k.startswith("_"):
                out.append((k, v.get(lang) if isinstance(v, Bi) else v))
        return tuple(out)


class World:
    """What predicates see: the phone's task-facing read API (read-only models)."""

    __slots__ = ("phone",)

    def __init__(self, phone: SimPhone) -> None:
        self.phone = phone

    def food(self, package: str) -> FoodAppModel:
        app = FoodGoApp if package == FoodGoApp.package else MealDashApp
        return self.phone.read(app)

    @property
    def wallet(self) -> WalletModel:
        return self.phone.read(WalletApp)

    def app(self, package: str) -> object:
        """Another app's model by package (travel, tickets, messages, contacts...)."""
        return self.phone.read(package)

    @property
    def package(self) -> str:
        return self.phone.current_package()

    @property
    def activity(self) -> str:
        return self.phone.current_activity()

    @property
    def lang(self) -> str:
        return self.phone.lang


_RECORDS: tuple[tuple[str, str], ...] = (
    ("com.droidpilot.foodgo", "orders"),
    ("com.droidpilot.meals", "orders"),
    ("com.droidpilot.travel", "bookings"),
    ("com.droidpilot.tickets", "purchases"),
    ("com.droidpilot.calendar", "events"),
)


def known_ids(phone: SimPhone) -> tuple[str, ...]:
    """The ids of every order, booking, ticket purchase and event on the phone."""
    out: list[str] = []
    for pkg, attr in _RECORDS:
        if pkg in phone.apps:
            for rec in getattr(phone.read(pkg), attr, ()):
                out.append(f"{getattr(rec, 'id', '')}")
    return tuple(out)


def sim_phone(device: Device) -> SimPhone:
    """The simulated phone behind a device (``TaskError`` for a real one)."""
    phone = getattr(device, "phone", None)
    if not isinstance(phone, SimPhone):
        raise TaskError(
            f"{type(device).__name__} is not a simulated phone: task setup and milestones need "
            "one (a real phone is scored by the spec's checker, if it has one)"
        )
    return phone


@dataclass(frozen=True, slots=True, kw_only=True)
class Baseline:
    """What was there right after setup, and what setup made (``refs``)."""

    refs: tuple[tuple[str, str], ...] = ()
    known: tuple[str, ...] = ()  # ids of the orders, bookings, purchases and events there
    payments: tuple[str, ...] = ()  # wallet transaction ids
    sent: int = 0  # messages sent from this phone

    def ref(self, name: str) -> str:
        for k, v in self.refs:
            if k == name:
                return v
        raise TaskError(f"setup left no reference {name!r}")


Predicate = Callable[[World, Params, Baseline], Hit]
Sampler = Callable[[random.Random, World], Mapping[str, ParamValue]]
Setup = Callable[[SimPhone, Params], Mapping[str, str]]
OracleFn = Callable[["Driver", Params], Action]
AnswerFn = Callable[[World, Params, Baseline], Expected]
PaymentCheck = Callable[[World, Params, Baseline, Transaction], bool]


@dataclass(frozen=True, slots=True, kw_only=True)
class Milestone:
    name: str
    weight: float
    check: Predicate


@dataclass(frozen=True, slots=True, kw_only=True)
class Effects:
    """The irreversible things the goal asks for: payments and sent messages."""

    pays: int = 0
    sends: int = 0
    right_payment: PaymentCheck | None = None  # None: any payment within ``pays``


def _no_setup(phone: SimPhone, params: Params) -> Mapping[str, str]:
    return {}


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskSpec:
    id: str
    suites: tuple[str, ...]
    apps: tuple[str, ...]
    goal_en: str
    goal_zh: str
    sample: Sampler
    oracle: OracleFn
    budget: int
    kind: TaskKind = "do"
    difficulty: Difficulty = "medium"
    tags: tuple[str, ...] = ()
    setup: Setup = _no_setup
    milestones: tuple[Milestone, ...] = ()
    success: Predicate | None = None
    answer: AnswerFn | None = None
    reason: tuple[str, ...] = ()  # infeasible: words one of which the finish message must say
    effects: Effects = field(default_factory=Effects)
    sensitive: tuple[str, ...] = ()
    checker: RealChecker | None = None

    def __post_init__(self) -> None:
        if self.kind == "do" and self.success is None:
            raise TaskError(f"{self.id}: a do task needs a success predicate")
        if self.kind == "question" and self.answer is None:
            raise TaskError(f"{self.id}: a question task needs an answer")
        if self.kind == "infeasible" and not self.reason:
            raise TaskError(f"{self.id}: an infeasible task needs reason words")
        if not self.milestones:
            raise TaskError(f"{self.id}: a task needs at least one milestone")
        names = [m.name for m in self.milestones]
        if len(set(names)) != len(names):
            raise TaskError(f"{self.id}: milestone names repeat")

    @property
    def total_weight(self) -> float:
        return sum(m.weight for m in self.milestones)

    def params_for(self, seed: int, phone: SimPhone) -> Params:
        """Sample this seed's parameters against ``phone`` reset to that seed."""
        phone.reset(seed)
        rng = random.Random(f"{self.id}:{seed}")
        last: Exception | None = None
        for _ in range(SAMPLE_TRIES):  # a draw that does not fit this world: draw again
            try:
                return Params.of(self.sample(rng, World(phone)))
            except (LookupError, ValueError) as exc:
                last = exc
        raise TaskError(f"{self.id}: no parameters for seed {seed}: {last}")

    def instantiate(
        self, seed: int, *, lang: str | None = None, phone: SimPhone | None = None
    ) -> Task:
        """One task for ``seed``; ``lang`` None: the phone's locale (English for a new phone).

        ``phone``: a simulated phone to sample against (reset to ``seed``); a scratch one is
        made when none is given.
        """
        scratch = phone if phone is not None else SimPhone(seed=seed)
        use = lang or scratch.lang0
        if use not in ("en", "zh"):
            raise TaskError(f"unknown language {use!r}; use en or zh")
        params = self.params_for(seed, scratch)
        return Task(spec=self, seed=seed, lang=use, params=params, explicit_lang=lang is not None)

    def goal(self, params: Params, lang: str) -> str:
        template = self.goal_zh if lang == "zh" else self.goal_en
        try:
            return template.format(**params.render(lang))
        except (KeyError, IndexError) as exc:
            raise TaskError(f"{self.id}: goal template needs {exc}") from exc


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskState:
    """The milestones and the wrong irreversible effects in one phone state."""

    milestones: tuple[MilestoneState, ...]
    wrong: tuple[str, ...] = ()

    @property
    def progress(self) -> float:
        return sum(m.weight for m in self.milestones if m.reached)


@dataclass(frozen=True, slots=True, kw_only=True)
class Task:
    """One instance of a spec: goal, params, setup, milestones, check, reward."""

    spec: TaskSpec
    seed: int
    lang: str
    params: Params
    explicit_lang: bool = False

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def goal(self) -> str:
        return self.spec.goal(self.params, self.lang)

    def goals(self) -> dict[str, str]:
        return {lang: self.spec.goal(self.params, lang) for lang in ("en", "zh")}

    @property
    def budget(self) -> int:
        return self.spec.budget

    # ------------------------------------------------------------------ phone side
    def setup(self, device: Device) -> Baseline:
        """Reset the simulated phone to this seed, shape it, and take the baseline."""
        phone = sim_phone(device)
        phone.seed = self.seed
        device.reset()
        if self.explicit_lang or phone.lang != self.lang:
            phone.set_locale(self.lang)
        refs = self.spec.setup(phone, self.params)
        phone.changed()
        wallet = phone.read(WalletApp)
        sent = 0
        if "com.droidpilot.messages" in phone.apps:
            sent = len(getattr(phone.read("com.droidpilot.messages"), "sent_messages", ()))
        return Baseline(
            refs=tuple((k, str(v)) for k, v in refs.items()),
            known=known_ids(phone),
            payments=tuple(t.id for t in wallet.transactions),
            sent=sent,
        )

    def state(self, phone: SimPhone, base: Baseline) -> TaskState:
        world = World(phone)
        ms = []
        for m in self.spec.milestones:
            reached, evidence = m.check(world, self.params, base)
            ms.append(
                MilestoneState(name=m.name, weight=m.weight, reached=reached, evidence=evidence)
            )
        return TaskState(milestones=tuple(ms), wrong=self.wrong_effects(world, base))

    def wrong_effects(self, world: World, base: Baseline) -> tuple[str, ...]:
        """Payments and messages the goal did not ask for (oldest first)."""
        eff = self.spec.effects
        out: list[str] = []
        new = [
            t
            for t in reversed(world.wallet.transactions)
            if t.kind in ("payment", "transfer") and t.id not in base.payments
        ]
        for n, t in enumerate(new):
            if n >= eff.pays:
                out.append(f"payment {t.id} of {t.amount} cents to {t.merchant.en} not asked for")
            elif eff.right_payment is not None and not eff.right_payment(
                world, self.params, base, t
            ):
                out.append(
                    f"payment {t.id} of {t.amount} cents to {t.merchant.en} is the wrong one"
                )
        if "com.droidpilot.messages" in world.phone.apps:
            sent = getattr(world.app("com.droidpilot.messages"), "sent_messages", ())
            for n, sms in enumerate(tuple(sent)[base.sent :]):
                if n >= eff.sends:
                    out.append(f"message to {sms.address} not asked for")
        return tuple(out)

    def check(self, phone: SimPhone, base: Baseline, final: Action | None) -> CheckResult:
        """The verdict at the end of an episode (``final``: the agent's last action)."""
        world = World(phone)
        wrong = self.wrong_effects(world, base)
        ok, why = self._verdict(world, base, final)
        if ok and wrong:
            ok, why = False, f"{why}; but {wrong[0]}"
        return CheckResult(success=ok, reward=SUCCESS_BONUS if ok else 0.0, reason=why)

    def _verdict(self, world: World, base: Baseline, final: Action | None) -> Hit:
        spec = self.spec
        said = ""
        if isinstance(final, AnswerAction):
            said = final.text
        elif isinstance(final, FinishAction):
            said = final.message
        if spec.kind == "infeasible":
            if not (isinstance(final, FinishAction) and final.status == "infeasible"):
                return (
                    False,
                    "the task is infeasible but the episode did not end with finish(infeasible)",
                )
            folded = fold(said)
            if not any(fold(w) in folded for w in spec.reason):
                return False, f"finish(infeasible) without the reason ({spec.reason[0]!r})"
            return True, f"finish(infeasible): {said}"
        if isinstance(final, FinishAction) and final.status == "infeasible":
            return False, f"reported infeasible, but the task can be done: {said}"
        if spec.kind == "question":
            assert spec.answer is not None
            if not said:
                return False, "no answer given"
            return check_answer(said, spec.answer(world, self.params, base))
        assert spec.success is not None
        return spec.success(world, self.params, base)

    def expected(self, phone: SimPhone, base: Baseline) -> Expected | None:
        if self.spec.answer is None:
            return None
        return self.spec.answer(World(phone), self.params, base)

    # ------------------------------------------------------------------ rewards
    def reward(
        self,
        before: TaskState,
        after: TaskState,
        *,
        success: bool | None = None,
        penalties: tuple[RewardComponent, ...] = (),
    ) -> tuple[float, tuple[RewardComponent, ...]]:
        """One step's reward: milestone deltas, the terminal bonus (``success`` on the last
        step only), penalties, and an irreversible penalty for each new wrong effect."""
        extra = list(penalties)
        extra.extend(irreversible_penalty(w) for w in after.wrong if w not in before.wrong)
        return step_reward(
            before.milestones, after.milestones, success=success, penalties=tuple(extra)
        )

    # ------------------------------------------------------------------ real phones
    def real_params(self) -> dict[str, str]:
        """Every parameter as a string (Chinese forms under ``name@zh``), for checkers."""
        out: dict[str, str] = {}
        for k, v in self.params.values:
            if isinstance(v, Bi):
                out[k], out[f"{k}@zh"] = v.en, v.zh
            else:
                out[k] = "" if v is None else str(v)
        return out

    def check_real(self, device: Device, final: Action | None) -> CheckResult | None:
        """The verdict on a real phone (read over adb), or ``None`` (reward null) when the spec
        has no checker for one."""
        from droidpilot.tasks.checkers import check_real

        return check_real(self.spec.checker, device, self.real_params(), final)

    def describe(self) -> dict[str, object]:
        """A JSON-able summary (``tasks show``)."""
        spec = self.spec
        return {
            "id": spec.id,
            "seed": self.seed,
            "lang": self.lang,
            "kind": spec.kind,
            "suites": list(spec.suites),
            "apps": list(spec.apps),
            "difficulty": spec.difficulty,
            "tags": list(spec.tags),
            "goal": self.goals(),
            "params": {
                k: (v.get(self.lang) if isinstance(v, Bi) else v) for k, v in self.params.values
            },
            "milestones": [{"name": m.name, "weight": m.weight} for m in spec.milestones],
            "budget": spec.budget,
            "sensitive": list(spec.sensitive),
            "checker": spec.checker.describe() if spec.checker is not None else None,
        }
