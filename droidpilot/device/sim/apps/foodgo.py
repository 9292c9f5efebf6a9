"""FoodGo (饭来了, com.droidpilot.foodgo): food delivery app A.

Home with search and category chips, restaurant list, restaurant menu with sections, an
options dialog, cart, checkout (address, delivery time, coupon, note on the page), payment
through the wallet, order tracking, history, reorder and cancellation. Model and rules:
:mod:`droidpilot.device.sim.apps.food`.
"""

from __future__ import annotations

from droidpilot.device.sim.app import App, ModelEnv
from droidpilot.device.sim.apps.food.app import build_food_model, home_page_for
from droidpilot.device.sim.apps.food.generate import PACKAGES
from droidpilot.device.sim.apps.food.model import FoodAppModel
from droidpilot.device.sim.apps.food.skins import FOODGO

__all__ = ["APP", "FoodGoApp"]


class FoodGoApp(App[FoodAppModel]):
    package = PACKAGES["foodgo"]
    label = FOODGO.name
    launcher = home_page_for(FOODGO)
    color = "#FFB300"
    network = True

    def create_model(self, env: ModelEnv) -> FoodAppModel:
        return build_food_model("foodgo", env)


APP = FoodGoApp()
