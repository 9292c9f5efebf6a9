"""The wallet app: balance, cards, payments other apps ask for, PIN, refunds.

The model (:mod:`.model`) is imported by the food apps, and the app (:mod:`.app`) reads the
food apps' seeded history, so the app is loaded lazily here: ``APP`` (what the phone's
discovery looks for) and ``WalletApp`` come from :mod:`.app` on first access.
"""

from __future__ import annotations

from typing import Any

from droidpilot.device.sim.apps.wallet.model import PayResult, Transaction, WalletModel

__all__ = ["APP", "PACKAGE", "PayResult", "Transaction", "WalletApp", "WalletModel"]


def __getattr__(name: str) -> Any:
    if name in ("APP", "PACKAGE", "WalletApp"):
        from droidpilot.device.sim.apps.wallet import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
