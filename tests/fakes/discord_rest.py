"""REST plumbing of the fake Discord: routing, body parsing, auth, rate limits, faults,
recording, and Discord-exact responses (`Content-Type: application/json`, no charset).

Route handlers live in `discord_routes.py`; each is `async (fake, request) -> Reply` and
raises `ApiError` for error answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from tests.fakes.discord_limits import ApiError
from tests.fakes.discord_models import RestCall, UploadedFile
from tests.fakes.discord_ratelimit import DEFAULT, BucketSpec, Verdict

if TYPE_CHECKING:
    from tests.fakes.discord import FakeDiscord

API_PREFIX = "/api/v10"


@dataclass
class Reply:
    body: Any = None
    status: int = 200


NO_CONTENT = Reply(None, 204)


@dataclass
class Request:
    method: str
    path: str
    template: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[UploadedFile] = field(default_factory=list)

    def id(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                {
                    name: {
                        "_errors": [
                            {"code": "NUMBER_TYPE_COERCE", "message": "Value is not snowflake."}
                        ]
                    }
                },
            ) from None

    def body(self) -> dict[str, Any]:
        """The JSON object body (an empty dict when there is none)."""
        if self.json is None:
            return {}
        if not isinstance(self.json, dict):
            raise ApiError(400, 50109, "The request body contains invalid JSON.")
        return self.json

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true")


Handler = Callable[["FakeDiscord", Request], Awaitable[Reply]]


@dataclass(frozen=True)
class RouteDef:
    method: str
    template: str
    handler: Handler
    bucket: BucketSpec = DEFAULT
    major: str | None = None  # path parameter that keys the bucket (channel_id, webhook_token)
    auth: bool = True  # needs `Authorization: Bot <token>`
    global_limit: bool = True  # counts towards the 50 requests/s global limit

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self.template)


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compile(template: str) -> re.Pattern[str]:
    pattern = _PATTERNS.get(template)
    if pattern is None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        pattern = _PATTERNS[template] = re.compile(f"^{regex}$")
    return pattern


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> web.Response:
    """A Discord-style answer. 204 has no body and no Content-Type, like the real API."""
    all_headers = dict(headers or {})
    if status == 204 or body is None:
        return web.Response(status=status, headers=all_headers)
    if isinstance(body, (str, bytes)):
        all_headers.setdefault("Content-Type", "text/html")
        data = body.encode() if isinstance(body, str) else body
        return web.Response(status=status, body=data, headers=all_headers)
    all_headers["Content-Type"] = "application/json"
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


def _find_route(
    routes: list[RouteDef], method: str, path: str
) -> tuple[RouteDef | None, dict[str, str], bool]:
    """The matching route, its path parameters, and whether the path exists for another method."""
    path_known = False
    for route in routes:
        match = route.pattern.match(path)
        if match is None:
            continue
        if route.method == method:
            return route, match.groupdict(), True
        path_known = True
    return None, {}, path_known


async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    content_type = request.content_type
    if content_type.startswith("multipart/"):
        payload: Any = None
        files: list[UploadedFile] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, aiohttp.BodyPartReader):
                continue
            data = bytes(await part.read())
            if part.name == "payload_json":
                payload = json.loads(data)
            elif part.filename is not None:
                files.append(
                    UploadedFile(
                        field=part.name or "",
                        filename=part.filename,
                        data=data,
                        content_type=part.headers.get("Content-Type"),
                    )
                )
        return payload, files
    raw = await request.read()
    if not raw:
        return None, []
    return json.loads(raw), []


async def handle_rest(
    fake: FakeDiscord, routes: list[RouteDef], http_request: web.Request
) -> web.Response:
    """Answer one REST request and record it in `fake.calls`."""
    loop_time = fake.loop_time()
    method = http_request.method
    path = http_request.path.removeprefix(API_PREFIX) or "/"
    route, params, path_known = _find_route(routes, method, path)
    template = route.template if route else path
    query = dict(http_request.query)
    payload: Any = None
    files: list[UploadedFile] = []
    headers: dict[str, str] = {}
    try:
        payload, files = await _read_body(http_request)
    except ValueError:
        status, body = 400, {"message": "The request body contains invalid JSON.", "code": 50109}
    else:
        request = Request(method, path, template, params, query, payload, files)
        status, body = await _answer(fake, route, path_known, request, http_request, headers)
    await fake.record_call(
        RestCall(
            method=method,
            path=path,
            route=f"{method} {template}",
            template=template,
            params=params,
            query=query,
            json=payload,
            files={f.filename: f.data for f in files},
            status=status,
            at=loop_time,
            response=body,
        )
    )
    return json_response(status, body, headers)


async def _answer(
    fake: FakeDiscord,
    route: RouteDef | None,
    path_known: bool,
    request: Request,
    http_request: web.Request,
    headers: dict[str, str],
) -> tuple[int, Any]:
    """Status and body for a parsed request; fills `headers` (rate limits, fault headers)."""
    if route is None:
        if path_known:
            return 405, {"message": "405: Method Not Allowed", "code": 0}
        return 404, {"message": "404: Not Found", "code": 0}
    if route.auth and http_request.headers.get("Authorization") != f"Bot {fake.token}":
        return 401, {"message": "401: Unauthorized", "code": 0}
    fault = fake.take_fault(request.method, request.template, request.path)
    if fault is not None:
        body, fault_headers = fault.answer()
        headers.update(fault_headers)
        return fault.status, body
    major = request.params.get(route.major, "") if route.major else ""
    verdict: Verdict = fake.rate_limiter.check(
        route.bucket, major, counts_globally=route.global_limit
    )
    headers.update(verdict.headers)
    if not verdict.allowed:
        return 429, verdict.body()
    try:
        reply = await route.handler(fake, request)
    except ApiError as error:
        headers.update(error.headers)
        return error.status, error.body()
    except Exception as error:  # a bug in the fake: fail fast (discord.py retries 5xx)
        fake.internal_errors.append(error)
        return 400, {"message": f"fake Discord internal error: {error!r}", "code": 0}
    return reply.status, reply.body
