"""Planner step latency of the default model on the simulated phone, prefix cache off and on.

The default model (onnxruntime-genai fp32, its own planner settings) plays real episodes of
catalog tasks on test seeds. Each episode runs twice in the same process, alternately: once with
every step's prompt prefilled from scratch (what each step cost before the shared prefix cache),
once with the ONNX backend rewinding its KV cache to the prompt's common start with the last
step's sequence. The bench checks both runs took the same actions and prints the median time
of ``Planner.decide`` (prompt building, model, parsing) per step, the prompt tokens prefilled
per step, and the ratio.

Before that, the same ONNX model's prefill (600 tokens) and decode speed under onnxruntime's
own thread choice and under the backend's (one intra-op thread per usable core), alternately.

    .venv/bin/python bench/step.py [--tasks FoodGoOrderDish,ContactsAskPhoneNumber]
                                   [--seed 2001] [--max-steps 6] [--rounds 2] [--threads N]
"""

from __future__ import annotations

import argparse
import json
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
    prefill: dict[str, list[float]] = {k: [] for k in models}
    decode: dict[str, list[float]] = {k: [] for k in models}
    for _ in range(rounds):
        for name, m in models.items():
            params = og.GeneratorParams(m)
            params.set_search_options(max_length=700, batch_size=1)
            gen = og.Generator(m, params)
            t = time.perf_counter()
            gen.append_tokens(ids)
            prefill[name].append(time.perf_counter() - t)
            t = time.perf_counter()
            for _ in range(20):
                gen.generate_next_token()
            decode[name].append((time.perf_counter() - t) / 20)
    for name in models:
        print(
            f"{name:22s}: prefill of 600 tokens {statistics.median(prefill[name]):5.2f} s, "
            f"decode {statistics.median(decode[name]) * 1000:5.1f} ms/token"
        )
    a, b = models
    up = statistics.median(prefill[a]) / statistics.median(prefill[b])
    down = statistics.median(decode[a]) / statistics.median(decode[b])
    print(f"threads set by the backend: prefill {up:.2f}x, decode {down:.2f}x faster")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tasks", default="FoodGoOrderDish,ContactsAskPhoneNumber")
    ap.add_argument("--seed", type=int, default=2001)
    ap.add_argument("--max-steps", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads")
    args = ap.parse_args()

    model = default_model("onnx")
    backend = ort.OnnxBackend(LocalSettings(model=str(model), threads=args.threads))
    _threads(model, backend.settings.threads or ort._usable_cores())
    planner = planner_for(backend)
    reuse_min = ort.REUSE_MIN_PREFIX
    ms: dict[str, list[float]] = {"fresh": [], "shared": []}
    prefilled: dict[str, int] = {"fresh": 0, "shared": 0}
    steps: dict[str, int] = {"fresh": 0, "shared": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for task_id in args.tasks.split(","):
                actions: dict[str, list[str]] = {}
                # alternate which goes first, so a slower start does not favour one
                for mode in ("fresh", "shared") if r % 2 == 0 else ("shared", "fresh"):
                    ort.REUSE_MIN_PREFIX = reuse_min if mode == "shared" else 1 << 30
                    before = backend.prefilled_tokens
                    timed = _episode(planner, task_id, args.seed, args.max_steps, Path(tmp))
                    ms[mode] += timed.ms
                    prefilled[mode] += backend.prefilled_tokens - before
                    steps[mode] += len(timed.ms)
                    actions[mode] = timed.actions
                if actions["fresh"] != actions["shared"]:
                    sys.exit(f"{task_id}: the two runs chose different actions: {actions}")
    ort.REUSE_MIN_PREFIX = reuse_min
    print(
        f"default model {model.parent.name}, onnxruntime-genai fp32, "
        f"{backend.settings.threads or ort._usable_cores()} threads; tasks {args.tasks} "
        f"(seed {args.seed}, <= {args.max_steps} steps), {args.rounds} rounds"
    )
    for mode in ("fresh", "shared"):
        print(
            f"step, prompt prefilled {'from scratch' if mode == 'fresh' else 'after the cache'}"
            f"{' ' * (4 if mode == 'fresh' else 0)}: median {statistics.median(ms[mode]):7.0f} ms"
            f" over {steps[mode]} steps; {prefilled[mode] / max(1, steps[mode]):5.0f} prompt "
            "tokens prefilled per step"
        )
    ratio = statistics.median(ms["fresh"]) / statistics.median(ms["shared"])
    print(f"shared prefix cache: {ratio:.2f}x faster per step (same actions in both runs)")


if __name__ == "__main__":
    main()
