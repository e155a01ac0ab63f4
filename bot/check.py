"""`python -m bot check`: is this deployment ready? One line per check, with what to fix.

Checks, in order: the settings; the Discord token (`GET /users/@me`); the application and its
Message Content intent (`GET /applications/@me` flags); DashScope with the key and model (the
cheapest request there is: no tool, a few output tokens); the database URL and the data
directory. Discord and DashScope are asked at the same time. Secrets are never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import aiohttp
import openai

from bot.config import Settings, SettingsError, load_settings
from bot.search.errors import ErrorCode, SearchError
from bot.search.stream import classify, map_exception
from bot.store import Store

EXIT_OK, EXIT_FAILED, EXIT_SETTINGS = 0, 1, 2
EPILOG = """\
exit status:
  0  every check passed (warnings allowed: the bot can run)
  1  at least one check failed (✗): the bot would not work as configured
  2  the settings are unusable (a variable is missing or malformed)"""

# Application flags (Discord developer docs, "Application flags").
GATEWAY_MESSAGE_CONTENT = 1 << 18
GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19

DISCORD_TIMEOUT = aiohttp.ClientTimeout(total=15, connect=10)
DASHSCOPE_TIMEOUT_SECONDS = 30.0
USER_AGENT = "DiscordBot (qwen-image-search-bot check, 0.1)"
PING_PROMPT = "Reply with the single word OK."
PING_MAX_OUTPUT_TOKENS = 16  # the smallest value OpenAI-compatible servers commonly accept
REFUSED_TOKEN_FIX = (
    "the token was refused: reset it in the developer portal → Bot (Applications → your app → "
    "Bot → Reset Token) and put the new one in DISCORD_TOKEN"
)


class Level(StrEnum):
    OK = "✓"
    WARN = "⚠"
    FAIL = "✗"
    SKIP = "-"


@dataclass(frozen=True, slots=True)
class Finding:
    """The outcome of one check: what was found, and what to do about it."""

    name: str
    level: Level
    found: str
    fix: str = ""


# ------------------------------------------------------------------ Discord


@dataclass(frozen=True, slots=True)
class RestAnswer:
    """One Discord REST answer; `status` 0 means no answer at all (`error` says why)."""

    status: int
    body: Any = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and isinstance(self.body, dict)


@asynccontextmanager
async def discord_session(settings: Settings) -> AsyncIterator[aiohttp.ClientSession]:
    """A session that authenticates as the bot, with timeouts."""
    assert settings.discord_token is not None
    headers = {"Authorization": f"Bot {settings.discord_token.get()}", "User-Agent": USER_AGENT}
    async with aiohttp.ClientSession(headers=headers, timeout=DISCORD_TIMEOUT) as session:
        yield session


async def discord_get(session: aiohttp.ClientSession, settings: Settings, path: str) -> RestAnswer:
    """GET `{DISCORD_API_URL}{path}`; never raises for network or HTTP failures."""
    try:
        async with session.get(settings.discord_api_url + path) as response:
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
            return RestAnswer(response.status, body)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return RestAnswer(0, error=type(exc).__name__ + (f": {exc}" if str(exc) else ""))


def rest_failure(name: str, answer: RestAnswer, settings: Settings) -> Finding:
    """A finding for a Discord answer that is not a 200 with a JSON object."""
    if answer.status == 401:
        return Finding(name, Level.FAIL, "Discord answered 401 Unauthorized", REFUSED_TOKEN_FIX)
    host = urlsplit(settings.discord_api_url).netloc
    if answer.status == 0:
        return Finding(
            name,
            Level.FAIL,
            f"could not reach {host} ({answer.error})",
            "check DISCORD_API_URL and this machine's network",
        )
    message = answer.body.get("message") if isinstance(answer.body, dict) else None
    fix = "check DISCORD_API_URL (it should end in /api/v10)"
    if answer.status == 429:
        fix = "Discord is rate limiting this IP or token: wait a few minutes and try again"
    return Finding(name, Level.FAIL, f"Discord answered HTTP {answer.status}: {message}", fix)


def intent_finding(flags: int, application_id: str) -> Finding:
    """Is the privileged Message Content intent switched on for the application?"""
    name = "Message Content"
    if flags & GATEWAY_MESSAGE_CONTENT:
        return Finding(name, Level.OK, "intent granted")
    if flags & GATEWAY_MESSAGE_CONTENT_LIMITED:
        return Finding(name, Level.OK, "intent enabled (fine while the bot is in < 100 servers)")
    return Finding(
        name,
        Level.WARN,
        "intent not enabled: /search and Apps → Search image work, the reaction trigger "
        "and the text command cannot see images",
        f"switch it on at https://discord.com/developers/applications/{application_id}/bot "
        "→ Privileged Gateway Intents → Message Content Intent",
    )


async def check_discord(settings: Settings) -> list[Finding]:
    """Who the token belongs to, which application, and whether Message Content is granted."""
    async with discord_session(settings) as session:
        me = await discord_get(session, settings, "/users/@me")
        if not me.ok:
            skipped = "skipped (the token check failed)"
            return [
                rest_failure("Discord token", me, settings),
                Finding("Discord application", Level.SKIP, skipped),
                Finding("Message Content", Level.SKIP, skipped),
            ]
        user = f"{me.body.get('username')} (user id {me.body.get('id')})"
        findings = [Finding("Discord token", Level.OK, f"accepted: the bot is {user}")]
        app = await discord_get(session, settings, "/applications/@me")
    if not app.ok:
        return [
            *findings,
            rest_failure("Discord application", app, settings),
            Finding("Message Content", Level.SKIP, "skipped: the application was not read"),
        ]
    app_id = str(app.body.get("id"))
    servers = app.body.get("approximate_guild_count")
    where = ""
    if isinstance(servers, int):
        where = f", in {servers} server{'' if servers == 1 else 's'}"
    found = f"{app.body.get('name')} (application id {app_id}){where}"
    return [
        *findings,
        Finding("Discord application", Level.OK, found),
        intent_finding(flags if isinstance(flags := app.body.get("flags"), int) else 0, app_id),
    ]


# ------------------------------------------------------------------ DashScope


def dashscope_client(settings: Settings) -> openai.AsyncOpenAI:
    """A client for the check only: no retries, a short timeout (the bot's is generous)."""
    assert settings.dashscope_api_key is not None
    return openai.AsyncOpenAI(
        api_key=settings.dashscope_api_key.get(),
        base_url=settings.dashscope_base_url,
        max_retries=0,
        timeout=openai.Timeout(DASHSCOPE_TIMEOUT_SECONDS, connect=10.0),
    )


async def check_dashscope(settings: Settings) -> Finding:
    """The cheapest request that proves key, region, model and base URL: no image_search
    tool (each call is billed), no thinking, a few output tokens, not stored."""
    client = dashscope_client(settings)
    try:
        response: Any = await client.responses.create(
            model=settings.dashscope_model,
            input=PING_PROMPT,
            max_output_tokens=PING_MAX_OUTPUT_TOKENS,
            store=False,
            extra_body={"enable_thinking": False},
        )
    except Exception as exc:  # every SDK/transport failure is classified like a search's
        return dashscope_failure(map_exception(exc), settings)
    finally:
        await client.close()
    status = getattr(response, "status", None)
    if not isinstance(status, str):
        return Finding(
            "DashScope",
            Level.FAIL,
            "the answer is not a Responses API result",
            "check DASHSCOPE_BASE_URL: it should end in /compatible-mode/v1",
        )
    if status == "failed":
        error = getattr(response, "error", None)
        code, message = getattr(error, "code", None), getattr(error, "message", None)
        return dashscope_failure(SearchError(classify(code, message), str(code)), settings)
    usage = getattr(response, "usage", None)
    tokens = getattr(usage, "total_tokens", None)
    spent = f", {tokens} tokens" if isinstance(tokens, int) else ""
    model = getattr(response, "model", None) or settings.dashscope_model
    return Finding(
        "DashScope",
        Level.OK,
        f"key accepted; model {model} answered ({status}{spent}) at {_host(settings)}",
    )


def dashscope_failure(error: SearchError, settings: Settings) -> Finding:
    """Advice for a failed check request, by the search error code."""
    model, host = settings.dashscope_model, _host(settings)
    advice: dict[ErrorCode, tuple[Level, str, str]] = {
        ErrorCode.AUTH: (
            Level.FAIL,
            "the API key was refused",
            "check DASHSCOPE_API_KEY; a key works only in its own region, which must match "
            f"DASHSCOPE_BASE_URL (now {host}): dashscope.aliyuncs.com is Beijing, "
            "dashscope-intl.aliyuncs.com Singapore",
        ),
        ErrorCode.QUOTA: (
            Level.FAIL,
            "the account is in arrears or out of quota",
            "top up or check billing in the Alibaba Cloud console (Model Studio)",
        ),
        ErrorCode.ACCESS_DENIED: (
            Level.FAIL,
            f"the key may not use model {model}",
            "give the key's workspace access to the model in Model Studio, or change "
            "DASHSCOPE_MODEL",
        ),
        ErrorCode.MODEL_NOT_FOUND: (
            Level.FAIL,
            f"model {model} was not found",
            "set DASHSCOPE_MODEL to a model with image_search on the Responses API (e.g. "
            "qwen3.5-plus), and check that DASHSCOPE_BASE_URL ends in /compatible-mode/v1",
        ),
        ErrorCode.RATE_LIMITED: (
            Level.WARN,
            "DashScope is throttling requests right now (the key was not refused)",
            "run the check again in a minute",
        ),
    }
    if error.code in advice:
        level, found, fix = advice[error.code]
    elif error.code in (ErrorCode.TIMEOUT, ErrorCode.INTERRUPTED, ErrorCode.UNAVAILABLE):
        level, found = Level.FAIL, f"no answer from {host}"
        fix = "check DASHSCOPE_BASE_URL and the network; if DashScope is down, try later"
    else:
        level, found = Level.FAIL, "DashScope refused the test request"
        fix = "check DASHSCOPE_MODEL and DASHSCOPE_BASE_URL"
    detail = f" [{error.code.value}: {error.detail}]" if error.detail else f" [{error.code.value}]"
    return Finding("DashScope", level, found + detail, fix)


def _host(settings: Settings) -> str:
    return urlsplit(settings.dashscope_base_url).netloc


# ------------------------------------------------------------------ database and files


# The schemes bot/store accepts (it adds the async driver itself).
SQLITE_SCHEMES = ("sqlite", "sqlite+aiosqlite")
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+asyncpg")


async def check_database(settings: Settings) -> Finding:
    """The URL, then the database itself: opened (its schema migrated, as the bot's start
    would) with a time limit. A SQLite file that does not exist yet is not created."""
    name = "Database"
    finding = _check_database_url(settings)
    if finding.level is not Level.OK or finding.found.endswith(_CREATED_LATER):
        return finding
    try:
        store = await asyncio.wait_for(Store.open(settings.database_url), DATABASE_TIMEOUT)
    except Exception as exc:  # any failure to connect is the finding itself
        reason = _redact_url_password(f"{type(exc).__name__}: {exc}", settings.database_url)
        return Finding(
            name, Level.FAIL, f"{finding.found}, but opening it failed: {reason}", _DB_FIX
        )
    await store.close()
    return Finding(name, Level.OK, f"{finding.found}: opened, schema up to date")


DATABASE_TIMEOUT = 15.0
_CREATED_LATER = "(created on first start)"


def _redact_url_password(message: str, url: str) -> str:
    password = urlsplit(url).password
    return message.replace(password, "***") if password else message


def _check_database_url(settings: Settings) -> Finding:
    """The URL's scheme and, for SQLite, whether the file's directory can be written."""
    name, url = "Database", settings.database_url
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme in SQLITE_SCHEMES:
        path = rest.removeprefix("/") if rest.startswith("/") else ""
        if path in ("", ":memory:") or path.startswith("file:"):
            found = "SQLite needs a file path (in-memory databases are not supported)"
            return Finding(name, Level.FAIL, found, _DB_FIX)
        problem = _write_problem(Path(path), is_file=True)
        if problem:
            return Finding(name, Level.FAIL, f"SQLite file {_shown_path(path)}: {problem}", _DB_FIX)
        shown = _shown_path(path)
        if not Path(path).exists():
            return Finding(name, Level.OK, f"SQLite file {shown} can be written {_CREATED_LATER}")
        return Finding(name, Level.OK, f"SQLite file {shown}")
    if scheme in POSTGRES_SCHEMES:
        parts = urlsplit(url)
        if not parts.hostname and not parts.path.strip("/"):
            found = "the PostgreSQL URL names no host or database"
            return Finding(name, Level.FAIL, found, _DB_FIX)
        database = parts.path.strip("/") or "(default database)"
        return Finding(name, Level.OK, f"PostgreSQL {database} on {parts.hostname or 'the socket'}")
    shown = f"an unknown scheme ({scheme}://)" if rest else "no scheme"
    return Finding(name, Level.FAIL, f"DATABASE_URL has {shown}", _DB_FIX)


_DB_FIX = (
    "set DATABASE_URL to sqlite:///path/to/file.sqlite3 (relative) or sqlite:////absolute/path, "
    "or postgresql://user:password@host/database"
)


def check_data_dir(settings: Settings) -> Finding:
    """The bot writes small state files (the app-command digest) in DATA_DIR."""
    name, path = "Data directory", settings.data_dir
    problem = _write_problem(Path(path), is_file=False)
    if problem:
        return Finding(
            name, Level.FAIL, f"{_shown_path(path)}: {problem}", "set DATA_DIR to a writable one"
        )
    return Finding(name, Level.OK, f"{_shown_path(path)} can be written")


def _shown_path(path: str) -> str:
    """A relative path with where it points (relative to the bot's working directory)."""
    return path if Path(path).is_absolute() else f"{path} (= {Path(path).absolute()})"


def _write_problem(path: Path, *, is_file: bool) -> str:
    """Why `path` (a file, or a directory) could not be created or written; "" if it can.

    Nothing is created: a missing directory is fine when its nearest existing parent is
    writable."""
    if path.exists():
        if is_file and not path.is_file():
            return "exists and is not a file"
        if not is_file and not path.is_dir():
            return "exists and is not a directory"
        if not os.access(path, os.W_OK):
            return "is not writable by this user"
        if not is_file:
            return ""
    directory = path.parent if is_file else path
    existing = directory
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a directory"
    if not os.access(existing, os.W_OK | os.X_OK):
        what = "its directory" if existing == directory else f"{existing}"
        return f"{what} is not writable by this user"
    return ""


# ------------------------------------------------------------------ report


def mask(text: str, secrets: list[str]) -> str:
    """`text` with every secret replaced, whatever a server echoed back."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "********")
    return text


def format_report(findings: list[Finding], secrets: list[str]) -> str:
    width = max(len(f.name) for f in findings)
    lines = []
    for f in findings:
        lines.append(f"{f.level.value} {f.name.ljust(width)}  {f.found}")
        if f.fix:
            lines.append(f"  {' ' * width}  → {f.fix}")
    failed = sum(f.level is Level.FAIL for f in findings)
    warned = sum(f.level is Level.WARN for f in findings)
    if failed:
        lines.append(f"\n{failed} check(s) failed, {warned} warning(s): fix the ✗ lines above.")
    elif warned:
        lines.append(f"\nReady, with {warned} warning(s).")
    else:
        lines.append("\nReady: every check passed.")
    return mask("\n".join(lines), secrets)


def exit_status(findings: list[Finding]) -> int:
    return EXIT_FAILED if any(f.level is Level.FAIL for f in findings) else EXIT_OK


async def collect(settings: Settings) -> list[Finding]:
    """Every check after the settings; the network ones run at the same time."""
    discord, dashscope, database = await asyncio.gather(
        check_discord(settings), check_dashscope(settings), check_database(settings)
    )
    return [*discord, dashscope, database, check_data_dir(settings)]


def _sources() -> str:
    here = Path(".env").absolute()
    return f"environment and {here}" if here.is_file() else f"environment only: no {here}"


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Check the settings, the Discord token and application (Message Content intent), "
        "DashScope (key, region, model; one tiny request without the billed search tool), the "
        "database URL and the data directory. One line per check, with what to fix."
    )
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter


def run_check(
    args: argparse.Namespace,
    out: TextIO | None = None,
    err: TextIO | None = None,
    *,
    load: Callable[[], Settings] = load_settings,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        settings = load()
        settings.require("DISCORD_TOKEN", "DASHSCOPE_API_KEY")
    except SettingsError as exc:
        lines = [f"{Level.FAIL.value} Settings  unusable:"]
        lines += [f"    - {problem}" for problem in exc.problems]
        print("\n".join(lines), file=out)
        return EXIT_SETTINGS
    print("Checking Discord and DashScope…", file=err, flush=True)
    findings = [
        Finding("Settings", Level.OK, f"loaded ({_sources()})"),
        *asyncio.run(collect(settings)),
    ]
    print(format_report(findings, settings.secrets()), file=out)
    return exit_status(findings)
