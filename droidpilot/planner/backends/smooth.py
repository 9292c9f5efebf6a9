"""SmoothQuant for the ``int8-dynamic`` export: move activation outliers into the weights.

onnxruntime's dynamic quantiser gives each matrix product's input one int8 scale per run
(:func:`~droidpilot.planner.backends.ort.quantize_dynamic_int8`). A decoder's inputs are not
even: a few channels run far larger than the rest (the default model's down projection in layer
11 sees 3,400 at the first token where the median is 1.6), so one scale rounds most of a run's
values to a handful of levels, and the default model chose another action at 14 of 60 recorded
screens (docs/model.md).

SmoothQuant (Xiao et al., 2023) divides each input channel ``j`` by ``s_j = max|X_j|^a /
max|W_j|^(1-a)`` and multiplies the weights' column ``j`` by it: the same product in exact
arithmetic, with the outliers' range shared between weights and activations. The divisions go
where the model already multiplies, so the fp32 model computes the same function:

- the inputs of q/k/v and of gate/up: into the RMSNorm weights before them;
- the input of the down projection: into the rows of the up projection (``silu(gate) * up``
  is linear in ``up``);
- the input of the output projection: into the rows of the value projection, one scale per
  key/value head's channel (the query heads of a group read the same values).

The ranges ``max|X_j|`` come from the model's own forward passes over recorded prompts
(:func:`activation_ranges`, ``droidpilot model calibrate``); the default model ships its
ranges (:data:`RANGES_FILE`), measured on oracle demonstrations of training seeds.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from droidpilot.errors import ModelNotFound

__all__ = [
    "ALPHA",
    "RANGES_FILE",
    "SITES",
    "activation_ranges",
    "load_ranges",
    "save_ranges",
    "smooth_weights",
    "write_smoothed",
]

#: Beside a model: the activation ranges its int8 export is smoothed with.
RANGES_FILE = "activation_ranges.safetensors"
#: How much of an outlier's range goes to the weights (0: none, 1: all). 0.5 and 0.75 wrote
#: the fp32 model's action at the same 53 of 60 recorded screens (plain int8: 46).
ALPHA = 0.75
#: Where ranges are measured: a range name's suffix, and the module whose input it is.
SITES = {
    "attn_in": "self_attn.q_proj",
    "attn_out": "self_attn.o_proj",
    "mlp_in": "mlp.gate_proj",
    "mlp_mid": "mlp.down_proj",
}
#: Decoders whose RMSNorm multiplies by its weight (not ``1 + weight``) and whose layers are
#: named as :data:`SITES` expects.
_FAMILIES = ("llama", "qwen2")
_WEIGHTS = "model.safetensors"


def activation_ranges(model_dir: Path, sequences: Iterable[Sequence[int]]) -> dict[str, Any]:
    """The largest absolute input of each channel at each of :data:`SITES` in every decoder
    layer, over fp32 forward passes of ``sequences`` (token ids): ``{"layers.I.SITE": array}``.
    """
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32)
    model.eval()  # type: ignore[no-untyped-call]
    _check_family(model.config.model_type, model_dir)
    found: dict[str, Any] = {}

    def recorder(name: str) -> Any:
        def hook(_module: Any, args: tuple[Any, ...]) -> None:
            x = args[0].detach().abs().reshape(-1, args[0].shape[-1]).amax(0)
            found[name] = torch.maximum(found[name], x) if name in found else x

        return hook

    handles = []
    for i, layer in enumerate(model.model.layers):
        for site, path in SITES.items():
            module = layer.get_submodule(path)
            handles.append(module.register_forward_pre_hook(recorder(f"layers.{i}.{site}")))
    seen = 0
    try:
        with torch.inference_mode():
            for ids in sequences:
                if ids:  # the decoder only: the vocabulary projection is not measured
                    model.model(torch.tensor([list(ids)], dtype=torch.long))
                    seen += 1
    finally:
        for h in handles:
            h.remove()
    if not seen:
        raise ModelNotFound("no sequences to measure activation ranges on")
    return {k: v.numpy().astype(np.float32) for k, v in sorted(found.items())}


def save_ranges(ranges: dict[str, Any], path: Path, about: dict[str, str]) -> None:
    """Write ranges as safetensors, ``about`` (what they were measured on) as its metadata."""
    from safetensors.numpy import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(dict(ranges), str(path), metadata={k: str(v) for k, v in about.items()})


def load_ranges(path: Path) -> dict[str, Any]:
    """Ranges written by :func:`save_ranges`; a missing or unreadable file is
    :class:`ModelNotFound` naming it."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        return dict(load_file(str(path)))
    except (OSError, ValueError, SafetensorError) as exc:
        raise ModelNotFound(f"{path}: unreadable activation ranges ({exc})") from exc


def smooth_weights(
    weights: dict[str, Any], config: dict[str, Any], ranges: dict[str, Any], alpha: float = ALPHA
) -> int:
    """Smooth a Llama/Qwen2 model's fp32 ``weights`` (safetensors names) in place with
    ``ranges``; the model computes the same function. Returns the layers smoothed. Ranges of
    the wrong shape or a missing layer raise :class:`ModelNotFound`."""
    import numpy as np

    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], not {alpha}")
    _check_family(str(config.get("model_type")), "the model")
    heads = int(config["num_attention_heads"])
    kv_heads = int(config.get("num_key_value_heads") or heads)
    head_dim = int(config.get("head_dim") or int(config["hidden_size"]) // heads)
    layers = int(config["num_hidden_layers"])

    def w(name: str) -> Any:
        return weights[f"model.layers.{i}.{name}"]

    def scales(site: str, mats: Sequence[Any]) -> Any:
        key = f"layers.{i}.{site}"
        x = ranges.get(key)
        width = mats[0].shape[1]
        if x is None or x.shape != (width,):
            got = "missing" if x is None else f"shape {tuple(x.shape)}"
            raise ModelNotFound(f"activation ranges: {key} is {got}, the model wants ({width},)")
        wmax = np.max([np.abs(m).max(axis=0) for m in mats], axis=0)
        s = np.maximum(x, 1e-5) ** alpha / np.maximum(wmax, 1e-5) ** (1 - alpha)
        return np.maximum(s, 1e-5).astype(np.float32)

    for i in range(layers):
        q, k, v = (w(f"self_attn.{p}_proj.weight") for p in "qkv")
        s = scales("attn_in", [q, k, v])
        w("input_layernorm.weight")[...] /= s
        for m in (q, k, v):
            m[...] *= s
        gate, up = w("mlp.gate_proj.weight"), w("mlp.up_proj.weight")
        s = scales("mlp_in", [gate, up])
        w("post_attention_layernorm.weight")[...] /= s
        gate[...] *= s
        up[...] *= s
        down = w("mlp.down_proj.weight")
        s = scales("mlp_mid", [down])
        up[...] /= s[:, None]
        down[...] *= s
        o = w("self_attn.o_proj.weight")
        s = scales("attn_out", [o])
        # o's input channel h * head_dim + d reads value channel (h // group) * head_dim + d
        per_kv = s.reshape(kv_heads, heads // kv_heads, head_dim).max(axis=1)
        v[...] /= per_kv.reshape(-1)[:, None]
        bias = weights.get(f"model.layers.{i}.self_attn.v_proj.bias")
        if bias is not None:
            bias[...] /= per_kv.reshape(-1)
        o[...] *= np.repeat(per_kv, heads // kv_heads, axis=0).reshape(-1)
    return layers


def write_smoothed(src: Path, dst: Path, ranges_file: Path, alpha: float = ALPHA) -> dict[str, Any]:
    """A copy of the transformers directory ``src`` in ``dst`` with its weights smoothed by
    the ranges in ``ranges_file``; returns what to record about it."""
    import numpy as np
    from safetensors.numpy import load_file, save_file

    weights_file = src / _WEIGHTS
    if not weights_file.is_file():
        raise ModelNotFound(f"{src}: smoothing needs a transformers directory with {_WEIGHTS}")
    config = json.loads((src / "config.json").read_text(encoding="utf-8"))
    weights = {k: np.array(v, dtype=np.float32) for k, v in load_file(str(weights_file)).items()}
    smooth_weights(weights, config, load_ranges(ranges_file), alpha)
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file() and f.name != _WEIGHTS:
            shutil.copyfile(f, dst / f.name)
    save_file(weights, str(dst / _WEIGHTS), metadata={"format": "pt"})
    digest = hashlib.sha256(ranges_file.read_bytes()).hexdigest()[:16]
    return {"alpha": alpha, "ranges_sha256": digest}


def _check_family(model_type: str, where: object) -> None:
    if model_type not in _FAMILIES:
        raise ModelNotFound(
            f"{where}: smoothing knows {', '.join(_FAMILIES)} decoders, not {model_type!r}"
        )
