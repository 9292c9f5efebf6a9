"""The calendar app (``com.droidpilot.calendar``): month and day views, events, adding an
event. See :mod:`.model` for the content rules (free and busy days)."""

from __future__ import annotations

from droidpilot.device.sim.app import App, ModelEnv
from droidpilot.device.sim.apps.calendar.model import CalendarModel, DayCell, Event
from droidpilot.device.sim.apps.calendar.pages import MonthPage
from droidpilot.device.sim.apps.world import Text

__all__ = ["APP", "PACKAGE", "CalendarApp", "CalendarModel", "DayCell", "Event"]

PACKAGE = "com.droidpilot.calendar"


class CalendarApp(App[CalendarModel]):
    package = PACKAGE
    label = Text("Calendar", "日历")
    launcher = MonthPage
    color = "#4285F4"

    def create_model(self, env: ModelEnv) -> CalendarModel:
        return CalendarModel.generate(env.seed, env.now.date())


APP = CalendarApp()
