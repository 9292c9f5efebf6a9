from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures" / "uiautomator"


def fixture_files() -> list[Path]:
    """The real uiautomator dumps in ../shared/fixtures/uiautomator (sorted)."""
    return sorted(FIXTURES.glob("*.xml"))


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"the shared fixtures are missing: {FIXTURES}")
    return FIXTURES
