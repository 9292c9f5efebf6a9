"""The OpenAI-compatible backend against a real local HTTP server standing in for vLLM."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from droidpilot.errors import BackendUnavailable, ModelNotFound, ModelTimeout, PlannerError
from droidpilot.planner.backends.base import CompletionRequest
from droidpilot.planner.backends.openai_http import HttpSettings, OpenAIBackend
from droidpilot.planner.parse import parse_action
from droidpilot.types import Message, Sampling, TapAction

REQ = CompletionRequest(
    messages=(Message(role="system", content="sys"), Message(role="user", content="go")),
    sampling=Sampling(temperature=0.6, top_p=0.95, max_tokens=64),
)


@dataclass
class Reply:
    status: int = 200
    body: object = None
    sse: list[object] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FakeVllm:
    """Answers each request with the next scripted reply and records what it was sent."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[tuple[str, str, dict[str, object] | None, dict[str, str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                fake.requests.append(
                    (method, self.path, json.loads(raw) if raw else None, dict(self.headers))
                )
                reply = fake.replies.pop(0) if fake.replies else Reply(status=500, body="empty")
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.sse is not None:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for event in reply.sse:
                        data = event if isinstance(event, str) else json.dumps(event)
                        self.wfile.write(f"data: {data}\n\n".encode())
                        self.wfile.flush()
                    return
                body = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                payload = body.encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server() -> Iterator[FakeVllm]:
    fake = FakeVllm()
    yield fake
    fake.close()


def chat(content: str, reasoning: str | None = None, key: str = "reasoning_content") -> object:
    message: dict[str, object] = {"role": "assistant", "content": content}
    if reasoning is not None:
        message[key] = reasoning
    return {
        "id": "c1", "model": "r1-distill", "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop",
                     "logprobs": {"content": [{"token": "tap", "logprob": -0.25}]}}],
        "usage": {"prompt_tokens": 321, "completion_tokens": 17, "total_tokens": 338},
    }  # fmt: skip


def backend(server: FakeVllm, sleeps: list[float] | None = None, **kw: object) -> OpenAIBackend:
    settings = HttpSettings(base_url=server.url, model="r1-distill", **kw)  # type: ignore[arg-type]
    record = sleeps if sleeps is not None else []
    return OpenAIBackend(settings, sleep=record.append)


def test_plain_reply_with_reasoning_field(server: FakeVllm) -> None:
    server.replies.append(Reply(body=chat("tap(3)", "The cart is id 3.")))
    b = backend(server, stream=False, logprobs=True, api_key="k")
    c = b.complete(REQ)
    assert (c.text, c.reasoning) == ("tap(3)", "The cart is id 3.")
    assert (c.prompt_tokens, c.completion_tokens, c.model) == (321, 17, "r1-distill")
    assert c.completion_logprobs == (-0.25,)
    assert parse_action(c.text) == TapAction(element=3)
    method, path, body, headers = server.requests[0]
    assert (method, path) == ("POST", "/v1/chat/completions")
    assert body is not None
    assert body["temperature"] == 0.6
    assert body["top_p"] == 0.95
    assert body["messages"] == [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "go"},
    ]
    assert body["logprobs"] is True
    assert headers["Authorization"] == "Bearer k"


def test_think_tags_in_content_are_split(server: FakeVllm) -> None:
    server.replies.append(Reply(body=chat("<think>look</think>\nkey(back)", None)))
    c = backend(server, stream=False).complete(REQ)
    assert (c.reasoning, c.text) == ("look", "key(back)")
    server.replies.append(Reply(body=chat("tap(1)", "newer field", key="reasoning")))
    assert backend(server, stream=False).complete(REQ).reasoning == "newer field"


def test_streaming_with_reasoning_deltas_and_usage(server: FakeVllm) -> None:
    def delta(**d: str) -> object:
        return {"model": "r1-distill", "choices": [{"index": 0, "delta": d}]}

    server.replies.append(Reply(sse=[
        delta(role="assistant"),
        delta(reasoning_content="The search "),
        delta(reasoning_content="box is 1."),
        delta(content='type("milk'),
        delta(content=' tea", 1)'),
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {"choices": [], "usage": {"prompt_tokens": 50, "completion_tokens": 9}},
        "[DONE]",
    ]))  # fmt: skip
    seen: list[tuple[str, str]] = []
    b = OpenAIBackend(
        HttpSettings(base_url=server.url, model="r1-distill"),
        on_delta=lambda ch, d: seen.append((ch, d)),
    )
    c = b.complete(REQ)
    assert c.reasoning == "The search box is 1."
    assert c.text == 'type("milk tea", 1)'
    assert (c.prompt_tokens, c.completion_tokens, c.finish_reason) == (50, 9, "stop")
    assert seen[0] == ("reasoning", "The search ")
    assert seen[-1] == ("text", ' tea", 1)')
    body = server.requests[0][2]
    assert body is not None
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("mode", ["response_format", "vllm"])
def test_structured_output_is_requested(server: FakeVllm, mode: str) -> None:
    server.replies.append(Reply(body=chat('{"action": "tap", "element": 2}', "r")))
    b = backend(server, stream=False, structured=mode)
    c = b.complete(CompletionRequest(messages=REQ.messages, constrain=True))
    assert parse_action(c.text) == TapAction(element=2)
    body = server.requests[0][2]
    assert body is not None
    if mode == "vllm":
        schema = body["structured_outputs"]["json"]  # type: ignore[index]
    else:
        rf = body["response_format"]
        assert rf["type"] == "json_schema"  # type: ignore[index]
        schema = rf["json_schema"]["schema"]  # type: ignore[index]
    assert "tap" in schema["properties"]["action"]["enum"]  # type: ignore[index]


def test_5xx_is_retried_with_backoff(server: FakeVllm) -> None:
    server.replies += [
        Reply(status=502, body="bad gateway"),
        Reply(status=503, body={"error": {"message": "loading"}}),
        Reply(body=chat("tap(1)", "ok")),
    ]
    sleeps: list[float] = []
    b = backend(server, sleeps, stream=False)
    assert b.complete(REQ).text == "tap(1)"
    assert b.attempts == 3
    assert sleeps == [0.5, 1.0]


def test_persistent_5xx_gives_up_clearly(server: FakeVllm) -> None:
    server.replies += [Reply(status=500, body={"error": {"message": "CUDA OOM"}})] * 4
    sleeps: list[float] = []
    with pytest.raises(BackendUnavailable, match=r"HTTP 500 .*CUDA OOM.*gave up after 4 tries"):
        backend(server, sleeps, stream=False).complete(REQ)
    assert sleeps == [0.5, 1.0, 2.0]


def test_429_honours_retry_after(server: FakeVllm) -> None:
    server.replies += [
        Reply(status=429, body="slow down", headers={"Retry-After": "3"}),
        Reply(body=chat("tap(1)")),
    ]
    sleeps: list[float] = []
    assert backend(server, sleeps, stream=False).complete(REQ).text == "tap(1)"
    assert sleeps == [3.0]


@pytest.mark.parametrize(
    ("status", "exc", "words"),
    [
        (400, PlannerError, "maximum context length"),
        (401, PlannerError, "API key"),
        (404, ModelNotFound, "--model"),
        (422, PlannerError, "maximum context length"),
    ],
)
def test_4xx_is_not_retried_and_says_why(
    server: FakeVllm, status: int, exc: type[Exception], words: str
) -> None:
    msg = {"error": {"message": "This model's maximum context length is 4096 tokens"}}
    server.replies.append(Reply(status=status, body=msg))
    sleeps: list[float] = []
    b = backend(server, sleeps)
    with pytest.raises(exc, match=words):
        b.complete(REQ)
    assert sleeps == []
    assert len(server.requests) == 1


def test_unreachable_server(server: FakeVllm) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps: list[float] = []
    b = OpenAIBackend(
        HttpSettings(base_url=f"http://127.0.0.1:{port}/v1", model="m", retries=2),
        sleep=sleeps.append,
    )
    with pytest.raises(BackendUnavailable, match="cannot reach the model server"):
        b.complete(REQ)
    assert len(sleeps) == 2


def test_timeout(server: FakeVllm) -> None:
    server.replies.append(Reply(body=chat("tap(1)"), delay=1.0))
    with pytest.raises(ModelTimeout, match=r"did not answer within 0\.2 s"):
        backend(server, stream=False, timeout_s=0.2).complete(REQ)


def test_model_id_comes_from_the_server(server: FakeVllm) -> None:
    server.replies += [
        Reply(body={"data": [{"id": "deepseek-r1-distill-qwen-7b"}]}),
        Reply(body=chat("tap(1)")),
    ]
    b = OpenAIBackend(HttpSettings(base_url=server.url, stream=False))
    b.complete(REQ)
    assert server.requests[0][:2] == ("GET", "/v1/models")
    body = server.requests[1][2]
    assert body is not None
    assert body["model"] == "deepseek-r1-distill-qwen-7b"
