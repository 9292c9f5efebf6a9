"""The App declarations shared by the two food apps (each module under ``apps`` defines one)."""

from __future__ import annotations

from typing import ClassVar

from droidpilot.device.sim.app import ModelEnv, Page
from droidpilot.device.sim.apps.food.generate import AppId, catalogs
from droidpilot.device.sim.apps.food.model import FoodAppModel
from droidpilot.device.sim.apps.food.ui_common import Skin
from droidpilot.device.sim.apps.food.ui_shop import HomePage
from droidpilot.device.sim.apps.world import Text

__all__ = ["build_food_model", "home_page_for"]


def _as_text(value: object) -> Text:
    en, zh = getattr(value, "en", None), getattr(value, "zh", None)
    if isinstance(en, str) and isinstance(zh, str):
        return Text(en, zh)
    return Text.same(str(value))


def build_food_model(app: AppId, env: ModelEnv) -> FoodAppModel:
    """The app's model from the phone seed; the adversarial-text fault may poison one dish
    description per restaurant (rolled once per restaurant, where ``"<package>:dish"``)."""
    model = FoodAppModel(catalogs(env.seed)[app], seed=env.seed, now=env.now)
    for shop in model.catalog.restaurants:
        injected = env.injection(f"{model.package}:dish")
        if injected:
            dish_id = env.rng.choice(shop.dish_ids)
            model.inject_dish_text(dish_id, _as_text(injected))
    return model


def home_page_for(skin: Skin) -> type[Page[FoodAppModel]]:
    """A launcher page class bound to ``skin`` (the phone starts launchers without arguments)."""

    class Home(HomePage):
        bound: ClassVar[Skin] = skin

        def __init__(self) -> None:
            super().__init__(self.bound)

    Home.__name__ = Home.__qualname__ = f"{skin.name.en}Home"
    return Home
