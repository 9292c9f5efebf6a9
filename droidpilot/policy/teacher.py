"""The oracle as a policy: a task's scripted solution, one action per step of the agent's loop.

An oracle (:mod:`droidpilot.tasks.oracle`) is written as straight-line code over a
:class:`~droidpilot.tasks.oracle.Driver`: it observes, finds items and acts. The
:class:`OracleTeacher` runs it in a thread against a stand-in device: the stand-in's
``observe()`` returns the observation the agent's loop just made, and its ``perform()`` hands
the action to the loop and waits for the next step. So the oracle's actions go through the
same loop as a model's (guard, settle, rewards, records), with element ids from the very view
the loop logged.

- :class:`OraclePolicy` is a decider for the loop (``--backend oracle``): the action as is;
- :class:`OracleScript` plays the model for a
  :class:`~droidpilot.planner.backends.ScriptedBackend`: the action rendered as model text, so
  it goes through the real prompt and parse path (tests, benchmarks, demonstrations).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from droidpilot.device.base import ActionResult, Device
from droidpilot.errors import ActionFailed, ModelTimeout, NotSupportedError, PlannerError
from droidpilot.planner.planner import Decision
from droidpilot.planner.prompt import (
    HistoryEntry,
    PromptStyle,
    build_step_prompt,
    prompt_style,
    render_action,
)
from droidpilot.policy.episode import FAILED, failure_of
from droidpilot.policy.reasoning import explain
from droidpilot.tasks.oracle import Driver
from droidpilot.tasks.spec import Task
from droidpilot.types import (
    Action,
    AnswerAction,
    Completion,
    FinishAction,
    KeyAction,
    LongPressAction,
    Observation,
    OpenAppAction,
    ScrollAction,
    TapAction,
    TypeAction,
)

if TYPE_CHECKING:
    from droidpilot.planner.backends.base import CompletionRequest

__all__ = [
    "ORACLE_MODEL",
    "OraclePolicy",
    "OracleScript",
    "OracleTeacher",
    "WatchedDevice",
    "describe",
]

logger = logging.getLogger(__name__)

#: The model name oracle steps are logged under.
ORACLE_MODEL = "oracle"


class _Cancelled(BaseException):
    """Unwinds the oracle's thread when the episode ends before the oracle does."""


_STOP = object()


class _Failed:
    """The loop's word that the oracle's last action failed, with the screen after it."""

    __slots__ = ("message", "obs")

    def __init__(self, obs: Observation, message: str) -> None:
        self.obs = obs
        self.message = message


class _StepDevice:
    """What the oracle's Driver acts on: the loop's observation; actions go to the loop."""

    def __init__(self, teacher: OracleTeacher) -> None:
        self._t = teacher
        self.serial = "oracle"

    def observe(self) -> Observation:
        obs = self._t._latest
        assert obs is not None
        return obs

    def perform(self, action: Action) -> ActionResult:
        self._t._out.put(("act", action))
        got = self._t._in.get()
        if got is _STOP:
            raise _Cancelled
        if isinstance(got, _Failed):
            # the oracle's Driver deals with a refused action as with a real phone's (it
            # types again after an interruption took the focus, or reports being stuck)
            self._t._latest = got.obs
            raise ActionFailed(got.message, serial=self.serial)
        assert isinstance(got, Observation)
        self._t._latest = got
        return ActionResult()

    def current_app(self) -> str:
        return self.observe().app

    def shell(self, cmd: str) -> str:
        raise NotSupportedError("the oracle acts through observe/perform only", serial="oracle")

    def screenshot(self) -> bytes:
        raise NotSupportedError("the oracle acts through observe/perform only", serial="oracle")

    def reset(self) -> None:
        raise NotSupportedError("the loop resets the phone, not the oracle", serial="oracle")

    def close(self) -> None:
        return None


class OracleTeacher:
    """Runs ``task``'s oracle in a thread; :meth:`next_action` gives its action for a screen."""

    def __init__(self, task: Task, *, timeout_s: float = 60.0) -> None:
        self.task = task
        self.timeout_s = timeout_s
        self.steps = 0
        self._latest: Observation | None = None
        self._in: queue.Queue[object] = queue.Queue()
        self._out: queue.Queue[tuple[str, object]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._final: Action | None = None

    def _main(self) -> None:
        driver = Driver(_StepDevice(self), lang=self.task.lang, max_steps=self.task.budget * 3)
        try:
            final = self.task.spec.oracle(driver, self.task.params)
        except _Cancelled:
            return
        except Exception as exc:  # the thread's boundary: hand the failure to the loop
            logger.debug("the oracle of %s failed", self.task.id, exc_info=True)
            self._out.put(("error", exc))
            return
        self._out.put(("final", final))

    def next_action(self, obs: Observation, *, failed: str | None = None) -> Action:
        """The oracle's next action on the screen ``obs`` (its last one: answer or finish).

        ``failed``: why the loop did not carry out the oracle's previous action (the phone
        refused it, the guard did); the oracle sees it as that action raising ActionFailed.
        """
        if self._final is not None:
            return self._final
        self._latest = obs
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._main, name=f"oracle-{self.task.id}", daemon=True
            )
            self._thread.start()
        else:
            self._in.put(obs if failed is None else _Failed(obs, failed))
        try:
            kind, value = self._out.get(timeout=self.timeout_s)
        except queue.Empty:
            raise ModelTimeout(
                f"the oracle of {self.task.id} gave no action in {self.timeout_s:g}s"
            ) from None
        self.steps += 1
        if kind == "act":
            assert not isinstance(value, BaseException)
            return value  # type: ignore[return-value]
        if kind == "final":
            final = value if value is not None else FinishAction(status="success")
            assert not isinstance(final, BaseException)
            self._final = final  # type: ignore[assignment]
            return self._final  # type: ignore[return-value]
        assert isinstance(value, BaseException)
        raise PlannerError(
            f"the oracle of {self.task.id} (seed {self.task.seed}) got stuck: "
            f"{type(value).__name__}: {value}"
        ) from value

    def close(self) -> None:
        """Stop the oracle's thread if it is still waiting for a step."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._in.put(_STOP)
            thread.join(timeout=5)
        self._thread = None


class OraclePolicy:
    """A decider for the agent's loop that replays a task's oracle (``--backend oracle``).

    Each step records the prompt a model would have been given there, written in ``style``
    (a :class:`~droidpilot.planner.prompt.PromptStyle` or its name): a model trained on the
    episodes is then run with the same style."""

    def __init__(self, task: Task, style: PromptStyle | str = "full") -> None:
        self.task = task
        self.style = prompt_style(style) if isinstance(style, str) else style
        self.teacher = OracleTeacher(task)

    def reset(self, goal: str | None = None) -> None:
        self.teacher.close()
        self.teacher = OracleTeacher(self.task)

    def decide(
        self,
        goal: str,
        obs: Observation,
        memory: Sequence[str] | None = None,
        history: Sequence[HistoryEntry] | None = None,
    ) -> Decision:
        started = time.perf_counter()
        action = self.teacher.next_action(obs, failed=failure_of(history))
        text = render_action(action)
        thought = explain(self.task, action, obs)  # the demonstration's reasoning
        # the prompt a model would have seen here, so oracle episodes are demonstrations
        prompt = build_step_prompt(
            goal=goal,
            view=obs.view,
            memory=list(memory or ()),
            history=list(history or ()),
            budget=self.style.budget,
            system=self.style.system,
        )
        return Decision(
            thought=thought,
            action=action,
            completion=Completion(
                text=text,
                reasoning=thought,
                model=ORACLE_MODEL,
                prompt_tokens=prompt.tokens,
                latency_ms=(time.perf_counter() - started) * 1000.0,
            ),
            prompt=prompt,
        )

    def replay(self, obs: Observation, action: Action, *, failed: str | None = None) -> None:
        """Catch up on a recorded step (resume): the oracle should choose the same action.
        ``failed``: why the recorded step before it was not carried out, if it was not."""
        again = self.teacher.next_action(obs, failed=failed)
        if again != action:
            logger.warning(
                "oracle replay: recorded %s, the oracle now chooses %s",
                render_action(action),
                render_action(again),
            )

    def close(self) -> None:
        self.teacher.close()


def describe(action: Action, obs: Observation) -> str:
    """A short thought for a demonstration step: what the action does, in words."""
    element = getattr(action, "element", None)
    item = obs.view.item(element) if isinstance(element, int) else None
    words = " ".join(item.text.split())[:80] if item is not None else ""
    match action:
        case TapAction() | LongPressAction() if words:
            return f'{action.kind.replace("_", " ").capitalize()} "{words}".'
        case TypeAction():
            return f'Type "{action.text}"' + (f' into "{words}".' if words else ".")
        case ScrollAction():
            where = f' in "{words}"' if words else ""
            return f"Scroll {action.direction}{where} to look for it."
        case KeyAction():
            return f"Press {action.key}."
        case OpenAppAction():
            return f"Open {action.name}."
        case AnswerAction():
            return "I have found the answer."
        case FinishAction():
            return "The goal is done." if action.status == "success" else "This cannot be done."
        case _:
            return f"{action.kind.replace('_', ' ').capitalize()}."


class WatchedDevice:
    """A device that remembers its latest observation (for :class:`OracleScript`)."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.serial = device.serial
        self.latest: Observation | None = None
        #: why the latest action failed, until :meth:`take_failure` takes it
        self.failed: str | None = None

    @property
    def phone(self) -> object:
        """The simulated phone behind the device, if there is one (tasks need it)."""
        return getattr(self.device, "phone", None)

    def observe(self) -> Observation:
        self.latest = self.device.observe()
        return self.latest

    def perform(self, action: Action) -> ActionResult:
        try:
            result = self.device.perform(action)
        except ActionFailed as exc:
            self.failed = f"{FAILED}{exc}"
            raise
        self.failed = None
        return result

    def take_failure(self) -> str | None:
        """Why the latest action failed (once), or ``None`` when it did not."""
        failed, self.failed = self.failed, None
        return failed

    def current_app(self) -> str:
        return self.device.current_app()

    def shell(self, cmd: str) -> str:
        return self.device.shell(cmd)

    def screenshot(self) -> bytes:
        return self.device.screenshot()

    def reset(self) -> None:
        self.device.reset()

    def close(self) -> None:
        self.device.close()


class OracleScript:
    """Plays the model for a ScriptedBackend: the oracle's next action as reply text.

    The agent's device must be ``watched`` (a :class:`WatchedDevice`), whose latest observation
    is the screen the request was built from. Plan requests get a one-line plan.
    """

    def __init__(self, task: Task, watched: WatchedDevice) -> None:
        self.teacher = OracleTeacher(task)
        self.watched = watched

    def __call__(self, request: CompletionRequest) -> str:
        if not request.stop_after_action:
            return "1. Follow the steps the goal needs."
        obs = self.watched.latest
        if obs is None:
            raise PlannerError("the oracle script has no observation yet")
        action = self.teacher.next_action(obs, failed=self.watched.take_failure())
        thought = explain(self.teacher.task, action, obs)
        return f"<think>{thought}</think>\n{render_action(action)}"

    def close(self) -> None:
        self.teacher.close()
