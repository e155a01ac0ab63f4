"""Download a user's image link with limits: SSRF guard, redirects, size cap, one deadline."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

from bot.images.guard import AddressPolicy, check_url, redact
from bot.search.errors import ErrorCode, SearchError

if TYPE_CHECKING:
    from bot.config import Settings

USER_AGENT = "Mozilla/5.0 (compatible; qwen-image-search-bot/0.1; Discord bot)"
_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "image/*,*/*;q=0.5",
    # Compressed bodies would make Content-Length say nothing about the real size.
    "Accept-Encoding": "identity",
}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRYABLE_STATUS = frozenset({408, 425, 429})
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchLimits:
    max_bytes: int = 25 * 1024 * 1024
    timeout_seconds: float = 15.0  # the whole download, redirects included
    max_redirects: int = 3
    policy: AddressPolicy = field(default_factory=AddressPolicy)

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchLimits:
        return cls(
            max_bytes=settings.image_max_download_bytes,
            timeout_seconds=settings.image_fetch_timeout_seconds,
            max_redirects=settings.image_max_redirects,
            policy=AddressPolicy(settings.image_fetch_allowed_hosts),
        )


class GuardedResolver(AbstractResolver):
    """Drops blocked addresses after DNS, so aiohttp connects only to addresses we checked.

    Checking a name and then letting the connector resolve it again would let a DNS answer
    change in between (rebinding); filtering here leaves no second lookup.
    """

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        # The system resolver (getaddrinfo, /etc/hosts); it holds nothing that needs closing,
        # which matters because a connector does not close a resolver it was given.
        self._inner = inner if inner is not None else ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        kept = [r for r in found if not self._policy.is_blocked(r["host"], host=host)]
        if not kept:
            raise SearchError(ErrorCode.BLOCKED_ADDRESS, f"{host} resolves to a private address")
        return kept

    async def close(self) -> None:
        await self._inner.close()


def make_session(
    limits: FetchLimits, resolver: AbstractResolver | None = None
) -> aiohttp.ClientSession:
    """A session whose every connection goes through the guard; call inside a running loop.

    `resolver` replaces the system DNS lookup (tests); the guard still wraps it.
    """
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(limits.policy, resolver),
        limit_per_host=4,
    )
    return aiohttp.ClientSession(
        connector=connector,
        # An environment proxy would resolve names itself, past the guard.
        trust_env=False,
        # One session serves every user: cookies set for one must not go out with another's.
        cookie_jar=aiohttp.DummyCookieJar(),
    )


async def fetch(
    url: str, limits: FetchLimits, session: aiohttp.ClientSession | None = None
) -> bytes:
    """The body of `url`, at most `limits.max_bytes`; raises SearchError on every failure.

    A shared `session` must come from `make_session`, or host names escape the guard.
    """
    check_url(url, limits.policy)  # a bad link fails before any session or socket exists
    if session is None:
        async with make_session(limits) as own:
            return await _fetch(url, limits, own)
    return await _fetch(url, limits, session)


async def _fetch(url: str, limits: FetchLimits, session: aiohttp.ClientSession) -> bytes:
    current = check_url(url, limits.policy)
    shown = redact(current)
    try:
        async with asyncio.timeout(limits.timeout_seconds):
            for _hop in range(limits.max_redirects + 1):
                async with session.get(current, allow_redirects=False, headers=_HEADERS) as resp:
                    if resp.status in _REDIRECTS:
                        current = _next_hop(resp, limits.policy)
                        shown = redact(current)
                        continue
                    if not 200 <= resp.status < 300:
                        raise SearchError(
                            ErrorCode.UNREACHABLE,
                            f"HTTP {resp.status} from {shown}",
                            retryable=resp.status >= 500 or resp.status in _RETRYABLE_STATUS,
                        )
                    return await _read_capped(resp, limits.max_bytes, shown)
    except TimeoutError:
        raise SearchError(
            ErrorCode.UNREACHABLE, f"download took over {limits.timeout_seconds:g}s: {shown}"
        ) from None
    except aiohttp.InvalidURL:
        raise SearchError(ErrorCode.BAD_LINK, f"invalid link: {shown}") from None
    except aiohttp.ClientError as exc:
        # The exception's text may quote the full URL, so only its type is kept.
        raise SearchError(ErrorCode.UNREACHABLE, f"{type(exc).__name__}: {shown}") from None
    raise SearchError(
        ErrorCode.UNREACHABLE, f"more than {limits.max_redirects} redirects", retryable=False
    )


def _next_hop(resp: aiohttp.ClientResponse, policy: AddressPolicy) -> URL:
    location = resp.headers.get("Location")
    if not location:
        detail = f"redirect without a target: {redact(resp.url)}"
        raise SearchError(ErrorCode.UNREACHABLE, detail, retryable=False)
    try:
        target = resp.url.join(URL(location))
    except (ValueError, TypeError):
        raise SearchError(ErrorCode.BAD_LINK, "redirect to an unparseable link") from None
    # Scheme and literal IPs are checked here; host names by GuardedResolver on connect.
    return check_url(target, policy)


async def _read_capped(resp: aiohttp.ClientResponse, max_bytes: int, shown: str) -> bytes:
    too_large = SearchError(ErrorCode.IMAGE_TOO_LARGE, f"over {max_bytes} bytes: {shown}")
    if resp.content_length is not None and resp.content_length > max_bytes:
        resp.close()  # drop the connection rather than drain the body
        raise too_large
    body = bytearray()
    async for chunk in resp.content.iter_chunked(_CHUNK):
        body += chunk
        if len(body) > max_bytes:
            resp.close()
            raise too_large
    return bytes(body)
