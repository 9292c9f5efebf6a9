"""The layout's memo of leaf sizes gives the very frames that measuring every leaf afresh
gives: two phones of one seed walked side by side, the second with a memo that keeps nothing,
show the same screens, views and both XML dumps at every step."""

from __future__ import annotations

import random

import pytest

from droidpilot.device.sim import FaultConfig, SimDevice, SimPhone
from droidpilot.device.sim import layout as layout_mod
from droidpilot.device.sim.dump import dump_u2, dump_xml
from droidpilot.device.sim.views import column, text
from droidpilot.device.sim.walk import random_action
from droidpilot.errors import ActionFailed
from droidpilot.types import Action, Observation


class _Forgetful(dict[tuple[object, ...], tuple[int, int, int, int]]):
    """A leaf memo that never remembers: every leaf is measured."""

    def __setitem__(self, key: tuple[object, ...], value: tuple[int, int, int, int]) -> None:
        pass


def _step(dev: SimDevice, action: Action | None) -> tuple[Observation, str, str, str]:
    if action is not None:
        try:
            dev.perform(action)
        except ActionFailed as exc:
            return dev.observe(), str(exc), "", ""
    obs = dev.observe()
    return obs, "", dump_u2(dev.phone.windows()), dump_xml(dev.phone.active_window())


@pytest.mark.parametrize("seed", range(3))
def test_leaf_memo_matches_fresh_measuring(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    faults = FaultConfig.from_pairs([("all", 0.05)]) if seed == 1 else None
    lang = "zh" if seed == 2 else "en"
    memo = SimDevice(SimPhone(seed=seed, faults=faults, lang=lang))
    fresh = SimDevice(SimPhone(seed=seed, faults=faults, lang=lang))
    rng = random.Random(seed)
    apps = [p for p, a in memo.phone.apps.items() if not a.system]
    kept = layout_mod._LEAVES
    action: Action | None = None
    for _ in range(400):
        a = _step(memo, action)
        with monkeypatch.context() as m:
            m.setattr(layout_mod, "_LEAVES", _Forgetful())
            b = _step(fresh, action)
        assert a[0].screen == b[0].screen
        assert (a[0].view.text, a[0].view.items, a[0].view.diff) == (
            b[0].view.text,
            b[0].view.items,
            b[0].view.diff,
        )
        assert a[1:] == b[1:]
        action = random_action(rng, a[0], apps)
    assert layout_mod._LEAVES is kept
    assert kept  # the first phone's leaves were remembered


def test_leaves_sharing_a_remembered_box_are_placed_apart() -> None:
    # equal leaves get the memo's very box when measured, and each its own when placed
    lay = layout_mod.Layout(scale=2.0, lang="en", package="com.example")
    a, b = text("Same words"), text("Same words")
    root = column(a, b, text("Other"))
    lay.run(root, 0, 0, 1080, 2400)
    assert a.box[3] > 0
    assert a.box == (0, 0, 1080, a.box[3])
    assert b.box == (0, a.box[3], 1080, 2 * a.box[3])
    lay.measure(a, 1080, 2400)
    lay.measure(b, 1080, 2400)
    assert a.box is b.box  # one tuple from the memo, never changed in place
