"""Planner step latency of the default model on the simulated phone: what each of the ONNX
backend's savings buys, measured in the same run.

The default model (onnxruntime-genai fp32, its own planner settings) plays real episodes of
catalog tasks on test seeds. Each episode runs three times in the same process, in a rotating
order: every step's prompt prefilled from scratch and decoded one token at a time (``fresh``);
with the shared prefix cache, the KV cache rewound to the prompt's common start with the last
step's sequence (``cache``); and with drafts from the prompt checked several tokens a pass as
well (``drafts``, the backend's default). The bench checks all three took the same actions and
prints the median time of ``Planner.decide`` (prompt building, model, parsing) per step, the
prompt tokens prefilled and the model passes per step, and the ratios.

Before that, two A/Bs of the same weights, alternately: prefill (600 tokens) and decode under
onnxruntime's own thread choice and under the backend's (one intra-op thread per usable core);
and a step-sized prefill (270 new tokens after 420 cached) of the export as the backend uses
it, logits for the last positions only (``trim_logits``), against the builder's graph that
projects every position (``untrim_logits`` on a copy). Then int8 (``--precisions``) exports of
the same weights against fp32: prefill, decode and greedy agreement (the planner stays fp32).

    .venv/bin/python bench/step.py [--tasks FoodGoOrderDish,ContactsAskPhoneNumber]
                                   [--seed 2001] [--max-steps 6] [--rounds 2] [--threads N]
                                   [--model ONNX_DIR] [--precisions int8,int4]

It prints the CPU first: the same model and code took 2.17 s a step on one of our 2-core
machines and 0.93 s on another (AMD EPYC family 25, AVX-512 with VNNI and BF16).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from droidpilot.device.sim import SimDevice, SimPhone  # noqa: E402
from droidpilot.planner.backends import ort  # noqa: E402
from droidpilot.planner.backends.hf import LocalSettings  # noqa: E402
from droidpilot.planner.default import default_model, planner_for  # noqa: E402
from droidpilot.policy.agent import Agent, AgentConfig  # noqa: E402
from droidpilot.policy.host import cpu_summary  # noqa: E402
from droidpilot.tasks.registry import get as get_spec  # noqa: E402
from droidpilot.types import Observation  # noqa: E402


class _Timed:
    """A decider that times the planner's ``decide`` and keeps the actions it chose."""

    def __init__(self, planner: Any) -> None:
        self.planner = planner
        self.ms: list[float] = []
        self.actions: list[str] = []

    def reset(self, goal: str | None = None) -> None:
        self.planner.reset(goal)

    def decide(
        self,
        goal: str,
        obs: Observation,
        memory: Sequence[str] | None = None,
        history: Any = None,
    ) -> Any:
        t = time.perf_counter()
        decision = self.planner.decide(goal, obs, memory, history)
        self.ms.append((time.perf_counter() - t) * 1000)
        self.actions.append(repr(decision.action))
        return decision


def _episode(planner: Any, task_id: str, seed: int, max_steps: int, out: Path) -> _Timed:
    task = get_spec(task_id).instantiate(seed)
    device = SimDevice(SimPhone(seed=task.seed, lang=task.lang), keep_xml=True)
    timed = _Timed(planner)
    agent = Agent(device, timed, config=AgentConfig(max_steps=max_steps, guard="allow"))
    agent.run(out, task=task)
    return timed


def _prefill_decode(
    models: dict[str, Any], ids: Any, rounds: int, steps: int = 20
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, list[int]]]:
    """Each model in turn, ``rounds`` times: seconds to prefill ``ids``, then seconds per token
    to decode ``steps`` greedy tokens, and the tokens of the last round."""
    import onnxruntime_genai as og

    prefill: dict[str, list[float]] = {k: [] for k in models}
    decode: dict[str, list[float]] = {k: [] for k in models}
    tokens: dict[str, list[int]] = {}
    for _ in range(rounds):
        for name, m in models.items():
            params = og.GeneratorParams(m)
            params.set_search_options(max_length=len(ids) + steps + 80, batch_size=1)
            gen = og.Generator(m, params)
            t = time.perf_counter()
            gen.append_tokens(ids)
            prefill[name].append(time.perf_counter() - t)
            t = time.perf_counter()
            for _ in range(steps):
                gen.generate_next_token()
            decode[name].append((time.perf_counter() - t) / steps)
            tokens[name] = [int(x) for x in gen.get_sequence(0)[len(ids) :]]
    return prefill, decode, tokens


def _threads(model: Path, threads: int, rounds: int = 3) -> None:
    """Prefill and decode speed: onnxruntime's default session against ``threads`` threads."""
    import numpy as np
    import onnxruntime_genai as og
    from tokenizers import Tokenizer

    config = og.Config(str(model))
    config.overlay(
        json.dumps({"model": {"decoder": {"session_options": {"intra_op_num_threads": threads}}}})
    )
    models = {"onnxruntime's default": og.Model(str(model)), f"{threads} threads": og.Model(config)}
    tok = Tokenizer.from_file(str(model / "tokenizer.json"))
    ids = np.asarray(tok.encode("The quick brown fox jumps over the lazy dog. " * 60).ids[:600],
                     dtype=np.int32)  # fmt: skip
    prefill, decode, _ = _prefill_decode(models, ids, rounds)
    for name in models:
        print(
            f"{name:22s}: prefill of 600 tokens {statistics.median(prefill[name]):5.2f} s, "
            f"decode {statistics.median(decode[name]) * 1000:5.1f} ms/token"
        )
    a, b = models
    up = statistics.median(prefill[a]) / statistics.median(prefill[b])
    down = statistics.median(decode[a]) / statistics.median(decode[b])
    print(f"threads set by the backend: prefill {up:.2f}x, decode {down:.2f}x faster")


def _precision(model: Path, precisions: Sequence[str], threads: int, rounds: int = 3) -> None:
    """Prefill and decode speed of int8/int4 exports (MatMulNBits, int8 compute on the CPU)
    of the same weights against the fp32 one, and how many of 20 greedy tokens they share.
    Whether they win depends on the CPU: int8 dot products need AVX-512 VNNI or AVX-VNNI."""
    import numpy as np
    import onnxruntime_genai as og
    from tokenizers import Tokenizer

    hf = model.parent / "hf"
    if not precisions:
        return
    if not (hf / "config.json").is_file():
        print(f"no transformers weights beside {model}: no precision A/B")
        return
    tok = Tokenizer.from_file(str(model / "tokenizer.json"))
    text = "Goal: order two Margherita Pizza from Pizza Corner on FoodGo and pay. " * 40
    ids = np.asarray(tok.encode(text).ids[:600], dtype=np.int32)
    with tempfile.TemporaryDirectory() as tmp:
        dirs = {"fp32": model}
        for p in precisions:
            dirs[p] = ort.export_onnx(hf, Path(tmp) / p, precision=p)
        models = {}
        for name, where in dirs.items():
            config = og.Config(str(where))
            session = {"intra_op_num_threads": threads}
            config.overlay(json.dumps({"model": {"decoder": {"session_options": session}}}))
            models[name] = og.Model(config)
        prefill, decode, tokens = _prefill_decode(models, ids, rounds)
    base_p, base_d = statistics.median(prefill["fp32"]), statistics.median(decode["fp32"])
    for name in models:
        pf, dc = statistics.median(prefill[name]), statistics.median(decode[name])
        same = sum(a == b for a, b in zip(tokens[name], tokens["fp32"], strict=False))
        print(
            f"{name:22s}: prefill of 600 tokens {pf:5.2f} s ({base_p / pf:.2f}x), decode "
            f"{dc * 1000:5.1f} ms/token ({base_d / dc:.2f}x); {same}/20 greedy tokens as fp32"
        )


def _trim(model: Path, threads: int, rounds: int = 3) -> None:
    """A step-sized prefill with logits for the last positions only and for every one."""
    import numpy as np
    import onnxruntime_genai as og

    with tempfile.TemporaryDirectory() as tmp:
        whole = Path(tmp)
        for f in model.iterdir():  # the weights linked (no copy), the graph copied
            if f.is_file():
                link = f.name.endswith(".data") and f.stat().st_dev == whole.stat().st_dev
                (os.link if link else shutil.copyfile)(f, whole / f.name)
        if not ort.untrim_logits(whole):
            print(f"{model} projects every position already: no trim A/B")
            return
        models = {}
        for name, where in (("last positions only", model), ("every position", whole)):
            config = og.Config(str(where))
            session = {"intra_op_num_threads": threads}
            config.overlay(json.dumps({"model": {"decoder": {"session_options": session}}}))
            models[name] = og.Model(config)
        rng = np.random.default_rng(0)
        head = rng.integers(100, 40000, 420).astype(np.int32)
        new = rng.integers(100, 40000, 270).astype(np.int32)
        took: dict[str, list[float]] = {k: [] for k in models}
        last: dict[str, Any] = {}
        for _ in range(rounds):
            for name, m in models.items():
                params = og.GeneratorParams(m)
                params.set_search_options(max_length=1024, batch_size=1)
                gen = og.Generator(m, params)
                gen.append_tokens(head)
                t = time.perf_counter()
                gen.append_tokens(new)
                took[name].append(time.perf_counter() - t)
                last[name] = np.asarray(gen.get_logits())[0, -1]
        a, b = models
        same = bool(np.allclose(last[a], last[b], atol=1e-4))
        for name in models:
            took_s = statistics.median(took[name])
            print(f"{name:22s}: prefill of 270 tokens after 420 {took_s:5.2f} s")
        ratio = statistics.median(took[b]) / statistics.median(took[a])
        print(f"logits of the last positions only: prefill {ratio:.2f}x faster (same: {same})")


MODES = ("fresh", "cache", "drafts")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tasks", default="FoodGoOrderDish,ContactsAskPhoneNumber")
    ap.add_argument("--seed", type=int, default=2001)
    ap.add_argument("--max-steps", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads")
    ap.add_argument("--model", type=Path, default=None, help="an ONNX export (default: bundled)")
    ap.add_argument("--precisions", default="int8", help="exports to time against fp32 ('': none)")
    args = ap.parse_args()

    # the CPU first: the same model's step differs more than 2x between our 2-core machines
    print(f"CPU: {cpu_summary()}", flush=True)
    model = args.model.resolve() if args.model else default_model("onnx", precision="fp32")
    backend = ort.OnnxBackend(LocalSettings(model=str(model), threads=args.threads))
    threads = backend.settings.threads or ort._usable_cores()
    _threads(model, threads)
    _trim(model, threads)
    _precision(model, [p for p in args.precisions.split(",") if p], threads)
    planner = planner_for(backend)
    reuse_min, draft_max = ort.REUSE_MIN_PREFIX, backend.draft_max
    ms: dict[str, list[float]] = {m: [] for m in MODES}
    count: dict[str, dict[str, int]] = {
        m: {"steps": 0, "prefilled": 0, "runs": 0, "drafted": 0, "accepted": 0} for m in MODES
    }
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for t, task_id in enumerate(args.tasks.split(",")):
                actions: dict[str, list[str]] = {}
                # rotate which goes first, so a slower start favours none
                k = (r + t) % len(MODES)
                for mode in MODES[k:] + MODES[:k]:
                    ort.REUSE_MIN_PREFIX = reuse_min if mode != "fresh" else 1 << 30
                    backend.draft_max = draft_max if mode == "drafts" else 0
                    before = (
                        backend.prefilled_tokens,
                        backend.decode_runs,
                        backend.drafted_tokens,
                        backend.accepted_tokens,
                    )
                    timed = _episode(planner, task_id, args.seed, args.max_steps, Path(tmp))
                    c = count[mode]
                    ms[mode] += timed.ms
                    c["steps"] += len(timed.ms)
                    c["prefilled"] += backend.prefilled_tokens - before[0]
                    c["runs"] += backend.decode_runs - before[1]
                    c["drafted"] += backend.drafted_tokens - before[2]
                    c["accepted"] += backend.accepted_tokens - before[3]
                    actions[mode] = timed.actions
                if not actions["fresh"] == actions["cache"] == actions["drafts"]:
                    sys.exit(f"{task_id}: the runs chose different actions: {actions}")
    ort.REUSE_MIN_PREFIX = reuse_min
    backend.draft_max = draft_max
    print(
        f"{'model ' + str(model) if args.model else 'default model ' + model.parent.name}, "
        f"onnxruntime-genai{'' if args.model else ' fp32'}, {threads} threads; "
        f"tasks {args.tasks} (seed {args.seed}, <= {args.max_steps} steps), {args.rounds} rounds"
    )
    what = {
        "fresh": "prompt prefilled from scratch",
        "cache": "prefix cache              ",
        "drafts": "prefix cache + drafts     ",
    }
    for mode in MODES:
        c = count[mode]
        n = max(1, c["steps"])
        line = (
            f"step, {what[mode]}: median {statistics.median(ms[mode]):6.0f} ms over {c['steps']} "
            f"steps; {c['prefilled'] / n:4.0f} prompt tokens prefilled, "
            f"{c['runs'] / n:4.1f} decode passes per step"
        )
        if c["drafted"]:
            line += f" ({c['accepted']}/{c['drafted']} draft tokens kept)"
        print(line)
    fresh = statistics.median(ms["fresh"])
    print(
        f"prefix cache: {fresh / statistics.median(ms['cache']):.2f}x, with drafts: "
        f"{fresh / statistics.median(ms['drafts']):.2f}x faster per step than from scratch "
        "(same actions in all three)"
    )


if __name__ == "__main__":
    main()
