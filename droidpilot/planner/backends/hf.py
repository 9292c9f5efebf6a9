"""The transformers backend: AutoModelForCausalLM with the model's chat template.

bf16 on CUDA when there is a GPU, fp32 on a CPU. Sampling follows the request (temperature 0
is greedy; R1-Distill defaults 0.6 / 0.95 otherwise). A thinking cap forces ``</think>`` after
``Sampling.max_thinking_tokens``; generation stops once the answer holds one action; with
``constrain`` the answer is held to the action grammar (:mod:`droidpilot.planner.constrain`).
Token ids and per-token logprobs (the model's own distribution, temperature 1) are returned;
``complete_batch`` generates for several episodes at once (left padding).

A single request reuses the KV cache of the previous one up to their common start (a planner's
consecutive prompts share the system prompt, the goal and earlier history), so only the rest is
prefilled. The cache is dropped when the weights change (a training update between rollouts):
it carries the parameters' in-place version counters. A single greedy request is decoded by
our own loop rather than ``generate``, with drafts from the prompt checked several tokens a
pass (:mod:`droidpilot.planner.backends.drafts`, as the onnx backend): the same tokens in a
fraction of the passes.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from droidpilot.errors import BackendUnavailable
from droidpilot.planner.backends.base import CompletionRequest, make_completion
from droidpilot.planner.backends.drafts import (
    DRAFT_MAX,
    RecentReplies,
    greedy_decode,
    prompt_lookup,
    reply_shaper,
)
from droidpilot.planner.models import CHATML_TEMPLATE, convert_gguf, resolve_model
from droidpilot.types import Completion

__all__ = ["LocalSettings", "TransformersBackend"]

logger = logging.getLogger(__name__)

#: ``LocalSettings.dtype`` for fp32 weights run under bf16 autocast.
AUTOCAST = "bf16-autocast"
#: A common prefix shorter than this is not worth keeping the old cache for.
REUSE_MIN_PREFIX = 16


def _cache_arg() -> str:
    """What ``generate`` calls the KV cache, in and out (``cache`` from transformers 5)."""
    try:
        from transformers import __version__
    except ImportError:
        return "cache"
    return "cache" if int(__version__.split(".")[0]) >= 5 else "past_key_values"


_CACHE_ARG = _cache_arg()


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalSettings:
    """How to load and run a local model."""

    model: str
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    # auto (bf16 on CUDA, fp32 on CPU) | float32 | bfloat16 | float16 | bf16-autocast
    dtype: str = "auto"
    top_k_constrain: int = 48
    logprobs: bool = True
    threads: int | None = None


class TransformersBackend:
    """A planner backend on a local transformers model."""

    def __init__(self, settings: LocalSettings | str | Path) -> None:
        if not isinstance(settings, LocalSettings):
            settings = LocalSettings(model=str(settings))
        self.settings = settings
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:
            raise BackendUnavailable(
                "the transformers backend needs `pip install 'droidpilot[torch]'`"
            ) from exc
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        source = resolve_model(settings.model)
        path = convert_gguf(source) if source.kind == "gguf" else source.path
        if source.kind == "onnx":
            raise BackendUnavailable(f"{path} is an ONNX export; use --backend onnx for it")
        device = settings.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype_name = settings.dtype
        if dtype_name == "auto":
            dtype_name = "bfloat16" if device.startswith("cuda") else "float32"
        #: fp32 weights, matrix products in bf16 under autocast (as the model was trained)
        self.autocast = dtype_name == AUTOCAST
        if self.autocast:
            dtype_name = "float32"
        if settings.threads:
            torch.set_num_threads(settings.threads)
        self.device = device
        self.tokenizer: Any = AutoTokenizer.from_pretrained(str(path))
        if not getattr(self.tokenizer, "chat_template", None):
            self.tokenizer.chat_template = CHATML_TEMPLATE
        self.tokenizer.padding_side = "left"
        model: Any = AutoModelForCausalLM.from_pretrained(
            str(path), dtype=getattr(torch, dtype_name)
        )
        self.model: Any = model.to(device)
        self.model.eval()
        self._name = source.name or path.name
        eos = self.model.generation_config.eos_token_id
        eos_ids = list(eos) if isinstance(eos, list | tuple) else ([eos] if eos is not None else [])
        for tok in ("<|im_end|>", "<|endoftext|>", "<｜end▁of▁sentence｜>"):
            tid = self.tokenizer.convert_tokens_to_ids(tok)
            if isinstance(tid, int) and tid >= 0 and tid != self.tokenizer.unk_token_id:
                eos_ids.append(tid)
        self.eos_ids = tuple(dict.fromkeys(int(i) for i in eos_ids))
        self.pad_id = self.tokenizer.pad_token_id
        if self.pad_id is None:
            self.pad_id = self.eos_ids[0] if self.eos_ids else 0
            self.tokenizer.pad_token_id = self.pad_id
        self.close_ids = tuple(self.tokenizer.encode("</think>\n", add_special_tokens=False))
        probe = self.render([{"role": "user", "content": "x"}])
        self.think_open = probe.rstrip().endswith("<think>")
        # the last single request's KV cache, the tokens it holds and the weights' version
        self._cache: tuple[Any, list[int], int] | None = None
        #: prompt tokens taken from the cache / prefilled, over this backend's life
        self.reused_tokens = 0
        self.prefilled_tokens = 0
        #: draft tokens checked / kept by greedy decoding, and its model passes, over its life
        self.drafted_tokens = 0
        self.accepted_tokens = 0
        self.decode_runs = 0
        self._recent = RecentReplies()
        #: drafts: prompt lookup in this backend's recent replies, then the prompt
        self._draft = prompt_lookup
        logger.info("loaded %s on %s (%s)", self._name, device, dtype_name)

    @property
    def name(self) -> str:
        return self._name

    def close(self) -> None:
        self._cache = None
        self.model = None

    def _weights_version(self) -> int:
        """Changes whenever a parameter is modified in place (an optimizer step, a load)."""
        return sum(p._version for p in self.model.parameters())

    def _reusable(self, ids: list[int]) -> tuple[Any, int]:
        """The previous request's cache cut to its common start with ``ids`` (at least one
        token left to prefill), or ``(None, 0)``."""
        cached, self._cache = self._cache, None  # generate extends it in place
        if cached is None:
            return None, 0
        cache, old, version = cached
        if version != self._weights_version():
            return None, 0
        keep, limit = 0, min(len(old), len(ids) - 1)
        while keep < limit and old[keep] == ids[keep]:
            keep += 1
        if keep < REUSE_MIN_PREFIX or not getattr(cache, "is_croppable", False):
            return None, 0
        if len(old) > keep:
            cache.crop(keep - len(old))  # a negative count: how many tokens to drop
        return cache, keep

    def render(self, messages: Sequence[dict[str, str]]) -> str:
        """The prompt text the chat template makes (with the generation prompt)."""
        text = self.tokenizer.apply_chat_template(
            list(messages), tokenize=False, add_generation_prompt=True
        )
        return str(text)

    def decode(self, ids: Sequence[int]) -> str:
        return str(self.tokenizer.decode(list(ids), skip_special_tokens=False))

    def complete(self, request: CompletionRequest) -> Completion:
        if request.sampling.temperature <= 0:
            return self._complete_greedy(request)
        return self.complete_batch([request])[0]

    def _cast(self) -> Any:
        """bf16 autocast (``dtype="bf16-autocast"``), else nothing."""
        import torch

        if not self.autocast:
            return contextlib.nullcontext()
        return torch.autocast(self.device.split(":")[0], dtype=torch.bfloat16)

    def _complete_greedy(self, request: CompletionRequest) -> Completion:
        """One greedy request, decoded by our own loop with drafts from the prompt
        (:func:`~droidpilot.planner.backends.drafts.greedy_decode`, as the onnx backend): the
        tokens ``generate`` writes, in a fraction of the passes; the KV cache is reused from
        the last request up to their common start."""
        import torch
        from transformers import DynamicCache

        started = time.perf_counter()
        prompt = self.render([{"role": m.role, "content": m.content} for m in request.messages])
        ids = [int(t) for t in self.tokenizer(prompt, add_special_tokens=False)["input_ids"]]
        shaper = reply_shaper(self, request)
        cache, keep = self._reusable(ids)
        if cache is None:
            cache = DynamicCache(config=self.model.config)
        self.reused_tokens += keep
        self.prefilled_tokens += len(ids) - keep
        runner = _CacheRunner(self.model, cache, self.device)
        # (under bf16 autocast every pass casts the weights again: bench/precision.py)
        with torch.inference_mode(), self._cast():
            first = runner.run(ids[keep:], rows=1)[-1]
            done = greedy_decode(
                runner,
                first,
                shaper,
                prompt_len=len(ids),
                max_tokens=request.sampling.max_tokens,
                context=[*self._recent.flat, *ids],
                eos=self.eos_ids,
                draft=self._draft,
                draft_max=DRAFT_MAX,
                logprobs=self.settings.logprobs,
            )
        # (an exception above leaves no cache: _reusable took it)
        self._cache = (runner.cache, [*ids, *done.tokens[: done.cached]], self._weights_version())
        self._recent.add(done.tokens)
        self.decode_runs += done.runs
        self.drafted_tokens += done.drafted
        self.accepted_tokens += done.accepted
        raw = shaper.trim(self.decode(done.tokens))
        for special in ("<|im_end|>", "<|endoftext|>"):
            raw = raw.replace(special, "")
        return make_completion(
            raw,
            model=self._name,
            started=started,
            prompt_token_ids=ids,
            completion_token_ids=done.tokens,
            completion_logprobs=done.logprobs if self.settings.logprobs else None,
            finish_reason=done.finish,
            think_open=self.think_open,
        )

    def complete_batch(self, requests: Sequence[CompletionRequest]) -> list[Completion]:
        """Generate for several requests at once (they share the sampling of the first)."""
        import torch
        from transformers import LogitsProcessor, LogitsProcessorList, StoppingCriteria

        started = time.perf_counter()
        first = requests[0]
        sampling = first.sampling
        prompts = [
            self.render([{"role": m.role, "content": m.content} for m in r.messages])
            for r in requests
        ]
        enc = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        input_ids = enc["input_ids"].to(self.device)
        attention = enc["attention_mask"].to(self.device)
        prompt_len = int(input_ids.shape[1])
        shapers = [reply_shaper(self, r) for r in requests]
        eos_ids = self.eos_ids

        class _Shape(LogitsProcessor):
            def __call__(self, ids: Any, scores: Any) -> Any:
                scores = scores.clone()  # the raw logits are kept for logprobs
                for row, shaper in enumerate(shapers):
                    if not shaper.active:
                        continue
                    gen = ids[row, prompt_len:].tolist()
                    if any(t in eos_ids for t in gen):
                        continue
                    np_scores = scores[row].float().cpu().numpy()
                    shaped = shaper.shape(gen, np_scores)
                    if shaped is not np_scores:
                        scores[row] = torch.from_numpy(shaped).to(scores.dtype).to(scores.device)
                return scores

        class _Stop(StoppingCriteria):
            def __call__(self, ids: Any, scores: Any, **kwargs: Any) -> Any:
                flags = []
                for row, shaper in enumerate(shapers):
                    gen = ids[row, prompt_len:].tolist()
                    flags.append(any(t in eos_ids for t in gen) or shaper.done(gen))
                return torch.tensor(flags, dtype=torch.bool, device=ids.device)

        do_sample = sampling.temperature > 0
        kwargs: dict[str, Any] = {
            "max_new_tokens": sampling.max_tokens,
            "do_sample": do_sample,
            "pad_token_id": self.pad_id,
            "eos_token_id": list(self.eos_ids),
            "logits_processor": LogitsProcessorList([_Shape()]),
            "stopping_criteria": [_Stop()],
            "return_dict_in_generate": True,
            "output_logits": self.settings.logprobs,
        }
        if do_sample:
            kwargs.update(temperature=sampling.temperature, top_p=sampling.top_p, top_k=0)
        else:
            kwargs.update(temperature=None, top_p=None, top_k=None)
        if sampling.seed is not None:
            torch.manual_seed(sampling.seed)
        single = len(requests) == 1
        keep = 0
        if single:
            cache, keep = self._reusable(input_ids[0].tolist())
            if cache is not None:
                kwargs[_CACHE_ARG] = cache
        self.reused_tokens += keep
        self.prefilled_tokens += int(attention.sum()) - keep
        with torch.inference_mode(), self._cast():
            out = self.model.generate(input_ids=input_ids, attention_mask=attention, **kwargs)
        kept = getattr(out, _CACHE_ARG, None) if single else None
        if kept is not None and hasattr(kept, "get_seq_length"):
            held = kept.get_seq_length()
            self._cache = (
                kept,
                out.sequences[0, :held].tolist(),
                self._weights_version(),
            )
        sequences = out.sequences[:, prompt_len:].tolist()
        logprob_rows: list[list[float]] | None = None
        if self.settings.logprobs and out.logits is not None:
            stacked = torch.stack(list(out.logits), dim=1).float()  # batch, steps, vocab
            logp = torch.log_softmax(stacked, dim=-1)
            chosen = out.sequences[:, prompt_len:].unsqueeze(-1)
            logprob_rows = logp.gather(-1, chosen).squeeze(-1).tolist()
        results: list[Completion] = []
        for row, (request, shaper) in enumerate(zip(requests, shapers, strict=True)):
            ids = sequences[row]
            finish = "length"
            cut = len(ids)
            for i, t in enumerate(ids):
                if t in self.eos_ids:
                    cut, finish = i, "stop"
                    break
            ids = ids[:cut]
            raw = shaper.trim(self.decode(ids))
            if finish == "length" and shaper.done(ids):
                finish = "stop"
            for special in ("<|im_end|>", "<|endoftext|>"):
                raw = raw.replace(special, "")
            prompt_ids = [
                int(t)
                for t, m in zip(input_ids[row].tolist(), attention[row].tolist(), strict=True)
                if m
            ]
            results.append(
                make_completion(
                    raw,
                    model=self._name,
                    started=started,
                    prompt_token_ids=prompt_ids,
                    completion_token_ids=ids,
                    completion_logprobs=logprob_rows[row][:cut] if logprob_rows else None,
                    finish_reason=finish,
                    think_open=self.think_open,
                )
            )
            del request
        return results


class _CacheRunner:
    """A transformers model and its ``DynamicCache`` as a
    :class:`~droidpilot.planner.backends.drafts.Runner`."""

    def __init__(self, model: Any, cache: Any, device: str) -> None:
        self.model = model
        self.cache = cache
        self.device = device

    def run(self, tokens: Sequence[int], rows: int | None = None) -> Any:
        """Append ``tokens``; the float32 logits of their last ``rows`` positions (all)."""
        import torch

        ids = torch.tensor([list(tokens)], dtype=torch.long, device=self.device)
        out = self.model(
            input_ids=ids,
            use_cache=True,
            logits_to_keep=rows or len(tokens),
            **{_CACHE_ARG: self.cache},
        )
        self.cache = getattr(out, _CACHE_ARG, None) or self.cache  # (extended in place)
        return out.logits[0].float().cpu().numpy()

    def rewind_to(self, length: int) -> None:
        drop = self.cache.get_seq_length() - length
        if drop > 0:
            self.cache.crop(-drop)
