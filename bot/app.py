"""The discord.py Bot: owns the shared services, loads the cogs, syncs commands when they change.

`run_bot()` is what `python -m bot` runs: it reads the settings, connects (without the Message
Content intent when the developer portal has not granted it, saying so), and on SIGTERM/SIGINT
finishes every live search with a clear state before it exits.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import discord
import openai
import yarl
from discord.ext import commands

from bot.config import Settings, SettingsError, load_settings
from bot.images import FetchLimits
from bot.images.fetch import make_session
from bot.logs import configure_logging
from bot.present.render import render_stopped
from bot.relay import NO_MENTIONS
from bot.search.stream import SearchEngine, make_client
from bot.searches import Searches, SearchLimits, mark_interrupted
from bot.store import SearchRecord, Store

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.search", "cogs.reactions", "cogs.admin")


def point_discord_at(settings: Settings) -> None:
    """Send REST, gateway and CDN traffic where the settings say (a proxy, or a test fake).

    discord.py keeps these as class attributes, so this is process-wide: one bot per process.
    """
    discord.http.Route.BASE = settings.discord_api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
    discord.Asset.BASE = settings.discord_cdn_url


class ImageSearchBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        *,
        message_content: bool = True,
        interaction_token_seconds: float = 15 * 60,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        super().__init__(
            command_prefix=commands.when_mentioned_or(settings.command_prefix),
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
        )
        self.settings = settings
        self.interaction_token_seconds = interaction_token_seconds
        point_discord_at(settings)
        # Created in setup_hook, where an event loop runs.
        self.searches: Searches
        self.store: Store
        self._openai: openai.AsyncOpenAI | None = None
        self._images: aiohttp.ClientSession | None = None
        self._purger: asyncio.Task[None] | None = None

    async def setup_hook(self) -> None:
        settings = self.settings
        self.store = await Store.open(settings.database_url)
        interrupted = await mark_interrupted(
            self.store, settings.bot_instance, datetime.now(UTC), self._show_interrupted
        )
        if interrupted:
            log.info("%d searches were interrupted by the last stop; marked so", interrupted)
        limits = FetchLimits.from_settings(settings)
        self._images = make_session(limits)
        self._openai = make_client(settings)
        self.searches = Searches(
            SearchEngine.from_settings(settings, self._openai),
            limits,
            self._images,
            self.store,
            limits=SearchLimits(
                edit_interval=settings.edit_interval_seconds,
                price_per_1000=settings.price_per_1000_searches,
                max_concurrent=settings.max_concurrent_searches,
            ),
            instance=settings.bot_instance,
        )
        self._purger = asyncio.create_task(self._purge_history_forever())
        for extension in EXTENSIONS:
            try:
                await self.load_extension(extension)
            except Exception:  # one broken cog must not keep the others down
                log.exception("could not load %s", extension)
        await self.sync_commands(force=False)

    async def _show_interrupted(self, record: SearchRecord) -> None:
        """Edit a message the last process left streaming: keep what it shows, say why it
        stopped. The history has only what was saved; the message has everything shown."""
        assert record.reply_channel_id is not None and record.reply_message_id is not None
        channel = self.get_channel(record.reply_channel_id) or await self.fetch_channel(
            record.reply_channel_id
        )
        assert isinstance(channel, discord.abc.Messageable)
        message = await channel.fetch_message(record.reply_message_id)
        payload = render_stopped(message.embeds, record.language or "en-US")
        await message.edit(embeds=payload.embeds, view=None, allowed_mentions=NO_MENTIONS)

    async def _purge_history_forever(self) -> None:
        """Delete history older than each server's retention, now and then."""
        while True:
            try:
                deleted = await self.store.purge(now=datetime.now(UTC))
                if deleted:
                    log.info("deleted %d searches past their server's retention", deleted)
            except Exception:
                log.exception("purging old search history failed")
            await asyncio.sleep(self.settings.history_purge_hours * 3600)

    async def sync_commands(self, *, force: bool) -> bool:
        """Register the app commands, unless they are what was registered last time."""
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        marker = Path(self.settings.data_dir) / f"commands-{self.application_id}.sha256"
        if not force and marker.is_file() and marker.read_text().strip() == digest:
            log.info("app commands unchanged, not syncing")
            return False
        await self.tree.sync()
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(digest)
        log.info("app commands synced (%d)", len(payload))
        return True

    async def on_ready(self) -> None:
        assert self.user is not None
        log.info(
            "connected as %s (%s) to %d servers; message content intent: %s",
            self.user,
            self.user.id,
            len(self.guilds),
            self.intents.message_content,
        )

    async def close(self) -> None:
        if self._purger is not None:
            self._purger.cancel()
        if hasattr(self, "searches"):
            await self.searches.shutdown()
        await super().close()
        if self._openai is not None:
            await self._openai.close()
        if self._images is not None:
            await self._images.close()
        if hasattr(self, "store"):
            await self.store.close()


async def serve(settings: Settings, **bot_options: Any) -> int:
    """Connect and serve until closed; retry without Message Content when it is not granted."""
    assert settings.discord_token is not None
    for message_content in (True, False):
        bot = ImageSearchBot(settings, message_content=message_content, **bot_options)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, _closer(bot))
        try:
            async with bot:
                await bot.start(settings.discord_token.get())
            return 0
        except discord.PrivilegedIntentsRequired:
            log.warning(
                "The Message Content intent is not enabled for this bot. Continuing without "
                "it: /search and the Apps menu work, but reactions and text commands cannot see "
                "other people's images. Enable it in the Discord developer portal: "
                "Applications → your app → Bot → Privileged Gateway Intents → Message Content."
            )
        except discord.LoginFailure:
            log.error("Discord refused DISCORD_TOKEN: copy the bot token again from the portal")
            return 2
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
    return 1


def _closer(bot: ImageSearchBot) -> Any:
    return lambda: asyncio.ensure_future(bot.close())


def run_bot() -> int:
    try:
        settings = load_settings()
        settings.require("DISCORD_TOKEN", "DASHSCOPE_API_KEY")
    except SettingsError as exc:
        print(exc)
        return 2
    configure_logging(settings)
    return asyncio.run(serve(settings))
