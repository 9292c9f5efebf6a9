"""adbutils and uiautomator2, unmodified, against the simulated phone."""

from __future__ import annotations

from collections.abc import Iterator

import adbutils
import pytest
import uiautomator2 as u2

from droidpilot.device.adb import AdbDevice
from droidpilot.device.sim.phone import SimPhone
from droidpilot.device.sim.serve import SimServer
from droidpilot.types import OpenAppAction, TypeAction
from tests.device.adb.conftest import AdbEnv

FOOD = "com.droidpilot.foodgo"
NASTY = (
    'it\'s "quoted" ; rm -rf /sdcard && $(reboot) `id` | cat > /sdcard/pwn\n'
    "line 2 %s 100% 宫保鸡丁 🍜"
)


@pytest.fixture
def adb_device(adb_env: AdbEnv, serial: str) -> adbutils.AdbDevice:
    return adbutils.AdbClient(port=adb_env.port).device(serial)


@pytest.fixture
def ud(adb_device: adbutils.AdbDevice) -> Iterator[u2.Device]:
    d = u2.connect(adb_device)
    try:
        yield d
    finally:
        d.stop_uiautomator(wait=False)


def test_adbutils_basics(adb_device: adbutils.AdbDevice, phone: SimPhone) -> None:
    assert adb_device.get_state() == "device"
    assert adb_device.window_size() == (phone.width, phone.height)
    assert adb_device.app_current().package == "com.android.launcher3"
    assert adb_device.shell2("exit 3").returncode == 3
    v2 = adb_device.shell2("echo out; echo err >&2; false", v2=True)
    assert (v2.stdout, v2.stderr, v2.returncode) == ("out\n", "err\n", 1)
    xml = adb_device.dump_hierarchy()
    assert xml.startswith("<?xml")
    assert 'package="com.android.launcher3"' in xml
    assert FOOD in adb_device.list_packages()
    adb_device.app_start(FOOD)
    assert adb_device.app_current().package == FOOD
    assert adb_device.screenshot().size == (phone.width, phone.height)


def test_unknown_service_fails_with_a_message(adb_device: adbutils.AdbDevice) -> None:
    with adb_device.open_transport() as c:
        c.send_command("no-such-service:x")
        c.check_okay()
        with pytest.raises(adbutils.AdbError, match="unknown service"):
            c.check_okay()


def test_content_query_reads_app_data(adb_device: adbutils.AdbDevice) -> None:
    out = adb_device.shell(
        "content query --uri content://settings/secure --where \"name='default_input_method'\""
    )
    assert out.startswith("Row: 0 _id=")
    assert "value=com.android.inputmethod.latin/.LatinIME" in out
    assert adb_device.shell("content query --uri content://nope.authority/x").startswith(
        "Error while accessing provider"
    )


def test_u2_selector_and_xpath_clicks(
    ud: u2.Device, phone: SimPhone, sim_server: SimServer
) -> None:
    assert ud.info["displayWidth"] == phone.width
    ud(text="FoodGo").click()
    assert sim_server.call(phone.current_package) == FOOD
    assert ud.app_current()["package"] == FOOD
    ud.press("home")
    assert sim_server.call(phone.current_package) == "com.android.launcher3"
    ud.xpath('//*[@text="Wallet"]').click()
    assert sim_server.call(phone.current_package) == "com.droidpilot.wallet"
    assert ud(className="android.widget.FrameLayout", instance=0).exists
    assert not ud(text="no such text anywhere").exists
    with pytest.raises(u2.UiObjectNotFoundError):
        ud(text="no such text anywhere").info  # noqa: B018


def test_u2_send_keys_chinese(ud: u2.Device, phone: SimPhone, sim_server: SimServer) -> None:
    ud.app_start(FOOD)
    field = ud(className="android.widget.EditText")
    field.click()
    ud.send_keys("宫保鸡丁 🌶", clear=True)
    assert field.get_text() == "宫保鸡丁 🌶"
    assert ud.screenshot().size == (phone.width, phone.height)


def test_typed_text_arrives_verbatim_and_runs_nothing(
    adb_env: AdbEnv, serial: str, phone: SimPhone, sim_server: SimServer
) -> None:
    device = AdbDevice(serial, port=adb_env.port)
    try:
        device.perform(OpenAppAction(name=FOOD))
        obs = device.observe()
        field = next(it for it in obs.view.items if it.editable)
        handset = sim_server.handsets[0]
        before = list(handset.history)
        sdcard_before = sorted(p for p, _ in handset.fs.walk_files())
        result = device.perform(TypeAction(text=NASTY, element=field.id))
        assert result.ok, result.message
        obs = device.observe()
        texts = [obs.screen.elements[it.element].text for it in obs.view.items if it.editable]
        assert NASTY in texts
        assert sorted(p for p, _ in handset.fs.walk_files()) == sdcard_before
        sent = list(handset.history)[len(before) :]
        assert all("rm -rf" not in cmd and "reboot" not in cmd for cmd in sent)
    finally:
        device.close()
