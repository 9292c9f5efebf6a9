"""The simulated phone's apps: one module (or package) each, defining ``APP``.

:func:`discover` imports every module here that defines ``APP`` (sorted by module name), so
adding an app is adding a module; see :mod:`droidpilot.device.sim.app` for how to write one.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from droidpilot.device.sim.app import App

__all__ = ["discover"]

_CACHE: list[App[Any]] = []


def discover() -> tuple[App[Any], ...]:
    """Every app (an ``APP`` in a module of this package), sorted by package name."""
    if not _CACHE:
        found: dict[str, App[Any]] = {}
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{__name__}.{info.name}")
            app = getattr(module, "APP", None)
            if isinstance(app, App):
                found[app.package] = app
        _CACHE.extend(found[k] for k in sorted(found))
    return tuple(_CACHE)
