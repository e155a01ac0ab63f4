"""Rate-limit buckets and fault injection of the fake Discord REST API.

Buckets are fixed windows that open with their first request, like Discord's: `limit`
requests per `per` seconds per bucket and major parameter (channel, webhook token). Every
answer carries `X-RateLimit-*` headers describing the bucket's real state, so a client that
honours them (discord.py does) never gets a 429 from a single process. A 429 carries
`Via: 1.1 google` and a JSON body, which discord.py requires before it retries.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class BucketSpec:
    name: str
    limit: int
    per: float

    @property
    def hash(self) -> str:
        return hashlib.sha1(self.name.encode()).hexdigest()[:32]


CHANNEL_MESSAGES = BucketSpec("channel-messages", 5, 5.0)
WEBHOOK = BucketSpec("webhook", 5, 2.0)
REACTIONS = BucketSpec("reactions", 1, 0.25)
INTERACTION_CALLBACK = BucketSpec("interaction-callback", 50, 1.0)
DEFAULT = BucketSpec("default", 50, 1.0)
GLOBAL_LIMIT = 50  # requests per second per bot (interaction endpoints exempt)


def _ceil_ms(value: float) -> float:
    return max(math.ceil(value * 1000) / 1000, 0.001)


@dataclass
class _Window:
    opened_at: float = -math.inf
    count: int = 0


@dataclass
class Verdict:
    allowed: bool
    headers: dict[str, str]
    retry_after: float = 0.0
    is_global: bool = False

    def body(self) -> dict[str, Any]:
        return {
            "message": "You are being rate limited.",
            "retry_after": self.retry_after,
            "global": self.is_global,
        }


def too_many_headers(retry_after: float, *, is_global: bool = False) -> dict[str, str]:
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Scope": "global" if is_global else "user",
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    return headers


class RateLimiter:
    """Decides whether a request fits its bucket, and what headers describe the bucket."""

    def __init__(
        self,
        *,
        enabled: bool,
        window_scale: float = 1.0,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.enabled = enabled
        self.window_scale = window_scale
        self._wall_clock = wall_clock
        self._windows: dict[tuple[str, str], _Window] = {}
        self._global = _Window()

    def check(self, spec: BucketSpec, major: str, *, counts_globally: bool) -> Verdict:
        now = time.monotonic()
        per = spec.per * self.window_scale
        if not self.enabled:
            return Verdict(True, self._headers(spec, spec.limit - 1, per))
        if counts_globally:
            global_per = self.window_scale
            if now - self._global.opened_at >= global_per:
                self._global = _Window(now, 0)
            if self._global.count >= GLOBAL_LIMIT:
                retry = _ceil_ms(self._global.opened_at + global_per - now)
                return Verdict(
                    False, too_many_headers(retry, is_global=True), retry, is_global=True
                )
        window = self._windows.setdefault((spec.name, major), _Window())
        if now - window.opened_at >= per:
            window.opened_at, window.count = now, 0
        reset_after = window.opened_at + per - now
        if window.count >= spec.limit:
            retry = _ceil_ms(reset_after)
            headers = self._headers(spec, 0, reset_after) | too_many_headers(retry)
            return Verdict(False, headers, retry)
        window.count += 1
        if counts_globally:
            self._global.count += 1
        return Verdict(True, self._headers(spec, spec.limit - window.count, reset_after))

    def _headers(self, spec: BucketSpec, remaining: int, reset_after: float) -> dict[str, str]:
        reset_after = _ceil_ms(reset_after)
        return {
            "X-RateLimit-Limit": str(spec.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{self._wall_clock() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": spec.hash,
        }


@dataclass
class Fault:
    """An injected failure for the next `count` requests matching method and route prefix."""

    method: str
    route_prefix: str
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    count: int = 1

    def matches(self, method: str, template: str, path: str) -> bool:
        if self.method not in ("*", method):
            return False
        return template.startswith(self.route_prefix) or path.startswith(self.route_prefix)

    def answer(self) -> tuple[Any, dict[str, str]]:
        """Body and headers; a 429 gets discord.py-compatible defaults (`Via`, JSON body)."""
        body = self.body
        headers = dict(self.headers)
        if self.status == 429:
            if body is None:
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": 0.05,
                    "global": False,
                }
            if isinstance(body, Mapping):
                retry = float(body.get("retry_after", 0.05))
                defaults = too_many_headers(retry, is_global=bool(body.get("global")))
                headers = defaults | headers
        elif body is None:
            body = {"message": f"{self.status}: fault injected by the test", "code": 0}
        return body, headers
