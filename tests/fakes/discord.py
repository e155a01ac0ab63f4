"""A fake Discord (REST API + gateway + CDN) on 127.0.0.1 for tests with the real discord.py.

    async with FakeDiscord() as fake:
        guild = fake.add_guild("Test guild")
        channel = fake.add_channel(guild, "general")
        with point_discord_py_at(fake):
            bot = commands.Bot(command_prefix="!", intents=intents)
            task = asyncio.create_task(bot.start(fake.token))
            await fake.wait_until_ready()
            message = fake.post_user_message(channel, user, "hello")
            call = await fake.wait_for_call("POST", "/channels/{channel_id}/messages")

The bot is pointed at the fake only through discord.py's two URLs, `discord.http.Route.BASE`
(REST) and `DiscordWebSocket.DEFAULT_GATEWAY` (an `AutoShardedBot` reads the URL from
`GET /gateway/bot`); `point_discord_py_at` sets both (and the CDN base) and restores them.
Everything the bot sends is recorded in `fake.calls`; the current messages are in
`fake.messages`.

Modules: `discord_models` (constants, records), `discord_state` (users, guilds, channels,
messages, payloads, permissions), `discord_cdn` (signed attachment URLs, media proxy),
`discord_events` (what the gateway tells clients), `discord_interactions` (injected
interactions), `discord_gateway` (websocket), `discord_rest` + `discord_routes` +
`discord_messages` (REST), `discord_limits` (validation), `discord_ratelimit` (buckets).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from aiohttp import web

from tests.fakes.discord_gateway import GatewayFrame, GatewaySession
from tests.fakes.discord_interactions import InteractionInjector
from tests.fakes.discord_models import (
    DEFAULT_ATTACHMENT_SIZE_LIMIT,
    InjectedInteraction,
    Json,
    RestCall,
)
from tests.fakes.discord_ratelimit import Fault, RateLimiter
from tests.fakes.discord_rest import handle_rest
from tests.fakes.discord_routes import ROUTES

__all__ = [
    "FakeDiscord",
    "GatewayFrame",
    "InjectedInteraction",
    "RestCall",
    "point_discord_py_at",
]


class FakeDiscord(InteractionInjector):
    """Fake Discord server. Use as `async with FakeDiscord() as fake:`.

    `rate_limit_window_scale` shrinks every rate-limit window (0.2: 5 messages per 1 s per
    channel instead of per 5 s) so rate-limit tests run fast; the limits stay the same.
    """

    def __init__(
        self,
        *,
        message_content_granted: bool = True,
        token: str = "fake-bot-token",
        interaction_deadline: float = 3.0,
        token_lifetime: float = 900.0,
        rate_limits: bool = True,
        rate_limit_window_scale: float = 1.0,
        attachment_size_limit: int = DEFAULT_ATTACHMENT_SIZE_LIMIT,
        recommended_shards: int = 1,
        heartbeat_interval_ms: float = 41_250,
        bot_name: str = "FakeBot",
        port: int = 0,
    ) -> None:
        self.port = port  # 0: any free port
        super().__init__(
            token=token,
            message_content_granted=message_content_granted,
            attachment_size_limit=attachment_size_limit,
            bot_name=bot_name,
            heartbeat_interval_ms=heartbeat_interval_ms,
            interaction_deadline=interaction_deadline,
            token_lifetime=token_lifetime,
        )
        self.recommended_shards = recommended_shards
        self.rate_limiter = RateLimiter(enabled=rate_limits, window_scale=rate_limit_window_scale)
        self.calls: list[RestCall] = []
        """Every REST request, in order of arrival, with its answer's status."""
        self.responses_429 = 0
        self.invalid_requests = 0
        """401, 403 and 429 answers (Discord bans an IP after 10,000 in 10 minutes)."""
        self.internal_errors: list[Exception] = []
        """Bugs of the fake met while answering; `close()` raises if there are any."""
        self._faults: list[Fault] = []
        self._runner: web.AppRunner | None = None
        self._calls_changed = asyncio.Condition()

    # ------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application(client_max_size=256 * 1024 * 1024)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._handle_rest)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/", self.gateway.handle)
        app.router.add_get("/{tail:.*}", self.cdn.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.cdn.base_url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.internal_errors:
            raise RuntimeError(f"fake Discord internal errors: {self.internal_errors!r}")

    @property
    def cdn_requests(self) -> list[tuple[str, int]]:
        """(path, status) of every CDN and media-proxy request."""
        return self.cdn.requests

    def loop_time(self) -> float:
        return asyncio.get_running_loop().time()

    # ------------------------------------------------------------ recording and waiting

    async def record_call(self, call: RestCall) -> None:
        self.calls.append(call)
        if call.status == 429:
            self.responses_429 += 1
        if call.status in (401, 403, 429):
            self.invalid_requests += 1
        async with self._calls_changed:
            self._calls_changed.notify_all()

    def calls_to(self, method: str = "*", route_prefix: str = "") -> list[RestCall]:
        """Recorded calls by method (`"*"` = any) whose template or path starts with the prefix."""
        return [
            call
            for call in self.calls
            if method in ("*", call.method)
            and (call.template.startswith(route_prefix) or call.path.startswith(route_prefix))
        ]

    async def wait_for_call(
        self,
        method: str = "*",
        route_prefix: str = "",
        *,
        predicate: Callable[[RestCall], bool] | None = None,
        within: float = 5.0,
        after: int = 0,
    ) -> RestCall:
        """The first call (from index `after` in `calls`) matching; waits up to `within` s."""

        def find() -> RestCall | None:
            for call in self.calls[after:]:
                if method not in ("*", call.method):
                    continue
                if not (
                    call.template.startswith(route_prefix) or call.path.startswith(route_prefix)
                ):
                    continue
                if predicate is None or predicate(call):
                    return call
            return None

        async with self._calls_changed:
            await asyncio.wait_for(self._calls_changed.wait_for(lambda: find() is not None), within)
        found = find()
        assert found is not None
        return found

    async def wait_until(self, condition: Callable[[], bool], *, within: float = 5.0) -> None:
        """Poll `condition` until it holds (raises TimeoutError after `within` seconds)."""
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met in time")
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------ gateway helpers

    @property
    def sessions(self) -> list[GatewaySession]:
        """Live gateway sessions (one per connected shard)."""
        return self.gateway.live_sessions()

    @property
    def gateway_frames(self) -> list[GatewayFrame]:
        """Frames received from clients (op 2 IDENTIFY, op 6 RESUME, op 1 heartbeats, ...)."""
        return self.gateway.received

    def frames(self, op: int) -> list[GatewayFrame]:
        return [frame for frame in self.gateway.received if frame.op == op]

    @property
    def identifies(self) -> list[GatewayFrame]:
        return self.frames(2)

    @property
    def resumes(self) -> list[GatewayFrame]:
        return self.frames(6)

    async def wait_until_ready(self, *, shards: int | None = None, within: float = 10.0) -> None:
        """Wait until a client identified and got its GUILD_CREATEs on `shards` shards
        (default: every shard its IDENTIFY asked for). discord.py's `on_ready` comes
        `guild_ready_timeout` later; use `bot.wait_until_ready()` for that."""

        def ready() -> bool:
            live = [s for s in self.gateway.live_sessions() if s.ready.is_set()]
            if not live:
                return False
            wanted = shards if shards is not None else (live[0].shard or (0, 1))[1]
            return len({s.shard_id for s in live}) >= wanted

        await self.gateway.wait_for(ready, within)

    async def wait_for_frame(self, op: int, *, count: int = 1, within: float = 5.0) -> GatewayFrame:
        """Wait until `count` frames with this op arrived; returns the last one."""
        await self.gateway.wait_for(lambda: len(self.frames(op)) >= count, within)
        return self.frames(op)[count - 1]

    async def drop_gateway(self, *, code: int = 4000, shard_id: int | None = None) -> int:
        """Close the gateway sockets with a resumable code; discord.py resumes (op 6)."""
        return await self.gateway.drop(code=code, shard_id=shard_id)

    def dispatch(
        self, event: str, data: Json, *, guild_id: int | None = None, intents: int = 0
    ) -> int:
        """Send any gateway event; returns the number of sessions that got it."""
        return self.gateway.dispatch(event, data, guild_id=guild_id, intents=intents)

    # ------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        route_prefix: str,
        status: int,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        count: int = 1,
    ) -> None:
        """Answer the next `count` matching requests with `status` before any processing.

        A 429 gets discord.py-compatible defaults (`Via` header, JSON body with a short
        `retry_after`); pass `body={"retry_after": 0.2, "global": True, ...}` for a global one.
        A `str` body is sent as text/html (like a Cloudflare error page)."""
        self._faults.append(Fault(method, route_prefix, status, body, dict(headers or {}), count))

    def take_fault(self, method: str, template: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.count > 0 and fault.matches(method, template, path):
                fault.count -= 1
                if fault.count == 0:
                    self._faults.remove(fault)
                return fault
        return None

    # ------------------------------------------------------------ HTTP entry points

    async def _handle_rest(self, request: web.Request) -> web.Response:
        return await handle_rest(self, ROUTES, request)


@contextlib.contextmanager
def point_discord_py_at(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base, default gateway and CDN base at the fake; restore after."""
    import discord
    import discord.asset
    import discord.gateway
    import discord.http
    import yarl

    saved = (
        discord.http.Route.BASE,
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
        discord.asset.Asset.BASE,
    )
    discord.http.Route.BASE = fake.api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    discord.asset.Asset.BASE = fake.cdn_url
    try:
        yield
    finally:
        (
            discord.http.Route.BASE,
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
            discord.asset.Asset.BASE,
        ) = saved
