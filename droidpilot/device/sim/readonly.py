"""Read-only views of app models, for tasks: reads pass through, writes raise."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["ReadOnlyError", "readonly"]

_ATOMS = (
    str,
    int,
    float,
    bool,
    bytes,
    type(None),
    dt.date,
    dt.datetime,
    dt.time,
    dt.timedelta,
    enum.Enum,
    frozenset,
)


class ReadOnlyError(AttributeError):
    """A task tried to change app state through its read-only view."""


class _ReadOnly:
    """A proxy over one object: attribute reads are wrapped again, writes raise."""

    __slots__ = ("_target",)

    def __init__(self, target: object) -> None:
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name: str) -> Any:
        return readonly(getattr(object.__getattribute__(self, "_target"), name))

    def __setattr__(self, name: str, value: object) -> None:
        raise ReadOnlyError(f"app state is read-only here (tried to set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise ReadOnlyError(f"app state is read-only here (tried to delete {name!r})")

    def __eq__(self, other: object) -> bool:
        target = object.__getattribute__(self, "_target")
        if isinstance(other, _ReadOnly):
            other = object.__getattribute__(other, "_target")
        return bool(target == other)

    def __hash__(self) -> int:
        return hash(object.__getattribute__(self, "_target"))

    def __repr__(self) -> str:
        return f"readonly({object.__getattribute__(self, '_target')!r})"

    def __iter__(self) -> Any:
        return (readonly(v) for v in object.__getattribute__(self, "_target"))

    def __len__(self) -> int:
        return len(object.__getattribute__(self, "_target"))


def readonly(value: Any) -> Any:
    """``value`` made safe to hand to a task: containers become immutable copies of wrapped
    items, objects become read-only proxies, atoms and frozen values pass through."""
    if isinstance(value, _ATOMS):
        return value
    if isinstance(value, list | tuple):
        return tuple(readonly(v) for v in value)
    if isinstance(value, set):
        return frozenset(value)
    if isinstance(value, Mapping):
        return MappingProxyType({k: readonly(v) for k, v in value.items()})
    params = getattr(type(value), "__dataclass_params__", None)
    if params is not None and getattr(params, "frozen", False):
        return value
    if callable(value) and not hasattr(value, "__dict__") and not hasattr(value, "__slots__"):
        return value
    if callable(value) and getattr(value, "__self__", None) is not None:
        return value  # a bound method: model methods reached this way must only read
    return _ReadOnly(value)
