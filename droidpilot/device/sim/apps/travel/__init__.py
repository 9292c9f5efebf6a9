"""The travel app (``com.droidpilot.travel``): trains, flights and hotels; payment through the
wallet; my trips with cancellation and refunds. See :mod:`.model` for the content rules."""

from __future__ import annotations

from droidpilot.device.sim.app import App, ModelEnv
from droidpilot.device.sim.apps.travel.model import (
    MERCHANT,
    Booking,
    HotelBooking,
    Passenger,
    TravelModel,
    TripBooking,
    summary,
)
from droidpilot.device.sim.apps.travel.pages import SearchPage
from droidpilot.device.sim.apps.world import Text

__all__ = [
    "APP",
    "MERCHANT",
    "PACKAGE",
    "Booking",
    "HotelBooking",
    "Passenger",
    "TravelApp",
    "TravelModel",
    "TripBooking",
    "summary",
]

PACKAGE = "com.droidpilot.travel"


class TravelApp(App[TravelModel]):
    package = PACKAGE
    label = Text("Travel", "畅行旅行")
    launcher = SearchPage
    color = "#1E88E5"
    network = True
    login = True

    def create_model(self, env: ModelEnv) -> TravelModel:
        return TravelModel(env.seed, env.now.date())


APP = TravelApp()
