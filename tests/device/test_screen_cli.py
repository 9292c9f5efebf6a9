"""`droidpilot screen FILE.xml [--json]`, run as a subprocess like a user would."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

EXE = Path(sys.executable).parent / "droidpilot"


def droidpilot(*args: str) -> subprocess.CompletedProcess[str]:
    exe = str(EXE) if EXE.exists() else shutil.which("droidpilot")
    if exe is None:
        pytest.fail("the droidpilot console script is not installed (pip install -e .)")
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, encoding="utf-8", timeout=120, check=False
    )


def test_screen_json_is_one_document_with_the_fields() -> None:
    path = next(FIXTURES.glob("27_*.xml"))
    proc = droidpilot("screen", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)  # exactly one document: json.loads rejects trailing data
    assert isinstance(doc, dict)
    assert {"elements", "text", "tokens"} <= set(doc)
    assert isinstance(doc["tokens"], int)
    assert 0 < doc["tokens"] < len(doc["text"])
    assert doc["text"].startswith("app: com.google.android.gm")
    assert doc["keyboard"] is True
    elements = doc["elements"]
    assert elements
    for el in elements:
        assert {"id", "bounds", "clickable", "editable", "scrollable", "text", "tap"} <= set(el)
        assert isinstance(el["id"], int)
        x1, y1, x2, y2 = el["bounds"]
        assert x1 <= el["tap"][0] < x2
        assert y1 <= el["tap"][1] < y2
        assert f"[{el['id']}]" in doc["text"]
    assert any(el["editable"] and el["text"] == "Subject" for el in elements)
    assert any(el["scrollable"] for el in elements)
    assert len({el["id"] for el in elements}) == len(elements)


def test_screen_prints_the_view() -> None:
    path = next(FIXTURES.glob("42_*.xml"))
    proc = droidpilot("screen", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:2] == [
        "app: android (dialog)",
        '[1] "System UI isn\'t responding"',
    ]
    assert "tokens" in proc.stderr


def test_screen_bad_file_is_a_usage_error(tmp_path: Path) -> None:
    page = tmp_path / "page.xml"
    page.write_text("<!doctype html><html><body>Not Found</body></html>", encoding="utf-8")
    proc = droidpilot("screen", str(page))
    assert proc.returncode == 2
    assert "HTML" in proc.stderr
    assert proc.stdout == ""

    proc = droidpilot("screen", str(page), "--json")
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert "HTML" in doc["error"]
    assert doc["exit_code"] == 2


def test_screen_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    proc = droidpilot("screen", str(tmp_path / "nope.xml"), "--json")
    assert proc.returncode == 2
    assert "cannot read" in json.loads(proc.stdout)["error"]
