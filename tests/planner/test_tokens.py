from __future__ import annotations

from droidpilot.planner.tokens import count_tokens, default_tokenizer, encode


def test_count_tokens_uses_the_smollm2_bpe() -> None:
    assert count_tokens("") == 0
    assert count_tokens("hello world") == 2
    assert encode("hello world <think> tap(12)") == [
        28120, 905, 2067, 17400, 46, 7038, 24, 33, 34, 25,
    ]  # fmt: skip
    assert default_tokenizer() is default_tokenizer()  # cached
    assert default_tokenizer().get_vocab_size() == 49152


def test_count_tokens_handles_any_unicode() -> None:
    assert count_tokens("点一杯珍珠奶茶 🧋") > 4
    assert count_tokens("<|im_start|>") == 1  # a special token of the chat template
