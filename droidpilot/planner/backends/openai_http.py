"""An OpenAI-compatible chat-completions client (vLLM, SGLang, llama.cpp server, DeepSeek API).

Standard library only (``urllib``). Streams server-sent events when asked, reads the reasoning
from ``reasoning_content`` / ``reasoning`` (or splits ``<think>`` out of the content), asks for
structured output when the request carries a schema or ``constrain`` (vLLM's
``structured_outputs`` or the ``response_format`` json_schema form), and maps failures at the
boundary: a 4xx is a :class:`PlannerError` with the server's message (404 is
:class:`ModelNotFound`), 429 and 5xx are retried with exponential backoff and then become
:class:`BackendUnavailable`, as does a server that cannot be reached; a read that takes too long
is :class:`ModelTimeout`.
"""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from droidpilot.errors import BackendUnavailable, ModelNotFound, ModelTimeout, PlannerError
from droidpilot.planner.backends.base import CompletionRequest, make_completion
from droidpilot.planner.grammar import ACTION_JSON_SCHEMA
from droidpilot.types import Completion

__all__ = ["HttpSettings", "OpenAIBackend"]

logger = logging.getLogger(__name__)

StructuredMode = Literal["response_format", "vllm", "none"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpSettings:
    """How to talk to the server."""

    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = ""  # empty: the first model the server lists
    api_key: str = ""
    stream: bool = True
    structured: StructuredMode = "response_format"
    logprobs: bool = False
    timeout_s: float = 120.0  # per connect / per read
    retries: int = 3
    backoff_s: float = 0.5
    backoff_max_s: float = 8.0
    extra_headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(slots=True)
class _Reply:
    content: str = ""
    reasoning: str = ""
    finish_reason: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    logprobs: list[float] = field(default_factory=list)
    model: str = ""


class OpenAIBackend:
    """A planner backend over an OpenAI-compatible HTTP API."""

    def __init__(
        self,
        settings: HttpSettings | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        on_delta: Callable[[str, str], None] | None = None,
    ) -> None:
        self.settings = settings or HttpSettings()
        self._sleep = sleep
        self._on_delta = on_delta  # (channel "reasoning" | "text", delta) while streaming
        self._model = self.settings.model
        self.attempts = 0  # HTTP attempts made by the last call (for logs and tests)

    @property
    def name(self) -> str:
        return self._model or self.settings.base_url

    def close(self) -> None:
        return None

    # ------------------------------------------------------------------ public

    def model_id(self) -> str:
        """The model to ask for: the configured one, else the first the server lists."""
        if not self._model:
            data = self._call("GET", "/models", None)
            models = data.get("data") if isinstance(data, dict) else None
            if not isinstance(models, list) or not models or not isinstance(models[0], dict):
                raise ModelNotFound(
                    f"{self.settings.base_url}/models lists no model; pass --model NAME"
                )
            self._model = str(models[0].get("id", ""))
        return self._model

    def complete(self, request: CompletionRequest) -> Completion:
        started = time.perf_counter()
        body = self._body(request)
        if self.settings.stream:
            reply = self._with_retries(lambda: self._stream(body))
        else:
            reply = self._with_retries(lambda: _reply_from_json(self._post_once(body)))
        completion = make_completion(
            reply.content,
            model=reply.model or self.model_id(),
            started=started,
            prompt_tokens=reply.prompt_tokens or 0,
            finish_reason=reply.finish_reason,
            reasoning=reply.reasoning.strip() if reply.reasoning else None,
            completion_logprobs=reply.logprobs or None,
        )
        if reply.completion_tokens is not None:
            from dataclasses import replace

            completion = replace(completion, completion_tokens=reply.completion_tokens)
        return completion

    # ------------------------------------------------------------------ request

    def _body(self, request: CompletionRequest) -> dict[str, object]:
        s = request.sampling
        body: dict[str, object] = {
            "model": self.model_id(),
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "temperature": s.temperature,
            "top_p": s.top_p,
            "max_tokens": s.max_tokens,
            "stream": self.settings.stream,
        }
        if s.seed is not None:
            body["seed"] = s.seed
        if request.stop:
            body["stop"] = list(request.stop)
        if self.settings.stream:
            body["stream_options"] = {"include_usage": True}
        if self.settings.logprobs:
            body["logprobs"] = True
        schema_text = request.json_schema or (ACTION_JSON_SCHEMA if request.constrain else None)
        if schema_text is not None and self.settings.structured != "none":
            schema = json.loads(schema_text)
            if self.settings.structured == "vllm":
                body["structured_outputs"] = {"json": schema}
            else:
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "action", "schema": schema, "strict": True},
                }
        return body

    # ------------------------------------------------------------------ transport

    def _with_retries(self, attempt: Callable[[], _Reply]) -> _Reply:
        cfg = self.settings
        self.attempts = 0
        last = ""
        for n in range(cfg.retries + 1):
            self.attempts += 1
            try:
                return attempt()
            except _Retryable as exc:
                last = str(exc)
                if n == cfg.retries:
                    break
                delay = min(cfg.backoff_max_s, cfg.backoff_s * 2**n)
                if exc.retry_after is not None:
                    delay = min(cfg.backoff_max_s, max(delay, exc.retry_after))
                logger.warning("%s; retrying in %.1f s (%d/%d)", last, delay, n + 1, cfg.retries)
                self._sleep(delay)
        raise BackendUnavailable(f"{last} (gave up after {self.attempts} tries)")

    def _request(
        self, method: str, path: str, body: dict[str, object] | None
    ) -> urllib.request.Request:
        url = self.settings.base_url.rstrip("/") + path
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        headers.update(dict(self.settings.extra_headers))
        data = json.dumps(body).encode() if body is not None else None
        return urllib.request.Request(url, data=data, headers=headers, method=method)

    def _open(self, req: urllib.request.Request):  # type: ignore[no-untyped-def]
        url = req.full_url
        try:
            return urllib.request.urlopen(req, timeout=self.settings.timeout_s)
        except urllib.error.HTTPError as exc:
            self._raise_http(exc, url)
        except TimeoutError as exc:
            raise ModelTimeout(
                f"{url} did not answer within {self.settings.timeout_s:g} s"
            ) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise ModelTimeout(
                    f"{url} did not answer within {self.settings.timeout_s:g} s"
                ) from exc
            raise _Retryable(
                f"cannot reach the model server at {self.settings.base_url} ({exc.reason}); "
                "is it running? (e.g. `vllm serve MODEL --reasoning-parser deepseek_r1`)"
            ) from exc
        except (ConnectionError, OSError) as exc:
            raise _Retryable(
                f"cannot reach the model server at {self.settings.base_url} ({exc})"
            ) from exc

    def _raise_http(self, exc: urllib.error.HTTPError, url: str) -> None:
        try:
            raw = exc.read().decode("utf-8", "replace")
        except OSError:
            raw = ""
        message = _error_message(raw) or exc.reason or ""
        status = exc.code
        text = f"HTTP {status} from {url}: {message}".strip()
        if status == 429 or status >= 500:
            retry_after = None
            header = exc.headers.get("Retry-After") if exc.headers else None
            if header:
                try:
                    retry_after = float(header)
                except ValueError:
                    retry_after = None
            raise _Retryable(text, retry_after) from exc
        if status == 404:
            raise ModelNotFound(
                f"{text}. Check --model (GET {self.settings.base_url}/models lists what the "
                "server has) and --base-url (it usually ends in /v1)."
            ) from exc
        if status in (401, 403):
            raise PlannerError(f"{text}. Check the API key (--api-key or the config).") from exc
        raise PlannerError(text) from exc

    def _call(self, method: str, path: str, body: dict[str, object] | None) -> object:
        def attempt() -> _Reply:
            with self._open(self._request(method, path, body)) as resp:
                data = resp.read()
            return _Reply(content=data.decode("utf-8", "replace"))

        raw = self._with_retries(attempt).content
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise PlannerError(f"{path}: the server did not send JSON: {raw[:200]!r}") from exc

    def _post_once(self, body: dict[str, object]) -> object:
        with self._open(self._request("POST", "/chat/completions", body)) as resp:
            raw = resp.read()
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise PlannerError(f"the server did not send JSON: {raw[:200]!r}") from exc

    def _stream(self, body: dict[str, object]) -> _Reply:
        reply = _Reply()
        content: list[str] = []
        reasoning: list[str] = []
        try:
            with self._open(self._request("POST", "/chat/completions", body)) as resp:
                for event in _sse_events(resp):
                    if event == "[DONE]":
                        break
                    try:
                        chunk = json.loads(event)
                    except json.JSONDecodeError:
                        logger.debug("skipping a stream event that is not JSON: %r", event[:80])
                        continue
                    if not isinstance(chunk, dict):
                        continue
                    if "error" in chunk:
                        raise PlannerError(f"the server reported: {_error_message(event)}")
                    self._absorb(chunk, reply, content, reasoning)
        except TimeoutError as exc:
            raise ModelTimeout(
                f"the stream from {self.settings.base_url} stalled for "
                f"{self.settings.timeout_s:g} s"
            ) from exc
        reply.content = "".join(content)
        reply.reasoning = "".join(reasoning)
        return reply

    def _absorb(
        self, chunk: dict[str, object], reply: _Reply, content: list[str], reasoning: list[str]
    ) -> None:
        if isinstance(chunk.get("model"), str):
            reply.model = str(chunk["model"])
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            reply.prompt_tokens = _int(usage.get("prompt_tokens"))
            reply.completion_tokens = _int(usage.get("completion_tokens"))
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return
        choice = choices[0]
        delta = choice.get("delta")
        if isinstance(delta, dict):
            think = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(think, str) and think:
                reasoning.append(think)
                if self._on_delta is not None:
                    self._on_delta("reasoning", think)
            text = delta.get("content")
            if isinstance(text, str) and text:
                content.append(text)
                if self._on_delta is not None:
                    self._on_delta("text", text)
        reply.logprobs.extend(_logprobs(choice.get("logprobs")))
        if isinstance(choice.get("finish_reason"), str):
            reply.finish_reason = str(choice["finish_reason"])


def _sse_events(resp: object) -> Iterator[str]:
    """The ``data:`` payloads of a server-sent-events body."""
    buf: list[str] = []
    for raw in resp:  # type: ignore[attr-defined]
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            if buf:
                yield "\n".join(buf)
                buf = []
            continue
        if line.startswith("data:"):
            buf.append(line[5:].lstrip())
    if buf:
        yield "\n".join(buf)


def _reply_from_json(data: object) -> _Reply:
    if not isinstance(data, dict):
        raise PlannerError(f"unexpected reply from the server: {str(data)[:200]}")
    if "error" in data:
        raise PlannerError(f"the server reported: {_error_message(json.dumps(data))}")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise PlannerError(f"the server's reply has no choices: {str(data)[:200]}")
    choice = choices[0]
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    assert isinstance(message, dict)
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    assert isinstance(usage, dict)
    think = message.get("reasoning_content") or message.get("reasoning") or ""
    return _Reply(
        content=str(message.get("content") or ""),
        reasoning=str(think) if think else "",
        finish_reason=str(choice.get("finish_reason") or ""),
        prompt_tokens=_int(usage.get("prompt_tokens")),
        completion_tokens=_int(usage.get("completion_tokens")),
        logprobs=_logprobs(choice.get("logprobs")),
        model=str(data.get("model") or ""),
    )


def _logprobs(data: object) -> list[float]:
    if not isinstance(data, dict):
        return []
    items = data.get("content")
    if not isinstance(items, list):
        return []
    out: list[float] = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("logprob"), int | float):
            out.append(float(item["logprob"]))
    return out


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _error_message(raw: str) -> str:
    """The human part of an OpenAI-style error body, else the body itself (cut)."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        return raw.strip()[:300]
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return str(err["message"])[:300]
        if isinstance(err, str):
            return err[:300]
        if isinstance(data.get("detail"), str):
            return str(data["detail"])[:300]
        if isinstance(data.get("message"), str):
            return str(data["message"])[:300]
    return raw.strip()[:300]
