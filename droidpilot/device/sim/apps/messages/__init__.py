"""The messages app (``com.droidpilot.messages``): conversations, seeded incoming texts (an
address from a friend, verification codes), compose and send; the target of ``share`` and
``compose`` intents. See :mod:`.model` for the content rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from droidpilot.device.sim.app import App, ModelEnv, Page
from droidpilot.device.sim.apps.messages.model import (
    SERVICE_COURIER,
    SERVICE_TRAVEL,
    SERVICE_WALLET,
    MessageFacts,
    MessagesModel,
    Sms,
)
from droidpilot.device.sim.apps.messages.pages import ComposePage, ThreadsPage
from droidpilot.device.sim.apps.world import Text

__all__ = [
    "APP",
    "PACKAGE",
    "SERVICE_COURIER",
    "SERVICE_TRAVEL",
    "SERVICE_WALLET",
    "MessageFacts",
    "MessagesApp",
    "MessagesModel",
    "Sms",
]

PACKAGE = "com.droidpilot.messages"


class MessagesApp(App[MessagesModel]):
    package = PACKAGE
    label = Text("Messages", "信息")
    launcher = ThreadsPage
    intents: ClassVar[Mapping[str, type[Page[Any]]]] = {
        "share": ComposePage,
        "compose": ComposePage,
    }
    color = "#43A047"

    def create_model(self, env: ModelEnv) -> MessagesModel:
        m = MessagesModel(env.seed, env.now)
        injected = env.injection("message")
        if injected:
            m.receive("106550012345", Text.of(injected), now=env.now, adversarial=True)
        return m


APP = MessagesApp()
