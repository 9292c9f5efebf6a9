"""Distillation (SFT) of the planner model on demonstrations (``droidpilot train sft``).

Data: the run directories of ``droidpilot collect`` (the oracle, or any model as a teacher).
Only successful episodes are read (rejection sampling by the rule-based check, the
``--only-success`` filter of :func:`~droidpilot.policy.export.step_rows`), only instances of the
``train`` split (:mod:`droidpilot.policy.splits`; others are counted and left out), only steps
with a valid action. Each step becomes one example: the prompt messages recorded at that step
(the exact prompt the planner builds) through the model's chat template with the generation
prompt, then the completion ``<think>reasoning</think>\\naction`` and the end-of-turn token.
The loss is on the completion only. An example longer than ``max_seq`` tokens is left out and
counted (cutting it would change the prompt the model sees at run time).

Training is a plain loop (AdamW, linear warm-up then linear decay, gradient accumulation,
gradient clipping): full fine-tuning by default, LoRA when ``lora`` is set and ``peft`` is
installed (merged into the weights before saving). ``precision`` "auto" runs the forward under
bf16 autocast with fp32 master weights on CUDA and in fp32 on a CPU; "bf16" asks for bf16
autocast on a CPU too (about twice the tokens a second on a CPU with AVX-512 BF16 or AMX:
``bench/train.py --precision fp32,bf16``), "fp32" turns it off everywhere. Seeding is
deterministic (Python, NumPy, torch; the batch order comes from ``seed``). Examples are
batched by length (buckets shuffled), which keeps the padding, and so the CPU time, small.

The output directory is a transformers model (safetensors + tokenizer) that
``--backend transformers --model DIR`` loads, with ``droidpilot.json`` (the planner settings
the model was trained for: no plan call, a short thought) and a model card
(``model_card.json`` + ``README.md``: data, seeds, settings, time, machine, figures).
"""

from __future__ import annotations

import json
import logging
import math
import os
import platform
import random
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from droidpilot.errors import BackendUnavailable, ConfigError
from droidpilot.planner.default import PLANNER_SETTINGS
from droidpilot.planner.models import CHATML_TEMPLATE, convert_gguf, resolve_model
from droidpilot.planner.prompt import PROMPT_STYLES, style_of
from droidpilot.policy.export import step_rows
from droidpilot.policy.host import cpu_info, cpu_summary
from droidpilot.policy.splits import split_of
from droidpilot.types import Message

__all__ = [
    "PLANNER_SETTINGS",
    "DataStats",
    "Example",
    "SFTConfig",
    "SFTReport",
    "TokenizedExample",
    "data_stats",
    "load_base",
    "load_examples",
    "load_tokenizer",
    "machine",
    "prompt_style_of",
    "seed_everything",
    "target_logits",
    "tokenize_examples",
    "train_sft",
    "write_model_card",
]

logger = logging.getLogger(__name__)

CARD_JSON = "model_card.json"
CARD_MD = "README.md"


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True, kw_only=True)
class Example:
    """One demonstration step: the recorded prompt and the completion to learn."""

    prompt: tuple[Message, ...]
    completion: str
    task_id: str | None
    seed: int | None
    lang: str
    episode_id: str
    step: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DataStats:
    """What was read from the run directories, and what was left out and why."""

    runs: tuple[str, ...]
    episodes: int
    examples: int
    left_out_split: int = 0  # episodes of validation/test seeds or held-out templates
    left_out_invalid: int = 0  # steps without a valid action
    tasks: tuple[tuple[str, int], ...] = ()  # episodes per template
    seeds: tuple[int, int] | None = None  # smallest and largest seed
    langs: tuple[tuple[str, int], ...] = ()


def _completion_text(row: dict[str, Any]) -> str:
    answer = row["action_text"] or ""
    reasoning = " ".join((row["reasoning"] or "").split())
    return f"<think>{reasoning}</think>\n{answer}"


def load_examples(
    runs: Sequence[Path],
    *,
    only_success: bool = True,
    splits: Sequence[str] = ("train",),
) -> tuple[list[Example], DataStats]:
    """Every usable step of the finished (successful) episodes of ``runs``, in order."""
    if not runs:
        raise ConfigError("give at least one run directory of demonstrations")
    examples: list[Example] = []
    episodes: set[str] = set()
    skipped_eps: set[str] = set()
    invalid = 0
    per_task: Counter[str] = Counter()
    per_lang: Counter[str] = Counter()
    seeds: list[int] = []
    for run in runs:
        rows, _ = step_rows(Path(run), only_success=only_success)
        for row in rows:
            eid = f"{run}:{row['episode_id']}"
            where = split_of(row["task_id"], row["seed"])
            if where is None or where not in splits:
                skipped_eps.add(eid)
                continue
            if not row["prompt"] or row["action"] is None or not row["action_valid"]:
                invalid += 1
                continue
            if eid not in episodes:
                episodes.add(eid)
                per_task[row["task_id"] or "goal"] += 1
                per_lang[row["lang"] or "en"] += 1
                if row["seed"] is not None:
                    seeds.append(int(row["seed"]))
            examples.append(
                Example(
                    prompt=tuple(
                        Message(role=m["role"], content=m["content"]) for m in row["prompt"]
                    ),
                    completion=_completion_text(row),
                    task_id=row["task_id"],
                    seed=row["seed"],
                    lang=row["lang"] or "en",
                    episode_id=row["episode_id"],
                    step=int(row["step"]),
                )
            )
    if skipped_eps:
        logger.warning(
            "left out %d episodes outside the splits %s (validation/test seeds or held-out "
            "templates)",
            len(skipped_eps),
            ",".join(splits),
        )
    stats = DataStats(
        runs=tuple(str(r) for r in runs),
        episodes=len(episodes),
        examples=len(examples),
        left_out_split=len(skipped_eps),
        left_out_invalid=invalid,
        tasks=tuple(sorted(per_task.items())),
        seeds=(min(seeds), max(seeds)) if seeds else None,
        langs=tuple(sorted(per_lang.items())),
    )
    if not examples:
        raise ConfigError(
            f"no training examples in {', '.join(stats.runs)}: no successful episodes of the "
            f"{'/'.join(splits)} split"
        )
    return examples, stats


def prompt_style_of(examples: Sequence[Example]) -> str:
    """The prompt style (:data:`~droidpilot.planner.prompt.PROMPT_STYLES`) the examples'
    prompts were written in, known by their system text: a trained model is run with it, so
    examples in several styles, or in a style the planner cannot write, are refused."""
    found: Counter[str | None] = Counter()
    for ex in examples:
        system = next((m.content for m in ex.prompt if m.role == "system"), None)
        found[style_of(system) if system is not None else None] += 1
    if None in found:
        raise ConfigError(
            f"{found[None]} of {len(examples)} examples have a system text that is not one of "
            f"the planner's prompt styles ({', '.join(PROMPT_STYLES)}): the planner could not "
            "give a model trained on them the same prompt"
        )
    if len(found) > 1:
        mix = ", ".join(f"{n} {name}" for name, n in sorted(found.items(), key=str))
        raise ConfigError(f"the examples mix prompt styles ({mix}): collect them in one style")
    (style,) = found
    assert style is not None
    return style


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenizedExample:
    input_ids: tuple[int, ...]
    prompt_len: int  # the loss starts here

    @property
    def completion_len(self) -> int:
        return len(self.input_ids) - self.prompt_len


def _end_of_turn(tokenizer: Any) -> list[int]:
    for tok in ("<|im_end|>", "<｜end▁of▁sentence｜>"):
        tid = tokenizer.convert_tokens_to_ids(tok)
        if isinstance(tid, int) and tid >= 0 and tid != tokenizer.unk_token_id:
            return [tid]
    eos = tokenizer.eos_token_id
    return [int(eos)] if eos is not None else []


def tokenize_examples(
    tokenizer: Any, examples: Sequence[Example], max_seq: int
) -> tuple[list[TokenizedExample], int]:
    """Prompt (chat template + generation prompt) and completion (+ end of turn) as token ids,
    tokenized apart as they are at run time; examples over ``max_seq`` are left out (counted).
    """
    eot = _end_of_turn(tokenizer)
    out: list[TokenizedExample] = []
    over = 0
    for ex in examples:
        text = tokenizer.apply_chat_template(
            [{"role": m.role, "content": m.content} for m in ex.prompt],
            tokenize=False,
            add_generation_prompt=True,
        )
        prompt_ids = tokenizer.encode(str(text), add_special_tokens=False)
        completion_ids = tokenizer.encode(ex.completion, add_special_tokens=False) + eot
        ids = [*prompt_ids, *completion_ids]
        if len(ids) > max_seq:
            over += 1
            continue
        out.append(TokenizedExample(input_ids=tuple(ids), prompt_len=len(prompt_ids)))
    if over:
        logger.warning(
            "left out %d of %d examples longer than %d tokens", over, len(examples), max_seq
        )
    return out, over


def calibration_sequences(
    tokenizer: Any, examples: Sequence[Example], count: int, max_seq: int = 4096
) -> list[tuple[int, ...]]:
    """``count`` demonstration steps spread evenly over ``examples`` (prompt and completion as
    token ids, as :func:`tokenize_examples` writes them): what ``droidpilot model calibrate``
    measures activation ranges on."""
    if count < 1:
        raise ConfigError("calibrate on at least one example")
    every = max(1, len(examples) // count)
    chosen = list(examples)[::every][:count]
    toks, _ = tokenize_examples(tokenizer, chosen, max_seq)
    return [t.input_ids for t in toks]


def data_stats(tokenizer: Any, examples: Sequence[Example], max_seq: int) -> dict[str, Any]:
    """Token counts of a demonstration set, to budget a training run."""
    toks, over = tokenize_examples(tokenizer, examples, 1 << 30)
    lengths = sorted(len(t.input_ids) for t in toks)
    episodes = {(e.task_id, e.seed, e.episode_id) for e in examples}
    total = sum(lengths)
    completion = sum(t.completion_len for t in toks)

    def pct(q: float) -> int:
        return lengths[min(len(lengths) - 1, int(q * len(lengths)))] if lengths else 0

    return {
        "episodes": len(episodes),
        "examples": len(toks),
        "tokens": total,
        "completion_tokens": completion,
        "tokens_per_episode": round(total / max(1, len(episodes)), 1),
        "steps_per_episode": round(len(toks) / max(1, len(episodes)), 2),
        "completion_tokens_per_step": round(completion / max(1, len(toks)), 1),
        "length_p50": pct(0.5),
        "length_p90": pct(0.9),
        "length_max": lengths[-1] if lengths else 0,
        "max_seq": max_seq,
        "over_max_seq": sum(n > max_seq for n in lengths) + over,
    }


# --------------------------------------------------------------------------- model


def seed_everything(seed: int) -> None:
    """Python, NumPy and torch seeded alike (every device)."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    torch.manual_seed(seed)


def load_base(spec: str, device: str = "cpu") -> tuple[Any, Any, Path]:
    """A causal LM to train (fp32 weights) and its tokenizer, from a model spec (a directory,
    ``smollm2``, a .gguf; nothing is downloaded), and the directory it came from."""
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging
    except ImportError as exc:
        raise BackendUnavailable("training needs `pip install 'droidpilot[torch]'`") from exc
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    source = resolve_model(spec)
    if source.kind == "onnx":
        raise ConfigError(f"{source.path} is an ONNX export: train from a transformers model")
    path = convert_gguf(source) if source.kind == "gguf" else source.path
    tokenizer: Any = AutoTokenizer.from_pretrained(str(path))
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = CHATML_TEMPLATE
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model: Any = AutoModelForCausalLM.from_pretrained(str(path), dtype=torch.float32)
    return model.to(device), tokenizer, path


def load_tokenizer(spec: str) -> Any:
    """Only the tokenizer of a model spec (for counting tokens), with a chat template."""
    try:
        from transformers import AutoTokenizer
    except ImportError as exc:
        raise BackendUnavailable("counting tokens needs `pip install 'droidpilot[torch]'`") from exc
    source = resolve_model(spec)
    path = convert_gguf(source) if source.kind == "gguf" else source.path
    tokenizer: Any = AutoTokenizer.from_pretrained(str(path))
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = CHATML_TEMPLATE
    return tokenizer


def _resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"--device {device}: no CUDA GPU here (torch {torch.__version__})")
    return device


PRECISIONS = ("auto", "bf16", "fp32")


def check_precision(precision: str) -> None:
    """ConfigError unless ``precision`` is one of :data:`PRECISIONS`."""
    if precision not in PRECISIONS:
        raise ConfigError(f"precision {precision!r}: choose one of {', '.join(PRECISIONS)}")


def autocast_for(device: str, precision: str = "auto") -> Any:
    """The autocast context of a forward pass on ``device``: bf16 with fp32 master weights on
    CUDA ("auto", "bf16") and on a CPU when asked ("bf16"), else none."""
    import torch

    check_precision(precision)
    kind = "cuda" if device.startswith("cuda") else "cpu"
    bf16 = precision == "bf16" or (precision == "auto" and kind == "cuda")
    if bf16:
        return torch.autocast(kind, dtype=torch.bfloat16)
    return torch.autocast(kind, enabled=False)


def machine(device: str) -> dict[str, Any]:
    """What the figures of a run were measured on."""
    import torch
    import transformers

    cpu = cpu_info()
    doc: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu_summary(cpu),
        "cpu_info": cpu,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "device": device,
    }
    if device.startswith("cuda"):
        doc["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return doc


def _batches(
    data: Sequence[TokenizedExample], batch_size: int, rng: random.Random
) -> list[list[TokenizedExample]]:
    """Batches of similar lengths, in a seeded random order."""
    order = list(range(len(data)))
    rng.shuffle(order)
    # sort within chunks of 32 batches: little padding, still a random order of batches
    chunk = batch_size * 32
    out: list[list[TokenizedExample]] = []
    for i in range(0, len(order), chunk):
        part = sorted(order[i : i + chunk], key=lambda k: len(data[k].input_ids))
        out.extend(
            [data[k] for k in part[j : j + batch_size]] for j in range(0, len(part), batch_size)
        )
    rng.shuffle(out)
    return out


def collate(batch: Sequence[TokenizedExample], pad_id: int, device: str) -> tuple[Any, Any, Any]:
    """Right-padded ``input_ids``, ``attention_mask`` and ``labels`` (-100 off the completion)."""
    import torch

    width = max(len(b.input_ids) for b in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)
    for row, b in enumerate(batch):
        n = len(b.input_ids)
        ids[row, :n] = torch.tensor(b.input_ids)
        mask[row, :n] = 1
        labels[row, b.prompt_len : n] = torch.tensor(b.input_ids[b.prompt_len :])
    return ids.to(device), mask.to(device), labels.to(device)


def target_logits(model: Any, ids: Any, mask: Any, where: Any) -> Any:
    """The logits that predict the tokens after the positions ``where`` (``(rows, width-1)``,
    True at each position whose next token is a target), as ``(n, vocab)``.

    The vocabulary projection is applied to those positions only: over a ~1000-token prompt
    with a 49k vocabulary, projecting every position costs more memory than the whole model.
    """
    # a LoRA (peft) wrapper: its base model holds the adapted layers in place
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    backbone = getattr(inner, "model", None)
    head = getattr(inner, "lm_head", None)
    if backbone is None or head is None:  # another architecture: the plain way
        logits = model(input_ids=ids, attention_mask=mask).logits
        return logits[:, :-1, :][where]
    hidden = backbone(input_ids=ids, attention_mask=mask).last_hidden_state
    return head(hidden[:, :-1, :][where])


def _maybe_lora(model: Any, cfg: SFTConfig) -> Any:
    if not cfg.lora:
        return model
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as exc:
        raise BackendUnavailable("--lora needs `pip install peft` (or train in full)") from exc
    lora = LoraConfig(
        r=cfg.lora_rank,
        lora_alpha=2 * cfg.lora_rank,
        lora_dropout=0.0,
        target_modules=[
            "q_proj",
            "k_proj",
            "v_proj",
            "o_proj",
            "gate_proj",
            "up_proj",
            "down_proj",
        ],
        task_type="CAUSAL_LM",
    )
    with warnings.catch_warnings():
        # peft asks transformers 5 a question by its deprecated name; nothing for us to change
        warnings.filterwarnings("ignore", "`is_gradient_checkpointing` is deprecated",
                                FutureWarning)  # fmt: skip
        return get_peft_model(model, lora)


def decoder_layers(model: Any) -> Any:
    """The decoder blocks of a Llama/Qwen2-style causal LM (``model.model.layers``)."""
    layers = getattr(getattr(model, "model", None), "layers", None)
    if layers is None:
        raise ConfigError(f"{type(model).__name__}: no decoder layers found (model.model.layers)")
    return layers


def trainable_prefixes(model: Any, top: int) -> tuple[str, ...]:
    """Parameter-name prefixes of the top ``top`` decoder layers and the final norm."""
    n = len(decoder_layers(model))
    if top > n:
        raise ConfigError(f"train_layers={top}, but the model has {n} decoder layers")
    return (*(f"model.layers.{i}." for i in range(n - top, n)), "model.norm.")


def freeze_below(model: Any, top: int) -> int:
    """Train only the top ``top`` decoder layers and the final norm; freeze the embeddings
    (and so a tied output head) and every layer below. The backward pass then stops at the
    first trained layer: on a CPU, 4 of SmolLM2's 30 layers train ~2.5x faster than all.
    Returns the number of trainable parameters."""
    prefixes = trainable_prefixes(model, top)
    count = 0
    for name, param in model.named_parameters():
        train = name.startswith(prefixes)
        param.requires_grad_(train)
        count += param.numel() if train else 0
    return count


# --------------------------------------------------------------------------- SFT


@dataclass(frozen=True, slots=True, kw_only=True)
class SFTConfig:
    """Settings of an SFT run. The defaults fit a 2-core CPU and SmolLM2-135M."""

    runs: tuple[Path, ...]
    out: Path
    base: str = "smollm2"
    device: str = "cpu"  # cpu | cuda | cuda:N | auto
    max_seq: int = 1536  # longer examples are left out (the prompt must stay exact)
    batch_size: int = 4
    grad_accum: int = 4
    epochs: float = 2.0
    lr: float = 5e-5
    warmup: float = 0.05  # a fraction of the optimizer steps
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    seed: int = 0
    max_steps: int | None = None  # optimizer steps, at most
    max_seconds: float | None = None  # stop (and save) after this much training time
    lora: bool = False
    lora_rank: int = 16
    train_layers: int | None = None  # train only the top N decoder layers (+ final norm)
    precision: str = "auto"  # auto (bf16 autocast on CUDA, fp32 on a CPU) | bf16 | fp32
    gradient_checkpointing: bool = False
    threads: int | None = None
    only_success: bool = True
    splits: tuple[str, ...] = ("train",)

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.grad_accum < 1:
            raise ConfigError("batch size and gradient accumulation must be at least 1")
        if self.epochs <= 0 or self.lr <= 0:
            raise ConfigError("epochs and learning rate must be positive")
        if self.max_seq < 64:
            raise ConfigError(f"max_seq {self.max_seq} is too short for the planner's prompt")
        if self.train_layers is not None and self.train_layers < 1:
            raise ConfigError("train_layers must be at least 1 (or unset: train every layer)")
        if self.train_layers is not None and self.lora:
            raise ConfigError("choose one of LoRA and training the top layers")
        check_precision(self.precision)


@dataclass(frozen=True, slots=True, kw_only=True)
class SFTReport:
    out: Path
    data: DataStats
    examples_used: int
    over_max_seq: int
    optimizer_steps: int
    epochs_done: float
    tokens: int  # non-padding tokens through forward + backward
    completion_tokens: int
    seconds: float
    tokens_per_second: float
    first_loss: float | None
    last_loss: float | None
    losses: tuple[float, ...] = field(default_factory=tuple)
    stopped: str = ""  # why it stopped early ("max_seconds", "max_steps"), or ""

    def as_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["out"] = str(self.out)
        doc["losses"] = [round(x, 4) for x in self.losses]
        return doc


def lr_schedule(
    step: int,
    *,
    lr: float,
    warm: int,
    total_steps: int,
    elapsed: float = 0.0,
    max_seconds: float | None = None,
) -> float:
    """The learning rate of optimizer step ``step`` (from 0): a linear warm-up over ``warm``
    steps, then a linear decay that reaches zero at the last step, or at ``max_seconds`` of
    training when that comes first, so a run its time budget cuts short still ends on a small
    rate rather than in the middle of the schedule."""
    if warm and step < warm:
        return lr * (step + 1) / warm
    if total_steps <= 1:
        return lr
    done = (step - warm) / max(1, total_steps - warm)
    if max_seconds:
        done = max(done, elapsed / max_seconds)
    return lr * max(0.0, 1.0 - done)


def train_sft(
    cfg: SFTConfig, *, on_step: Callable[[int, float, float], None] | None = None
) -> SFTReport:
    """Fine-tune ``cfg.base`` on the demonstrations of ``cfg.runs``; save it into ``cfg.out``.

    ``on_step(step, loss, tokens_per_second)`` is called after each optimizer step.
    """
    import torch

    started_at = time.time()
    device = _resolve_device(cfg.device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed)
    examples, stats = load_examples(cfg.runs, only_success=cfg.only_success, splits=cfg.splits)
    style = prompt_style_of(examples)
    model, tokenizer, base_path = load_base(cfg.base, device)
    data, over = tokenize_examples(tokenizer, examples, cfg.max_seq)
    if not data:
        raise ConfigError(f"every example is longer than max_seq={cfg.max_seq} tokens")
    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.config.use_cache = False
    model = _maybe_lora(model, cfg)
    if cfg.train_layers is not None:
        freeze_below(model, cfg.train_layers)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.95))
    micro_per_epoch = math.ceil(len(data) / cfg.batch_size)
    total_micro = max(1, round(micro_per_epoch * cfg.epochs))
    total_steps = max(1, math.ceil(total_micro / cfg.grad_accum))
    capped = cfg.max_steps is not None and cfg.max_steps < total_steps
    if cfg.max_steps is not None:
        total_steps = min(total_steps, cfg.max_steps)
    warm = max(1, round(cfg.warmup * total_steps)) if cfg.warmup > 0 else 0

    def lr_at(step: int, elapsed: float = 0.0) -> float:
        return lr_schedule(
            step, lr=cfg.lr, warm=warm, total_steps=total_steps,
            elapsed=elapsed, max_seconds=cfg.max_seconds,
        )  # fmt: skip

    rng = random.Random(cfg.seed)
    pad_id = int(tokenizer.pad_token_id)
    autocast = autocast_for(device, cfg.precision)
    logger.info(
        "SFT: %d examples (%d episodes, %d over %d tokens), %d optimizer steps of %d x %d, "
        "lr %g, on %s (precision %s)",
        len(data), stats.episodes, over, cfg.max_seq, total_steps, cfg.batch_size,
        cfg.grad_accum, cfg.lr, device, cfg.precision,
    )  # fmt: skip
    losses: list[float] = []
    tokens = completion_tokens = 0
    step = micro = 0
    stopped = ""
    t0 = time.perf_counter()
    queue: list[list[TokenizedExample]] = []
    epoch = 0
    while step < total_steps:
        group: list[list[TokenizedExample]] = []
        while len(group) < cfg.grad_accum and micro + len(group) < total_micro:
            if not queue:
                queue = _batches(data, cfg.batch_size, rng)
                epoch += 1
            group.append(queue.pop())
        if not group:
            break
        n_target = sum(b.completion_len for batch in group for b in batch)
        lr_now = lr_at(step, time.perf_counter() - t0)
        for g in opt.param_groups:
            g["lr"] = lr_now
        step_loss = 0.0
        for batch in group:
            ids, mask, labels = collate(batch, pad_id, device)
            targets = labels[:, 1:]
            where = targets != -100
            with autocast:
                logits = target_logits(model, ids, mask, where)
            loss_sum = torch.nn.functional.cross_entropy(
                logits.float(), targets[where], reduction="sum"
            )
            (loss_sum / n_target).backward()  # type: ignore[no-untyped-call]
            step_loss += float(loss_sum.detach()) / n_target
            tokens += int(mask.sum())
            completion_tokens += int(where.sum())
        micro += len(group)
        torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        losses.append(step_loss)
        elapsed = time.perf_counter() - t0
        tps = tokens / elapsed if elapsed > 0 else 0.0
        logger.info("step %d/%d loss %.4f lr %.2e %.0f tokens/s", step, total_steps, step_loss,
                    lr_now, tps)  # fmt: skip
        if on_step is not None:
            on_step(step, step_loss, tps)
        if cfg.max_seconds is not None and elapsed >= cfg.max_seconds and step < total_steps:
            stopped = "max_seconds"
            break
    if not stopped and capped:
        stopped = "max_steps"
    seconds = time.perf_counter() - t0
    model = _save(model, tokenizer, cfg.out, lora=cfg.lora, style=style)
    report = SFTReport(
        out=cfg.out,
        data=stats,
        examples_used=len(data),
        over_max_seq=over,
        optimizer_steps=step,
        epochs_done=round(micro / micro_per_epoch, 3),
        tokens=tokens,
        completion_tokens=completion_tokens,
        seconds=round(seconds, 2),
        tokens_per_second=round(tokens / seconds, 1) if seconds > 0 else 0.0,
        first_loss=losses[0] if losses else None,
        last_loss=losses[-1] if losses else None,
        losses=tuple(losses),
        stopped=stopped,
    )
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(cfg).items()}
    settings["runs"] = [str(r) for r in cfg.runs]
    write_model_card(
        cfg.out,
        kind="sft",
        base=f"{cfg.base} ({base_path})",
        settings=settings,
        results=report.as_json(),
        machine_doc=machine(device),
        started_at=started_at,
        extra={"history": _lineage(base_path)},
    )
    return report


def _lineage(base: Path) -> list[Any]:
    """The card of the trained model that a run started from (its earlier stages), if any."""
    card = base / CARD_JSON
    if not card.is_file():
        return []
    try:
        return [json.loads(card.read_text(encoding="utf-8"))]
    except (OSError, json.JSONDecodeError) as exc:
        logger.warning("%s: unreadable model card, left out of the new card (%s)", card, exc)
        return []


def _save(model: Any, tokenizer: Any, out: Path, *, lora: bool, style: str = "full") -> Any:
    out.mkdir(parents=True, exist_ok=True)
    if lora:
        model.save_pretrained(str(out / "adapter"))
        model = model.merge_and_unload()
    model.eval()
    model.config.use_cache = True
    model.save_pretrained(str(out), safe_serialization=True)
    tokenizer.padding_side = "left"
    tokenizer.save_pretrained(str(out))
    (out / PLANNER_SETTINGS).write_text(
        json.dumps(
            {
                "plan_first": False,
                "constrain": True,
                # the demonstrations cite the element they act on as [N] "words"
                "ground_quotes": True,
                # ... after saying which of the goal's words it shows
                "ground_names": True,
                # an action that changed nothing here before, or keeps coming back: ask again
                "ask_again": True,
                "prompt": style,
                "sampling": {
                    "temperature": 0.0,
                    "top_p": 1.0,
                    "max_tokens": 160,
                    "max_thinking_tokens": 64,
                },
                "note": "trained on oracle demonstrations whose prompts carry no plan and "
                "whose reasoning is one sentence (~40 tokens): the thought is capped, and the "
                "answer held to the action grammar and the screen's ids; an action whose "
                "thought quotes another element's words under its number goes to that "
                "element; a tap whose thought says the goal names words that another element "
                "shows goes there (or scrolls the list when none does), a PIN key to the "
                "PIN's next digit, and a picker's day to the goal's date; an action that "
                "changed nothing on its screen before, comes back to a screen a third time, "
                "raises a count already at the goal's or clears a checked item the goal "
                "names is asked again with that element off limits",
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return model


def write_model_card(
    out: Path,
    *,
    kind: str,
    base: str,
    settings: dict[str, Any],
    results: dict[str, Any],
    machine_doc: dict[str, Any],
    started_at: float,
    extra: dict[str, Any] | None = None,
) -> Path:
    """``model_card.json`` and ``README.md`` beside a trained model; earlier stages (an SFT
    card under a GRPO model) are kept under ``history``."""
    out.mkdir(parents=True, exist_ok=True)
    previous: list[Any] = []
    old = out / CARD_JSON
    if old.exists():
        previous = [json.loads(old.read_text(encoding="utf-8"))]
    for stage in (extra or {}).get("history", []):
        previous.append(stage)
    doc = {
        "model": out.name,
        "stage": kind,
        "base": base,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started_at)),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "wall_seconds": round(time.time() - started_at, 1),
        "machine": machine_doc,
        "settings": settings,
        "results": results,
        "history": previous,
    }
    (out / CARD_JSON).write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    data = results.get("data", {})
    lines = [
        f"# droidpilot planner model: {out.name}",
        "",
        f"Stage: **{kind}**, from `{base}`. Trained {doc['started']} .. {doc['finished']} "
        f"({doc['wall_seconds']} s) on {machine_doc.get('gpu') or machine_doc.get('cpu')} "
        f"({machine_doc.get('cpu_count')} CPUs, torch {machine_doc.get('torch')}).",
        "",
        "## Data",
        "",
        f"- runs: {', '.join(data.get('runs', [])) or 'rollouts on the simulated phone'}",
        f"- episodes: {data.get('episodes', 'n/a')}, "
        f"examples: {results.get('examples_used', 'n/a')}"
        f" (left out: {results.get('over_max_seq', 0)} over the length cap, "
        f"{data.get('left_out_split', 0)} episodes outside the train split)",
        f"- seeds: {data.get('seeds')}; languages: {data.get('langs')}",
        "",
        "## Settings",
        "",
        "```json",
        json.dumps(settings, indent=2, ensure_ascii=False),
        "```",
        "",
        "## Results",
        "",
        "```json",
        json.dumps({k: v for k, v in results.items() if k not in ("data", "losses")}, indent=2,
                   ensure_ascii=False),
        "```",
        "",
        "Figures are from the machine above; see docs/model.md for how to read them.",
    ]  # fmt: skip
    (out / CARD_MD).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out / CARD_JSON
