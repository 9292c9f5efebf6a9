"""The onnxruntime backend, through onnxruntime-genai: for CPU and on-device use.

Loads a directory made by ``droidpilot model export-onnx`` (onnxruntime-genai's model builder:
``genai_config.json`` + ``model.onnx``). The token loop is ours, so the same
:class:`~droidpilot.planner.constrain.ReplyShaper` as the transformers backend applies the
thinking cap, the action grammar and the stop (through ``Generator.set_logits``); greedy output
matches transformers on the same fp32 model.

Two things make a CPU step cheaper. The session runs one intra-op thread per usable core (the
builder's config names none, and onnxruntime's own choice prefilled ~1.7x slower on a 2-core
machine). And greedy requests share one generator: a planner's prompts for consecutive steps
begin alike (system prompt, goal, earlier history), so its KV cache is rewound to the longest
common prefix with the last sequence and only the rest is prefilled; the logits are the same as a
fresh generator's (tested).

Two more make it cheaper still. The export computes the vocabulary projection for the last
:data:`LOGITS_ROWS` positions only (:func:`trim_logits`): a prefill of ~270 new tokens spent
~15% of its time projecting rows nobody reads. And greedy decoding drafts from the prompt
and its recent replies (:mod:`droidpilot.planner.backends.drafts`, shared with the
transformers backend): drafts checked several tokens a pass, the same tokens as decoding one
at a time.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from droidpilot.errors import BackendUnavailable, ModelNotFound, PlannerError
from droidpilot.planner.backends.base import CompletionRequest, make_completion
from droidpilot.planner.backends.drafts import (
    DRAFT_MAX,
    RecentReplies,
    greedy_decode,
    prompt_lookup,
    reply_shaper,
)
from droidpilot.planner.backends.hf import LocalSettings
from droidpilot.planner.constrain import ReplyShaper
from droidpilot.planner.models import CHATML_TEMPLATE, convert_gguf, resolve_model
from droidpilot.types import Completion, Sampling

__all__ = ["OnnxBackend", "export_onnx", "prompt_lookup", "trim_logits", "untrim_logits"]

logger = logging.getLogger(__name__)

#: The KV length of the shared generator. Its buffer is allocated once, 45 KiB per token for
#: SmolLM2-135M in fp32 (30 layers x keys and values x 3 heads x 64), so ~135 MB; the longest
#: planner prompts (Chinese, ~2,700 tokens) fit. Longer requests get a generator of their own.
REUSE_MAX_LENGTH = 3072
#: A common prefix shorter than this is not worth keeping the old cache for.
REUSE_MIN_PREFIX = 16
#: Positions whose logits an export made here computes (the last ones of each run); the
#: others come back as zeros. A draft is checked in one run, so it is at most this minus one.
LOGITS_ROWS = 16
#: ``export_onnx``'s precision for :func:`quantize_dynamic_int8`.
DYNAMIC_INT8 = "int8-dynamic"
#: Where an export records what :func:`trim_logits` did.
EXPORT_INFO = "droidpilot_export.json"


def export_onnx(
    src: str | Path,
    dst: Path,
    *,
    precision: str = "fp32",
    execution_provider: str = "cpu",
    ranges: Path | None = None,
) -> Path:
    """Export a transformers model directory (or a GGUF) to an onnxruntime-genai directory.

    Runs onnxruntime-genai's model builder in a subprocess (it prints a lot and holds the
    whole model in memory). ``precision``: fp32 (parity with transformers), int4 or int8 (the
    builder's weight-only ``MatMulNBits``), ``int8-dynamic`` (the fp32 export with its matrix
    products quantised by onnxruntime's dynamic quantiser: :func:`quantize_dynamic_int8`),
    fp16/bf16 (GPU).

    ``ranges`` (``int8-dynamic`` only): activation ranges (``droidpilot model calibrate``) to
    smooth a transformers directory's weights with before the export
    (:mod:`~droidpilot.planner.backends.smooth`); recorded in :data:`EXPORT_INFO`.
    """
    if ranges is not None and precision != DYNAMIC_INT8:
        raise PlannerError(f"activation ranges smooth an {DYNAMIC_INT8} export, not {precision}")
    if precision == DYNAMIC_INT8:
        if ranges is None:
            export_onnx(src, dst, precision="fp32", execution_provider=execution_provider)
            quantize_dynamic_int8(dst)
            return dst
        from droidpilot.planner.backends.smooth import write_smoothed

        source = resolve_model(src)
        if source.kind == "onnx":
            raise PlannerError(f"{src} is already an ONNX export")
        weights = convert_gguf(source) if source.kind == "gguf" else source.path
        smoothed = dst.parent / f".{dst.name}.smoothed"
        shutil.rmtree(smoothed, ignore_errors=True)
        try:
            about = write_smoothed(weights, smoothed, ranges)
            export_onnx(smoothed, dst, precision="fp32", execution_provider=execution_provider)
        finally:
            shutil.rmtree(smoothed, ignore_errors=True)
        quantize_dynamic_int8(dst)
        info_file = dst / EXPORT_INFO
        info = json.loads(info_file.read_text(encoding="utf-8"))
        info["smoothed"] = about
        info_file.write_text(json.dumps(info) + "\n", encoding="utf-8")
        return dst
    source = resolve_model(src)
    if source.kind == "onnx":
        raise PlannerError(f"{src} is already an ONNX export")
    path = convert_gguf(source) if source.kind == "gguf" else source.path
    try:
        import onnxruntime_genai  # type: ignore[import-untyped]  # noqa: F401
    except ImportError as exc:
        raise BackendUnavailable("export needs `pip install onnxruntime-genai onnx-ir`") from exc
    dst.mkdir(parents=True, exist_ok=True)
    cache = dst / ".build-cache"
    cmd = [
        sys.executable, "-m", "onnxruntime_genai.models.builder",
        "-i", str(path), "-o", str(dst), "-p", precision, "-e", execution_provider,
        "-c", str(cache),
    ]  # fmt: skip
    logger.info("exporting %s to %s (%s, %s)", path, dst, precision, execution_provider)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not (dst / "genai_config.json").is_file():
        tail = (proc.stderr or proc.stdout)[-2000:]
        raise PlannerError(f"onnxruntime-genai's builder failed on {path}:\n{tail}")
    _copy_chat_template(path, dst)
    trim_logits(dst)
    if (path / "droidpilot.json").is_file():  # the planner settings the model was trained for
        shutil.copyfile(path / "droidpilot.json", dst / "droidpilot.json")
    for leftover in sorted(cache.rglob("*"), reverse=True) if cache.exists() else []:
        leftover.unlink() if leftover.is_file() else leftover.rmdir()
    if cache.exists():
        cache.rmdir()
    return dst


def quantize_dynamic_int8(model_dir: Path) -> None:
    """Quantise the fp32 export in ``model_dir`` in place: every matrix product with constant
    weights becomes an int8 one, the weights per output channel, the activations per tensor
    as each pass computes them (onnxruntime's ``quantize_dynamic``, ``MatMulInteger``). Its
    products run on MLAS's int8 kernels (AVX-512 VNNI, AMX-INT8 where the CPU has them): on
    our Xeon a 500-token prefill took 0.70 s against 1.23 s and a one-token pass 19.6 ms
    against 32.0 ms (``bench/precision.py``), and the default model chose other actions more
    often, unless its weights were smoothed first (:func:`export_onnx`'s ``ranges``;
    docs/model.md). Records the precision in :data:`EXPORT_INFO`."""
    import tempfile

    from onnxruntime.quantization import QuantType, quantize_dynamic

    src = model_dir / "model.onnx"
    info_file = model_dir / EXPORT_INFO
    info = json.loads(info_file.read_text(encoding="utf-8")) if info_file.is_file() else {}
    if info.get("precision") == DYNAMIC_INT8:
        return
    with tempfile.TemporaryDirectory(dir=model_dir) as tmp:
        out = Path(tmp) / "model.onnx"
        quantize_dynamic(
            src,
            out,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            use_external_data_format=True,
            extra_options={"MatMulConstBOnly": True},
        )
        for old in (src, model_dir / "model.onnx.data"):
            old.unlink(missing_ok=True)
        for f in Path(tmp).iterdir():
            f.replace(model_dir / f.name)
    info["precision"] = DYNAMIC_INT8
    info_file.write_text(json.dumps(info) + "\n", encoding="utf-8")


def trim_logits(model_dir: Path, rows: int = LOGITS_ROWS) -> bool:
    """Make the export in ``model_dir`` project only the last ``rows`` positions of each run
    onto the vocabulary; the earlier rows of ``logits`` come back as zeros.

    onnxruntime-genai allocates ``logits`` for every position of a run, so the output keeps
    its shape: a ``Slice`` feeds the projection the last hidden states, a ``Pad`` puts its
    rows back at the end. Generation reads the last row, and a
    checked draft the last few. Returns False (and leaves the model as it is) where the graph
    does not end in a projection it knows; records ``rows`` in :data:`EXPORT_INFO`.
    """
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    path = model_dir / "model.onnx"
    config = json.loads((model_dir / "genai_config.json").read_text(encoding="utf-8"))
    out_name = config["model"]["decoder"].get("outputs", {}).get("logits", "logits")
    model = onnx.load(str(path), load_external_data=False)
    graph = model.graph
    p = "/droidpilot/logits_rows/"
    if any(n.name == p + "Pad" for n in graph.node):
        return True  # trimmed already
    producer = {o: n for n in graph.node for o in n.output}
    last = producer.get(out_name)
    head = last
    while head is not None and head.op_type in ("Cast", "Identity"):
        head = producer.get(head.input[0])
    if last is None or head is None or head.op_type not in ("MatMul", "MatMulNBits", "Gemm"):
        logger.warning("%s: no vocabulary projection found; logits left whole", path)
        return False
    consts = {
        p + "start": np.array([-rows], np.int64),
        p + "end": np.array([np.iinfo(np.int64).max], np.int64),
        p + "axis": np.array([1], np.int64),
        p + "rows": np.array([rows], np.int64),
        p + "zero": np.array([0], np.int64),
        p + "zeros": np.array([0, 0, 0], np.int64),
    }
    graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in consts.items())
    hidden = head.input[0]
    # pads = [0, max(0, seq - rows), 0, 0, 0, 0]: the projected rows go last, as they were
    nodes = [
        helper.make_node("Slice", [hidden, p + "start", p + "end", p + "axis"], [p + "last"]),
        helper.make_node("Shape", [hidden], [p + "shape"]),
        helper.make_node("Gather", [p + "shape", p + "axis"], [p + "seq"], axis=0),
        helper.make_node("Sub", [p + "seq", p + "rows"], [p + "rest0"]),
        helper.make_node("Max", [p + "rest0", p + "zero"], [p + "rest"]),
        helper.make_node("Concat", [p + "zero", p + "rest", p + "zero", p + "zeros"],
                         [p + "pads"], axis=0),
    ]  # fmt: skip
    for k, node in enumerate(nodes):
        node.name = f"{p}{node.op_type}{k}"
    at = list(graph.node).index(head)
    for k, node in enumerate(nodes):
        graph.node.insert(at + k, node)
    head.input[0] = p + "last"
    last.output[0] = p + "logits"
    graph.node.append(
        helper.make_node("Pad", [p + "logits", p + "pads"], [out_name], name=p + "Pad")
    )
    onnx.save(model, str(path))
    info = {"logits_rows": rows}
    (model_dir / EXPORT_INFO).write_text(json.dumps(info) + "\n", encoding="utf-8")
    return True


def untrim_logits(model_dir: Path) -> bool:
    """Undo :func:`trim_logits` in ``model_dir`` (every position's logits again, as the
    builder made it: for a caller that scores whole prompts, and the bench's baseline).
    Returns False where the model was not trimmed."""
    import onnx

    path = model_dir / "model.onnx"
    model = onnx.load(str(path), load_external_data=False)
    graph = model.graph
    p = "/droidpilot/logits_rows/"
    pad = next((n for n in graph.node if n.name == p + "Pad"), None)
    if pad is None:
        return False
    hidden = next(n.input[0] for n in graph.node if n.output[0] == p + "last")
    for node in graph.node:
        if node.output[0] == p + "logits":
            node.output[0] = pad.output[0]
        for k, name in enumerate(node.input):
            if name == p + "last":
                node.input[k] = hidden
    kept = [n for n in graph.node if not n.name.startswith(p)]
    del graph.node[:]
    graph.node.extend(kept)
    inits = [t for t in graph.initializer if not t.name.startswith(p)]
    del graph.initializer[:]
    graph.initializer.extend(inits)
    onnx.save(model, str(path))
    (model_dir / EXPORT_INFO).unlink(missing_ok=True)
    return True


def _copy_chat_template(src: Path, dst: Path) -> None:
    if (dst / "chat_template.jinja").is_file():
        return
    template = None
    if (src / "chat_template.jinja").is_file():
        template = (src / "chat_template.jinja").read_text(encoding="utf-8")
    elif (src / "tokenizer_config.json").is_file():
        data = json.loads((src / "tokenizer_config.json").read_text(encoding="utf-8"))
        template = data.get("chat_template") if isinstance(data, dict) else None
    if isinstance(template, str):
        (dst / "chat_template.jinja").write_text(template, encoding="utf-8")


class OnnxBackend:
    """A planner backend on an onnxruntime-genai model directory."""

    def __init__(self, settings: LocalSettings | str | Path) -> None:
        if not isinstance(settings, LocalSettings):
            settings = LocalSettings(model=str(settings))
        self.settings = settings
        try:
            import onnxruntime_genai as og
        except ImportError as exc:
            raise BackendUnavailable(
                "the onnx backend needs `pip install onnxruntime-genai`"
            ) from exc
        source = resolve_model(settings.model)
        if source.kind != "onnx":
            raise ModelNotFound(
                f"{settings.model} is not an onnxruntime-genai export (no genai_config.json); "
                f"make one with `droidpilot model export-onnx {settings.model} DST`"
            )
        self._og: Any = og
        model_from: Any = str(source.path)
        if hasattr(getattr(og, "Config", None), "overlay"):  # onnxruntime-genai >= 0.6
            threads = settings.threads or _usable_cores()
            session = {"intra_op_num_threads": threads}
            model_from = og.Config(str(source.path))
            model_from.overlay(json.dumps({"model": {"decoder": {"session_options": session}}}))
        self.model: Any = og.Model(model_from)
        tok_file = source.path / "tokenizer.json"
        if not tok_file.is_file():
            raise ModelNotFound(f"{source.path} has no tokenizer.json")
        from tokenizers import Tokenizer

        # the `tokenizers` library decodes byte-level BPE exactly as transformers does
        self.tokenizer: Any = Tokenizer.from_file(str(tok_file))
        self._name = source.name
        self.path = source.path
        genai = json.loads((source.path / "genai_config.json").read_text(encoding="utf-8"))
        eos = genai.get("model", {}).get("eos_token_id", [])
        context = genai.get("model", {}).get("context_length")
        self.reuse_max_length = min(REUSE_MAX_LENGTH, int(context or REUSE_MAX_LENGTH))
        self.eos_ids = tuple(eos if isinstance(eos, list) else [eos])
        # how many of a run's last positions have logits (all, unless trim_logits ran)
        info_file = source.path / EXPORT_INFO
        info = json.loads(info_file.read_text(encoding="utf-8")) if info_file.is_file() else {}
        rows = info.get("logits_rows") if isinstance(info, dict) else None
        self.logits_rows: int | None = rows if isinstance(rows, int) and rows > 0 else None
        #: the longest draft greedy decoding checks at once (0: decode one token at a time)
        self.draft_max = min(DRAFT_MAX, self.logits_rows - 1) if self.logits_rows else DRAFT_MAX
        self.template = self._template()
        self.close_ids = tuple(self._encode("</think>\n"))
        self.think_open = (
            self.render([{"role": "user", "content": "x"}]).rstrip().endswith("<think>")
        )
        # the shared greedy generator and the tokens its cache holds; the lock keeps it to one
        # request at a time (another request meanwhile gets a generator of its own)
        self._shared: Any = None
        self._shared_tokens: list[int] = []
        self._shared_lock = threading.Lock()
        #: prompt tokens taken from the shared cache / prefilled, over this backend's life
        self.reused_tokens = 0
        self.prefilled_tokens = 0
        #: draft tokens checked / kept by greedy decoding, and its model runs, over its life
        self.drafted_tokens = 0
        self.accepted_tokens = 0
        self.decode_runs = 0
        self._recent = RecentReplies()
        #: drafts: prompt lookup in this backend's recent replies, then the prompt
        self._draft = prompt_lookup

    @property
    def name(self) -> str:
        return self._name

    def close(self) -> None:
        self._shared = None
        self._shared_tokens = []
        self.model = None

    def _template(self) -> str:
        jinja = self.path / "chat_template.jinja"
        if jinja.is_file():
            return jinja.read_text(encoding="utf-8")
        cfg = self.path / "tokenizer_config.json"
        if cfg.is_file():
            data = json.loads(cfg.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("chat_template"), str):
                return str(data["chat_template"])
        return CHATML_TEMPLATE

    def render(self, messages: Sequence[dict[str, str]]) -> str:
        import jinja2

        env = jinja2.Environment(autoescape=False, keep_trailing_newline=True)
        return env.from_string(self.template).render(
            messages=list(messages), add_generation_prompt=True, bos_token="", eos_token=""
        )

    def decode(self, ids: Sequence[int]) -> str:
        return str(self.tokenizer.decode(list(ids), skip_special_tokens=False))

    def _encode(self, text: str) -> list[int]:
        return [int(i) for i in self.tokenizer.encode(text, add_special_tokens=False).ids]

    def complete(self, request: CompletionRequest) -> Completion:
        import numpy as np

        og = self._og
        started = time.perf_counter()
        prompt = self.render([{"role": m.role, "content": m.content} for m in request.messages])
        prompt_ids = self._encode(prompt)
        s = request.sampling
        shaper = reply_shaper(self, request)
        greedy = s.temperature <= 0
        shared = (
            greedy
            and hasattr(og.Generator, "rewind_to")  # onnxruntime-genai >= 0.7
            and len(prompt_ids) + s.max_tokens <= self.reuse_max_length
            and self._shared_lock.acquire(blocking=False)
        )
        try:
            if shared:
                gen = self._shared_generator(prompt_ids)
            else:
                gen = self._generator(len(prompt_ids) + s.max_tokens, s)
                gen.append_tokens(np.asarray(prompt_ids, dtype=np.int32))
                self.prefilled_tokens += len(prompt_ids)
            if greedy:
                out, logprobs, finish, kept = self._greedy_loop(
                    gen, shaper, s.max_tokens, prompt_ids
                )
            else:
                out, logprobs, finish = self._loop(gen, shaper, s.max_tokens)
                kept = len(out)
            if shared:
                self._shared_tokens = [*prompt_ids, *out[:kept]]
            if greedy:
                self._recent.add(out)  # drafts are looked up in recent replies too
        except BaseException:
            if shared:  # its cache may hold a half-done sequence
                self._shared = None
                self._shared_tokens = []
            raise
        finally:
            if shared:
                self._shared_lock.release()
        raw = shaper.trim(self.decode(out))
        return make_completion(
            raw,
            model=self._name,
            started=started,
            prompt_token_ids=prompt_ids,
            completion_token_ids=out,
            completion_logprobs=logprobs if self.settings.logprobs else None,
            finish_reason=finish,
            think_open=self.think_open,
        )

    def _generator(self, max_length: int, s: Any) -> Any:
        og = self._og
        params = og.GeneratorParams(self.model)
        options: dict[str, Any] = {
            "max_length": max_length,
            "do_sample": s.temperature > 0,
            "batch_size": 1,
        }
        if s.temperature > 0:
            options.update(temperature=s.temperature, top_p=s.top_p, top_k=0)
        params.set_search_options(**options)
        if s.seed is not None and s.temperature > 0:
            params.set_search_options(random_seed=s.seed)
        return og.Generator(self.model, params)

    def _shared_generator(self, prompt_ids: list[int]) -> Any:
        """The shared greedy generator, holding ``prompt_ids`` in its cache: rewound to the
        longest common prefix with its last sequence and the rest appended."""
        import numpy as np

        old = self._shared_tokens
        keep = 0
        if self._shared is not None:
            limit = min(len(old), len(prompt_ids) - 1)  # at least one token to prefill
            while keep < limit and old[keep] == prompt_ids[keep]:
                keep += 1
        if keep < REUSE_MIN_PREFIX:
            keep = 0
            self._shared = self._generator(self.reuse_max_length, Sampling(temperature=0.0))
        else:
            self._shared.rewind_to(keep)
        self._shared_tokens = []  # until this request is done
        self._shared.append_tokens(np.asarray(prompt_ids[keep:], dtype=np.int32))
        self.reused_tokens += keep
        self.prefilled_tokens += len(prompt_ids) - keep
        return self._shared

    def _loop(
        self, gen: Any, shaper: ReplyShaper, max_tokens: int
    ) -> tuple[list[int], list[float], str]:
        """The token loop: shaped logits, the next token, until a stop."""
        import numpy as np

        out: list[int] = []
        logprobs: list[float] = []
        finish = "length"
        while not gen.is_done() and len(out) < max_tokens:
            logits = np.asarray(gen.get_logits(), dtype=np.float32)
            row = logits[0, -1]
            shaped = shaper.shape(out, row)
            if shaped is not row:
                gen.set_logits(shaped.reshape(logits.shape))
            gen.generate_next_token()
            token = int(gen.get_next_tokens()[0])
            if self.settings.logprobs:
                m = float(row.max())
                lse = m + float(np.log(np.exp(row - m).sum()))
                logprobs.append(float(row[token]) - lse)
            if token in self.eos_ids:
                finish = "stop"
                logprobs = logprobs[: len(out)]
                break
            out.append(token)
            if shaper.done(out):
                finish = "stop"
                break
        return out, logprobs, finish

    def _greedy_loop(
        self, gen: Any, shaper: ReplyShaper, max_tokens: int, prompt_ids: list[int]
    ) -> tuple[list[int], list[float], str, int]:
        """Greedy decoding with drafts (:func:`~droidpilot.planner.backends.drafts.greedy_decode`):
        the tokens, their log-probabilities and the finish reason that decoding one token at a
        time gives, and how many of the tokens the generator's cache holds at the end."""
        import numpy as np

        done = greedy_decode(
            _GeneratorRunner(gen),
            np.asarray(gen.get_logits(), dtype=np.float32)[0, -1],
            shaper,
            prompt_len=len(prompt_ids),
            max_tokens=max_tokens,
            context=[*self._recent.flat, *prompt_ids],
            eos=self.eos_ids,
            draft=self._draft,
            draft_max=self.draft_max,
            logprobs=self.settings.logprobs,
        )
        self.decode_runs += done.runs
        self.drafted_tokens += done.drafted
        self.accepted_tokens += done.accepted
        return done.tokens, done.logprobs, done.finish, done.cached


class _GeneratorRunner:
    """An onnxruntime-genai generator as a :class:`~droidpilot.planner.backends.drafts.Runner`."""

    def __init__(self, gen: Any) -> None:
        self.gen = gen

    def run(self, tokens: Sequence[int]) -> Any:
        import numpy as np

        self.gen.append_tokens(np.asarray(tokens, dtype=np.int32))
        if len(tokens) == 1:
            return np.asarray(self.gen.get_logits(), dtype=np.float32)[0, -1:]
        rows = np.asarray(self.gen.get_output("logits"), dtype=np.float32)[0]
        return rows[-len(tokens) :]

    def rewind_to(self, length: int) -> None:
        self.gen.rewind_to(length)


def _usable_cores() -> int:
    """The cores this process may run on (its affinity, as under taskset or a container)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
