"""The SSE body never closes without the finished event when the task ends mid-read."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from droidpilot.policy.service import EventBus
from droidpilot.policy.store import EventRow
from droidpilot.server.app import _stream


class RacingStore:
    """The task ends between the stream's read of the events and its read of the status."""

    def __init__(self) -> None:
        self.reads = 0

    def events(self, task_id: str, *, after: int = 0, limit: int = 500) -> list[EventRow]:
        self.reads += 1
        if self.reads == 1:
            return []  # nothing new yet ...
        finished = EventRow(id=7, task_id=task_id, type="finished", data="{}", ts=0.0)
        return [finished] if after < 7 else []

    def task(self, task_id: str) -> Any:
        return SimpleNamespace(status="succeeded")  # ... and then it has ended


def test_a_task_ending_between_reads_still_sends_finished() -> None:
    service: Any = SimpleNamespace(bus=EventBus())
    store: Any = RacingStore()

    async def body() -> list[str]:
        return [chunk async for chunk in _stream(service, store, "t1", 0, 5.0)]

    chunks = asyncio.run(body())
    assert chunks[-1] == "id: 7\nevent: finished\ndata: {}\n\n"
