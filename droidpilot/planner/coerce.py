"""Loose model output -> one Action: a forgiving literal reader and the action builders.

Used by :mod:`droidpilot.planner.parse`. The reader takes JSON or Python-style literals and
records each repair it makes; the builders map aliases (``click``, ``input_text``,
``action_type``...) and argument shapes onto the :data:`~droidpilot.types.Action` classes.
Anything that is not an action raises :class:`NotAnAction` (caught by the parser).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Literal

from droidpilot.errors import ValidationError
from droidpilot.types import (
    ACTION_KINDS,
    Action,
    AnswerAction,
    AskUserAction,
    FinishAction,
    KeyAction,
    LongPressAction,
    OpenAppAction,
    RememberAction,
    ScrollAction,
    SwipeAction,
    TapAction,
    TypeAction,
    WaitAction,
)

__all__ = [
    "CALL_RE",
    "KIND_ALIASES",
    "LenientReader",
    "NotAnAction",
    "action_from_call",
    "action_from_object",
]

MAX_DEPTH = 12

KIND_ALIASES: dict[str, str] = {
    **{k: k for k in ACTION_KINDS},
    "click": "tap",
    "press": "tap",
    "touch": "tap",
    "tap_element": "tap",
    "click_element": "tap",
    "longpress": "long_press",
    "long_click": "long_press",
    "long_tap": "long_press",
    "input": "type",
    "input_text": "type",
    "type_text": "type",
    "enter_text": "type",
    "set_text": "type",
    "write": "type",
    "scroll_up": "scroll",
    "scroll_down": "scroll",
    "scroll_left": "scroll",
    "scroll_right": "scroll",
    "press_key": "key",
    "keyevent": "key",
    "key_event": "key",
    "navigate_back": "key",
    "navigate_home": "key",
    "back": "key",
    "home": "key",
    "press_back": "key",
    "press_home": "key",
    "press_enter": "key",
    "open": "open_app",
    "launch": "open_app",
    "launch_app": "open_app",
    "start_app": "open_app",
    "open_application": "open_app",
    "sleep": "wait",
    "note": "remember",
    "memorize": "remember",
    "save_fact": "remember",
    "respond": "answer",
    "reply": "answer",
    "ask": "ask_user",
    "ask_human": "ask_user",
    "clarify": "ask_user",
    "done": "finish",
    "complete": "finish",
    "status": "finish",
    "terminate": "finish",
    "stop": "finish",
    "task_complete": "finish",
}
_KEY_FROM_ALIAS = {
    "navigate_back": "back",
    "back": "back",
    "press_back": "back",
    "navigate_home": "home",
    "home": "home",
    "press_home": "home",
    "press_enter": "enter",
}
_ARG_ALIASES: dict[str, str] = {
    "id": "element",
    "index": "element",
    "element_id": "element",
    "elem": "element",
    "idx": "element",
    "target": "element",
    "element_index": "element",
    "ref": "element",
    "value": "text",
    "content": "text",
    "input": "text",
    "string": "text",
    "dir": "direction",
    "app": "name",
    "app_name": "name",
    "package": "name",
    "time": "seconds",
    "duration": "seconds",
    "secs": "seconds",
    "s": "seconds",
    "sec": "seconds",
    "goal_status": "status",
    "reason": "message",
    "msg": "message",
    "key_name": "key",
    "button": "key",
    "enter": "submit",
    "press_enter": "submit",
    "duration_ms": "ms",
}
_KIND_KEYS = ("action", "kind", "action_type", "name", "function", "tool", "type")
_ARG_KEYS = ("arguments", "args", "params", "parameters", "input", "action_input")
CALL_RE = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z_0-9]*)\s*\(")


# --------------------------------------------------------------------------- lenient values


class NotAnAction(Exception):
    """A candidate that is not an action (internal; turned into a reason string)."""


class LenientReader:
    """A forgiving JSON/Python-literal reader that records what it had to repair."""

    def __init__(self, text: str, pos: int, repairs: list[str]) -> None:
        self.text = text
        self.pos = pos
        self.repairs = repairs
        self.depth = 0

    def note(self, what: str) -> None:
        if what not in self.repairs:
            self.repairs.append(what)

    def skip(self) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n and (text[self.pos].isspace()):
            self.pos += 1

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse_value(self) -> tuple[object, int]:
        value = self.value()
        return value, self.pos

    def value(self) -> object:
        ch = self.peek()
        if not ch:
            raise NotAnAction("the reply ends where a value was expected")
        if ch == "{":
            return self.obj()
        if ch == "[":
            return self.arr()
        if ch in "\"'“‘":
            return self.string()
        if ch in "-+.0123456789":
            return self.number()
        if ch.isalpha() or ch == "_":
            word = self.ident()
            low = word.lower()
            if low in ("true", "false"):
                if word not in ("true", "false"):
                    self.note("python literal")
                return low == "true"
            if low in ("null", "none"):
                if word != "null":
                    self.note("python literal")
                return None
            return word
        raise NotAnAction(f"unexpected {ch!r} at {self.pos}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise NotAnAction("nested too deeply")

    def obj(self) -> dict[str, object]:
        self.enter()
        self.pos += 1
        out: dict[str, object] = {}
        while True:
            ch = self.peek()
            if not ch:
                self.note("missing closing brace")
                break
            if ch == "}":
                self.pos += 1
                break
            if ch == ",":
                self.pos += 1
                if self.peek() == "}":
                    self.note("trailing comma")
                continue
            if ch in "\"'“‘":
                key = self.string()
            elif ch.isalpha() or ch == "_":
                key = self.ident()
                self.note("unquoted key")
            else:
                raise NotAnAction(f"expected a key at {self.pos}, got {ch!r}")
            if self.peek() in (":", "="):
                self.pos += 1
            else:
                raise NotAnAction(f"expected ':' after key {key!r}")
            out[key] = self.value()
        self.depth -= 1
        return out

    def arr(self) -> list[object]:
        self.enter()
        self.pos += 1
        out: list[object] = []
        while True:
            ch = self.peek()
            if not ch:
                self.note("missing closing bracket")
                break
            if ch == "]":
                self.pos += 1
                break
            if ch == ",":
                self.pos += 1
                if self.peek() == "]":
                    self.note("trailing comma")
                continue
            out.append(self.value())
        self.depth -= 1
        return out

    def string(self) -> str:
        text = self.text
        quote = text[self.pos]
        closer = {"“": "”", "‘": "’"}.get(quote, quote)
        if quote != '"':
            self.note("single or curly quotes")
        self.pos += 1
        buf: list[str] = []
        n = len(text)
        while self.pos < n:
            ch = text[self.pos]
            if ch == "\\" and self.pos + 1 < n:
                nxt = text[self.pos + 1]
                hexa = text[self.pos + 2 : self.pos + 6]
                if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", hexa):
                    code = int(hexa, 16)
                    self.pos += 6
                    low = text[self.pos + 2 : self.pos + 6]
                    pair = re.fullmatch(r"[dD][c-fC-F][0-9a-fA-F]{2}", low) is not None
                    if 0xD800 <= code < 0xDC00 and text.startswith("\\u", self.pos) and pair:
                        code = 0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)
                        self.pos += 6
                    buf.append("\ufffd" if 0xD800 <= code < 0xE000 else chr(code))
                    continue
                buf.append({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(nxt, nxt))
                self.pos += 2
                continue
            if ch == closer or (closer == "”" and ch == '"'):
                self.pos += 1
                return "".join(buf)
            buf.append(ch)
            self.pos += 1
        self.note("unterminated string")
        return "".join(buf)

    def number(self) -> int | float:
        m = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?").match(self.text, self.pos)
        if m is None:
            raise NotAnAction(f"bad number at {self.pos}")
        self.pos = m.end()
        raw = m.group(0)
        if re.fullmatch(r"[-+]?\d+", raw):
            if len(raw) > 12:
                raise NotAnAction("number too large")
            return int(raw)
        value = float(raw)
        if not math.isfinite(value) or abs(value) > 1e9:
            raise NotAnAction("number out of range")
        return value

    def ident(self) -> str:
        m = re.compile(r"[A-Za-z_][A-Za-z_0-9.\-]*").match(self.text, self.pos)
        if m is None:  # pragma: no cover - callers check the first character
            raise NotAnAction(f"bad name at {self.pos}")
        self.pos = m.end()
        return m.group(0)


# --------------------------------------------------------------------------- building actions


def action_from_call(text: str, start: int, repairs: list[str]) -> tuple[Action, int]:
    m = CALL_RE.match(text, start)
    if m is None:  # pragma: no cover - the caller matched already
        raise NotAnAction("not a call")
    name = m.group(1)
    reader = LenientReader(text, m.end(), repairs)
    positional: list[object] = []
    named: dict[str, object] = {}
    while True:
        ch = reader.peek()
        if not ch:
            reader.note("missing closing parenthesis")
            break
        if ch == ")":
            reader.pos += 1
            break
        if ch == ",":
            reader.pos += 1
            continue
        save = reader.pos
        key = None
        if ch.isalpha() or ch == "_":
            word = reader.ident()
            if reader.peek() in ("=", ":") and not text.startswith("==", reader.pos):
                reader.pos += 1
                key = word
            else:
                reader.pos = save
        value = reader.value()
        if key is None:
            if named:
                raise NotAnAction(f"{name}(): a positional argument after a named one")
            positional.append(value)
        else:
            named[key] = value
        if len(positional) + len(named) > 8:
            raise NotAnAction(f"{name}(): too many arguments")
    if len(positional) == 1 and isinstance(positional[0], dict) and not named:
        obj = dict(positional[0])  # tap({"element": 3})
        obj.setdefault("action", name)
        return action_from_object(obj, repairs), reader.pos
    return _build(name, positional, named, repairs), reader.pos


def action_from_object(obj: dict[str, object], repairs: list[str]) -> Action:
    data = dict(obj)
    nested = data.get("action")
    if isinstance(nested, dict):  # {"action": {"kind": "tap", ...}, "thought": ...}
        data = dict(nested)
    kind: str | None = None
    for key in _KIND_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value.strip().lower() in KIND_ALIASES:
            if key == "type" and any(k in data for k in ("action", "kind", "action_type")):
                continue
            kind = value.strip()
            del data[key]
            break
    if kind is None:
        for key in list(data):  # {"tap": {"element": 3}}
            if key.lower() in KIND_ALIASES and isinstance(data[key], dict | list):
                kind = key
                inner = data.pop(key)
                if isinstance(inner, dict):
                    data.update(inner)
                break
    if kind is None:
        raise NotAnAction('a JSON object without an action name (use "action": "tap" etc.)')
    for key in _ARG_KEYS:
        inner = data.get(key)
        if isinstance(inner, dict):
            del data[key]
            data.update(inner)
        elif isinstance(inner, str) and inner.lstrip().startswith("{"):
            value, _ = LenientReader(inner, inner.index("{"), repairs).parse_value()
            if isinstance(value, dict):
                del data[key]
                data.update(value)
    for key in ("thought", "thoughts", "reasoning", "reason_for_action", "explanation", "plan"):
        if kind.lower() not in ("finish", "done", "complete", "status", "terminate"):
            data.pop(key, None)
    return _build(kind, [], data, repairs)


def _build(
    name: str, positional: list[object], named: Mapping[str, object], repairs: list[str]
) -> Action:
    low = name.lower()
    kind = KIND_ALIASES.get(low)
    if kind is None:
        raise NotAnAction(f"unknown action {name!r}; known: {', '.join(ACTION_KINDS)}")
    if low != kind:
        repairs.append(f"alias {name} -> {kind}")
    args: dict[str, object] = {}
    for key, value in named.items():
        k = key.strip().lower()
        k = _ARG_ALIASES.get(k, k)
        if kind == "remember" and k == "text":
            k = "fact"
        if kind == "ask_user" and k in ("text", "message"):
            k = "question"
        if kind == "answer" and k in ("answer", "message"):
            k = "text"
        if kind == "open_app" and k == "text":
            k = "name"
        args[k] = value
    try:
        return _make(kind, low, positional, args)
    except (ValidationError, TypeError, ValueError, OverflowError) as exc:
        raise NotAnAction(f"{kind}: {exc}") from None


def _make(kind: str, alias: str, pos: list[object], args: dict[str, object]) -> Action:
    def take(key: str, default: object = None) -> object:
        return args.pop(key, default)

    def done(action: Action) -> Action:
        unknown = [k for k in args if k not in ("thought", "description", "summary")]
        if unknown:
            raise ValidationError(f"unknown argument(s) {', '.join(map(repr, unknown))}")
        return action

    if kind in ("tap", "long_press"):
        target, x, y = _target(pos, args)
        if kind == "tap":
            return done(TapAction(element=target, x=x, y=y))
        ms = _as_int(take("ms", 800), "ms")
        return done(LongPressAction(element=target, x=x, y=y, ms=ms))
    if kind == "type":
        text: object = take("text")
        element: object = take("element")
        for value in pos:
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if number and element is None:
                element = value
            elif isinstance(value, str) and text is None:
                text = value
            elif element is None and _looks_id(value):
                element = value
            else:
                raise ValidationError("type(text, element?) takes a text and an element id")
        if text is None:
            raise ValidationError("type needs the text to type")
        clear = _as_bool(take("clear", True))
        submit = _as_bool(take("submit", False))
        return done(
            TypeAction(
                text=_as_str(text),
                element=None if element is None else _as_id(element),
                clear=clear,
                submit=submit,
            )
        )
    if kind == "scroll":
        direction: object = take("direction")
        element = take("element")
        if alias.startswith("scroll_"):
            direction = direction or alias.removeprefix("scroll_")
        for value in pos:
            if isinstance(value, str) and value.lower() in ("up", "down", "left", "right"):
                direction = value
            elif element is None:
                element = value
            else:
                raise ValidationError("scroll(direction, element?)")
        if not isinstance(direction, str):
            raise ValidationError("scroll needs a direction: up, down, left or right")
        return done(
            ScrollAction(
                direction=direction.lower(),  # type: ignore[arg-type]
                element=None if element is None else _as_id(element),
            )
        )
    if kind == "swipe":
        coords: list[object] = [take("x1"), take("y1"), take("x2"), take("y2")]
        for edge in ("start", "from"):
            pair = take(edge)
            if isinstance(pair, list) and len(pair) == 2:
                coords[0], coords[1] = pair
        for edge in ("end", "to"):
            pair = take(edge)
            if isinstance(pair, list) and len(pair) == 2:
                coords[2], coords[3] = pair
        rest = list(pos)
        if len(rest) == 1 and isinstance(rest[0], list):
            rest = list(rest[0])
        for i in range(4):
            if coords[i] is None and rest:
                coords[i] = rest.pop(0)
        swipe_ms: object = take("ms", rest.pop(0) if rest else 300)
        if any(c is None for c in coords):
            raise ValidationError("swipe needs x1, y1, x2, y2")
        x1, y1, x2, y2 = (_as_coord(c, "swipe") for c in coords)
        return done(SwipeAction(x1=x1, y1=y1, x2=x2, y2=y2, ms=_as_int(swipe_ms, "ms")))
    if kind == "key":
        key: object = take("key") or take("name") or take("text")
        if key is None and pos:
            key = pos[0]
        if key is None:
            key = _KEY_FROM_ALIAS.get(alias)
        if not isinstance(key, str):
            raise ValidationError("key needs a key name: back, home, enter, app_switch, ...")
        kname = key.strip().lower().replace("keycode_", "").replace("recent_apps", "app_switch")
        kname = {"recents": "app_switch", "recent": "app_switch", "del": "delete"}.get(kname, kname)
        return done(KeyAction(key=kname))  # type: ignore[arg-type]
    if kind == "open_app":
        app: object = take("name")
        if app is None and pos:
            app = pos[0]
        if not isinstance(app, str):
            raise ValidationError("open_app needs an app name")
        return done(OpenAppAction(name=app))
    if kind == "wait":
        seconds: object = take("seconds")
        if seconds is None and pos:
            seconds = pos[0]
        value = 1.0 if seconds is None else _as_float(seconds, "seconds")
        return done(WaitAction(seconds=value))
    if kind in ("remember", "answer", "ask_user"):
        field = {"remember": "fact", "answer": "text", "ask_user": "question"}[kind]
        said: object = take(field)
        if said is None and pos:
            said = pos[0]
        if said is None:
            raise ValidationError(f"{kind} needs {field}")
        words = _as_str(said)
        if kind == "remember":
            return done(RememberAction(fact=words))
        if kind == "answer":
            return done(AnswerAction(text=words))
        return done(AskUserAction(question=words))
    if kind == "finish":
        status: object = take("status")
        message: object = take("message") or take("text") or take("answer") or ""
        for value in pos:
            if status is None and _status(value) is not None:
                status = value
            elif not message:
                message = value
        args.pop("thought", None)
        return done(FinishAction(status=_status(status) or "success", message=_as_str(message)))
    raise ValidationError(f"unknown action {kind!r}")  # pragma: no cover


def _target(
    pos: list[object], args: dict[str, object]
) -> tuple[int | None, int | None, int | None]:
    element = args.pop("element", None)
    x, y = args.pop("x", None), args.pop("y", None)
    for key in ("coordinate", "coordinates", "point", "position", "xy", "coords"):
        pair = args.pop(key, None)
        if isinstance(pair, list | tuple) and len(pair) == 2:
            x, y = pair
        elif isinstance(pair, str) and re.fullmatch(r"\s*\d+\s*,\s*\d+\s*", pair):
            x, y = (int(p) for p in pair.split(","))
    if len(pos) == 1 and isinstance(pos[0], list) and len(pos[0]) == 2:
        x, y = pos[0]
    elif len(pos) == 2:
        x, y = pos
    elif len(pos) == 1:
        element = pos[0]
    elif len(pos) > 2:
        raise ValidationError("give one element id or x, y")
    if element is not None:
        if isinstance(element, list) and len(element) == 2 and x is None:
            return None, _as_coord(element[0], "x"), _as_coord(element[1], "y")
        return _as_id(element), None, None
    if x is None or y is None:
        raise ValidationError("needs an element id or both x and y")
    return None, _as_coord(x, "x"), _as_coord(y, "y")


def _looks_id(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"\s*[#\[]?\d{1,6}\]?\s*", value) is not None


def _as_id(value: object) -> int:
    if isinstance(value, bool):
        raise ValidationError(f"element id must be a number, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _looks_id(value):
        value = int(value.strip().strip("#[]"))
    if not isinstance(value, int) or value < 0:
        raise ValidationError(f"element id must be a non-negative integer, got {value!r}")
    return value


def _as_coord(value: object, what: str) -> int:
    if isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", value):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{what} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0 or value > 100_000:
        raise ValidationError(f"{what} is out of range: {value!r}")
    return round(value)


def _as_int(value: object, what: str) -> int:
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,9}\s*", value):
        value = int(value)
    if isinstance(value, float) and math.isfinite(value):
        value = round(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what} must be an integer, got {value!r}")
    return value


def _as_float(value: object, what: str) -> float:
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds)?\s*", value)
        if m is None:
            raise ValidationError(f"{what} must be a number, got {value!r}")
        value = float(m.group(1))
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{what} must be a number, got {value!r}")
    return float(value)


def _as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.lower() in ("true", "yes", "1")
    raise ValidationError(f"expected true or false, got {value!r}")


def _as_str(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"expected text, got {value!r}")
    if isinstance(value, int | float):
        return str(value)
    raise ValidationError(f"expected text, got {type(value).__name__}")


def _status(value: object) -> Literal["success", "infeasible"] | None:
    if value is True:
        return "success"
    if value is False:
        return "infeasible"
    if not isinstance(value, str):
        return None
    low = value.strip().lower()
    if low in ("success", "successful", "succeeded", "complete", "completed", "done", "ok"):
        return "success"
    if low in ("infeasible", "impossible", "fail", "failed", "failure", "error", "unable"):
        return "infeasible"
    return None
