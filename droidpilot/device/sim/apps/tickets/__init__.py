"""The attraction tickets app (``com.droidpilot.tickets``): attractions by city, tickets left
per type and day, buying through the wallet. See :mod:`.model` for the content rules."""

from __future__ import annotations

from droidpilot.device.sim.app import App, ModelEnv
from droidpilot.device.sim.apps.tickets.model import (
    MERCHANT,
    TICKET_TYPES,
    Attraction,
    TicketPurchase,
    TicketsModel,
)
from droidpilot.device.sim.apps.tickets.pages import HomePage
from droidpilot.device.sim.apps.world import Text

__all__ = [
    "APP",
    "MERCHANT",
    "PACKAGE",
    "TICKET_TYPES",
    "Attraction",
    "TicketPurchase",
    "TicketsApp",
    "TicketsModel",
]

PACKAGE = "com.droidpilot.tickets"


class TicketsApp(App[TicketsModel]):
    package = PACKAGE
    label = Text("Tickets", "畅游门票")
    launcher = HomePage
    color = "#F4511E"
    network = True

    def create_model(self, env: ModelEnv) -> TicketsModel:
        return TicketsModel(env.seed, env.now.date())


APP = TicketsApp()
