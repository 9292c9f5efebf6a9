"""Fast private constructors for the frozen, slotted value types built in bulk.

A frozen dataclass's ``__init__`` binds keyword arguments and then sets each field with
``object.__setattr__``; for the hundreds of ``Element``s and ``ViewItem``s of each screen that
is most of the cost of building them. :func:`slot_maker` writes a function that takes every
field positionally, in declaration order, fills the slots of a plain twin class that has the
very same slot layout (plain attribute stores, which the interpreter specialises), then turns
the object into the real class by assigning ``__class__`` (which Python allows between classes
of identical layout). The result is an ordinary instance of the class: same type, equality,
hash, repr, pickling and frozenness. It runs no ``__post_init__``, so callers check what the
public constructor would check themselves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["slot_maker"]

T = TypeVar("T")


def slot_maker(cls: type[T], names: tuple[str, ...]) -> Callable[..., T]:
    """A positional constructor for the slotted dataclass ``cls`` whose fields are ``names``.

    ``names`` must be the class's fields in order (checked here, once, at import time), so
    that a field added to the class later fails loudly instead of shifting arguments.
    """
    fields = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    slots = tuple(getattr(cls, "__slots__", ()))
    if fields != names or slots != names:
        raise TypeError(f"{cls.__name__}: fields {fields}, slots {slots}; expected {names}")
    twin = type(f"_{cls.__name__}Slots", (), {"__slots__": slots})
    probe: Any = object.__new__(twin)
    probe.__class__ = cls  # raises TypeError now, not later, if the layouts differ
    env: dict[str, Any] = {"_new": object.__new__, "_twin": twin, "_cls": cls}
    body = ["    o = _new(_twin)"]
    body.extend(f"    o.{name} = {name}" for name in names)
    body.extend(["    o.__class__ = _cls", "    return o"])
    src = f"def make({', '.join(names)}):\n" + "\n".join(body) + "\n"
    exec(src, env)  # generated from the class's own field names
    maker: Callable[..., T] = env["make"]
    maker.__name__ = maker.__qualname__ = f"_make_{cls.__name__}"
    return maker
