"""The Debian adb CLI against `droidpilot sim serve` (served in-process)."""

from __future__ import annotations

import hashlib
import io
import os

from PIL import Image

from droidpilot.device.sim.phone import SimPhone
from droidpilot.device.sim.serve import SimServer
from tests.device.adb.conftest import AdbEnv


def test_devices_lists_the_phone_with_product_and_model(
    adb_env: AdbEnv, sim_server: SimServer
) -> None:
    listing = adb_env.out("devices", "-l")
    for addr in sim_server.addresses:
        line = next(line for line in listing.splitlines() if line.startswith(addr))
        assert " device " in line
        assert "product:droidpilot_sim" in line
        assert "model:DroidpilotSim" in line


def test_shell_exit_codes_and_not_found(adb_env: AdbEnv, serial: str) -> None:
    ok = adb_env.run("-s", serial, "shell", "echo hello; false")
    assert ok.stdout == b"hello\n"
    assert ok.returncode == 1  # shell v2 carries the real exit code
    missing = adb_env.run("-s", serial, "shell", "frobnicate --now")
    assert missing.returncode == 127
    assert b"/system/bin/sh: frobnicate: not found" in missing.stderr


def test_input_tap_changes_the_phone(
    adb_env: AdbEnv, serial: str, phone: SimPhone, sim_server: SimServer
) -> None:
    xml = adb_env.out("-s", serial, "exec-out", "uiautomator", "dump", "/dev/tty")
    assert "com.droidpilot.foodgo" not in adb_env.out(
        "-s", serial, "shell", "dumpsys window windows"
    )
    # the FoodGo icon on the launcher, from the dump
    import re

    m = re.search(r'text="FoodGo"[^>]*bounds="\[(\d+),(\d+)\]\[(\d+),(\d+)\]"', xml)
    assert m, xml[:500]
    x, y = (int(m[1]) + int(m[3])) // 2, (int(m[2]) + int(m[4])) // 2
    adb_env.out("-s", serial, "shell", "input", "tap", str(x), str(y))
    assert sim_server.call(phone.current_package) == "com.droidpilot.foodgo"
    focus = adb_env.out("-s", serial, "shell", "dumpsys window windows | grep mCurrentFocus")
    assert focus.startswith("  mCurrentFocus=Window{")
    assert "com.droidpilot.foodgo/" in focus


def test_screencap_is_a_png_of_the_screen_size(
    adb_env: AdbEnv, serial: str, phone: SimPhone
) -> None:
    res = adb_env.run("-s", serial, "exec-out", "screencap", "-p")
    assert res.returncode == 0
    assert res.stdout.startswith(b"\x89PNG\r\n\x1a\n")
    img = Image.open(io.BytesIO(res.stdout))
    assert img.size == (phone.width, phone.height)


def test_uiautomator_dump_then_pull(
    adb_env: AdbEnv, serial: str, tmp_path: os.PathLike[str]
) -> None:
    out = adb_env.out("-s", serial, "shell", "uiautomator", "dump")
    assert out.strip() == "UI hierchary dumped to: /sdcard/window_dump.xml"
    dest = os.path.join(str(tmp_path), "dump.xml")
    adb_env.out("-s", serial, "pull", "/sdcard/window_dump.xml", dest)
    with open(dest, encoding="utf-8") as f:
        text = f.read()
    assert text.startswith(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\">"
    )
    assert text.endswith("</hierarchy>")


def test_ls_sdcard(adb_env: AdbEnv, serial: str) -> None:
    adb_env.out("-s", serial, "shell", "echo hi > /sdcard/Download/note.txt")
    listing = adb_env.out("-s", serial, "ls", "/sdcard")
    names = [line.split()[-1] for line in listing.splitlines()]
    assert {".", "..", "Download", "DCIM"} <= set(names)
    assert "note.txt" in adb_env.out("-s", serial, "ls", "/sdcard/Download")


def test_push_pull_one_megabyte_keeps_md5(
    adb_env: AdbEnv, serial: str, tmp_path: os.PathLike[str]
) -> None:
    data = os.urandom(1024 * 1024)
    src = os.path.join(str(tmp_path), "big.bin")
    back = os.path.join(str(tmp_path), "back.bin")
    with open(src, "wb") as f:
        f.write(data)
    adb_env.out("-s", serial, "push", src, "/data/local/tmp/sub/big.bin")
    adb_env.out("-s", serial, "pull", "/data/local/tmp/sub/big.bin", back)
    with open(back, "rb") as f:
        assert hashlib.md5(f.read()).hexdigest() == hashlib.md5(data).hexdigest()
    remote = adb_env.out("-s", serial, "shell", "toybox md5sum /data/local/tmp/sub/big.bin")
    assert remote == f"{hashlib.md5(data).hexdigest()}  /data/local/tmp/sub/big.bin\n"


def test_push_outside_writable_dirs_fails(
    adb_env: AdbEnv, serial: str, tmp_path: os.PathLike[str]
) -> None:
    src = os.path.join(str(tmp_path), "x.txt")
    with open(src, "w") as f:
        f.write("x")
    res = adb_env.run("-s", serial, "push", src, "/system/x.txt")
    assert res.returncode != 0
    assert b"Read-only file system" in res.stdout + res.stderr
