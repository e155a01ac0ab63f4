"""Settings: the only code that reads the environment (and `.env`, through python-dotenv).

Every setting is parsed up front; all problems are reported together in one `SettingsError`
that names each variable and how to fix it. Secrets are `Secret` values whose repr never shows
them, so a settings object can be logged or printed safely.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeVar

from dotenv import dotenv_values

DEFAULT_DASHSCOPE_BASE_URL = (
    "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1"
)
DEFAULT_DISCORD_API_URL = "https://discord.com/api/v10"
DEFAULT_DISCORD_GATEWAY_URL = "wss://gateway.discord.gg"
DEFAULT_DISCORD_CDN_URL = "https://cdn.discordapp.com"
DEFAULT_DATABASE_URL = "sqlite:///data/bot.sqlite3"

T = TypeVar("T")


class Secret:
    """A string that never shows itself in repr/str (logs, tracebacks, error messages)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class SettingsError(Exception):
    """One message naming every bad or missing variable, and how to fix each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"The bot's settings need attention (environment variables or .env):\n{lines}"
        )


@dataclass(frozen=True, slots=True)
class Settings:
    # Discord
    discord_token: Secret | None
    discord_api_url: str
    discord_gateway_url: str
    discord_cdn_url: str
    command_prefix: str
    search_reaction: str
    edit_interval_seconds: float
    # DashScope
    dashscope_api_key: Secret | None
    dashscope_base_url: str
    dashscope_model: str
    dashscope_timeout_seconds: float
    dashscope_stall_seconds: float
    dashscope_max_retries: int
    dashscope_thinking: bool
    price_per_1000_searches: float
    max_concurrent_searches: int
    bot_instance: str
    history_purge_hours: float
    # Images
    image_fetch_allowed_hosts: tuple[str, ...]
    image_max_download_bytes: int
    image_fetch_timeout_seconds: float
    image_max_redirects: int
    # Storage and logs
    database_url: str
    data_dir: str
    log_level: str

    def secrets(self) -> list[str]:
        """The secret values, for the log filter that masks them."""
        return [s.get() for s in (self.discord_token, self.dashscope_api_key) if s is not None]

    def require(self, *names: str) -> None:
        """Fail fast when a feature needs settings that are not set (e.g. the API key)."""
        problems = [_MISSING_HINTS[n] for n in names if getattr(self, _FIELD_OF[n]) is None]
        if problems:
            raise SettingsError(problems)


_MISSING_HINTS = {
    "DISCORD_TOKEN": "DISCORD_TOKEN is not set: put your bot token from the Discord developer "
    "portal (Applications → your app → Bot → Reset Token) in .env as DISCORD_TOKEN=...",
    "DASHSCOPE_API_KEY": "DASHSCOPE_API_KEY is not set: create a key in Alibaba Cloud Model "
    "Studio (the key's region must match DASHSCOPE_BASE_URL) and put it in .env as "
    "DASHSCOPE_API_KEY=sk-...",
}
_FIELD_OF = {"DISCORD_TOKEN": "discord_token", "DASHSCOPE_API_KEY": "dashscope_api_key"}


class _Reader:
    """Reads and validates variables, collecting every problem instead of stopping at one."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def raw(self, name: str) -> str | None:
        value = self.env.get(name)
        return value.strip() if value is not None and value.strip() else None

    def text(self, name: str, default: str) -> str:
        return self.raw(name) or default

    def secret(self, name: str) -> Secret | None:
        value = self.raw(name)
        return Secret(value) if value else None

    def url(self, name: str, default: str, schemes: tuple[str, ...]) -> str:
        value = self.text(name, default).rstrip("/")
        if not value.startswith(tuple(s + "://" for s in schemes)):
            self.problems.append(f"{name} must be a {' or '.join(schemes)} URL, like {default!r}")
        return value

    def number(
        self,
        name: str,
        default: T,
        parse: Callable[[str], T],
        lo: float,
        hi: float,
    ) -> T:
        value = self.raw(name)
        if value is None:
            return default
        try:
            parsed = parse(value)
            if not lo <= float(parsed) <= hi:  # type: ignore[arg-type]
                raise ValueError
        except ValueError:
            kind = "a whole number" if parse is int else "a number"
            self.problems.append(f"{name} must be {kind} from {lo:g} to {hi:g} (got {value!r})")
            return default
        return parsed

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        self.problems.append(f"{name} must be true or false (got {value!r})")
        return default

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.text(name, default).upper()
        if value not in allowed:
            self.problems.append(f"{name} must be one of {', '.join(allowed)} (got {value!r})")
            return default
        return value

    def items(self, name: str) -> tuple[str, ...]:
        value = self.raw(name) or ""
        return tuple(part.strip() for part in value.split(",") if part.strip())


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = ".env"
) -> Settings:
    """Read settings from `environ` (default: the process environment) over `.env`.

    Real environment variables win over `.env`, as operators expect.
    """
    env: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        env.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    env.update(os.environ if environ is None else environ)
    r = _Reader(env)
    settings = Settings(
        discord_token=r.secret("DISCORD_TOKEN"),
        discord_api_url=r.url("DISCORD_API_URL", DEFAULT_DISCORD_API_URL, ("https", "http")),
        discord_gateway_url=r.url(
            "DISCORD_GATEWAY_URL", DEFAULT_DISCORD_GATEWAY_URL, ("wss", "ws")
        ),
        discord_cdn_url=r.url("DISCORD_CDN_URL", DEFAULT_DISCORD_CDN_URL, ("https", "http")),
        command_prefix=r.text("COMMAND_PREFIX", "!"),
        search_reaction=r.text("SEARCH_REACTION", "🔍"),
        edit_interval_seconds=r.number("EDIT_INTERVAL_SECONDS", 1.0, float, 0.2, 60),
        dashscope_api_key=r.secret("DASHSCOPE_API_KEY"),
        dashscope_base_url=r.url(
            "DASHSCOPE_BASE_URL", DEFAULT_DASHSCOPE_BASE_URL, ("https", "http")
        ),
        dashscope_model=r.text("DASHSCOPE_MODEL", "qwen3.5-plus"),
        dashscope_timeout_seconds=r.number("DASHSCOPE_TIMEOUT_SECONDS", 180.0, float, 5, 3600),
        dashscope_stall_seconds=r.number("DASHSCOPE_STALL_SECONDS", 90.0, float, 0.1, 3600),
        dashscope_max_retries=r.number("DASHSCOPE_MAX_RETRIES", 2, int, 0, 10),
        dashscope_thinking=r.flag("DASHSCOPE_THINKING", True),
        price_per_1000_searches=r.number("PRICE_PER_1000_SEARCHES", 48.0, float, 0, 1e6),
        max_concurrent_searches=r.number("MAX_CONCURRENT_SEARCHES", 4, int, 1, 1000),
        bot_instance=r.text("BOT_INSTANCE", ""),
        history_purge_hours=r.number("HISTORY_PURGE_HOURS", 6.0, float, 0.01, 24 * 30),
        image_fetch_allowed_hosts=r.items("IMAGE_FETCH_ALLOWED_HOSTS"),
        image_max_download_bytes=r.number(
            "IMAGE_MAX_DOWNLOAD_BYTES", 25 * 1024 * 1024, int, 1024, 500 * 1024 * 1024
        ),
        image_fetch_timeout_seconds=r.number("IMAGE_FETCH_TIMEOUT_SECONDS", 15.0, float, 1, 300),
        image_max_redirects=r.number("IMAGE_MAX_REDIRECTS", 3, int, 0, 10),
        database_url=r.text("DATABASE_URL", DEFAULT_DATABASE_URL),
        data_dir=r.text("DATA_DIR", "data"),
        log_level=r.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
    )
    for entry in settings.image_fetch_allowed_hosts:
        if "/" in entry or entry.replace(".", "").isdigit() or ":" in entry:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                r.problems.append(
                    f"IMAGE_FETCH_ALLOWED_HOSTS has {entry!r}, which is not an address or CIDR "
                    "(e.g. 10.0.0.0/8)"
                )
    if not settings.search_reaction:
        r.problems.append("SEARCH_REACTION must be an emoji, like 🔍")
    if r.problems:
        raise SettingsError(r.problems)
    return settings


def setting_names() -> list[str]:
    """The environment variable of every field, for docs and the .env.example check."""
    return [f.name.upper() for f in fields(Settings)]
