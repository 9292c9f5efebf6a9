from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.device.sim.apps.wallet.app import WalletApp
from droidpilot.planner import Planner, PlannerConfig
from droidpilot.planner.backends import ScriptedBackend
from droidpilot.planner.backends.base import CompletionRequest
from droidpilot.policy.teacher import OracleScript, WatchedDevice
from droidpilot.tasks.registry import get
from droidpilot.tasks.spec import Task

ORDER = "FoodGoOrderDish"

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def load_script(name: str) -> ModuleType:
    """``scripts/NAME.py`` imported as the module ``NAME``."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def task_of(task_id: str = ORDER, seed: int = 1, lang: str | None = None) -> Task:
    return get(task_id).instantiate(seed, lang=lang)


def sim(seed: int = 1) -> SimDevice:
    return SimDevice(SimPhone(seed=seed))


def payments(device: SimDevice) -> int:
    """Payments and transfers in the wallet."""
    txs = device.phone.read(WalletApp).transactions
    return sum(t.kind in ("payment", "transfer") for t in txs)


def scripted_oracle(
    task: Task,
    device: SimDevice,
    wrap: Callable[[Callable[[CompletionRequest], str]], Callable[[CompletionRequest], str]]
    | None = None,
) -> tuple[WatchedDevice, Planner, OracleScript]:
    """A planner over a scripted backend that replays the task's oracle through the real
    prompt and parse path (``wrap`` may change some replies)."""
    watched = WatchedDevice(device)
    script = OracleScript(task, watched)
    fn: Callable[[CompletionRequest], str] = script if wrap is None else wrap(script)
    planner = Planner(ScriptedBackend(fn, name="scripted-oracle"), PlannerConfig())
    return watched, planner, script


@pytest.fixture
def order_task() -> Task:
    return task_of()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The planner tests' tiny random Qwen2, built offline."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from droidpilot.planner.models import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "qwen2")
