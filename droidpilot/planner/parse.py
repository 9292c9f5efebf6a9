"""Model text -> one :data:`~droidpilot.types.Action`, tolerantly; never raises on bad output.

A reply is ``<think>reasoning</think>`` (optional) followed by one action, written either as
JSON (``{"action": "tap", "element": 12}``, fenced or not, also the ``action_type`` /
``name + arguments`` shapes other agents use) or as a call (``tap(12)``, ``tap(x=540, y=1200)``,
``type("milk tea", 4, submit=true)``). What can be repaired is repaired (single quotes, trailing
commas, unquoted keys, Python literals, a missing closing brace or parenthesis, an unterminated
string at the very end, common aliases such as ``click`` or ``input_text``); each repair is
recorded. The action is then checked against the current :class:`~droidpilot.types.ScreenView`:
an id that is not on the screen is a :class:`ParseFailure` with the reason, never an exception.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from droidpilot.planner.coerce import (
    CALL_RE,
    KIND_ALIASES,
    LenientReader,
    NotAnAction,
    action_from_call,
    action_from_object,
)
from droidpilot.types import Action, FinishAction, KeyAction, ScreenView, WaitAction

__all__ = [
    "KIND_ALIASES",
    "ParseFailure",
    "ParsedReply",
    "parse_action",
    "parse_reply",
    "split_think",
    "validate_action",
]

logger = logging.getLogger(__name__)

#: Replies longer than this are cut before parsing (the action is never that far in).
MAX_REPLY = 20_000
MAX_DEPTH = 12
_MAX_CANDIDATES = 24


@dataclass(frozen=True, slots=True, kw_only=True)
class ParseFailure:
    """A reply that did not give one valid action: why, and the text that was looked at."""

    reason: str
    text: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedReply:
    """A whole reply taken apart: reasoning, the answer part, and the action or the failure."""

    reasoning: str
    answer: str
    thought: str  # the reasoning, or the prose before the action when there is no <think>
    action: Action | ParseFailure
    repairs: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not isinstance(self.action, ParseFailure)


_FENCE_RE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)(?:```|\Z)", re.S)
_LABEL_RE = re.compile(r"(?im)^\s*(?:\*\*)?(?:action|answer|next action)(?:\*\*)?\s*[:：]\s*")
_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"


# --------------------------------------------------------------------------- entry points


def split_think(text: str) -> tuple[str, str, bool]:
    """``(reasoning, answer, closed)``: the text inside ``<think>...</think>`` and after it.

    Without any think tags the whole text is the answer. A reply that opens ``<think>`` and
    never closes it has everything in the reasoning and ``closed`` false. A lone ``</think>``
    (the chat template opened the think block) splits there.
    """
    close = text.rfind(_THINK_CLOSE)
    if close >= 0:
        head = text[:close]
        opened = head.find(_THINK_OPEN)
        reasoning = head[opened + len(_THINK_OPEN) :] if opened >= 0 else head
        return reasoning.strip(), text[close + len(_THINK_CLOSE) :].strip(), True
    opened = text.find(_THINK_OPEN)
    if opened >= 0:
        return text[opened + len(_THINK_OPEN) :].strip(), text[:opened].strip(), False
    return "", text.strip(), True


def parse_action(text: str, view: ScreenView | None = None) -> Action | ParseFailure:
    """The one action in a model reply, checked against ``view``; a :class:`ParseFailure` else."""
    return parse_reply(text, view).action


def parse_reply(text: str, view: ScreenView | None = None) -> ParsedReply:
    """Take a reply apart (reasoning, answer, thought, action or failure). Never raises."""
    try:
        return _parse_reply(text, view)
    except Exception as exc:  # the parser's promise: bad model output is a value
        logger.exception("the action parser failed on a reply")
        return ParsedReply(
            reasoning="",
            answer="",
            thought="",
            action=ParseFailure(reason=f"internal parser error: {exc!r}", text=_clip(text)),
        )


def validate_action(action: Action, view: ScreenView | None) -> Action | ParseFailure:
    """Check an action's element id against the screen the model saw."""
    element = getattr(action, "element", None)
    if view is None or element is None:
        return action
    if view.item(element) is None:
        ids = view.ids
        shown = f"ids on screen: {_id_ranges(ids)}" if ids else "the screen has no elements"
        return ParseFailure(
            reason=f"{action.kind}: element {element} is not on the current screen ({shown})",
            text="",
        )
    return action


# --------------------------------------------------------------------------- reply


def _parse_reply(text: object, view: ScreenView | None) -> ParsedReply:
    if not isinstance(text, str):
        return ParsedReply(
            reasoning="",
            answer="",
            thought="",
            action=ParseFailure(reason=f"a reply must be text, got {type(text).__name__}"),
        )
    text = text[:MAX_REPLY]
    reasoning, answer, closed = split_think(text)
    if not closed and not answer:
        failure = ParseFailure(
            reason="the reply ended inside <think> without an action after </think>",
            text=_clip(reasoning[-400:]),
        )
        return ParsedReply(reasoning=reasoning, answer="", thought=reasoning, action=failure)
    repairs: list[str] = []
    found = _find_action(answer, repairs)
    if isinstance(found, ParseFailure):
        thought = reasoning or answer
        return ParsedReply(reasoning=reasoning, answer=answer, thought=thought, action=found)
    action, start = found
    checked = validate_action(action, view)
    if isinstance(checked, ParseFailure):
        checked = ParseFailure(reason=checked.reason, text=_clip(answer))
    prose = _LABEL_RE.sub("", answer[:start]).strip().rstrip(":").strip()
    prose = re.sub(r"(?i)^\s*(thought|reasoning)\s*[:：]\s*", "", prose).strip()
    thought = reasoning or prose
    return ParsedReply(
        reasoning=reasoning, answer=answer, thought=thought, action=checked, repairs=tuple(repairs)
    )


def _find_action(answer: str, repairs: list[str]) -> tuple[Action, int] | ParseFailure:
    """The last well-formed action in the answer (fenced blocks and labelled lines first)."""
    if not answer.strip():
        return ParseFailure(reason="the reply has no action (empty answer)", text="")
    regions: list[tuple[str, int]] = []
    for m in _FENCE_RE.finditer(answer):
        regions.append((m.group(1), m.start()))
    labels = list(_LABEL_RE.finditer(answer))
    if labels:
        last = labels[-1]
        regions.append((answer[last.end() :], last.start()))
    regions.append((answer, 0))
    first_error = ""
    for region, offset in regions:
        got = _scan_region(region, repairs)
        if isinstance(got, str):
            first_error = first_error or got
            continue
        action, start = got
        return action, offset + (start if region is answer else 0)
    bare = _bare_word(answer)
    if bare is not None:
        return bare, 0
    return ParseFailure(
        reason=first_error
        or 'no action found (expected e.g. tap(3) or {"action": "tap", "element": 3})',
        text=_clip(answer),
    )


def _scan_region(region: str, repairs: list[str]) -> tuple[Action, int] | str:
    """Try every JSON object and call in the region; the last one that builds wins."""
    candidates: list[tuple[int, str]] = []
    for i, ch in enumerate(region):
        if ch == "{" and (i == 0 or region[i - 1] != "{"):
            candidates.append((i, "json"))
            if len(candidates) >= _MAX_CANDIDATES:
                break
    for m in CALL_RE.finditer(region):
        if m.group(1).lower() in KIND_ALIASES:
            candidates.append((m.start(), "call"))
            if len(candidates) >= 2 * _MAX_CANDIDATES:
                break
    candidates.sort()
    best: tuple[Action, int] | None = None
    best_end = -1
    error = ""
    for start, how in candidates:
        if start < best_end:
            continue  # inside an action already taken (a call within JSON, JSON in a call)
        local: list[str] = []
        try:
            if how == "json":
                value, end = LenientReader(region, start, local).parse_value()
                if not isinstance(value, dict):
                    continue
                action = action_from_object(value, local)
            else:
                action, end = action_from_call(region, start, local)
        except NotAnAction as exc:
            error = error or str(exc)
            continue
        best, best_end = (action, start), end
        del repairs[:]
        repairs.extend(local)
    if best is not None:
        return best
    return error


def _bare_word(answer: str) -> Action | None:
    word = re.sub(r"[^a-z_]", "", answer.strip().lower())
    if word in ("back", "home", "enter", "pressback", "presshome", "navigateback"):
        return KeyAction(key=word.replace("press", "").replace("navigate", ""))  # type: ignore[arg-type]
    if word in ("wait",):
        return WaitAction()
    if word in ("done", "finish", "finished", "taskcomplete"):
        return FinishAction(status="success")
    return None


def _id_ranges(ids: tuple[int, ...]) -> str:
    """``0-5, 9, 12-14``: the ids on a screen, compactly."""
    ordered = sorted(set(ids))
    runs: list[list[int]] = []
    for i in ordered:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _clip(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
