"""The simulated Android phone (placeholder until the simulator lands)."""

from __future__ import annotations

from typing import Any

__all__: list[str] = []

SimDevice: Any = None
