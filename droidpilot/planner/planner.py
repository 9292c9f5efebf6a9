"""The planner: a short plan first, then one thought + action per step.

``Planner.decide(goal, obs)`` builds the step prompt (goal, plan, memory, the last steps, the
screen), asks the backend, and parses the reply into an action or a :class:`ParseFailure`. It
keeps an episode's plan, memory and history itself (a new goal starts a new episode); the agent
loop may also pass its own memory and history. When the last action changed nothing on the
screen the next prompt says so; ``remember`` facts are kept for later apps; a reply may revise
the plan with ``<plan>...</plan>``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

from droidpilot.planner.backends.base import DEFAULT_SAMPLING, Backend, CompletionRequest
from droidpilot.planner.ground import (
    PAID,
    address_off_goal,
    answer_in_words,
    answer_off_day,
    answer_off_row,
    answer_off_section,
    answer_shown,
    best_coupon,
    best_row,
    calendar_day_off_goal,
    choose_option,
    clause_day,
    clears_last_choice,
    code_row,
    count_done,
    count_off_goal,
    date_cell,
    date_off_goal,
    day_to_goal,
    false_raise,
    finish_sold_out,
    form_done,
    free_day,
    goal_address,
    ground_answer,
    ground_app,
    ground_cited,
    ground_date,
    ground_named,
    ground_pin,
    ignores_sold_out,
    leaves_choice,
    leaves_sought,
    lesser_coupon,
    names_in,
    not_the_best,
    numberless_answer,
    off_goal_tab,
    off_new_event,
    off_records,
    off_reorder,
    open_coupons,
    ordered_row,
    overwrites_quote,
    read_address,
    save_form,
    scroll_for_answer,
    scroll_to_value,
    section_answer,
    selected_tab,
    share_it,
    sold_out_tap,
    step_to_goal,
    strip_day_off_goal,
    tab_for_unseen,
    tab_key,
    to_address,
    to_goal_app,
    to_goal_tab,
    to_new_event,
    to_records,
    to_reorder,
    unasked_answer,
    unasked_count,
    unchosen_option,
    unfounded_infeasible,
    unpaid_parts,
    unread_answer,
    unsaved_form,
    unseen_name,
    unsent_message,
    unused_coupon,
    unwritten_quote,
    with_day,
    write_quote,
    wrong_app,
    wrong_code,
    wrong_item,
)
from droidpilot.planner.parse import ParsedReply, ParseFailure, parse_reply
from droidpilot.planner.prompt import (
    SYSTEM_PROMPT,
    HistoryEntry,
    Prompt,
    PromptBudget,
    PromptStyle,
    build_plan_prompt,
    build_step_prompt,
    render_action,
)
from droidpilot.planner.survey import Survey
from droidpilot.types import (
    Action,
    AnswerAction,
    AskUserAction,
    Completion,
    FinishAction,
    LongPressAction,
    Observation,
    OpenAppAction,
    RememberAction,
    Sampling,
    ScrollAction,
    TapAction,
    WaitAction,
    fold,
)

__all__ = ["Decision", "Planner", "PlannerConfig", "parse_plan"]

logger = logging.getLogger(__name__)

#: how many times an action may be chosen on one screen before ``ask_again`` refuses it
CYCLE_AFTER = 2

_PLAN_BLOCK = re.compile(r"<plan>(.*?)(?:</plan>|\Z)", re.S | re.I)
#: the way back along a list
_OPPOSITE: dict[str, Literal["up", "down", "left", "right"]] = {
    "up": "down",
    "down": "up",
    "left": "right",
    "right": "left",
}
_NO_SCREEN_EFFECT = (RememberAction, AnswerAction, AskUserAction, FinishAction, WaitAction)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannerConfig:
    sampling: Sampling = field(default_factory=lambda: DEFAULT_SAMPLING)
    plan_sampling: Sampling = field(
        default_factory=lambda: Sampling(temperature=0.0, top_p=1.0, max_tokens=160)
    )
    budget: PromptBudget = field(default_factory=PromptBudget)
    system: str = SYSTEM_PROMPT  # the step prompt's system text
    plan_first: bool = True
    constrain: bool = False  # constrain the answer to the action grammar (local backends)
    # move an action to the element whose words its thought quotes for it (planner/ground.py)
    ground_quotes: bool = False
    # move a tap to the element that shows the goal's words its thought names, a PIN key to
    # the PIN's next digit, a picker's day to the goal's date (planner/ground.py)
    ground_names: bool = False
    # refuse an action that changed nothing on the same screen before, taps a disabled element,
    # comes round a third time, raises a count already at the goal's or unticks a checked item
    # the goal names, and ask the model again without that element (Planner._refusal), or,
    # where the screen makes the next step plain, take that step instead (Planner._instead)
    ask_again: bool = False
    # how many sampled replies ask_again weighs beside the greedy one
    ask_samples: int = 4
    max_plan_steps: int = 8

    def styled(self, style: PromptStyle) -> PlannerConfig:
        """This config writing its step prompts in ``style`` (its system text and budget)."""
        return replace(self, system=style.system, budget=style.budget)


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """What the planner chose for one step, with everything needed to log it."""

    thought: str
    action: Action | ParseFailure
    completion: Completion
    prompt: Prompt
    plan: tuple[str, ...] = ()
    repairs: tuple[str, ...] = ()
    #: why the planner does not send ``action`` (empty: it does): a tap that would move a
    #: count away from the goal's or clear what the goal chose, with nothing else to do instead
    withheld: str = ""

    @property
    def valid(self) -> bool:
        return not isinstance(self.action, ParseFailure)


def _pair(obs: Observation, action: Action) -> tuple[str, str]:
    """(the screen, the action on it), the same when a screen comes back under new ids (they
    are left out of the screen, and the action's element is its place in the list)."""
    screen = re.sub(r"\[\d+\]", "[]", obs.view.text)
    key = hashlib.sha256(screen.encode("utf-8")).hexdigest()
    element = _element_of(action)
    ids = [item.id for item in obs.view.items]
    if element is None or element not in ids:
        return key, render_action(action)
    unplaced: Action = replace(cast(Any, action), element=0)  # the place stands for the id
    return key, f"@{ids.index(element)}:{render_action(unplaced)}"


def _decided(chosen: Sequence[str], left: int) -> bool:
    """Whether ``left`` more votes cannot change the winner of ``chosen`` (the actions the
    replies so far chose, in order), where the most votes win and, between equals, the
    action chosen first: the leader is ahead of every other action by more than ``left``,
    or by exactly ``left`` over one chosen after it (an action not chosen yet comes after
    it too)."""
    if not chosen:
        return left == 0
    votes = Counter(chosen)
    first = {action: chosen.index(action) for action in votes}
    leader = min(votes, key=lambda a: (-votes[a], first[a]))
    lead = votes[leader]
    if left > lead:
        return False  # an action not chosen yet could still take every vote
    return all(
        votes[a] + left < lead or (votes[a] + left == lead and first[leader] < first[a])
        for a in votes
        if a != leader
    )


def _element_of(action: Action | ParseFailure) -> int | None:
    """The element an action names, if any."""
    element = getattr(action, "element", None)
    return element if isinstance(element, int) else None


def _element_of_thought(thought: str, obs: Observation) -> int | None:
    """The last element of this screen a thought cites ("[52]"), if any."""
    ids = {item.id for item in obs.view.items}
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", thought) if int(n) in ids]
    return cited[-1] if cited else None


def parse_plan(text: str, limit: int = 8) -> tuple[str, ...]:
    """Numbered or bulleted lines -> subgoals (thinking and blank lines left out)."""
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    steps: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        m = re.match(r"^(?:\d+[.)]|[-*•])\s*(.+)$", line)
        if m:
            steps.append(m.group(1).strip())
    if not steps:
        steps = [s.strip() for s in text.splitlines() if s.strip()][:1]
    return tuple(s[:200] for s in steps[:limit])


class Planner:
    """Turns (goal, screen, memory, history) into a thought and one action, via a backend."""

    def __init__(self, backend: Backend, config: PlannerConfig | None = None) -> None:
        self.backend = backend
        self.config = config or PlannerConfig()
        self.goal: str | None = None
        self.plan_steps: tuple[str, ...] = ()
        self.memory: list[str] = []
        self.history: list[HistoryEntry] = []
        self._last_action: Action | ParseFailure | None = None
        self._last_withheld = ""  # why the last action was not sent ("" when it was)
        # (screen, action) pairs where the action changed nothing: with ask_again, refused
        self._futile: set[tuple[str, str]] = set()
        # how often each (screen, action) pair was chosen: a third time on a screen the
        # episode keeps coming back to is a cycle, and with ask_again refused
        self._taken: Counter[tuple[str, str]] = Counter()
        # the tabs the planner went to looking for the goal's dish (ground.tab_key), on the
        # activity of the last step: forgotten when the screen's activity changes
        self._tabs_tried: set[str] = set()
        self._tabs_activity = ""
        # the apps whose screens this episode has shown (for ground.unsent_message)
        self._packages: set[str] = set()
        # the address each app's screens last gave for the goal (ground.read_address), in
        # the order read: where the order goes when it is placed in another app
        self._addresses: dict[str, str] = {}
        # the name each app was opened by this episode (an open_app whose next screen was
        # another app's), by package: where the goal's order may be placed (ground.wrong_app)
        self._apps: dict[str, str] = {}
        # the day the goal means without naming it, read off a screen (ground.free_day)
        self._day: tuple[int, int] | None = None
        # the sellers of the dish a goal asks the cheapest of, and their prices, as read
        self._survey = Survey()
        # the payments that went through this episode, each as the screen that said so
        # showed it (payee, amount: the same purchase twice is one), and whether the last
        # screen said so (ground.unpaid_parts)
        self._paid: set[str] = set()
        self._paying = False
        self._package = ""  # the app of the last screen

    def reset(self, goal: str | None = None) -> None:
        """Start a new episode (forget plan, memory and history)."""
        self.goal = goal
        self.plan_steps = ()
        self.memory = []
        self.history = []
        self._last_action = None
        self._last_withheld = ""
        self._futile = set()
        self._taken = Counter()
        self._tabs_tried = set()
        self._tabs_activity = ""
        self._packages = set()
        self._addresses = {}
        self._apps = {}
        self._day = None
        self._survey = Survey(goal or "")
        self._paid = set()
        self._paying = False
        self._package = ""

    def remember(self, fact: str) -> None:
        fact = fact.strip()
        if fact and fact not in self.memory:
            self.memory.append(fact)

    def plan(self, goal: str, obs: Observation) -> tuple[str, ...]:
        """Ask the model for a short plan of subgoals (the first call of an episode)."""
        prompt = build_plan_prompt(goal, obs.view, memory=self.memory)
        completion = self.backend.complete(
            CompletionRequest(
                messages=prompt.messages,
                sampling=self.config.plan_sampling,
                stop_after_action=False,
            )
        )
        self.plan_steps = parse_plan(
            completion.text or completion.reasoning, self.config.max_plan_steps
        )
        logger.info("plan: %s", "; ".join(self.plan_steps))
        return self.plan_steps

    def decide(
        self,
        goal: str,
        obs: Observation,
        memory: Sequence[str] | None = None,
        history: Sequence[HistoryEntry] | None = None,
    ) -> Decision:
        """One step: build the prompt, ask the model, parse its reply. Never raises on bad
        model output (that is a ``ParseFailure`` in ``Decision.action``); backend errors
        (:class:`~droidpilot.errors.PlannerError`) propagate."""
        if goal != self.goal:
            self.reset(goal)
            if self.config.plan_first:
                self.plan(goal, obs)
        note = self._note(obs)
        if obs.activity != self._tabs_activity:  # another screen: its tabs are new to search
            self._tabs_tried, self._tabs_activity = set(), obs.activity
        self._packages.add(obs.view.package)
        if (
            isinstance(self._last_action, OpenAppAction)
            and not self._last_withheld
            and obs.view.package != self._package
        ):
            self._apps[obs.view.package] = self._last_action.name
        self._package = obs.view.package
        read = read_address(obs.view, goal)
        if read is not None:  # the last one read goes last
            self._addresses.pop(obs.view.package, None)
            self._addresses[obs.view.package] = read
        self._day = free_day(obs.view, goal) or self._day
        self._survey.read(obs.view)
        paying = any(PAID.search(it.text) for it in obs.view.items)
        if paying and not self._paying:
            self._paid.add(" | ".join(it.text for it in obs.view.items if not it.clickable))
        self._paying = paying
        asked = goal  # the goal as the model reads it; the rules read it with the survey's choice
        goal = self._survey.goal(goal)
        last = self._last_action
        if (
            last is not None
            and not self._last_withheld  # not sent: an unchanged screen says nothing about it
            and not isinstance(last, (ParseFailure, *_NO_SCREEN_EFFECT))
            and obs.view.diff is not None
            and obs.view.diff.same_screen
        ):
            self._futile.add(_pair(obs, last))
        prompt = build_step_prompt(
            goal=asked,
            view=obs.view,
            plan=self.plan_steps,
            memory=list(memory) if memory is not None else self.memory,
            history=list(history) if history is not None else self.history,
            note=note,
            budget=self.config.budget,
            system=self.config.system,
        )
        request = CompletionRequest(
            messages=prompt.messages,
            sampling=self.config.sampling,
            constrain=self.config.constrain,
            element_ids=tuple(item.id for item in obs.view.items),
        )
        completion = self.backend.complete(request)
        raw, reply, action, repairs = self._read(completion, obs, goal)
        refused = self._refusal(reply.thought, action, obs, goal) if self.config.ask_again else None
        withheld = ""
        instead = self._instead(reply.thought, action, obs, goal) if refused else None
        if refused is not None and instead is not None:
            repairs = (*repairs, f"{render_action(cast(Action, action))} -> "
                       f"{render_action(instead[0])}: {refused[1]}, and {instead[1]}")  # fmt: skip
            action, refused = instead[0], None
        if refused is not None:
            element, why, harmful = refused
            answering: bool | Literal["shown"] = isinstance(action, AnswerAction)
            if isinstance(action, TapAction) and unasked_count(action, obs.view, goal):
                answering = "shown"  # the goal only asks: an answer the screen shows may come
            chosen = self._ask_again(request, obs, goal, element, answering=answering)
            without = f" without [{element}]" if element is not None else ""
            if chosen is None and harmful and not isinstance(action, ParseFailure):
                # over-ordering, or clearing what the goal chose, is worse than doing nothing
                withheld = why
                repairs = (*repairs, f"{render_action(action)} withheld: {why}; asked again"
                           f"{without}, and no other action came")  # fmt: skip
                logger.info("asked again (%s): no other action; not sent", why)
            elif chosen is None:
                logger.info("asked again (%s): no other action; the first one stands", why)
            else:
                before = render_action(action) if not isinstance(action, ParseFailure) else ""
                completion, raw, reply, action, repairs2, votes = chosen
                note = f"{before} -> {render_action(action)}: {why}; asked again{without} ({votes})"
                repairs = (*repairs2, note)
        revised = _PLAN_BLOCK.search(completion.reasoning + "\n" + completion.text)
        if revised:
            steps = parse_plan(revised.group(1), self.config.max_plan_steps)
            if steps:
                self.plan_steps = steps
        if isinstance(action, RememberAction):
            self.remember(action.fact)
        if _element_of(action) is not None and not isinstance(action, ParseFailure):
            self._taken[_pair(obs, action)] += 1
        thought = _PLAN_BLOCK.sub("", reply.thought).strip()
        self._record(len(self.history), action, thought, raw, withheld)
        return Decision(
            thought=thought,
            action=action,
            completion=completion,
            prompt=prompt,
            plan=self.plan_steps,
            repairs=repairs,
            withheld=withheld,
        )

    # ---------------------------------------------------------------- internals

    def _read(
        self, completion: Completion, obs: Observation, goal: str
    ) -> tuple[str, ParsedReply, Action | ParseFailure, tuple[str, ...]]:
        """A completion's raw text, its parsed reply, and its action after grounding (with
        the repairs parsing and grounding made)."""
        raw = completion.text
        if completion.reasoning:
            raw = f"<think>{completion.reasoning}</think>\n{completion.text}"
        reply = parse_reply(raw, obs.view)
        action = reply.action
        repairs = reply.repairs
        moved: str | None = None
        if self.config.ground_names and not isinstance(action, ParseFailure):
            # the goal's words first: the quote usually copies the wrongly chosen element's words
            action, moved = ground_named(reply.thought, action, obs.view, goal)
            if moved is None:
                action, moved = ground_pin(reply.thought, action, obs.view, goal)
            if moved is None:
                action, moved = ground_date(reply.thought, action, obs.view, self._dated(goal, obs))
            if moved is None:
                action, moved = ground_app(action, obs.view, goal)
            if moved is None:
                action, moved = ground_answer(action, obs.view, goal)
            if moved is not None:
                repairs = (*repairs, moved)
        if self.config.ground_quotes and moved is None and not isinstance(action, ParseFailure):
            action, moved = ground_cited(reply.thought, action, obs.view)
            if moved is not None:
                repairs = (*repairs, moved)
        return raw, reply, action, repairs

    def _instead(
        self, thought: str, action: Action | ParseFailure, obs: Observation, goal: str
    ) -> tuple[Action, str] | None:
        """What to do in place of a refused ``action`` without asking the model again, and
        why; None when nothing is clear (then the model is asked). Anything, where the goal's
        dish or day shows sold out at the goal's place: ``finish(infeasible)`` saying so
        (:func:`finish_sold_out`). A scroll (refused: it got nowhere) while the goal's dish
        is on no line: the next tab (:func:`tab_for_unseen`); an answer (refused: read off
        another row) while one of the goal's names shows nowhere: a scroll of the list
        (:func:`scroll_for_answer`); going on, answering or tapping another day while the
        chosen day is not the goal's: the goal's day, the form's date field, or the day
        strip scrolled toward it (:func:`day_to_goal`, before the count, which a new day
        resets); a tap that goes on with a count off the goal's: the stepper's button toward
        it (:func:`step_to_goal`); an add of a dish the goal does not order: the goal's
        dish's line (:func:`ordered_row`); going on with the goal's quoted words unwritten:
        writing them in the screen's one text field (:func:`write_quote`); a tap on an
        option while all the goal names is chosen: the one button that goes on
        (:func:`form_done`); acting on another tab than the goal's: its tab
        (:func:`to_goal_tab`); going on with no coupon for a goal that asks for one: the
        coupons (:func:`open_coupons`); anything but the list of orders for a goal about
        its own order: that list (:func:`to_records`), and on the page of the order it orders
        again, that page's "Order again" (:func:`to_reorder`); another train or flight than the
        goal's: its row, or a scroll for it (:func:`code_row`); finishing before texting the
        one the goal asks to text: the page's share button (:func:`share_it`); an order that
        does not go to the goal's address: the checkout's address row, the address book's
        entry or add button, the address typed in the form's street field
        (:func:`to_address`); adding with an option the goal names unchosen: that option
        (:func:`choose_option`, before the count, as the demonstrations); a row slower or
        dearer than one shown for "the fastest"/"the cheapest": that one (:func:`best_row`);
        going on in an app other than the one the goal says to do it with: that app
        (:func:`to_goal_app`); giving up where the goal's dish is under another tab: that
        tab (:func:`tab_for_unseen`), or without the reason where it shows sold out: the
        finish that says it (:func:`finish_sold_out`); a scroll that got nowhere here: the
        other way; an answer the goal's row shows only inside its words: a scroll for the
        rest of the row (:func:`scroll_to_value`); one off the heading the goal's words name:
        the first row's value there (:func:`section_answer`); an answer whose subject is no
        row here, once the list is at its end: the next tab; a stepper's tap at the goal's
        count: the button that goes on (:func:`count_done`); anything but the coupon that
        saves the most on its list: that coupon (:func:`best_coupon`); leaving, or typing over
        the goal's words on, a form that holds them: its "Save", or its date field first
        (:func:`save_form`); anything but "New event" on the goal's day's page: "New event"
        (:func:`to_new_event`). The date rules read the goal with the day it means written
        out (:meth:`_dated`). First of all, for a goal that asks for the seller of a dish
        with the lowest price, the comparison's next step (:meth:`Survey.refusal`: the search,
        the next seller's page, back from a seller's page once its price is read, the
        cheapest). Each only when the planner would not refuse it in turn; the tab search goes
        to each tab once for a dish, on one activity."""
        if isinstance(action, ParseFailure):
            return None
        dated = self._dated(goal, obs)
        surveyed = self._survey.refusal(action, obs.view)
        if surveyed is not None and self._refusal(thought, surveyed[0], obs, goal) is None:
            return surveyed[0], "that is the next step"  # the refusal said why
        ended, sold_out = finish_sold_out(action, obs.view, goal)
        if sold_out is not None:
            return ended, sold_out
        if isinstance(action, AnswerAction):
            scroll, why = scroll_for_answer(action, obs.view, goal)
            at_end = why is not None and _pair(obs, scroll) in self._futile
            if at_end and tab_for_unseen(thought, scroll, obs.view, goal, self._tabs_tried)[1]:
                action = scroll  # the list's end: the goal's name is under another tab (below)
        tabbed, to_tab = tab_for_unseen(thought, action, obs.view, goal, self._tabs_tried)
        element = _element_of(tabbed)
        tab = obs.view.item(element) if element is not None else None
        if to_tab is not None and tab is not None and not self._refusal(thought, tabbed, obs, goal):
            name = unseen_name(thought, obs.view, goal)
            here = selected_tab(obs.view)  # looked under already: the dish is not on it
            self._tabs_tried |= {tab_key(name, it) for it in (tab, here) if it is not None}
            return tabbed, to_tab
        if isinstance(action, ScrollAction) and _pair(obs, action) in self._futile:
            back = ScrollAction(direction=_OPPOSITE[action.direction], element=action.element)
            if self._refusal(thought, back, obs, goal) is None:  # the list's other end
                return back, f"scrolling {action.direction} got nowhere here: {back.direction}"
        for other, why in (
            scroll_to_value(action, obs.view, goal),
            section_answer(action, obs.view, goal),
            scroll_for_answer(action, obs.view, goal),
            day_to_goal(action, obs.view, dated),  # before the count, which it resets
            choose_option(action, obs.view, goal),  # as the demonstrations: options, count
            step_to_goal(action, obs.view, goal),
            count_done(action, obs.view, goal),
            ordered_row(action, obs.view, goal),
            to_address(action, obs.view, self._address(obs, goal)),
            write_quote(action, obs.view, goal),
            form_done(action, obs.view, goal),
            to_goal_tab(action, obs.view, goal),
            open_coupons(action, obs.view, goal),
            best_coupon(action, obs.view, goal),
            to_records(action, obs.view, goal),
            to_reorder(action, obs.view, goal),
            code_row(action, obs.view, goal),
            share_it(action, obs.view, goal, self._packages),
            best_row(action, obs.view, goal),
            to_goal_app(action, obs.view, goal, self._apps),
            save_form(action, obs.view, dated),
            to_new_event(action, obs.view, dated),
        ):
            if why is not None and self._refusal(thought, other, obs, goal) is None:
                return other, why
        return None

    def _ask_again(
        self,
        request: CompletionRequest,
        obs: Observation,
        goal: str,
        element: int | None,
        *,
        answering: bool | Literal["shown"] = False,
    ) -> tuple[Completion, str, ParsedReply, Action, tuple[str, ...], str] | None:
        """Ask once more with ``element`` off limits in thought and action (None: an answer
        with no element to avoid, asked again as it was): greedily, and ``ask_samples`` times
        sampled (temperature 1, fixed seeds). Of the replies whose action (after grounding) is
        valid, does not end the episode (no finish; no answer either, unless ``answering``:
        the refused action was an answer, and another one may come from the right row),
        names another element and is not refused itself (with ``answering="shown"``, an
        answer must say what the screen shows: :func:`answer_shown`), the one most of them
        choose wins (the greedy one on a tie); None when there is none."""
        avoid = replace(request, avoid_ids=(element,) if element is not None else ())
        asks = [avoid] + [
            replace(avoid, sampling=replace(request.sampling, temperature=1.0, top_p=0.95, seed=k))
            for k in range(self.config.ask_samples)
        ]
        kept: list[tuple[Completion, str, ParsedReply, Action, tuple[str, ...]]] = []
        asked = 0
        for ask in asks:
            if _decided([render_action(k[3]) for k in kept], len(asks) - asked):
                break  # the replies still to come cannot change the winner
            asked += 1
            completion = self.backend.complete(ask)
            raw, reply, action, repairs = self._read(completion, obs, goal)
            if isinstance(action, ParseFailure | FinishAction):
                continue  # no ending the episode on a second thought
            if isinstance(action, AnswerAction) and not answering:
                continue
            if (  # in place of a tap: only an answer the screen shows
                answering == "shown"
                and isinstance(action, AnswerAction)
                and not answer_shown(action, obs.view)
            ):
                continue
            if element is not None and _element_of(action) == element:
                continue
            if self._refusal(reply.thought, action, obs, goal) is not None:
                continue
            kept.append((completion, raw, reply, action, repairs))
        if not kept:
            return None
        votes = Counter(render_action(k[3]) for k in kept)
        best = max(votes.values())
        winner = next(k for k in kept if votes[render_action(k[3])] == best)
        tally = f"{best} of {asked} replies"
        if asked < len(asks):
            tally += f"; {len(asks) - asked} more could not change it"
        return (*winner, tally)

    def _refusal(
        self, thought: str, action: Action | ParseFailure, obs: Observation, goal: str
    ) -> tuple[int | None, str, bool] | None:
        """(the element, why, whether sending it does harm) when ``action`` is one the planner
        will not send as it is. Harmful: a tap that moves a count away from the goal's
        (:func:`false_raise`), one that goes on (adds, buys, checks out) while a count shows
        another number than the goal's (:func:`count_off_goal`) or on a day the goal does
        not name (:func:`date_off_goal`) or with words the goal quotes unwritten
        (:func:`unwritten_quote`) or with no coupon for a goal that asks for one
        (:func:`unused_coupon`), an add of an item the goal does not order
        (:func:`wrong_item`), a tap that checks an option beside the one the goal names
        (:func:`leaves_choice`), on another day of a strip than the goal's
        (:func:`strip_day_off_goal`) or on another train or flight than the goal's
        (:func:`wrong_code`), an answer to a goal that asks nothing (:func:`unasked_answer`;
        the element is the one its thought cites, if any), an answer read from a row
        that is not what the goal asks about (:func:`unread_answer`; the element is the row
        its thought cites) or on another day than the goal's (:func:`answer_off_day`), a
        success finish for a goal that asks to text someone while no messaging app has been
        on the screen (:func:`unsent_message`) or for a goal that pays for several things one
        by one while fewer payments went through (:func:`unpaid_parts`), anything that does
        not take the order to the
        goal's address (:func:`address_off_goal`: the one it quotes, else one read on another
        app's screen, :func:`read_address`), giving up while the goal's dish shows sold out
        without saying so or shows nowhere with a tab left (:func:`unfounded_infeasible`), an
        answer with no number to a goal that asks for one (:func:`numberless_answer`), going
        on with an option the goal names unchosen (:func:`unchosen_option`) or in an app the
        goal does not say while it says another one opened this episode (:func:`wrong_app`),
        a stepper's tap for a goal that only asks (:func:`unasked_count`), or one that would
        clear a checked item showing words the thought says the goal names (about this
        element or another: grounding moves taps; a date picker's chosen day is not one:
        tapped, it stays chosen).
        Harmless but futile: an action that changed nothing on this very screen before (what
        the agent's loop check ends an episode for, when it comes again and again), a tap on
        a disabled element, one chosen here :data:`CYCLE_AFTER` times already (the episode
        keeps coming back: a cycle), a tap on another tab while a row of this one shows what
        the goal looks for (:func:`leaves_sought`), a tap on a sold-out dish's lines
        (:func:`sold_out_tap`), acting on another tab than the one the goal says
        (:func:`off_goal_tab`) or on anything but the list of the user's orders for a goal
        about one of them (:func:`off_records`) or anything but "Order again" on the page of
        the order it orders again (:func:`off_reorder`), a tap on a row slower or dearer than one
        shown for a goal that asks for the fastest or cheapest (:func:`not_the_best`), or
        anything but giving up where the goal's dish shows sold out (:func:`ignores_sold_out`:
        the planner's finish with the reason takes its place). Also harmful: an answer read
        inside the goal's row's words (:func:`answer_in_words`), off the heading the goal's
        words name (:func:`answer_off_section`) or off rows none of which is the goal's
        (:func:`answer_off_row`), leaving or typing over a form that holds the goal's quoted
        words (:func:`unsaved_form`, :func:`overwrites_quote`), anything but the coupon that
        saves the most on its list (:func:`lesser_coupon`), unticking the one ticked box of
        a group the goal names none of (:func:`clears_last_choice`); harmless: anything but
        "New event" on the goal's day's page (:func:`off_new_event`) and another day of a
        calendar's month than the goal's (:func:`calendar_day_off_goal`). None for any other
        action.
        For a goal that asks for the seller of a dish with the lowest price, anything but
        the comparison's next step (:meth:`Survey.refusal`; harmless) and an add or a
        checkout while a seller's price is unread (:meth:`Survey.ordering_early`; harmful).
        The harmful ones are judged first: a raise refused once changes nothing on the
        screen, and must not pass the second time as merely futile."""
        if isinstance(action, AnswerAction):
            unasked = unasked_answer(action, goal) or numberless_answer(action, goal)
            if unasked is not None:
                return _element_of_thought(thought, obs), unasked, True
            unread = unread_answer(thought, action, obs.view, goal) or answer_off_day(
                action, obs.view, self._dated(goal, obs)
            )
            if unread is not None:
                return (*unread, True)
            in_words = (
                answer_in_words(action, obs.view, goal)
                or answer_off_section(action, obs.view, goal)
                or answer_off_row(action, obs.view, goal)
            )
            return (_element_of_thought(thought, obs), in_words, True) if in_words else None
        if isinstance(action, ParseFailure):
            return None
        early = self._survey.ordering_early(action, obs.view)
        surveyed = self._survey.refusal(action, obs.view)
        if early is not None or surveyed is not None:
            why = early or (f"not the comparison's next step: {surveyed[1]}" if surveyed else "")
            return _element_of(action), why, early is not None
        unsent = unsent_message(action, goal, self._packages) or unpaid_parts(
            action, goal, len(self._paid)
        )
        if unsent is not None:
            return None, unsent, True
        off_address = address_off_goal(action, obs.view, self._address(obs, goal))
        if off_address is not None:
            return _element_of(action), off_address, True
        unsaved = unsaved_form(action, obs.view, goal) or overwrites_quote(action, obs.view, goal)
        if unsaved is not None:
            return _element_of(action), unsaved, True
        no_event = off_new_event(action, obs.view, self._dated(goal, obs))
        if no_event is not None:
            return _element_of(action), no_event, False
        coupon = lesser_coupon(action, obs.view, goal)
        if coupon is not None:
            return _element_of(action), coupon, True
        given_up = unfounded_infeasible(thought, action, obs.view, goal, self._tabs_tried)
        if given_up is not None:
            return None, given_up, True
        sold_out = ignores_sold_out(action, obs.view, goal)
        if sold_out is not None:  # finish_sold_out takes its place
            return _element_of(action), sold_out, False
        element = _element_of(action)
        if element is None:
            return None
        item = obs.view.item(element)
        raised = (
            false_raise(thought, action, obs.view, goal)
            or count_off_goal(action, obs.view, goal)
            or date_off_goal(action, obs.view, self._dated(goal, obs))
            or unwritten_quote(action, obs.view, goal)
            or wrong_item(action, obs.view, goal)
            or leaves_choice(action, obs.view, goal)
            or clears_last_choice(action, obs.view, goal)
            or unused_coupon(action, obs.view, goal)
            or strip_day_off_goal(action, obs.view, self._dated(goal, obs))
            or wrong_code(action, obs.view, goal)
            or unasked_count(action, obs.view, goal)
            or unchosen_option(action, obs.view, goal)
            or wrong_app(action, obs.view, goal, self._apps)
        )
        if raised is not None:
            return element, raised, True
        if (
            isinstance(action, TapAction)
            and item is not None
            and item.checkable
            and item.checked
            and date_cell(item) is None  # a picker's chosen day stays chosen when tapped
        ):
            # any name the thought gives: grounding may have moved the tap here from another
            named = next((n for n in names_in(thought, goal) if n in fold(item.text)), "")
            if named:
                return (
                    element,
                    (
                        f"[{element}] is checked and shows {named!r}, which the goal names: "
                        "a tap would clear it"
                    ),
                    True,
                )
        pressed = isinstance(action, TapAction | LongPressAction)
        if pressed and item is not None and not item.enabled:
            return element, f"[{element}] is disabled: a tap on it does nothing", False
        pair = _pair(obs, action)
        if pair in self._futile:
            return element, "the same action changed nothing on this screen before", False
        if self._taken[pair] >= CYCLE_AFTER:
            return (
                element,
                (
                    f"the same action was chosen on this screen {self._taken[pair]} times already, "
                    "and the episode came back here each time"
                ),
                False,
            )
        left = (
            leaves_sought(action, obs.view, goal)
            or sold_out_tap(action, obs.view, goal)
            or off_goal_tab(action, obs.view, goal)
            or off_records(action, obs.view, goal)
            or off_reorder(action, obs.view, goal)
            or not_the_best(action, obs.view, goal)
            or calendar_day_off_goal(action, obs.view, self._dated(goal, obs))
        )
        if left is not None:
            return element, left, False
        return None

    def _dated(self, goal: str, obs: Observation) -> str:
        """``goal`` with the day it means written out (:func:`with_day`), and with only the
        day of the clause about what the screen shows (:func:`clause_day`), for the date
        rules."""
        return clause_day(with_day(goal, self._day), obs.view)

    def _address(self, obs: Observation, goal: str) -> str:
        """Where the goal's order goes (:func:`goal_address`), seen from this screen's app."""
        return goal_address(goal, self._addresses, obs.view.package)

    def _note(self, obs: Observation) -> str:
        last = self._last_action
        diff = obs.view.diff
        if last is None or isinstance(last, _NO_SCREEN_EFFECT):
            return ""
        if isinstance(last, ParseFailure):
            return f"Your last reply had no valid action ({last.reason}). Write one action."
        if self._last_withheld:
            return (
                f"Your last action {render_action(last)} was not carried out: "
                f"{self._last_withheld}. Do something else."
            )
        if diff is not None and diff.same_screen:
            if self.history:
                prev = self.history[-1]
                self.history[-1] = HistoryEntry(
                    step=prev.step,
                    action=prev.action,
                    outcome="nothing changed",
                    thought=prev.thought,
                )
            return (
                f"Your last action {render_action(last)} changed nothing on the screen. "
                "Try a different element or action."
            )
        if self.history and not self.history[-1].outcome:
            prev = self.history[-1]
            self.history[-1] = HistoryEntry(
                step=prev.step, action=prev.action, outcome="screen changed", thought=prev.thought
            )
        return ""

    def _record(
        self, step: int, action: Action | ParseFailure, thought: str, raw: str, withheld: str = ""
    ) -> None:
        self._last_action = action
        self._last_withheld = withheld
        if isinstance(action, ParseFailure):
            bad = " ".join(raw.split())[-80:]
            entry = HistoryEntry(
                step=step,
                action=f"(invalid reply: {bad!r})",
                outcome=f"invalid: {action.reason}",
                thought="",
            )
        else:
            outcome = ""
            if isinstance(action, RememberAction):
                outcome = "remembered"
            if withheld:
                outcome = f"not carried out: {withheld}"
            entry = HistoryEntry(
                step=step, action=render_action(action), outcome=outcome, thought=thought
            )
        self.history.append(entry)
