"""fetch() and load_image() against a real aiohttp server on 127.0.0.1 (no other network)."""

from __future__ import annotations

import asyncio
import io
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.typedefs import Handler
from PIL import Image

import bot.images
from bot.config import load_settings
from bot.images import AddressPolicy, FetchLimits, fetch, load_image, make_session
from bot.images.fetch import USER_AGENT, GuardedResolver
from bot.search.errors import ErrorCode, SearchError

BIG = 50 * 1024 * 1024
CAP = 1024 * 1024


def png(size: tuple[int, int] = (64, 48), colour: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


IMAGE = png()


@dataclass
class Server:
    port: int
    paths: list[str] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)
    cookies: list[str] = field(default_factory=list)
    sent: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def build_app(state: list[Server]) -> web.Application:
    def server() -> Server:
        return state[0]

    async def image(request: web.Request) -> web.Response:
        resp = web.Response(body=IMAGE, content_type="image/png")
        resp.set_cookie("session", "of-another-user")
        return resp

    async def big(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.content_type = "image/png"
        if request.query.get("length") == "yes":
            resp.content_length = BIG
        chunk = b"\0" * 65536
        try:
            await resp.prepare(request)
            while server().sent < BIG:
                await resp.write(chunk)
                server().sent += len(chunk)
            await resp.write_eof()
        except OSError:
            pass  # the client hung up, as it should
        finally:
            server().done.set()
        return resp

    async def trickle(request: web.Request) -> web.StreamResponse:
        # Never finishes, but never goes quiet either: only a whole-download deadline ends it.
        resp = web.StreamResponse()
        resp.content_type = "image/png"
        try:
            await resp.prepare(request)
            while not server().stop.is_set():
                await resp.write(b"\x89")
                await asyncio.sleep(0.05)
        except OSError:
            pass
        return resp

    async def redirect(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        raise web.HTTPFound(f"/redirect/{n - 1}" if n > 0 else "/img.png")

    async def to(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["url"])

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="nope")

    async def lying(request: web.Request) -> web.Response:
        html = b"<!DOCTYPE html><html><body>Login required</body></html>"
        return web.Response(body=html, content_type="image/png")

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        server().paths.append(request.path)
        server().user_agents.append(request.headers.get("User-Agent", ""))
        server().cookies.append(request.headers.get("Cookie", ""))
        return await handler(request)

    app = web.Application(middlewares=[record])
    app.router.add_get("/img.png", image)
    app.router.add_get("/big", big)
    app.router.add_get("/trickle", trickle)
    app.router.add_get("/redirect/{n}", redirect)
    app.router.add_get("/to", to)
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/lying.png", lying)
    return app


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    holder: list[Server] = []
    runner = web.AppRunner(build_app(holder), shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    holder.append(Server(port=runner.addresses[0][1]))
    yield holder[0]
    holder[0].stop.set()
    await runner.cleanup()


LOCAL = FetchLimits(
    max_bytes=CAP, timeout_seconds=2.0, max_redirects=3, policy=AddressPolicy(("127.0.0.1",))
)


async def fails(url: str, limits: FetchLimits = LOCAL, **kw: object) -> SearchError:
    with pytest.raises(SearchError) as info:
        await fetch(url, limits, **kw)  # type: ignore[arg-type]
    return info.value


# --- success -----------------------------------------------------------------------------


async def test_fetches_an_image_with_our_user_agent(server: Server) -> None:
    assert await fetch(server.url("/img.png"), LOCAL) == IMAGE
    assert server.user_agents == [USER_AGENT]
    assert USER_AGENT.startswith("Mozilla/5.0 (compatible; qwen-image-search-bot")


async def test_shared_session_is_reused_and_keeps_no_cookies(server: Server) -> None:
    async with make_session(LOCAL) as session:
        for _ in range(3):
            assert await fetch(server.url("/img.png"), LOCAL, session) == IMAGE
        assert not session.closed
    assert server.paths == ["/img.png"] * 3
    assert server.cookies == ["", "", ""]  # one user's cookies never reach another's fetch


async def test_follows_redirects_up_to_the_limit(server: Server) -> None:
    # /redirect/2 → /redirect/1 → /redirect/0 → /img.png: three redirects, the limit.
    assert await fetch(server.url("/redirect/2"), LOCAL) == IMAGE
    assert server.paths == ["/redirect/2", "/redirect/1", "/redirect/0", "/img.png"]


# --- size and time -----------------------------------------------------------------------


@pytest.mark.parametrize("length", ["yes", "no"])
async def test_huge_body_is_refused_without_reading_it(server: Server, length: str) -> None:
    err = await fails(server.url(f"/big?length={length}&sig=SECRET"))
    assert err.code == ErrorCode.IMAGE_TOO_LARGE and "SECRET" not in err.detail
    await asyncio.wait_for(server.done.wait(), 10)
    # The client hung up: the server got stuck or reset long before sending 50 MB.
    assert server.sent < BIG // 2


async def test_body_that_never_ends_times_out(server: Server) -> None:
    limits = FetchLimits(max_bytes=CAP, timeout_seconds=1.0, policy=LOCAL.policy)
    started = time.monotonic()
    err = await fails(server.url("/trickle"), limits)
    assert err.code == ErrorCode.UNREACHABLE and err.retryable
    assert 0.9 < time.monotonic() - started < 5


# --- HTTP and connection errors ----------------------------------------------------------


async def test_404_is_unreachable_and_final(server: Server) -> None:
    err = await fails(server.url("/status/404?hm=SECRET"))
    assert err.code == ErrorCode.UNREACHABLE and not err.retryable
    assert "404" in err.detail and "/status/404" in err.detail and "SECRET" not in err.detail


async def test_503_is_unreachable_and_retryable(server: Server) -> None:
    err = await fails(server.url("/status/503"))
    assert err.code == ErrorCode.UNREACHABLE and err.retryable and "503" in err.detail


async def test_connection_refused_is_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    err = await fails(f"http://127.0.0.1:{port}/a.png?sig=SECRET")
    assert err.code == ErrorCode.UNREACHABLE and "SECRET" not in err.detail


async def test_redirect_without_location(server: Server) -> None:
    err = await fails(server.url("/status/302"))
    assert err.code == ErrorCode.UNREACHABLE and not err.retryable and "redirect" in err.detail


async def test_too_many_redirects(server: Server) -> None:
    err = await fails(server.url("/redirect/3"))  # four redirects
    assert err.code == ErrorCode.UNREACHABLE and not err.retryable and "redirect" in err.detail
    assert "/img.png" not in server.paths and len(server.paths) == 4


# --- the guard ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://127.0.0.2:{port}/"],
)
async def test_redirect_into_private_network_is_blocked(server: Server, target: str) -> None:
    err = await fails(server.url("/to?url=" + target.format(port=server.port)))
    assert err.code == ErrorCode.BLOCKED_ADDRESS
    assert server.paths == ["/to"]


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://example.com/a.png"])
async def test_redirect_to_another_scheme_is_a_bad_link(server: Server, target: str) -> None:
    assert (await fails(server.url("/to?url=" + target))).code == ErrorCode.BAD_LINK


async def test_loopback_with_default_policy_is_blocked(server: Server) -> None:
    err = await fails(server.url("/img.png"), FetchLimits())
    assert err.code == ErrorCode.BLOCKED_ADDRESS and server.paths == []


async def test_name_resolving_to_loopback_is_blocked(server: Server) -> None:
    # "localhost" passes check_url (it is a name); the resolver drops 127.0.0.1 and ::1.
    err = await fails(server.url("/img.png", host="localhost"), FetchLimits())
    assert err.code == ErrorCode.BLOCKED_ADDRESS and server.paths == []


async def test_each_redirect_hop_is_resolved_through_the_guard(server: Server) -> None:
    stub = StubResolver({"good.test": ["127.0.0.1"], "evil.test": ["10.1.2.3"]})
    async with make_session(LOCAL, resolver=stub) as session:
        good = server.url("/img.png", host="good.test")
        assert await fetch(server.url("/to?url=" + good), LOCAL, session) == IMAGE
        evil = server.url("/img.png", host="evil.test")
        err = await fails(server.url("/to?url=" + evil), session=session)
    assert err.code == ErrorCode.BLOCKED_ADDRESS and "evil.test" in err.detail
    assert stub.asked == ["good.test", "evil.test"]
    assert server.paths == ["/to", "/img.png", "/to"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://x/a.png", "javascript:alert(1)"])
async def test_other_schemes_are_bad_links(url: str) -> None:
    assert (await fails(url)).code == ErrorCode.BAD_LINK


class StubResolver(AbstractResolver):
    """DNS answers from a table, in the given order."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        return [
            ResolveResult(
                hostname=host,
                host=ip,
                port=port,
                family=socket.AF_INET6 if ":" in ip else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for ip in self.table[host]
        ]

    async def close(self) -> None:
        pass


async def test_resolver_keeps_only_allowed_addresses() -> None:
    stub = StubResolver({"mixed.test": ["10.0.0.1", "93.184.216.34", "::1", "2606:4700::1"]})
    guarded = GuardedResolver(AddressPolicy(), stub)
    kept = await guarded.resolve("mixed.test", 443)
    assert [r["host"] for r in kept] == ["93.184.216.34", "2606:4700::1"]
    assert all(r["port"] == 443 for r in kept)


async def test_resolver_refuses_when_nothing_is_left() -> None:
    guarded = GuardedResolver(AddressPolicy(), StubResolver({"meta.test": ["169.254.169.254"]}))
    with pytest.raises(SearchError) as info:
        await guarded.resolve("meta.test", 80)
    assert info.value.code == ErrorCode.BLOCKED_ADDRESS


async def test_allowed_name_reaches_private_addresses() -> None:
    stub = StubResolver({"cdn.lan": ["10.0.0.7"]})
    guarded = GuardedResolver(AddressPolicy(("cdn.lan",)), stub)
    assert [r["host"] for r in await guarded.resolve("cdn.lan", 80)] == ["10.0.0.7"]


async def test_connection_goes_to_the_checked_address(server: Server) -> None:
    """A second server on 127.0.0.2 (same port) answers with other bytes.

    The stub lists 127.0.0.2 first; only 127.0.0.1 is allowed. Had the guard checked a name
    and let the connector use any address, the request would land on 127.0.0.2.
    """
    decoy = web.Application()

    async def wrong(request: web.Request) -> web.Response:
        return web.Response(body=b"WRONG SERVER")

    decoy.router.add_get("/img.png", wrong)
    runner = web.AppRunner(decoy, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.2", server.port).start()
    except OSError:
        await runner.cleanup()
        pytest.skip("cannot bind 127.0.0.2 here")
    try:
        stub = StubResolver({"images.test": ["127.0.0.2", "127.0.0.1"]})
        async with make_session(LOCAL, resolver=stub) as session:
            url = server.url("/img.png", host="images.test")
            assert await fetch(url, LOCAL, session) == IMAGE
            # Control: the same stub without the guard reaches the decoy.
            async with (
                aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=stub)) as raw,
                raw.get(url) as resp,
            ):
                assert await resp.read() == b"WRONG SERVER"
    finally:
        await runner.cleanup()


# --- load_image --------------------------------------------------------------------------


async def test_load_image_from_a_link(server: Server) -> None:
    p = await load_image(server.url("/img.png"), LOCAL)
    assert (p.data, p.mime, p.width, p.height) == (IMAGE, "image/png", 64, 48)


async def test_content_type_is_not_trusted(server: Server) -> None:
    with pytest.raises(SearchError) as info:
        await load_image(server.url("/lying.png"), LOCAL)
    assert info.value.code == ErrorCode.NOT_AN_IMAGE


async def test_load_image_from_bytes_and_a_file(tmp_path: Path) -> None:
    path = tmp_path / "pic.png"
    path.write_bytes(IMAGE)
    for source in (IMAGE, path, str(path)):
        p = await load_image(source, LOCAL)
        assert p.data == IMAGE and p.original_format == "png"


async def test_load_image_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SearchError) as info:
        await load_image(str(tmp_path / "nope.png"), LOCAL)
    assert info.value.code == ErrorCode.NOT_AN_IMAGE and "no such file" in info.value.detail


async def test_load_image_refuses_a_big_file_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.png"
    with path.open("wb") as f:
        f.truncate(BIG)  # sparse: no disk used
    monkeypatch.setattr(Path, "open", lambda *a, **k: pytest.fail("opened the file"))
    with pytest.raises(SearchError) as info:
        await load_image(path, LOCAL)
    assert info.value.code == ErrorCode.IMAGE_TOO_LARGE


@pytest.mark.parametrize("source", ["file:///etc/passwd", "ftp://example.com/a.png"])
async def test_load_image_refuses_other_schemes(source: str) -> None:
    with pytest.raises(SearchError) as info:
        await load_image(source, LOCAL)
    assert info.value.code == ErrorCode.BAD_LINK


async def test_normalise_runs_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    real = bot.images.normalise

    def spy(data: bytes) -> bot.images.PreparedImage:
        threads.append(threading.get_ident())
        return real(data)

    monkeypatch.setattr(bot.images, "normalise", spy)
    await load_image(IMAGE, LOCAL)
    assert threads and threads[0] != threading.get_ident()


def test_limits_from_settings() -> None:
    settings = load_settings(
        {
            "IMAGE_FETCH_ALLOWED_HOSTS": "127.0.0.1, 10.0.0.0/8, cdn.lan",
            "IMAGE_MAX_DOWNLOAD_BYTES": "2048",
            "IMAGE_FETCH_TIMEOUT_SECONDS": "7.5",
            "IMAGE_MAX_REDIRECTS": "1",
        },
        dotenv_path=None,
    )
    limits = FetchLimits.from_settings(settings)
    assert (limits.max_bytes, limits.timeout_seconds, limits.max_redirects) == (2048, 7.5, 1)
    assert limits.policy == AddressPolicy(("127.0.0.1", "10.0.0.0/8", "cdn.lan"))
    assert not limits.policy.is_blocked("10.9.9.9") and limits.policy.is_blocked("192.168.0.1")
