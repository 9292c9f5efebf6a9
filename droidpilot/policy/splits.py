"""Which task instances train the planner model, which pick its settings, which judge it.

Two kinds of hold-out, both fixed here and nowhere else:

- **seeds**: every template's seeds are cut into ranges: ``0..999`` train (demonstrations, RL),
  ``1000..1999`` validation (choosing settings, GRPO's before/after), ``2000..`` test (the
  reported figures);
- **templates**: :data:`HELDOUT_TEMPLATES` never train, at any seed; they measure whether the
  model learnt the phone or only the templates it saw. Each has a sibling that does train
  (MealDash's version of a FoodGo task, the fastest train beside the cheapest one), so success
  there is possible but not memorised.

``droidpilot collect`` plans episode ``i`` with seed ``--seed + i // len(tasks)``, so
``collect --tasks $(droidpilot train split --field train_tasks) --seed 0`` stays in the training
seeds as long as ``episodes / len(tasks) <= 1000``; :func:`split_of` checks every episode the
trainers read, and they leave out (and count) any that is not ``train``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from droidpilot.tasks.registry import all_specs

__all__ = [
    "HELDOUT_TEMPLATES",
    "TEST_SEEDS",
    "TRAIN_SEEDS",
    "VALIDATION_SEEDS",
    "Split",
    "SplitName",
    "split_of",
    "split_summary",
    "train_templates",
]

SplitName = Literal["train", "validation", "test", "heldout_template"]

#: Whole templates kept out of training (a sibling of each trains).
HELDOUT_TEMPLATES: tuple[str, ...] = (
    "MealDashAskDeliveryEta",  # FoodGoAskDeliveryEta trains
    "MealDashOrderDishInjected",  # FoodGoOrderDishInjected trains
    "MealDashOrderDishOptions",  # FoodGoOrderDishOptions trains
    "MealDashOrderSoldOutDish",  # FoodGoOrderSoldOutDish trains
    "MealDashOrderToFriendAddress",  # FoodGoOrderToFriendAddress trains
    "TicketsAskRemaining",  # TicketsAskFirstAvailable trains
    "TravelBookFastestTrain",  # TravelBookCheapestTrain trains
    "WalletAskLastTransaction",  # WalletAskBalance trains
)


@dataclass(frozen=True, slots=True)
class Split:
    """A half-open seed range ``[start, stop)``."""

    start: int
    stop: int | None = None

    def __contains__(self, seed: object) -> bool:
        if not isinstance(seed, int) or isinstance(seed, bool):
            return False
        return seed >= self.start and (self.stop is None or seed < self.stop)


TRAIN_SEEDS = Split(0, 1000)
VALIDATION_SEEDS = Split(1000, 2000)
TEST_SEEDS = Split(2000)


def train_templates() -> tuple[str, ...]:
    """Every catalog template that may train (sorted ids), i.e. all but the held-out ones."""
    return tuple(s.id for s in all_specs() if s.id not in HELDOUT_TEMPLATES)


def split_of(task_id: str | None, seed: int | None) -> SplitName | None:
    """Where an instance belongs; ``None`` for a free-form goal or a missing seed."""
    if task_id is None or seed is None:
        return None
    if task_id in HELDOUT_TEMPLATES:
        return "heldout_template"
    if seed in TRAIN_SEEDS:
        return "train"
    if seed in VALIDATION_SEEDS:
        return "validation"
    return "test"


def split_summary() -> dict[str, object]:
    """The split as JSON (``droidpilot train split --json``)."""
    train = train_templates()
    return {
        "train_seeds": [TRAIN_SEEDS.start, TRAIN_SEEDS.stop],
        "validation_seeds": [VALIDATION_SEEDS.start, VALIDATION_SEEDS.stop],
        "test_seeds": [TEST_SEEDS.start, None],
        "heldout_templates": list(HELDOUT_TEMPLATES),
        "train_templates": list(train),
        "train_tasks": ",".join(train),
        "heldout_tasks": ",".join(HELDOUT_TEMPLATES),
    }
