"""The whole product under test: the real bot (discord.py) between the fake Discord and the
fake DashScope, plus small readers of what the fake Discord recorded."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image

from bot.app import ImageSearchBot
from bot.config import load_settings
from tests.fakes.dashscope import FakeDashScope
from tests.fakes.discord import FakeDiscord, point_discord_py_at

Json = dict[str, Any]


@dataclass
class Stack:
    discord: FakeDiscord
    dashscope: FakeDashScope
    bot: ImageSearchBot
    guild: int
    channel: int
    user: int

    def __iter__(self) -> Any:  # tests unpack the parts they need
        return iter((self.discord, self.dashscope, self.bot, self.guild, self.channel, self.user))


def png_bytes(
    size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (200, 40, 40)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


@contextlib.asynccontextmanager
async def running_stack(
    tmp_path: Any,
    *,
    message_content: bool = True,
    fake_options: Mapping[str, Any] | None = None,
    bot_options: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> AsyncIterator[Stack]:
    fake = FakeDiscord(
        rate_limit_window_scale=0.1, message_content_granted=message_content, **(fake_options or {})
    )
    async with FakeDashScope() as dashscope, fake as discord:
        guild = discord.add_guild("Test server")
        channel = discord.add_channel(guild, "general")
        user = discord.add_user("alice")
        discord.add_member(guild, user)
        settings = load_settings(
            {
                "DISCORD_TOKEN": discord.token,
                "DISCORD_API_URL": discord.api_url,
                "DISCORD_GATEWAY_URL": discord.gateway_url,
                "DISCORD_CDN_URL": discord.cdn_url,
                "DASHSCOPE_API_KEY": "sk-e2e-test-123456",
                "DASHSCOPE_BASE_URL": dashscope.base_url,
                "IMAGE_FETCH_ALLOWED_HOSTS": "127.0.0.1",
                "EDIT_INTERVAL_SECONDS": "0.2",
                "DATA_DIR": str(tmp_path),
                "DATABASE_URL": f"sqlite:///{tmp_path}/bot.sqlite3",
                **(environ or {}),
            },
            dotenv_path=None,
        )
        with point_discord_py_at(discord):
            bot = ImageSearchBot(settings, message_content=message_content, **(bot_options or {}))
            task = asyncio.create_task(bot.start(discord.token))
            await asyncio.wait_for(bot.wait_until_ready(), 15)
            # Tests search many times in a row; the quota tests set their own limits.
            await bot.store.update_guild_settings(guild, member_cooldown_seconds=0)
            try:
                yield Stack(discord, dashscope, bot, guild, channel, user)
            finally:
                await bot.close()
                await asyncio.gather(task, return_exceptions=True)


def last_embed_title(message: Json | None) -> str | None:
    embeds = (message or {}).get("embeds") or []
    return embeds[-1].get("title") if embeds else None


def final_title(discord: FakeDiscord, interaction: Any, title: str) -> Callable[[], bool]:
    """A condition: the interaction's original message ends with an embed titled `title`."""
    return lambda: last_embed_title(discord.original_message(interaction)) == title


def bot_reply_titled(discord: FakeDiscord, channel: int, title: str) -> Callable[[], bool]:
    """A condition: some bot message in `channel` ends with an embed titled `title`."""
    return lambda: any(last_embed_title(m) == title for m in discord.bot_messages(channel))


def button_ids(message: Json, prefix: str) -> list[str]:
    return [
        c["custom_id"]
        for row in message.get("components") or []
        for c in row["components"]
        if c.get("custom_id", "").startswith(prefix)
    ]


def assert_no_mentions_anywhere(discord: FakeDiscord) -> None:
    """Every message the bot created or edited carried `allowed_mentions` that ping no one."""
    writes = [
        c for c in discord.calls if c.method in ("POST", "PATCH") and isinstance(c.json, dict)
    ]
    assert writes
    for call in writes:
        payload = call.json.get("data", call.json)
        if "content" in payload or "embeds" in payload:
            mentions = payload.get("allowed_mentions") or {}
            assert mentions.get("parse") == [], call.route
            assert not mentions.get("users") and not mentions.get("roles"), call.route
            assert not mentions.get("replied_user"), call.route


def channel_posts(discord: FakeDiscord, channel: int) -> list[Json]:
    """The bot's own channel messages: not interaction replies (public or ephemeral)."""
    return [m for m in discord.bot_messages(channel) if not m.get("interaction_metadata")]


def visible_to_all(discord: FakeDiscord, channel: int) -> list[Json]:
    """The bot's messages everyone in the channel sees (ephemeral replies excluded)."""
    return [m for m in discord.bot_messages(channel) if not int(m.get("flags") or 0) & 64]
