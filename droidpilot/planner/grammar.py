"""The action grammar as machines can use it: a JSON Schema for servers' structured output,
and an incremental checker of call syntax for constrained decoding on local backends.

``call_state(text)`` says whether ``text`` can still become one action in call syntax
(``"partial"``), already is one (``"complete"``), or cannot (``"bad"``). It is deliberately a
little looser than the parser (argument types are checked by the parser), and cheap: a local
backend calls it for the top few candidate tokens at each step. Given the ids of the current
screen, the element argument (``tap(id)``, ``long_press(id)``, ``scroll(dir, id)``,
``type("text", id)``) may only be one of them: then a constrained model cannot name an element
that is not on the screen (nor tap by coordinates, which the prompt does not ask for).
"""

from __future__ import annotations

import json
from typing import Literal, get_args

from droidpilot.types import ACTION_KINDS, KeyName

__all__ = ["ACTION_JSON_SCHEMA", "CallState", "answer_phase", "call_state"]

CallState = Literal["bad", "partial", "complete"]

_KEYS = list(get_args(KeyName))
ACTION_JSON_SCHEMA: str = json.dumps(
    {
        "type": "object",
        "properties": {
            "action": {"type": "string", "enum": list(ACTION_KINDS)},
            "element": {"type": "integer", "minimum": 0},
            "x": {"type": "integer", "minimum": 0},
            "y": {"type": "integer", "minimum": 0},
            "text": {"type": "string"},
            "submit": {"type": "boolean"},
            "clear": {"type": "boolean"},
            "direction": {"type": "string", "enum": ["up", "down", "left", "right"]},
            "x1": {"type": "integer", "minimum": 0},
            "y1": {"type": "integer", "minimum": 0},
            "x2": {"type": "integer", "minimum": 0},
            "y2": {"type": "integer", "minimum": 0},
            "key": {"type": "string", "enum": _KEYS},
            "name": {"type": "string"},
            "seconds": {"type": "number", "minimum": 0, "maximum": 60},
            "fact": {"type": "string"},
            "question": {"type": "string"},
            "status": {"type": "string", "enum": ["success", "infeasible"]},
            "message": {"type": "string"},
        },
        "required": ["action"],
        "additionalProperties": False,
    },
    separators=(",", ":"),
)

_WORDS = (
    "up", "down", "left", "right", "success", "infeasible", "true", "false",
    "element", "text", "submit", "clear", "direction", "key", "name", "seconds", "fact",
    "question", "status", "message", "ms", "x", "y", "x1", "y1", "x2", "y2", *_KEYS,
)  # fmt: skip
_MAX_ARGS_CHARS = 600
#: The positional place (1-based) of the element id, for the actions that take one.
_ID_PLACE = {"tap": 1, "long_press": 1, "scroll": 2, "type": 2}
#: The most arguments each action takes (positional and named together).
_MAX_ARGS = {
    "tap": 2, "long_press": 3, "type": 4, "scroll": 2, "swipe": 5, "key": 1, "open_app": 1,
    "wait": 1, "remember": 1, "answer": 1, "ask_user": 1, "finish": 2,
}  # fmt: skip


def _word_prefix(word: str) -> bool:
    """Could ``word`` still grow into one of the bare words an action takes?"""
    return any(w.startswith(word) for w in _WORDS)


def call_state(text: str, ids: frozenset[str] | None = None) -> CallState:
    """Can ``text`` (leading spaces allowed) still become exactly one call-syntax action?

    ``ids``: the element ids of the current screen (as decimal strings); when given, a
    positional element argument must be one of them.
    """
    s = text.lstrip()
    paren = s.find("(")
    if paren < 0:
        return "partial" if any(k.startswith(s) for k in ACTION_KINDS) else "bad"
    if s[:paren] not in ACTION_KINDS:
        return "bad"
    body = s[paren + 1 :]
    if len(body) > _MAX_ARGS_CHARS:
        return "bad"
    state = "start"  # start | value | rhs | after | after_word
    nargs, most = 0, _MAX_ARGS.get(s[:paren], 5)
    id_place = _ID_PLACE.get(s[:paren], 0) if ids is not None else 0
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch in " \t":
            if body.startswith("  ", i):
                return "bad"  # no runs of blanks (a stuck model pads forever)
            i += 1
            continue
        if ch == ")":
            if state in ("value", "rhs"):
                return "bad"
            return "complete" if not body[i + 1 :].strip() else "bad"
        if ch == ",":
            if state not in ("after", "after_word") or nargs >= most:
                return "bad"
            state = "value"
            i += 1
            continue
        if ch == "=":
            if state != "after_word":
                return "bad"
            state = "rhs"  # a value that cannot be a key
            i += 1
            continue
        if state in ("after", "after_word"):
            return "bad"  # two values without a comma
        if state in ("start", "value"):
            nargs += 1
            if nargs > most:
                return "bad"
        if ch in "\"'":
            j = i + 1
            while j < n and body[j] != ch:
                if body[j] == "\n":
                    return "bad"
                j += 2 if body[j] == "\\" else 1
            if j >= n:
                return "partial"  # inside an unfinished string
            state, i = "after", j + 1
            continue
        if ch.isdigit() or ch in "-.":
            j = i + 1
            while j < n and (body[j].isdigit() or body[j] == "."):
                j += 1
            if ids is not None and nargs == id_place and state != "rhs":
                number = body[i:j]
                if j >= n:  # still being written: a prefix of a screen id
                    if not any(k.startswith(number) for k in ids):
                        return "bad"
                elif number not in ids:
                    return "bad"
            state, i = "after", j
            continue
        if ch.isalpha() or ch == "_":
            j = i + 1
            while j < n and (body[j].isalnum() or body[j] == "_"):
                j += 1
            word = body[i:j]
            if j >= n:
                return "partial" if _word_prefix(word) else "bad"
            if word not in _WORDS:
                return "bad"
            state, i = ("after" if state == "rhs" else "after_word"), j
            continue
        return "bad"
    return "partial"


def answer_phase(generated: str, *, think_open: bool = False) -> tuple[str, str]:
    """Split generated text into ``(phase, answer)`` for constrained decoding.

    Phases: ``"start"`` (nothing decided yet: may open ``<think>`` or start the action),
    ``"thinking"`` (inside ``<think>``), ``"answer"`` (the action part, returned).
    """
    if think_open and "</think>" not in generated:
        return "thinking", ""
    if "</think>" in generated:
        return "answer", generated.split("</think>", 1)[1]
    s = generated.lstrip()
    if s.startswith("<think>"):
        return "thinking", ""
    if "<think>".startswith(s) and s:
        return "start", s
    return ("start", "") if not s else ("answer", generated)
