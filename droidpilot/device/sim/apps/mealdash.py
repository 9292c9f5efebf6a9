"""MealDash (美食达, com.droidpilot.meals): food delivery app B, FoodGo's rival.

The same capabilities in a different layout and wording: a search page, cuisine and sort
spinners, menu tabs, a full-screen customise page, a basket, vouchers, a note page. It lists
11 of FoodGo's 14 restaurants (and 3 of its own) at different prices.
"""

from __future__ import annotations

from droidpilot.device.sim.app import App, ModelEnv
from droidpilot.device.sim.apps.food.app import build_food_model, home_page_for
from droidpilot.device.sim.apps.food.generate import PACKAGES
from droidpilot.device.sim.apps.food.model import FoodAppModel
from droidpilot.device.sim.apps.food.skins import MEALDASH

__all__ = ["APP", "MealDashApp"]


class MealDashApp(App[FoodAppModel]):
    package = PACKAGES["meals"]
    label = MEALDASH.name
    launcher = home_page_for(MEALDASH)
    color = "#E53935"
    network = True

    def create_model(self, env: ModelEnv) -> FoodAppModel:
        return build_food_model("meals", env)


APP = MealDashApp()
