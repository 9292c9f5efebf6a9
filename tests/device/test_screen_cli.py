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


def test_sim_screen_json_is_the_same_document_as_screen_json(tmp_path: Path) -> None:
    """`sim screen --json` gives the document `screen --json` gives for its dump."""
    xml = tmp_path / "dump.xml"
    sim = droidpilot("sim", "screen", "--seed", "3", "--json", "--xml", str(xml))
    assert sim.returncode == 0, sim.stderr
    sim_doc = json.loads(sim.stdout)
    proc = droidpilot("screen", str(xml), "--json")
    assert proc.returncode == 0, proc.stderr
    file_doc = json.loads(proc.stdout)
    assert set(file_doc) - {"file"} == set(sim_doc)
    assert isinstance(sim_doc["tokens"], int)
    assert sim_doc["tokens"] > 0
    # the classic dump holds the active window only; its elements are among the sim's
    sim_texts = {e["text"] for e in sim_doc["elements"]}
    assert {e["text"] for e in file_doc["elements"]} <= sim_texts
