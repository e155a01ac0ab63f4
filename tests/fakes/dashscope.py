"""A fake DashScope Responses API server (aiohttp, 127.0.0.1) for tests, benchmarks and people.

    async with FakeDashScope() as fake:
        fake.play(http_error_flat(503, "ModelServingError", "..."), image_search(hits=3))
        client = openai.AsyncOpenAI(base_url=fake.base_url, api_key="sk-test")
        ...
        assert fake.requests[-1].json["tools"] == [{"type": "image_search"}]

It answers `POST {any prefix}/responses` by playing a `Scenario` (see `dashscope_scenarios`):
each request takes the next queued scenario, the last one is reused for every further request,
and a normal search is played when nothing was queued.

By hand: `python -m tests.fakes.dashscope --port 8765 --scenario normal [--delay 0.05]`
(`--scenario http_503_unavailable,normal` queues several; `--list` prints the names).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

from tests.fakes.dashscope_scenarios import (
    DEFAULT_ANSWER_TEXT,
    DEFAULT_MODEL,
    DEFAULT_PREAMBLE_TEXT,
    DEFAULT_REASONING_TEXT,
    DEFAULT_SECOND_REASONING_TEXT,
    HOSTILE_HITS,
    RATE_LIMIT_MESSAGE,
    SCENARIOS,
    SSE_CONTENT_TYPE,
    Cut,
    Event,
    HttpError,
    Raw,
    Scenario,
    Sleep,
    Step,
    compact_json,
    cut_mid_stream,
    ends_early,
    error_event,
    http_error_flat,
    http_error_openai,
    http_error_sse,
    image_search,
    make_hits,
    malformed_event_json,
    malformed_output,
    plain_response,
    rate_limited_in_stream,
    response_failed,
    response_incomplete,
    slow_first_byte,
    split_text,
    sse_frame,
    stall,
    top_level_error,
    typeless_error,
    with_delay,
)

__all__ = [
    "API_PREFIX",
    "DEFAULT_ANSWER_TEXT",
    "DEFAULT_MODEL",
    "DEFAULT_PREAMBLE_TEXT",
    "DEFAULT_REASONING_TEXT",
    "DEFAULT_SECOND_REASONING_TEXT",
    "HOSTILE_HITS",
    "RATE_LIMIT_MESSAGE",
    "SCENARIOS",
    "SSE_CONTENT_TYPE",
    "Cut",
    "Event",
    "FakeDashScope",
    "HttpError",
    "Raw",
    "RecordedRequest",
    "Scenario",
    "Sleep",
    "Step",
    "compact_json",
    "cut_mid_stream",
    "ends_early",
    "error_event",
    "http_error_flat",
    "http_error_openai",
    "http_error_sse",
    "image_search",
    "make_hits",
    "malformed_event_json",
    "malformed_output",
    "plain_response",
    "rate_limited_in_stream",
    "response_failed",
    "response_incomplete",
    "scenarios_from_names",
    "slow_first_byte",
    "split_text",
    "sse_frame",
    "stall",
    "top_level_error",
    "typeless_error",
    "with_delay",
]

API_PREFIX = "/api/v2/apps/protocols/compatible-mode/v1"
# How often a Sleep looks whether the client is still there (besides aiohttp's cancellation).
_POLL_SECONDS = 0.02


@dataclass
class RecordedRequest:
    """One request the fake received, and how it ended."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any  # the parsed body, None when it is not JSON
    scenario: str | None
    # The client went away before the scenario was played to its end.
    disconnected: bool = False
    # The handler is over (played, cut, disconnected or stopped).
    finished: bool = False


class _ClientGone(Exception):
    """The client disconnected while a scenario was being played."""


class FakeDashScope:
    """The fake server. `async with FakeDashScope() as fake:` or `await start()` / `stop()`."""

    def __init__(
        self,
        *scenarios: Scenario,
        host: str = "127.0.0.1",
        port: int = 0,
        time_scale: float = 1.0,
        default: Scenario | None = None,
        handler_cancellation: bool = True,
        on_request: Callable[[RecordedRequest], None] | None = None,
    ) -> None:
        """`scenarios` are queued as by `play`. `time_scale` multiplies every Sleep.

        `handler_cancellation=False` stops aiohttp from cancelling the handler when the peer
        goes away; disconnects are then seen by polling the transport during Sleeps and by
        failing writes (tests use it to exercise that path).
        """
        self.host = host
        self.port = port
        self.time_scale = time_scale
        self.default = default if default is not None else image_search(name="normal")
        self.on_request = on_request
        self.requests: list[RecordedRequest] = []
        self.disconnected = asyncio.Event()
        self._queue: list[Scenario] = list(scenarios)
        self._handler_cancellation = handler_cancellation
        self._runner: web.AppRunner | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self._stopping = False

    # ---------------------------------------------------------------- configuration

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What the client is configured with; `{base_url}/responses` is served."""
        return f"{self.root_url}{API_PREFIX}"

    def play(self, *scenarios: Scenario) -> None:
        """Queue scenarios: each request takes the next one; the last one is then reused."""
        self._queue.extend(scenarios)

    def reset(self) -> None:
        """Forget queued scenarios, recorded requests and the disconnect flag."""
        self._queue.clear()
        self.requests.clear()
        self.disconnected.clear()

    def _next_scenario(self) -> Scenario:
        if not self._queue:
            return self.default
        if len(self._queue) == 1:
            return self._queue[0]
        return self._queue.pop(0)

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("already started")
        self._stopping = False
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(
            app,
            handler_cancellation=self._handler_cancellation,
            shutdown_timeout=1.0,
            access_log=None,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._stopping = True
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.wait(list(self._handlers), timeout=1.0)
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> FakeDashScope:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---------------------------------------------------------------- serving

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.method != "POST" or not request.path.endswith("/responses"):
            body = {"request_id": str(uuid.uuid4()), "code": "NotFound", "message": "Not Found"}
            return web.json_response(body, status=404)
        raw = await request.read()
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            parsed = None
        scenario = self._next_scenario()
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            headers=dict(request.headers),
            body=raw,
            json=parsed,
            scenario=scenario.name,
        )
        self.requests.append(record)
        if self.on_request is not None:
            self.on_request(record)
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        player = _Player(self, request, scenario)
        try:
            return await player.play()
        except _ClientGone:
            self._mark_disconnected(record)
            return player.response or web.Response(status=499)
        except asyncio.CancelledError:
            # aiohttp cancels the handler when the peer goes away (or we are stopping).
            if not self._stopping and not player.cut:
                self._mark_disconnected(record)
            raise
        finally:
            record.finished = True
            if task is not None:
                self._handlers.discard(task)

    def _mark_disconnected(self, record: RecordedRequest) -> None:
        record.disconnected = True
        self.disconnected.set()


class _Player:
    """Plays one scenario onto one request."""

    def __init__(self, fake: FakeDashScope, request: web.Request, scenario: Scenario) -> None:
        self.fake = fake
        self.request = request
        self.scenario = scenario
        self.request_id = str(uuid.uuid4())
        self.response: web.StreamResponse | None = None
        self.cut = False
        self._next_id = 1

    def _client_gone(self) -> bool:
        transport = self.request.transport
        return transport is None or transport.is_closing()

    async def play(self) -> web.StreamResponse:
        for step in self.scenario.steps:
            if isinstance(step, Sleep):
                await self._sleep(step.seconds * self.fake.time_scale)
            elif isinstance(step, HttpError):
                return self._http_error(step)
            elif isinstance(step, Event):
                event_id = step.id if step.id is not None else self._next_id
                self._next_id = event_id + 1
                await self._write(step.render(event_id))
            elif isinstance(step, Raw):
                await self._write(step.text)
            elif isinstance(step, Cut):
                return await self._cut()
        return await self._stream()

    async def _sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (remaining := deadline - loop.time()) > 0:
            if self._client_gone():
                raise _ClientGone
            await asyncio.sleep(min(remaining, _POLL_SECONDS))
        if self._client_gone():
            raise _ClientGone

    def _http_error(self, error: HttpError) -> web.Response:
        headers = {
            "Content-Type": error.content_type,
            "x-request-id": error.request_id or self.request_id,
        }
        return web.Response(status=error.status, body=error.body.encode(), headers=headers)

    async def _stream(self) -> web.StreamResponse:
        if self.response is None:
            response = web.StreamResponse(
                status=200,
                headers={
                    "Content-Type": SSE_CONTENT_TYPE,
                    "Cache-Control": "no-cache",
                    "x-request-id": self.request_id,
                },
            )
            try:
                await response.prepare(self.request)
            except ConnectionError as exc:
                raise _ClientGone from exc
            self.response = response
        return self.response

    async def _write(self, text: str) -> None:
        response = await self._stream()
        if self._client_gone():
            raise _ClientGone
        try:
            await response.write(text.encode())
        except ConnectionError as exc:  # includes aiohttp's ClientConnectionResetError
            raise _ClientGone from exc

    async def _cut(self) -> web.StreamResponse:
        response = await self._stream()
        self.cut = True
        transport = self.request.transport
        if transport is not None:
            # Flushes what was written, then closes: no chunked terminator is ever sent.
            transport.close()
        return response


# -------------------------------------------------------------------- command line


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.dashscope",
        description="Serve a fake DashScope Responses API until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument(
        "--scenario",
        default="normal",
        help="a scenario name, or several separated by commas (played in turn, last reused)",
    )
    parser.add_argument(
        "--delay", type=float, default=0.0, help="seconds to wait before every event"
    )
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiplies every Sleep")
    parser.add_argument("--list", action="store_true", help="print the scenario names and exit")
    return parser.parse_args(argv)


def scenarios_from_names(names: str, delay: float = 0.0) -> list[Scenario]:
    """`"http_503_unavailable,normal"` → the scenarios, with `delay` before each event."""
    chosen = [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown or not chosen:
        raise ValueError(f"unknown scenario(s) {unknown}; known: {', '.join(SCENARIOS)}")
    return [with_delay(SCENARIOS[name](), delay) for name in chosen]


async def _serve(args: argparse.Namespace, scenarios: list[Scenario]) -> None:
    def log(record: RecordedRequest) -> None:
        body = record.json if isinstance(record.json, dict) else {}
        print(f"{record.method} {record.path} model={body.get('model')!r} -> {record.scenario}")

    fake = FakeDashScope(
        *scenarios, host=args.host, port=args.port, time_scale=args.time_scale, on_request=log
    )
    async with fake:
        print(f"Fake DashScope serving at {fake.base_url}", flush=True)
        print(f"Playing: {', '.join(s.name or '?' for s in scenarios)}", flush=True)
        print(f"Scenarios: {', '.join(SCENARIOS)}", flush=True)
        await asyncio.Event().wait()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.list:
        print("\n".join(SCENARIOS))
        return 0
    try:
        scenarios = scenarios_from_names(args.scenario, args.delay)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args, scenarios))
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
