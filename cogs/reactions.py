"""The emoji trigger: react with the search emoji (default 🔍) to a message holding an image.

The bot replies to that message with the search and marks its progress on it: ⏳, then ✅ or ❌.
One search per message and emoji at a time; reactions by bots are ignored.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.present.messages import text
from bot.relay import NO_MENTIONS, ChannelSink
from bot.search.answer import Status
from bot.searches import SearchJob
from bot.sources import images_in_message, message_looks_blanked

if TYPE_CHECKING:
    from bot.app import ImageSearchBot

log = logging.getLogger(__name__)

WORKING, DONE, FAILED = "⏳", "✅", "❌"


class ReactionCog(commands.Cog):
    def __init__(self, bot: ImageSearchBot) -> None:
        self.bot = bot
        self.active: set[tuple[int, str]] = set()

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        me = self.bot.user
        if me is None or event.user_id == me.id or event.guild_id is None:
            return
        if event.member is not None and event.member.bot:
            return
        emoji = str(event.emoji)
        if emoji != self.bot.settings.search_reaction:
            return
        key = (event.message_id, emoji)
        if key in self.active:
            return
        self.active.add(key)
        try:
            await self._search(event, me.id)
        except discord.HTTPException as exc:
            log.warning("reaction search on %s failed: %s", event.message_id, exc.status)
        finally:
            self.active.discard(key)

    async def _search(self, event: discord.RawReactionActionEvent, me: int) -> None:
        channel = self.bot.get_channel(event.channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return
        try:
            message = await channel.fetch_message(event.message_id)
        except (discord.NotFound, discord.Forbidden):
            return
        guild = message.guild
        lang = str(guild.preferred_locale) if guild else "en-US"
        candidates = images_in_message(message, cdn_base=self.bot.settings.discord_cdn_url)
        if not candidates:
            if message_looks_blanked(
                message, bot_user_id=me, has_message_content=self.bot.intents.message_content
            ):
                await message.reply(
                    text("search.intent_missing", lang, prefix=self.bot.settings.command_prefix),
                    mention_author=False,
                    allowed_mentions=NO_MENTIONS,
                )
            return
        note = ""
        if len(candidates) > 1:
            note = text("search.more_images", lang, count=len(candidates) - 1)
        job = SearchJob(
            image_url=candidates[0].url,
            requester_id=event.user_id,
            channel_id=event.channel_id,
            guild_id=event.guild_id,
            locale=lang,
            show_pictures=bool(getattr(channel, "is_nsfw", lambda: False)()),
            entry_point="reaction",
            note=note,
        )
        await _mark(message, WORKING, add=True)
        live = self.bot.searches.start(job, ChannelSink(channel, event.channel_id, message))
        assert live.task is not None
        answer = await live.task
        await _mark(message, WORKING, add=False)
        await _mark(message, DONE if answer.status is Status.COMPLETED else FAILED, add=True)


async def _mark(message: discord.Message, emoji: str, *, add: bool) -> None:
    """Progress marks are a courtesy: missing permissions must not stop the search."""
    try:
        if add:
            await message.add_reaction(emoji)
        else:
            await message.remove_reaction(
                emoji, message.guild.me if message.guild else message.author
            )
    except discord.HTTPException:
        pass


async def setup(bot: ImageSearchBot) -> None:
    await bot.add_cog(ReactionCog(bot))
