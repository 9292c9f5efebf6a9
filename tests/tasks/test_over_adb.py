"""A sample of oracle runs through ``droidpilot sim serve`` and AdbDevice: the same scripted
solutions drive a simulated phone over the real ADB protocol, the sim's checks pass, and the
real-phone checkers (``content query`` over adb) agree."""

from __future__ import annotations

import pytest

from droidpilot.device.adb import AdbDevice
from droidpilot.device.sim.phone import SimPhone
from droidpilot.device.sim.serve import SimServer
from droidpilot.tasks import get
from droidpilot.tasks.oracle import Driver
from tests.device.adb.conftest import AdbEnv, adb_env, sim_server  # noqa: F401

pytestmark = pytest.mark.slow

SEED = 7  # the served phones' seed


class _Served:
    """The served phone as the in-process task setup sees it."""

    serial = "served"

    def __init__(self, phone: SimPhone) -> None:
        self.phone = phone

    def reset(self) -> None:
        self.phone.reset()


#: A sample across the suites: questions, orders, bookings, tickets, calendar, the multi-stop
#: trip, an infeasible end, faults (the served dump fails once), and prompt injection.
SAMPLE = [
    "WalletAskBalance", "WalletAskLastTransaction", "ContactsAskPhoneNumber",
    "MessagesAskParcelCode", "FoodGoCancelOrder", "FoodGoOrderDish", "MealDashAskDishPrice",
    "FoodGoAskDeliveryEta", "FoodGoOrderToFriendAddress", "TravelBookTrain", "TravelBookHotel",
    "TravelCancelBooking", "TicketsBuyForDay", "CalendarFreeDayBookTrain", "TravelPlanTrip",
    "TravelBookTrainNoService", "WalletAskBalanceDumpFails", "MealDashOrderDishInjectedUnderFaults",
]  # fmt: skip


def test_the_sample_spans_the_suites() -> None:
    suites = {suite for t in SAMPLE for suite in get(t).suites}
    assert {"food", "travel", "tickets", "crossapp", "infeasible", "adversarial", "qa"} <= suites
    assert sum(get(t).checker is not None for t in SAMPLE) == len(SAMPLE)


@pytest.mark.parametrize("task_id", SAMPLE)
def test_oracle_over_adb(task_id: str, adb_env: AdbEnv, sim_server: SimServer) -> None:  # noqa: F811
    sim = sim_server.sims[0]
    assert sim is not None
    spec = get(task_id)
    task = spec.instantiate(SEED, lang="en", phone=SimPhone(seed=SEED))
    base = sim_server.call(lambda: task.setup(_Served(sim)))  # type: ignore[arg-type]
    device = AdbDevice(sim_server.addresses[0], port=adb_env.port)
    try:
        if spec.checker is not None:  # not done yet: the real-phone checker says so
            before = task.check_real(device, None)
            assert before is not None
            assert not before.success, before
        driver = Driver(device, lang="en")
        final = spec.oracle(driver, task.params)
        verdict = sim_server.call(lambda: task.check(sim, base, final))
        assert verdict.success, verdict.reason
        assert driver.steps + 1 <= task.budget
        real = task.check_real(device, final)
        if spec.checker is None:
            assert real is None
        else:
            assert real is not None
            assert real.success, real
    finally:
        device.close()
