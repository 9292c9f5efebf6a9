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

:func:`positional_twin` serves mutable classes built by the thousand through an ``__init__``
with many keyword-only parameters (the simulated phone's views): the same function, whose
left-out parameters' defaults come cheaper.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
from collections.abc import Callable
from typing import Any, TypeVar, cast

__all__ = ["positional_twin", "slot_maker"]

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
    env: dict[str, Any] = {"_twin": twin, "_cls": cls}
    # the twin has no __init__ or __new__ of its own: calling it makes the bare object by the
    # type's call slot, cheaper than object.__new__(twin), a builtin taking an args tuple
    body = ["    o = _twin()"]
    body.extend(f"    o.{name} = {name}" for name in names)
    body.extend(["    o.__class__ = _cls", "    return o"])
    src = f"def make({', '.join(names)}):\n" + "\n".join(body) + "\n"
    exec(src, env)  # generated from the class's own field names
    maker: Callable[..., T] = env["make"]
    maker.__name__ = maker.__qualname__ = f"_make_{cls.__name__}"
    return maker


F = TypeVar("F", bound=Callable[..., Any])


def positional_twin(func: F) -> F:
    """``func`` with its keyword-only parameters made positional-or-keyword (same code, same
    defaults), for hot private call sites that pass keywords all the same.

    At each call, Python (3.11) looks every keyword-only parameter the caller left out up in
    ``__kwdefaults__``, a dict lookup apiece; a positional-or-keyword one's default is copied
    from the ``__defaults__`` tuple. The twin runs the very code object's body, so it cannot
    drift from ``func``; only callers that would otherwise pay for many left-out keywords
    (the view builders, a dozen and more per view) need it.
    """
    code = func.__code__
    names = code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
    kwdefaults = func.__kwdefaults__ or {}
    if not all(n in kwdefaults for n in names) or code.co_flags & inspect.CO_VARARGS:
        # a keyword-only parameter without a default would become a required positional one
        # after the defaulted ones (and *args would take the positions): not supported
        raise TypeError(f"{func.__qualname__}: every keyword-only parameter needs a default")
    twin = types.FunctionType(
        code.replace(co_argcount=code.co_argcount + len(names), co_kwonlyargcount=0),
        func.__globals__,
        func.__name__,
        (*(func.__defaults__ or ()), *(kwdefaults[n] for n in names)),
        func.__closure__,
    )
    twin.__qualname__ = func.__qualname__
    return cast(F, twin)
