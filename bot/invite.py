"""`python -m bot invite`: the link that adds the bot to a server, with exactly the permissions
it needs (`bot.permissions.NEEDED`). The application id comes from Discord with the token, or
from `--client-id` (then no token or network is needed)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TextIO
from urllib.parse import urlencode

from bot.check import discord_get, discord_session, rest_failure
from bot.config import Settings, SettingsError, load_settings
from bot.permissions import NEEDED, Permission, permissions_value

AUTHORIZE_URL = "https://discord.com/oauth2/authorize"
SCOPES = ("bot", "applications.commands")


def invite_url(client_id: int, permissions: int) -> str:
    query = urlencode(
        {"client_id": client_id, "scope": " ".join(SCOPES), "permissions": permissions}
    )
    return f"{AUTHORIZE_URL}?{query}"


def permission_lines(permissions: tuple[Permission, ...] = NEEDED) -> list[str]:
    width = max(len(p.label) for p in permissions)
    return [f"  {p.label.ljust(width)}  {p.why}" for p in permissions]


def _snowflake(value: str) -> int:
    if not value.isdigit() or not 15 <= len(value) <= 21:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an application id (the digits under Applications → your app → "
            "General Information → Application ID)"
        )
    return int(value)


def add_invite_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__
    parser.add_argument(
        "--client-id",
        type=_snowflake,
        help="the application id; without it, it is read from Discord with DISCORD_TOKEN",
    )


async def fetch_application_id(settings: Settings) -> tuple[int | None, str]:
    """(application id, its name) from `GET /applications/@me`, or (None, what went wrong)."""
    async with discord_session(settings) as session:
        answer = await discord_get(session, settings, "/applications/@me")
    if not answer.ok:
        finding = rest_failure("Discord application", answer, settings)
        return None, f"{finding.found}: {finding.fix}"
    app_id = str(answer.body.get("id"))
    if not app_id.isdigit():
        return None, "the answer holds no application id: check DISCORD_API_URL"
    return int(app_id), str(answer.body.get("name") or "")


def run_invite(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    client_id: int | None = args.client_id
    name = ""
    if client_id is None:
        try:
            settings = load_settings()
            settings.require("DISCORD_TOKEN")
        except SettingsError as exc:
            print(f"{exc}\n(or pass the application id with --client-id)", file=err)
            return 2
        client_id, name = asyncio.run(fetch_application_id(settings))
        if client_id is None:
            print(f"Could not read the application from Discord. {name}", file=err)
            print("(Or pass the application id with --client-id.)", file=err)
            return 1
    value = permissions_value()
    about = f" for {name}" if name else ""
    print(f"Invite link{about} (application id {client_id}):", file=out)
    print(invite_url(client_id, value), file=out)
    print(f"\nPermissions it asks for ({value}):", file=out)
    print("\n".join(permission_lines()), file=out)
    return 0
