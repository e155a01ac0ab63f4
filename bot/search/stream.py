"""Runs one streamed search and yields our typed events; every failure is mapped here, once.

We call `client.responses.create(stream=True)` and dispatch on the `type` strings, never on the
SDK's classes: DashScope's `image_search_call` items are parsed into the wrong class, its indexes
skip, and some failures arrive as events with no type at all (see
shared/reference/dashscope-responses.md). The async generator always closes the HTTP stream when
it ends, is closed early (Cancel) or is cancelled, so DashScope stops working for us too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlsplit

import openai

from bot.config import Settings
from bot.search.errors import ErrorCode, SearchError
from bot.search.events import (
    Completed,
    Event,
    Failed,
    Hit,
    Hits,
    MessageStarted,
    ReasoningDelta,
    SearchCallStarted,
    Started,
    TextDelta,
    Usage,
)
from bot.search.request import SearchRequest, build_params

log = logging.getLogger(__name__)

_REASONING_DELTAS = frozenset(
    {"response.reasoning_summary_text.delta", "response.reasoning_text.delta"}
)
_SECRETISH = re.compile(r"\b(sk-[A-Za-z0-9_-]{6,}|Bearer\s+\S+)")


def make_client(settings: Settings) -> openai.AsyncOpenAI:
    """The one shared client. Its read timeout is the stall limit: no byte for that long fails."""
    settings.require("DASHSCOPE_API_KEY")
    assert settings.dashscope_api_key is not None
    return openai.AsyncOpenAI(
        api_key=settings.dashscope_api_key.get(),
        base_url=settings.dashscope_base_url,
        max_retries=settings.dashscope_max_retries,
        timeout=openai.Timeout(
            settings.dashscope_timeout_seconds,
            connect=10.0,
            read=settings.dashscope_stall_seconds,
        ),
    )


class SearchEngine:
    """Turns a `SearchRequest` into a stream of events. Knows nothing of Discord."""

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        *,
        model: str,
        thinking: bool = True,
        stall_seconds: float = 90.0,
        timeout_seconds: float = 180.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.model = model
        self.thinking = thinking
        self.stall_seconds = stall_seconds
        self.timeout_seconds = timeout_seconds
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, client: openai.AsyncOpenAI) -> SearchEngine:
        return cls(
            client,
            model=settings.dashscope_model,
            thinking=settings.dashscope_thinking,
            stall_seconds=settings.dashscope_stall_seconds,
            timeout_seconds=settings.dashscope_timeout_seconds,
        )

    async def run(
        self, request: SearchRequest, *, time_limit: float | None = None
    ) -> AsyncIterator[Event]:
        """Yield events; the last one is always `Completed` or `Failed` (unless closed early).

        `time_limit` shortens the configured limit for one search (e.g. to end before a Discord
        interaction token expires)."""
        started = self.clock()
        limit = (
            self.timeout_seconds if time_limit is None else min(time_limit, self.timeout_seconds)
        )
        deadline = started + limit
        state = _StreamState()
        stream: Any = None
        try:
            params = build_params(request, model=self.model, thinking=self.thinking)
            stream = await asyncio.wait_for(self.client.responses.create(**params), limit)
            iterator = stream.__aiter__()
            while True:
                wait = min(self.stall_seconds, deadline - self.clock())
                if wait <= 0:
                    raise SearchError(ErrorCode.TIMEOUT, f"no answer within {limit:g} s")
                try:
                    raw = await asyncio.wait_for(iterator.__anext__(), wait)
                except StopAsyncIteration:
                    raise SearchError(
                        ErrorCode.INTERRUPTED, "the stream ended before the answer was complete"
                    ) from None
                except TimeoutError:
                    raise SearchError(
                        ErrorCode.TIMEOUT, f"nothing received for {wait:.3g} s"
                    ) from None
                try:
                    translated = _translate(raw, state, lambda: self.clock() - started)
                except SearchError:
                    raise
                except Exception as exc:  # an event in a shape we cannot read
                    kind = getattr(raw, "type", None)
                    raise SearchError(
                        ErrorCode.PROTOCOL, f"unreadable {kind} event: {type(exc).__name__}"
                    ) from None
                for event in translated:
                    yield event
                    if isinstance(event, Completed | Failed):
                        _log_outcome(event, state)
                        return
        except SearchError as error:
            failed = Failed(error, self.clock() - started)
        except Exception as exc:  # every other failure is mapped, never raised to the caller
            failed = Failed(map_exception(exc), self.clock() - started)
        finally:
            if stream is not None:
                await stream.close()
        _log_outcome(failed, state)
        yield failed


class _StreamState:
    """What the translation must remember between events (ids are opaque strings)."""

    def __init__(self) -> None:
        self.response_id = ""
        self.search_calls = 0


def _translate(raw: Any, state: _StreamState, elapsed: Callable[[], float]) -> list[Event]:
    """One SDK event -> zero or more of our events."""
    kind = getattr(raw, "type", None)
    if kind is None:
        # A flat `event:error` with `{"request_id","code","message"}` and no type.
        extra = getattr(raw, "model_extra", None) or {}
        raise SearchError(classify(extra.get("code"), extra.get("message")), _detail(extra))
    if kind == "response.created":
        response = getattr(raw, "response", None)
        state.response_id = str(_field(response, "id") or state.response_id)
        return [Started(state.response_id, str(_field(response, "model") or ""))]
    if kind in _REASONING_DELTAS or kind == "response.output_text.delta":
        delta = getattr(raw, "delta", None)
        if not isinstance(delta, str):  # missing or null: nothing to show (never "None")
            return []
        return [TextDelta(delta) if kind == "response.output_text.delta" else ReasoningDelta(delta)]
    if kind == "response.output_item.added":
        item = raw.item
        if _field(item, "type") == "image_search_call":
            state.search_calls += 1
            image_index, bbox = _parse_arguments(_field(item, "arguments"))
            return [SearchCallStarted(str(_field(item, "id")), image_index, bbox)]
        if _field(item, "type") == "message":
            return [MessageStarted(str(_field(item, "id") or ""))]
        return []
    if kind == "response.output_item.done":
        item = raw.item
        if _field(item, "type") == "image_search_call":
            call_id = str(_field(item, "id"))
            try:
                return [Hits(call_id, parse_hits(_field(item, "output")))]
            except SearchError as error:  # unreadable results: keep streaming the answer
                log.warning("search call %s: %s", call_id, error.detail)
                return [Hits(call_id, (), error)]
        return []
    if kind == "response.completed":
        response = raw.response
        return [
            Completed(
                _usage(getattr(response, "usage", None)),
                elapsed(),
                _final_text(getattr(response, "output", None)),
            )
        ]
    if kind == "response.failed":
        failure = _as_dict(getattr(raw.response, "error", None))
        raise SearchError(classify(failure.get("code"), failure.get("message")), _detail(failure))
    if kind == "response.incomplete":
        details = _as_dict(getattr(raw.response, "incomplete_details", None))
        raise SearchError(ErrorCode.INCOMPLETE, str(details.get("reason") or "incomplete"))
    if kind == "error":
        fields = {"code": getattr(raw, "code", None), "message": getattr(raw, "message", None)}
        raise SearchError(classify(fields["code"], fields["message"]), _detail(fields))
    return []  # in_progress, content parts, .done events and anything new: nothing to show


def parse_hits(output: Any) -> tuple[Hit, ...]:
    """The search call's `output`: a JSON string of `[{title, url, index}]`.

    Malformed output is a protocol error (code `protocol`); a missing output means no hits.
    """
    if output in (None, ""):
        return ()
    try:
        items = json.loads(output) if isinstance(output, str) else output
    except json.JSONDecodeError as exc:
        raise SearchError(ErrorCode.PROTOCOL, f"search results are not JSON ({exc.msg})") from None
    except RecursionError:  # nested beyond what the parser can follow
        raise SearchError(ErrorCode.PROTOCOL, "search results are nested too deeply") from None
    if not isinstance(items, list):
        raise SearchError(ErrorCode.PROTOCOL, "search results are not a list")
    hits = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            continue
        url = str(item.get("url") or "")
        index = item.get("index")
        hits.append(
            Hit(
                index=index if isinstance(index, int) else position,
                title=str(item.get("title") or ""),
                url=url,
                host=host_of(url),
            )
        )
    return tuple(hits)


def host_of(url: str) -> str:
    """The host of an http(s) URL without `www.`; "" for anything else (never linked)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname
    return host[4:] if host.startswith("www.") else host


def _parse_arguments(arguments: Any) -> tuple[int | None, tuple[int, int, int, int] | None]:
    try:
        args = json.loads(arguments) if isinstance(arguments, str) else arguments
    except json.JSONDecodeError:
        return None, None
    if not isinstance(args, dict):
        return None, None
    index = args.get("img_idx")
    bbox = args.get("bbox")
    region = None
    if isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, int | float) for v in bbox):
        region = (int(bbox[0]), int(bbox[1]), int(bbox[2]), int(bbox[3]))
    return (index if isinstance(index, int) else None), region


def _usage(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    data = _as_dict(usage)
    tools = data.get("x_tools")
    output_details = _as_dict(data.get("output_tokens_details"))
    input_details = _as_dict(data.get("input_tokens_details"))
    # Odd counts are read as 0: a complete answer is never failed over its usage.
    return Usage(
        input_tokens=_count(data.get("input_tokens")),
        output_tokens=_count(data.get("output_tokens")),
        total_tokens=_count(data.get("total_tokens")),
        reasoning_tokens=_count(output_details.get("reasoning_tokens")),
        cached_tokens=_count(input_details.get("cached_tokens")),
        tool_calls={
            str(name): _count(_as_dict(info).get("count"))
            for name, info in (tools.items() if isinstance(tools, dict) else ())
        },
    )


def _count(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _final_text(output: Any) -> str | None:
    """The text of the last assistant message in `response.output`, when there is one."""
    if not output:
        return None
    for item in reversed(list(output)):
        if _field(item, "type") == "message":
            parts = _field(item, "content") or []
            text = "".join(
                str(_field(p, "text") or "")
                for p in parts
                if _field(p, "type") in ("output_text", "text")
            )
            return text or None
    return None


def _field(obj: Any, name: str) -> Any:
    """Read a field from an SDK model (declared or extra) or a dict."""
    if isinstance(obj, dict):
        return obj.get(name)
    value = getattr(obj, name, None)
    if value is None:
        value = (getattr(obj, "model_extra", None) or {}).get(name)
    return value


def _as_dict(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    dump = getattr(obj, "model_dump", None)
    return dump() if callable(dump) else {}


def classify(code: Any, message: Any = None, status: int | None = None) -> ErrorCode:
    """DashScope's error codes (both spellings) and HTTP statuses -> our stable codes."""
    c = str(code or "").lower()
    m = str(message or "").lower()
    if c in ("invalidapikey", "invalid_api_key") or status == 401:
        return ErrorCode.AUTH
    if c in ("arrearage", "throttling.allocationquota", "insufficient_quota"):
        return ErrorCode.QUOTA
    if c in ("datainspectionfailed", "data_inspection_failed") or "inspection" in c:
        return ErrorCode.MODERATED
    if c.startswith("throttling") or status == 429 or "rate limit" in m:
        return ErrorCode.RATE_LIMITED
    if c.startswith("accessdenied") or c == "access_denied" or status == 403:
        return ErrorCode.ACCESS_DENIED
    if c in ("modelnotfound", "model_not_found") or status == 404:
        return ErrorCode.MODEL_NOT_FOUND
    if c in ("invalidparameter", "invalid_parameter", "invalid_request_error") or status == 400:
        image_words = ("url", "data-uri", "image", "download", "multimodal", "width")
        return ErrorCode.BAD_IMAGE if any(w in m for w in image_words) else ErrorCode.BAD_REQUEST
    return ErrorCode.UNAVAILABLE


def map_exception(exc: BaseException) -> SearchError:
    """Any exception raised by the SDK or the transport -> a `SearchError`."""
    if isinstance(exc, SearchError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return SearchError(ErrorCode.TIMEOUT, "DashScope did not answer in time")
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc
        return SearchError(ErrorCode.INTERRUPTED, f"connection lost: {type(cause).__name__}")
    if isinstance(exc, openai.APIStatusError):
        code, message = _error_fields(exc.body)
        code = code or exc.code
        return SearchError(
            classify(code, message or exc.message, exc.status_code),
            _detail({"status": exc.status_code, "code": code, "message": message}),
        )
    if isinstance(exc, openai.APIError):  # a top-level {"error": {...}} payload in the stream
        code, message = _error_fields(exc.body)
        return SearchError(
            classify(code or exc.code, message or exc.message),
            _detail({"code": code or exc.code, "message": message or exc.message}),
        )
    if isinstance(exc, json.JSONDecodeError | ValueError):
        return SearchError(ErrorCode.PROTOCOL, f"unreadable event: {type(exc).__name__}")
    log.exception("unexpected failure while streaming a search")
    return SearchError(ErrorCode.UNAVAILABLE, f"unexpected {type(exc).__name__}")


def _error_fields(body: Any) -> tuple[str | None, str | None]:
    """Code and message from any of the three error envelopes (flat, OpenAI-style, SSE text)."""
    if isinstance(body, str):
        for line in body.splitlines():
            if line.startswith("data:"):
                try:
                    body = json.loads(line[5:])
                except json.JSONDecodeError:
                    return None, None
                break
        else:
            return None, None
    if not isinstance(body, dict):
        return None, None
    inner = body.get("error")
    if isinstance(inner, dict):
        body = inner
    code, message = body.get("code"), body.get("message")
    return (str(code) if code else None), (str(message) if message else None)


def _detail(fields: dict[str, Any]) -> str:
    """A short log-safe description; anything that looks like a key is masked."""
    text = ", ".join(f"{k}={v}" for k, v in fields.items() if v not in (None, ""))
    return _SECRETISH.sub("[redacted]", text)[:300]


def _log_outcome(event: Completed | Failed, state: _StreamState) -> None:
    if isinstance(event, Completed):
        log.info(
            "search completed in %.1fs response=%s search_calls=%d tokens=%d",
            event.elapsed,
            state.response_id or "-",
            event.usage.image_searches or state.search_calls,
            event.usage.total_tokens,
        )
    else:
        log.info(
            "search failed in %.1fs code=%s response=%s search_calls=%d detail=%s",
            event.elapsed,
            event.error.code.value,
            state.response_id or "-",
            state.search_calls,
            event.error.detail,
        )
