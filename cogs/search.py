"""Entry points: /search, the "Search image" / "Trace origin (private)" / "Search avatar" menus,
the text command, and the buttons and pickers of search messages.

Each handler only turns Discord input into a `SearchJob` and a sink; running, streaming and
showing the search is `bot.searches`' work.
"""

from __future__ import annotations

import functools
import io
import logging
import secrets
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.present.export import hits_csv
from bot.present.messages import text
from bot.present.render import Action, parse_custom_id, render_moved
from bot.relay import NO_MENTIONS, ChannelSink, InteractionSink, Sink, StaticView, view_of
from bot.search.request import MAX_QUESTION_CHARS, Mode
from bot.searches import SearchJob
from bot.sources import ImageCandidate, avatar_of, images_in_message, message_looks_blanked

if TYPE_CHECKING:
    from bot.app import ImageSearchBot

log = logging.getLogger(__name__)

PICK_PREFIX = "isearch-pick"
MAX_PENDING_PICKS = 200


@dataclass(frozen=True, slots=True)
class PendingPick:
    """A search waiting for the person to choose one of several images."""

    candidates: list[ImageCandidate]
    job: SearchJob
    reference: discord.Message | None  # reply to this message (text command)


class SearchCog(commands.Cog):
    def __init__(self, bot: ImageSearchBot) -> None:
        self.bot = bot
        self.picks: dict[str, PendingPick] = {}
        self.menus = [
            app_commands.ContextMenu(name="Search image", callback=self.search_image_menu),
            app_commands.ContextMenu(name="Trace origin (private)", callback=self.trace_menu),
            app_commands.ContextMenu(name="Search avatar", callback=self.avatar_menu),
        ]
        self.menus[1].default_permissions = discord.Permissions(manage_messages=True)
        for menu in self.menus:
            bot.tree.add_command(menu)

    async def cog_unload(self) -> None:
        for menu in self.menus:
            self.bot.tree.remove_command(menu.name, type=menu.type)

    # --- slash command -----------------------------------------------------------------------

    @app_commands.command(
        name="search", description="Reverse image search: where is this image from?"
    )
    @app_commands.describe(
        image="The image to search",
        url="Or a link to an image",
        mode="What to look for (default: where it comes from)",
        question="A question about the image",
        private="Only you see the answer",
    )
    async def search(
        self,
        interaction: discord.Interaction[Any],
        image: discord.Attachment | None = None,
        url: str | None = None,
        mode: Literal["source", "similar", "product"] = "source",
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS] | None = None,
        private: bool = False,
    ) -> None:
        lang = str(interaction.locale)
        if image is None and not url:
            await _tell(interaction, text("search.need_image", lang))
            return
        job = self._job(
            interaction,
            image.url if image is not None else (url or "").strip(),
            mode=Mode(mode),
            question=question or "",
            private=private,
            entry_point="slash",
        )
        self.bot.searches.start(job, self._interaction_sink(interaction, job))

    # --- context menus -----------------------------------------------------------------------

    async def search_image_menu(
        self, interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        await self._search_message(interaction, message, private=False, entry_point="menu")

    async def trace_menu(
        self, interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        await self._search_message(interaction, message, private=True, entry_point="trace")

    async def avatar_menu(
        self, interaction: discord.Interaction[Any], user: discord.Member | discord.User
    ) -> None:
        candidate = avatar_of(user)
        job = self._job(interaction, candidate.url, private=True, entry_point="avatar")
        self.bot.searches.start(job, self._interaction_sink(interaction, job))

    async def _search_message(
        self,
        interaction: discord.Interaction[Any],
        message: discord.Message,
        *,
        private: bool,
        entry_point: str,
    ) -> None:
        lang = str(interaction.locale)
        candidates = images_in_message(message, cdn_base=self.bot.settings.discord_cdn_url)
        if not candidates:
            await _tell(interaction, text("search.no_image_in_message", lang))
            return
        job = self._job(interaction, candidates[0].url, private=private, entry_point=entry_point)
        if len(candidates) == 1:
            self.bot.searches.start(job, self._interaction_sink(interaction, job))
            return
        token = self._remember_pick(PendingPick(candidates, job, None))
        await interaction.response.send_message(
            text("search.pick", lang, count=len(candidates)),
            view=_picker(token, candidates, lang),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    # --- text command ------------------------------------------------------------------------

    @commands.command(name="search")
    async def search_text(self, ctx: commands.Context[Any], *, rest: str = "") -> None:
        """`!search [source|similar|product] [link] [question]`, with an image or as a reply."""
        lang = str(ctx.guild.preferred_locale) if ctx.guild else "en-US"
        mode, link, question = _parse_text_command(rest)
        cdn = self.bot.settings.discord_cdn_url
        target: discord.Message | None = ctx.message
        candidates = images_in_message(ctx.message, cdn_base=cdn)
        if link:
            candidates.insert(0, ImageCandidate(link, link, "link"))
        elif not candidates and ctx.message.reference is not None:
            target = await _referenced(ctx.message)
            candidates = images_in_message(target, cdn_base=cdn) if target else []
        if not candidates:
            assert self.bot.user is not None
            blanked = target is not None and message_looks_blanked(
                target,
                bot_user_id=self.bot.user.id,
                has_message_content=self.bot.intents.message_content,
            )
            key = "search.intent_missing" if blanked else "search.need_image_text"
            await ctx.reply(
                text(key, lang, prefix=self.bot.settings.command_prefix),
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
            )
            return
        job = SearchJob(
            image_url=candidates[0].url,
            requester_id=ctx.author.id,
            channel_id=ctx.channel.id,
            guild_id=ctx.guild.id if ctx.guild else None,
            mode=mode,
            question=question,
            locale=lang,
            show_pictures=_is_nsfw(ctx.channel),
            entry_point="text",
        )
        if len(candidates) > 1:
            token = self._remember_pick(PendingPick(candidates, job, ctx.message))
            await ctx.reply(
                text("search.pick", lang, count=len(candidates)),
                view=_picker(token, candidates, lang),
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
            )
            return
        self.bot.searches.start(job, ChannelSink(ctx.channel, ctx.channel.id, ctx.message))

    @commands.command(name="sync")
    @commands.is_owner()
    async def sync(self, ctx: commands.Context[Any]) -> None:
        """Owner only: register the app commands again now."""
        await self.bot.sync_commands(force=True)
        await ctx.reply(text("search.synced", "en"), mention_author=False)

    # --- buttons and pickers -----------------------------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is not discord.InteractionType.component or interaction.data is None:
            return
        custom_id = str(interaction.data.get("custom_id", ""))
        if custom_id.startswith(PICK_PREFIX + ":"):
            await self._picked(interaction, custom_id.split(":", 1)[1])
            return
        parsed = parse_custom_id(custom_id)
        if parsed is None:
            return
        action, search_id, args = parsed
        lang = str(interaction.locale)
        live = self.bot.searches.get(search_id)
        if action is Action.NOOP:
            await interaction.response.defer()
        elif live is None:
            await _tell(interaction, text("search.expired", lang))
        elif action is Action.PAGE:
            live.page = int(args[0]) if args and args[0].lstrip("-").isdigit() else 0
            payload = live.render()[0]
            await interaction.response.edit_message(
                embeds=payload.embeds, view=view_of(payload), allowed_mentions=NO_MENTIONS
            )
            live.relay.shown(0, payload)
        elif action is Action.EXPORT:
            data = hits_csv(live.answer)
            await interaction.response.send_message(
                text("search.export", lang, count=len(live.answer.hits)),
                file=discord.File(io.BytesIO(data), filename=f"hits-{search_id}.csv"),
                ephemeral=True,
            )
        elif action is Action.CANCEL:
            allowed = interaction.user.id == live.job.requester_id or _is_moderator(interaction)
            if not allowed:
                await _tell(interaction, text("search.not_yours", lang))
                return
            await interaction.response.defer()
            self.bot.searches.cancel(search_id)

    async def _picked(self, interaction: discord.Interaction[Any], token: str) -> None:
        lang = str(interaction.locale)
        pick = self.picks.get(token)
        data: dict[str, Any] = dict(interaction.data or {})
        values = [str(v) for v in data.get("values") or []]
        if pick is None or not values:
            await _tell(interaction, text("search.expired", lang))
            return
        if interaction.user.id != pick.job.requester_id:
            await _tell(interaction, text("search.not_yours", lang))
            return
        self.picks.pop(token, None)
        candidate = pick.candidates[int(values[0])]
        job = replace(pick.job, image_url=candidate.url)
        sink: Sink
        if pick.reference is not None:  # text command: answer in the channel, as a reply
            await interaction.response.defer()
            channel = pick.reference.channel
            sink = ChannelSink(channel, channel.id, pick.reference)
        else:
            sink = self._interaction_sink(interaction, job)
        self.bot.searches.start(job, sink)

    # --- helpers -----------------------------------------------------------------------------

    def _job(
        self,
        interaction: discord.Interaction[Any],
        image_url: str,
        *,
        mode: Mode = Mode.SOURCE,
        question: str = "",
        private: bool,
        entry_point: str,
    ) -> SearchJob:
        return SearchJob(
            image_url=image_url,
            requester_id=interaction.user.id,
            channel_id=interaction.channel_id or 0,
            guild_id=interaction.guild_id,
            mode=Mode.SOURCE if entry_point == "trace" else mode,
            question=question,
            locale=str(interaction.locale),
            private=private,
            # Pictures from the web only where the channel is age-restricted or only the
            # person who asked can see them.
            show_pictures=private or _is_nsfw(interaction.channel),
            entry_point=entry_point,
        )

    def _interaction_sink(
        self, interaction: discord.Interaction[Any], job: SearchJob
    ) -> InteractionSink:
        channel = interaction.channel

        def fallback() -> ChannelSink:
            assert isinstance(channel, discord.abc.Messageable)
            return ChannelSink(channel, job.channel_id, None)

        public = not job.private and isinstance(channel, discord.abc.Messageable)
        return InteractionSink(
            interaction,
            ephemeral=job.private,
            fallback=fallback if public else None,
            moved_notice=functools.partial(render_moved, lang=job.locale),
            lifetime=self.bot.interaction_token_seconds,
        )

    def _remember_pick(self, pick: PendingPick) -> str:
        token = secrets.token_hex(8)
        self.picks[token] = pick
        while len(self.picks) > MAX_PENDING_PICKS:
            self.picks.pop(next(iter(self.picks)))
        return token


def _picker(token: str, candidates: list[ImageCandidate], lang: str) -> discord.ui.View:
    view = StaticView(timeout=None)
    select: discord.ui.Select[Any] = discord.ui.Select(
        custom_id=f"{PICK_PREFIX}:{token}",
        placeholder=text("search.pick_placeholder", lang),
        options=[
            discord.SelectOption(label=c.label[:100] or str(i + 1), value=str(i))
            for i, c in enumerate(candidates[:25])
        ],
    )
    view.add_item(select)
    return view


def _parse_text_command(rest: str) -> tuple[Mode, str, str]:
    words = rest.split()
    mode = Mode.SOURCE
    if words and words[0].lower() in {m.value for m in Mode}:
        mode = Mode(words.pop(0).lower())
    link = ""
    if words and words[0].strip("<>").startswith(("http://", "https://")):
        link = words.pop(0).strip("<>")
    return mode, link, " ".join(words)


async def _referenced(message: discord.Message) -> discord.Message | None:
    reference = message.reference
    if reference is None:
        return None
    if isinstance(reference.resolved, discord.Message):
        return reference.resolved
    if reference.message_id is None:
        return None
    try:
        return await message.channel.fetch_message(reference.message_id)
    except discord.HTTPException:
        return None


async def _tell(interaction: discord.Interaction[Any], message: str) -> None:
    """A private one-line answer (used before any search starts: nothing is spent)."""
    if interaction.response.is_done():
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(
            message, ephemeral=True, allowed_mentions=NO_MENTIONS
        )


def _is_nsfw(channel: Any) -> bool:
    is_nsfw = getattr(channel, "is_nsfw", None)
    return bool(is_nsfw()) if callable(is_nsfw) else False


def _is_moderator(interaction: discord.Interaction[Any]) -> bool:
    permissions = getattr(interaction, "permissions", None)
    return bool(permissions and permissions.manage_messages)


async def setup(bot: ImageSearchBot) -> None:
    await bot.add_cog(SearchCog(bot))
