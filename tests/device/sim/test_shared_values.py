"""Values the simulator works out once and shares: full class names and resource ids (one
string object each, whose hash is kept) and windows' kinds in ``screen_of``. They are the
values worked out each time."""

from __future__ import annotations

import contextlib
import random

from droidpilot.device.screen import _window_kind
from droidpilot.device.sim import SimDevice, SimPhone
from droidpilot.device.sim.layout import Layout
from droidpilot.device.sim.views import View, button, column, text
from droidpilot.device.sim.walk import random_action
from droidpilot.errors import ActionFailed


def test_class_names_are_the_full_names_one_object_each() -> None:
    a, b = text("a"), text("b")
    assert a.cls == "android.widget.TextView"
    assert a.cls is b.cls
    assert View("android.view.View").cls == "android.view.View"
    assert View("com.example.Custom").cls == "com.example.Custom"
    assert button("x", None).cls == "android.widget.Button"


def test_resource_ids_are_the_full_ids_one_object_each() -> None:
    for package in ("com.example", "com.other"):
        lay = Layout(scale=2.0, lang="en", package=package)
        views = [text("a", id="title"), text("b", id="title"), text("c", id="android:id/text1")]
        lay.run(column(*views, text("no id")), 0, 0, 1080, 2400)
        assert views[0].rid == f"{package}:id/title"
        assert views[0].rid is views[1].rid
        assert views[2].rid == "android:id/text1"


def test_window_kinds_are_worked_out_as_each_time() -> None:
    dev = SimDevice(SimPhone(seed=4))
    rng = random.Random(4)
    apps = [p for p, a in dev.phone.apps.items() if not a.system]
    kinds = set()
    for _ in range(200):
        obs = dev.observe()
        for w in obs.screen.windows:
            kinds.add(w.kind)
            assert w.kind == _window_kind(w.package, w.bounds, obs.screen.width, obs.screen.height)
        with contextlib.suppress(ActionFailed):
            dev.perform(random_action(rng, obs, apps))
    assert {"app", "system"} <= kinds
