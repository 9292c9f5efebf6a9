"""The frozen value types that cross module boundaries.

Everything here is a ``@dataclass(frozen=True, slots=True, kw_only=True)`` with tuples, not
lists, inside; each validates itself on construction and round-trips through JSON with
:func:`to_json` / :func:`from_json`. Actions form a tagged union (:data:`Action`) whose JSON
carries a ``kind`` field; dispatch on it with ``match`` and ``assert_never``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types as _pytypes
import typing
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from droidpilot.errors import ValidationError

__all__ = [
    "ACTION_KINDS",
    "MAX_TEXT",
    "SCHEMA_VERSION",
    "Action",
    "AnswerAction",
    "AskUserAction",
    "Bounds",
    "Completion",
    "Element",
    "EpisodeRecord",
    "FinishAction",
    "GuardDecision",
    "JsonScalar",
    "KeyAction",
    "LongPressAction",
    "Message",
    "Observation",
    "OpenAppAction",
    "Param",
    "RememberAction",
    "RewardComponent",
    "Sampling",
    "Screen",
    "ScreenDiff",
    "ScreenView",
    "ScrollAction",
    "StepRecord",
    "StepTimings",
    "SwipeAction",
    "TapAction",
    "TypeAction",
    "ViewItem",
    "WaitAction",
    "WindowInfo",
    "action_from_json",
    "fold",
    "from_json",
    "role_word",
    "to_json",
]

SCHEMA_VERSION = 1
#: Longest text an action may carry (typed text, answers, messages, facts).
MAX_TEXT = 4000
#: Longest wait an action may ask for, in seconds.
MAX_WAIT_S = 60.0

JsonScalar = str | int | float | bool | None
Direction = Literal["up", "down", "left", "right"]
KeyName = Literal["back", "home", "enter", "app_switch", "delete", "tab", "search", "menu"]


def fold(text: str) -> str:
    """Case, width, spaces and punctuation folded away: for comparing names (the tasks' answer
    checks and the planner's grounding both compare words this way)."""
    t = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in t if ch.isalnum())


def role_word(short: str) -> str:
    """The role word the screen's text shows for a view of the short class ``short``
    ("radio", "switch", "checkbox", "button", "dropdown", "slider", "web", "tab"; "" for
    none): the device's view builder writes it, and the planner reads tabs by it."""
    if short.endswith("RadioButton"):
        return "radio"
    if short.endswith(("Switch", "SwitchCompat", "SwitchMaterial", "ToggleButton")):
        return "switch"
    if short.endswith(("CheckBox", "CheckedTextView")):
        return "checkbox"
    if short.endswith("Button"):
        return "button"
    if short.endswith("Spinner"):
        return "dropdown"
    if short.endswith(("SeekBar", "RatingBar", "Slider")):
        return "slider"
    if short.endswith("WebView"):
        return "web"
    if "Tab" in short and "Table" not in short:
        return "tab"
    return ""


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ValidationError(message)


def _check_text(value: str, what: str, *, allow_empty: bool = True) -> None:
    _check(isinstance(value, str), f"{what} must be a string, got {type(value).__name__}")
    _check(allow_empty or bool(value.strip()), f"{what} must not be empty")
    _check(len(value) <= MAX_TEXT, f"{what} is {len(value)} characters; the cap is {MAX_TEXT}")


def _check_coord(value: int, what: str) -> None:
    _check(
        isinstance(value, int) and not isinstance(value, bool),
        f"{what} must be an integer, got {value!r}",
    )
    _check(value >= 0, f"{what} must be non-negative, got {value}")


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True, slots=True, kw_only=True)
class Bounds:
    """A rectangle in screen pixels, ``[x1,y1][x2,y2]`` as uiautomator writes it."""

    x1: int
    y1: int
    x2: int
    y2: int

    @property
    def width(self) -> int:
        return max(0, self.x2 - self.x1)

    @property
    def height(self) -> int:
        return max(0, self.y2 - self.y1)

    @property
    def area(self) -> int:
        return self.width * self.height

    @property
    def empty(self) -> bool:
        return self.width == 0 or self.height == 0

    @property
    def center(self) -> tuple[int, int]:
        return ((self.x1 + self.x2) // 2, (self.y1 + self.y2) // 2)

    def contains(self, x: int, y: int) -> bool:
        return self.x1 <= x < self.x2 and self.y1 <= y < self.y2

    def intersect(self, other: Bounds) -> Bounds:
        x1, y1 = max(self.x1, other.x1), max(self.y1, other.y1)
        x2, y2 = min(self.x2, other.x2), min(self.y2, other.y2)
        if x2 <= x1 or y2 <= y1:
            return Bounds(x1=x1, y1=y1, x2=x1, y2=y1)
        return Bounds(x1=x1, y1=y1, x2=x2, y2=y2)

    def as_list(self) -> list[int]:
        return [self.x1, self.y1, self.x2, self.y2]

    def __str__(self) -> str:
        return f"[{self.x1},{self.y1}][{self.x2},{self.y2}]"


# --------------------------------------------------------------------------- screens


@dataclass(frozen=True, slots=True, kw_only=True)
class Element:
    """One node of a UI hierarchy, as parsed; ``index`` is its depth-first position."""

    index: int
    parent: int | None = None
    depth: int = 0
    window: int = 0
    text: str = ""
    content_desc: str = ""
    resource_id: str = ""
    class_name: str = ""
    package: str = ""
    hint: str = ""
    bounds: Bounds
    clickable: bool = False
    long_clickable: bool = False
    editable: bool = False
    scrollable: bool = False
    checkable: bool = False
    checked: bool = False
    focusable: bool = False
    focused: bool = False
    password: bool = False
    selected: bool = False
    enabled: bool = True
    visible: bool = True

    @property
    def short_class(self) -> str:
        return self.class_name.rsplit(".", 1)[-1]

    @property
    def label(self) -> str:
        """The element's own words: text, else content-desc, else hint."""
        return self.text or self.content_desc or self.hint


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowInfo:
    """A top-level window root of a dump (the uiautomator2 form has several)."""

    index: int
    package: str
    bounds: Bounds
    kind: Literal["app", "system", "ime", "dialog"] = "app"


@dataclass(frozen=True, slots=True, kw_only=True)
class Screen:
    """A parsed hierarchy: every element in depth-first order, and the windows they sit in."""

    elements: tuple[Element, ...]
    windows: tuple[WindowInfo, ...]
    width: int
    height: int
    rotation: int = 0

    @property
    def packages(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for w in self.windows:
            seen.setdefault(w.package, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True, kw_only=True)
class ViewItem:
    """One line of the model's view of a screen: an element that matters, with a stable id."""

    id: int
    element: int  # index into Screen.elements
    role: str  # short class: Button, EditText, TextView, ...
    text: str  # the element's words plus those folded in from non-clickable children
    bounds: Bounds  # visible bounds (clipped to screen and parents)
    tap: tuple[int, int]  # a point inside the visible bounds
    clickable: bool = False
    editable: bool = False
    scrollable: bool = False
    checkable: bool = False
    checked: bool = False
    selected: bool = False
    focused: bool = False
    password: bool = False
    enabled: bool = True
    resource_id: str = ""
    package: str = ""

    def __post_init__(self) -> None:
        _check(self.id >= 0, f"view id must be non-negative, got {self.id}")
        _check(
            self.bounds.contains(*self.tap),
            f"tap point {self.tap} of id {self.id} lies outside its bounds {self.bounds}",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreenDiff:
    """What changed since the previous view: ids that appeared and disappeared."""

    appeared: tuple[int, ...] = ()
    disappeared: tuple[str, ...] = ()  # the lines that went away, as they were rendered
    same_screen: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreenView:
    """The compact screen the model reads: header fields plus one item per element that matters."""

    package: str
    activity: str = ""
    keyboard: bool = False
    focused: int | None = None  # id of the focused field, if any
    items: tuple[ViewItem, ...]
    text: str  # the rendering given to the model
    webview_thin: bool = False  # a WebView whose accessibility tree is nearly empty
    diff: ScreenDiff | None = None

    def item(self, view_id: int) -> ViewItem | None:
        for it in self.items:
            if it.id == view_id:
                return it
        return None

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(it.id for it in self.items)


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """What a device shows at one moment. The screenshot is taken lazily, on request."""

    screen: Screen
    view: ScreenView
    app: str
    activity: str = ""
    keyboard: bool = False
    ts: float = 0.0
    hierarchy_xml: str = ""
    screenshot: Callable[[], bytes] | None = field(default=None, compare=False, repr=False)

    def png(self) -> bytes | None:
        """The screenshot as PNG bytes, or ``None`` where the backend cannot take one."""
        return self.screenshot() if self.screenshot is not None else None


# --------------------------------------------------------------------------- actions


@dataclass(frozen=True, slots=True, kw_only=True)
class _ActionBase:
    kind: ClassVar[str]
    sensitive_hint: ClassVar[bool] = False


def _check_target(element: int | None, x: int | None, y: int | None, what: str) -> None:
    if element is not None:
        _check(
            isinstance(element, int) and not isinstance(element, bool) and element >= 0,
            f"{what}: element must be a non-negative integer id, got {element!r}",
        )
        _check(x is None and y is None, f"{what}: give an element id or x,y, not both")
        return
    _check(x is not None and y is not None, f"{what} needs an element id or both x and y")
    assert x is not None
    assert y is not None
    _check_coord(x, f"{what}: x")
    _check_coord(y, f"{what}: y")


@dataclass(frozen=True, slots=True, kw_only=True)
class TapAction(_ActionBase):
    kind: ClassVar[str] = "tap"
    element: int | None = None
    x: int | None = None
    y: int | None = None

    def __post_init__(self) -> None:
        _check_target(self.element, self.x, self.y, "tap")


@dataclass(frozen=True, slots=True, kw_only=True)
class LongPressAction(_ActionBase):
    kind: ClassVar[str] = "long_press"
    element: int | None = None
    x: int | None = None
    y: int | None = None
    ms: int = 800

    def __post_init__(self) -> None:
        _check_target(self.element, self.x, self.y, "long_press")
        _check(100 <= self.ms <= 10_000, f"long_press: ms must be 100..10000, got {self.ms}")


@dataclass(frozen=True, slots=True, kw_only=True)
class TypeAction(_ActionBase):
    kind: ClassVar[str] = "type"
    text: str
    element: int | None = None
    clear: bool = True
    submit: bool = False

    def __post_init__(self) -> None:
        _check_text(self.text, "type: text")
        if self.element is not None:
            _check_target(self.element, None, None, "type")


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrollAction(_ActionBase):
    kind: ClassVar[str] = "scroll"
    direction: Direction
    element: int | None = None

    def __post_init__(self) -> None:
        _check(
            self.direction in ("up", "down", "left", "right"),
            f"scroll: direction must be up, down, left or right, got {self.direction!r}",
        )
        if self.element is not None:
            _check_target(self.element, None, None, "scroll")


@dataclass(frozen=True, slots=True, kw_only=True)
class SwipeAction(_ActionBase):
    kind: ClassVar[str] = "swipe"
    x1: int
    y1: int
    x2: int
    y2: int
    ms: int = 300

    def __post_init__(self) -> None:
        for name in ("x1", "y1", "x2", "y2"):
            _check_coord(getattr(self, name), f"swipe: {name}")
        _check(10 <= self.ms <= 10_000, f"swipe: ms must be 10..10000, got {self.ms}")


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyAction(_ActionBase):
    kind: ClassVar[str] = "key"
    key: KeyName

    def __post_init__(self) -> None:
        _check(self.key in get_args(KeyName), f"key: unknown key {self.key!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenAppAction(_ActionBase):
    kind: ClassVar[str] = "open_app"
    name: str

    def __post_init__(self) -> None:
        _check_text(self.name, "open_app: name", allow_empty=False)
        _check(len(self.name) <= 200, "open_app: name is longer than 200 characters")


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitAction(_ActionBase):
    kind: ClassVar[str] = "wait"
    seconds: float = 1.0

    def __post_init__(self) -> None:
        _check(
            isinstance(self.seconds, int | float)
            and not isinstance(self.seconds, bool)
            and math.isfinite(self.seconds)
            and 0 <= self.seconds <= MAX_WAIT_S,
            f"wait: seconds must be 0..{MAX_WAIT_S:g}, got {self.seconds!r}",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RememberAction(_ActionBase):
    kind: ClassVar[str] = "remember"
    fact: str

    def __post_init__(self) -> None:
        _check_text(self.fact, "remember: fact", allow_empty=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerAction(_ActionBase):
    kind: ClassVar[str] = "answer"
    text: str

    def __post_init__(self) -> None:
        _check_text(self.text, "answer: text", allow_empty=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AskUserAction(_ActionBase):
    kind: ClassVar[str] = "ask_user"
    question: str

    def __post_init__(self) -> None:
        _check_text(self.question, "ask_user: question", allow_empty=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class FinishAction(_ActionBase):
    kind: ClassVar[str] = "finish"
    status: Literal["success", "infeasible"] = "success"
    message: str = ""

    def __post_init__(self) -> None:
        _check(
            self.status in ("success", "infeasible"),
            f"finish: status must be success or infeasible, got {self.status!r}",
        )
        _check_text(self.message, "finish: message")


Action = Union[  # noqa: UP007 - a runtime union object is needed for get_args
    TapAction,
    LongPressAction,
    TypeAction,
    ScrollAction,
    SwipeAction,
    KeyAction,
    OpenAppAction,
    WaitAction,
    RememberAction,
    AnswerAction,
    AskUserAction,
    FinishAction,
]

ACTION_TYPES: dict[str, type[_ActionBase]] = {cls.kind: cls for cls in get_args(Action)}
ACTION_KINDS: tuple[str, ...] = tuple(ACTION_TYPES)


def action_from_json(data: Mapping[str, object]) -> Action:
    """Build an action from its JSON object (``{"kind": "tap", "element": 3}``)."""
    if not isinstance(data, Mapping):
        raise ValidationError(f"an action must be a JSON object, got {type(data).__name__}")
    kind = data.get("kind")
    cls = ACTION_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValidationError(f"unknown action kind {kind!r}; known: {', '.join(ACTION_KINDS)}")
    return typing.cast(Action, _decode(cls, {k: v for k, v in data.items() if k != "kind"}))


# --------------------------------------------------------------------------- model I/O


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Sampling:
    temperature: float = 0.6
    top_p: float = 0.95
    max_tokens: int = 512
    max_thinking_tokens: int | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        _check(self.temperature >= 0, f"temperature must be >= 0, got {self.temperature}")
        _check(0 < self.top_p <= 1, f"top_p must be in (0, 1], got {self.top_p}")
        _check(self.max_tokens > 0, f"max_tokens must be positive, got {self.max_tokens}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Completion:
    """What a planner backend returns for one request."""

    text: str  # the answer part (after </think>)
    reasoning: str = ""  # the part inside <think>...</think>
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_token_ids: tuple[int, ...] | None = None
    completion_token_ids: tuple[int, ...] | None = None
    completion_logprobs: tuple[float, ...] | None = None
    finish_reason: str = ""
    latency_ms: float = 0.0


# --------------------------------------------------------------------------- records

Param = tuple[str, JsonScalar]


@dataclass(frozen=True, slots=True, kw_only=True)
class RewardComponent:
    name: str
    value: float
    evidence: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardDecision:
    decision: Literal["allow", "ask", "approved", "rejected", "deny"]
    reason: str = ""
    sensitive: bool = False
    category: str = ""  # payment, order, send, delete, booking, pin, transfer
    amount: float | None = None  # the money at stake, read from the screen

    @property
    def proceed(self) -> bool:
        """Whether the action may be carried out."""
        return self.decision in ("allow", "approved")


@dataclass(frozen=True, slots=True, kw_only=True)
class StepTimings:
    observe: float = 0.0
    model: float = 0.0
    guard: float = 0.0
    act: float = 0.0
    settle: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class StepRecord:
    """One line of ``steps.jsonl``: everything about one step of an episode."""

    schema_version: int = SCHEMA_VERSION
    run_id: str
    episode_id: str
    step: int
    ts: float
    task_id: str | None = None
    goal: str
    app: str = ""
    activity: str = ""
    screen_text: str = ""
    hierarchy_sha256: str = ""
    hierarchy_path: str | None = None
    screenshot_path: str | None = None
    prompt: tuple[Message, ...] = ()
    completion: str = ""
    reasoning: str = ""
    model: str = ""
    sampling: Sampling | None = None
    prompt_token_ids: tuple[int, ...] | None = None
    completion_token_ids: tuple[int, ...] | None = None
    completion_logprobs: tuple[float, ...] | None = None
    action: Action | None = None
    action_valid: bool = True
    # what the planner changed to make ``action`` of the completion (parser repairs, an
    # element grounded by the words the thought quotes)
    repairs: tuple[str, ...] = ()
    executed: bool = False
    error: str | None = None
    guard: GuardDecision | None = None
    reward: float | None = None
    reward_components: tuple[RewardComponent, ...] = ()
    progress: float | None = None
    terminated: bool = False
    truncated: bool = False
    success: bool | None = None
    point: tuple[int, int] | None = None  # where a tap/long press/type landed (x, y)
    timings_ms: StepTimings = field(default_factory=StepTimings)

    def __post_init__(self) -> None:
        _check(self.step >= 0, f"step must be >= 0, got {self.step}")
        _check(
            self.schema_version == SCHEMA_VERSION,
            f"step record schema_version {self.schema_version} is not {SCHEMA_VERSION}",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeRecord:
    """``episode.json``: the summary of one episode."""

    schema_version: int = SCHEMA_VERSION
    run_id: str
    episode_id: str
    task_id: str | None = None
    params: tuple[Param, ...] = ()
    seed: int | None = None
    goal: str
    lang: str = "en"
    model: str = ""
    success: bool | None = None
    terminated: bool = False
    truncated: bool = False
    steps: int = 0
    return_: float | None = None
    reason: str = ""
    answer: str | None = None


# --------------------------------------------------------------------------- JSON codec

T = TypeVar("T")
_JSON_RENAMES = {"return_": "return"}


def to_json(value: object) -> Any:
    """Turn a value of these types into plain JSON data (dicts, lists, scalars).

    Actions get their ``kind``; ``Param`` tuples become ``[name, value]`` pairs; callables
    (a lazy screenshot) are left out.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        if isinstance(value, _ActionBase):
            out["kind"] = value.kind
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if callable(item) and not dataclasses.is_dataclass(item):
                continue
            out[_JSON_RENAMES.get(f.name, f.name)] = to_json(item)
        return out
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(f"cannot write a non-finite float ({value}) as JSON")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValidationError(f"cannot write {type(value).__name__} as JSON")


def from_json(cls: type[T], data: object) -> T:
    """Build ``cls`` (one of these dataclasses) from plain JSON data, validating as it goes."""
    if isinstance(data, str | bytes):
        data = json.loads(data)
    return typing.cast(T, _decode(cls, data))


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = get_type_hints(cls)
        _HINTS[cls] = hints
    return hints


def _decode(tp: Any, data: object, where: str = "") -> Any:
    origin = get_origin(tp)
    if tp is Any:
        return data
    if tp is type(None):
        _check(data is None, f"{where or 'value'}: expected null, got {data!r}")
        return None
    if origin in (Union, _pytypes.UnionType):
        args = get_args(tp)
        if data is None and type(None) in args:
            return None
        if set(args) - {type(None)} == set(get_args(Action)):
            _check(isinstance(data, Mapping), f"{where}: an action must be an object")
            return action_from_json(typing.cast(Mapping[str, object], data))
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _decode(arg, data, where)
            except (ValidationError, TypeError) as exc:
                errors.append(str(exc))
        raise ValidationError(f"{where or 'value'}: {data!r} fits none of {tp}: {errors}")
    if origin is Literal:
        _check(
            data in get_args(tp),
            f"{where}: {data!r} is not one of {', '.join(map(repr, get_args(tp)))}",
        )
        return data
    if origin is tuple:
        args = get_args(tp)
        _check(isinstance(data, list | tuple), f"{where}: expected a list, got {data!r}")
        seq = typing.cast(list[object], data)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v, f"{where}[{i}]") for i, v in enumerate(seq))
        _check(len(seq) == len(args), f"{where}: expected {len(args)} items, got {len(seq)}")
        pairs = enumerate(zip(args, seq, strict=True))
        return tuple(_decode(a, v, f"{where}[{i}]") for i, (a, v) in pairs)
    if origin is not None and origin.__module__ == "collections.abc":
        return data  # Callable fields are never in JSON
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        _check(isinstance(data, Mapping), f"{where or tp.__name__}: expected an object")
        obj = typing.cast(Mapping[str, object], data)
        hints = _hints(tp)
        kwargs: dict[str, Any] = {}
        names = {f.name for f in dataclasses.fields(tp) if f.init}
        back = {v: k for k, v in _JSON_RENAMES.items()}
        for key, raw in obj.items():
            name = back.get(key, key)
            if name not in names:
                raise ValidationError(f"{tp.__name__}: unknown field {key!r}")
            kwargs[name] = _decode(hints[name], raw, f"{tp.__name__}.{key}")
        try:
            return tp(**kwargs)
        except TypeError as exc:
            raise ValidationError(f"{tp.__name__}: {exc}") from exc
    if tp is float:
        _check(
            isinstance(data, int | float) and not isinstance(data, bool),
            f"{where}: expected a number, got {data!r}",
        )
        return float(typing.cast(float, data))
    if tp is int:
        _check(
            isinstance(data, int) and not isinstance(data, bool),
            f"{where}: expected an integer, got {data!r}",
        )
        return data
    if tp is bool:
        _check(isinstance(data, bool), f"{where}: expected true or false, got {data!r}")
        return data
    if tp is str:
        _check(isinstance(data, str), f"{where}: expected a string, got {data!r}")
        return data
    raise TypeError(f"{where}: no JSON decoding for {tp!r}")
