"""Property-based requests from the OpenAPI document against the live server: no 5xx.

Bounded: ``EXAMPLES`` positive and ``EXAMPLES`` negative cases per operation, derandomized,
against one server on loopback. Schemathesis is driven through Hypothesis directly (its pytest
plugin's fixture loader does not run under this pytest).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from tests.server.conftest import TOKEN, LiveServer, settings_for  # noqa: E402

EXAMPLES = 25

pytestmark = pytest.mark.slow


def _fuzz(strategy: Any, label: str, calls: dict[str, int]) -> None:
    """``EXAMPLES`` generated requests of one operation; any 5xx fails."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case: Any) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {TOKEN}"}, checks=[not_a_server_error], timeout=10
        )
        calls[label] = calls.get(label, 0) + 1

    check()


def test_no_server_errors_from_generated_requests(tmp_path: Path) -> None:
    with LiveServer(settings_for(tmp_path, sim_devices=1, screenshots=False)) as live:
        schema = schemathesis.openapi.from_url(live.url + "/openapi.json")
        schema.config.update(base_url=live.url)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 13
        calls: dict[str, int] = {}
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _fuzz(operation.as_strategy(generation_mode=mode), operation.label, calls)
                except Unsatisfiable:
                    # nothing to make invalid (no parameters, no body): positive cases only
                    assert mode is GenerationMode.NEGATIVE, operation.label
        assert len(calls) == len(operations)
        assert 'status="500"' not in live.get("/metrics").text
