"""The emoji trigger: react with the search emoji (default 🔍) to a message holding an image.

The bot replies to that message with the search and marks its progress on it: ⏳, then ✅ or ❌.
One search per message and emoji at a time; reactions by bots are ignored.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot import guild_policy as policy
from bot.present.messages import refusal_text, text
from bot.relay import NO_MENTIONS, ChannelSink
from bot.search.answer import Status
from bot.searches import SearchJob
from bot.sources import images_in_message, message_looks_blanked
from bot.store import GuildSettings, Refused
from cogs.common import can_manage_messages, is_nsfw

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
        settings = await self.bot.store.get_guild_settings(event.guild_id)
        if emoji != policy.reaction_emoji(settings, self.bot.settings.search_reaction):
            return
        roles = [role.id for role in event.member.roles] if event.member is not None else []
        if not policy.may_react(settings, roles):
            return
        channel = self.bot.get_channel(event.channel_id)
        if not policy.answers_in(settings, event.channel_id, getattr(channel, "parent_id", None)):
            return  # a reaction is not a request to be told where the bot works
        key = (event.message_id, emoji)
        if key in self.active:
            return
        self.active.add(key)
        try:
            await self._search(event, channel, me.id, settings)
        except discord.HTTPException as exc:
            log.warning("reaction search on %s failed: %s", event.message_id, exc.status)
        finally:
            self.active.discard(key)

    async def _search(
        self,
        event: discord.RawReactionActionEvent,
        channel: object,
        me: int,
        settings: GuildSettings,
    ) -> None:
        if not isinstance(channel, discord.abc.Messageable):
            return
        try:
            message = await channel.fetch_message(event.message_id)
        except (discord.NotFound, discord.Forbidden):
            return
        guild = message.guild
        lang = policy.language(settings, str(guild.preferred_locale) if guild else "en-US")
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
        job = policy.apply(
            SearchJob(
                image_url=candidates[0].url,
                requester_id=event.user_id,
                channel_id=event.channel_id,
                guild_id=event.guild_id,
                mode=policy.default_mode(settings),
                locale=lang,
                entry_point="reaction",
                note=note,
                source_message_url=message.jump_url,
            ),
            settings,
            moderator=can_manage_messages(event.member, channel),
            age_restricted=is_nsfw(channel),
        )
        live = await self.bot.searches.start(job, ChannelSink(channel, event.channel_id, message))
        if isinstance(live, Refused):
            await message.reply(
                refusal_text(live.reason, live.retry_at, lang),
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
                delete_after=30,
            )
            return
        await _mark(message, WORKING, add=True)
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
