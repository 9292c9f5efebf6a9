"""The maps app (``com.droidpilot.maps``): places near my location, search, place details
with address, distance and ETA, share. Handles the ``view_location`` intent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from droidpilot.device.sim.app import App, ModelEnv, Page
from droidpilot.device.sim.apps.maps.model import CATEGORIES, MapsModel, Place
from droidpilot.device.sim.apps.maps.pages import MapPage, PlacePage
from droidpilot.device.sim.apps.world import Text

__all__ = ["APP", "CATEGORIES", "PACKAGE", "MapPage", "MapsApp", "MapsModel", "Place", "PlacePage"]

PACKAGE = "com.droidpilot.maps"


class MapsApp(App[MapsModel]):
    package = PACKAGE
    label = Text("Maps", "地图")
    launcher = MapPage
    intents: ClassVar[Mapping[str, type[Page[Any]]]] = {"view_location": MapPage}
    color = "#34A853"
    permissions = ("location",)  # the permissions fault may prompt for it on launch

    def create_model(self, env: ModelEnv) -> MapsModel:
        return MapsModel.generate(env.seed)


APP = MapsApp()
