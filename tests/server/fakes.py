"""Fakes for the service tests: a slow oracle and a phone that drops off the bus."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from droidpilot.config import DeviceConfig
from droidpilot.device import Device, open_device
from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.errors import DeviceDisconnected, TaskError
from droidpilot.planner.planner import Decision
from droidpilot.planner.prompt import HistoryEntry
from droidpilot.policy.agent import Decider
from droidpilot.policy.service import DeciderFactory, DeviceFactory, PoolDevice, TaskRequest
from droidpilot.policy.teacher import OraclePolicy
from droidpilot.tasks.spec import Task
from droidpilot.types import Observation


class SlowOracle:
    """The oracle, ``delay`` seconds a step (a model that takes its time)."""

    def __init__(self, task: Task, delay: float) -> None:
        self.inner = OraclePolicy(task)
        self.delay = delay

    def reset(self, goal: str | None = None) -> None:
        self.inner.reset(goal)

    def decide(
        self,
        goal: str,
        obs: Observation,
        memory: Sequence[str] | None = None,
        history: Sequence[HistoryEntry] | None = None,
    ) -> Decision:
        time.sleep(self.delay)
        return self.inner.decide(goal, obs, memory, history)

    def close(self) -> None:
        self.inner.close()


def slow_oracle(delay: float) -> DeciderFactory:
    def make(request: TaskRequest, task: Task | None) -> Decider:
        if task is None:
            raise TaskError("the slow oracle needs a catalog task")
        return SlowOracle(task, delay)

    return make


class DyingDevice(SimDevice):
    """A simulated phone whose connection drops after ``observations`` screens."""

    def __init__(self, serial: str, observations: int) -> None:
        super().__init__(SimPhone(seed=0), serial=serial)
        self.left = observations

    def observe(self) -> Observation:
        self.left -= 1
        if self.left < 0:
            raise DeviceDisconnected("the USB cable was pulled", serial=self.serial)
        return super().observe()


def dies_once(observations: int) -> DeviceFactory:
    """The first opening of each device dies after ``observations``; later ones are fine."""
    lock = threading.Lock()
    opened: set[str] = set()

    def make(spec: PoolDevice) -> Device:
        with lock:
            first = spec.name not in opened
            opened.add(spec.name)
        if first:
            return DyingDevice(spec.name, observations)
        return open_device(DeviceConfig(kind="sim", serial=spec.name))

    return make
