"""planner: the reasoning model that turns (goal, screen, memory, history) into thought + action.

Heavy backends (transformers, onnxruntime-genai) are imported only when built; see
:mod:`droidpilot.planner.backends`.
"""

from __future__ import annotations

from droidpilot.planner.backends.base import Backend, CompletionRequest
from droidpilot.planner.parse import ParsedReply, ParseFailure, parse_action, parse_reply
from droidpilot.planner.planner import Decision, Planner, PlannerConfig
from droidpilot.planner.prompt import (
    HistoryEntry,
    Prompt,
    PromptBudget,
    build_plan_prompt,
    build_step_prompt,
    render_action,
)
from droidpilot.planner.tokens import count_tokens, default_tokenizer

__all__ = [
    "Backend",
    "CompletionRequest",
    "Decision",
    "HistoryEntry",
    "ParseFailure",
    "ParsedReply",
    "Planner",
    "PlannerConfig",
    "Prompt",
    "PromptBudget",
    "build_plan_prompt",
    "build_step_prompt",
    "count_tokens",
    "default_tokenizer",
    "parse_action",
    "parse_reply",
    "render_action",
]
