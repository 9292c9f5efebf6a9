"""droidpilot: an Android cross-app control agent with on-device reasoning."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
