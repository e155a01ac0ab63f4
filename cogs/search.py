"""Entry points: /search, the "Search image" / "Trace origin (private)" / "Search avatar" menus,
the text command, and the buttons and pickers of search messages.

Each handler only turns Discord input into a `SearchJob` and a sink; running, streaming and
showing the search is `bot.searches`' work.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import secrets
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import guild_policy as policy
from bot.present.export import hits_csv
from bot.present.messages import refusal_text, text
from bot.present.render import Action, parse_custom_id, render_moved, render_search
from bot.present.report import report_markdown
from bot.relay import NO_MENTIONS, ChannelSink, InteractionSink, StaticView, view_of
from bot.search.request import MAX_QUESTION_CHARS, Mode
from bot.searches import LiveSearch, SearchJob
from bot.sources import ImageCandidate, avatar_of, images_in_message, message_looks_blanked
from bot.store import GuildSettings, Refused
from cogs.common import can_manage_messages, is_nsfw, tell

if TYPE_CHECKING:
    from bot.app import ImageSearchBot

log = logging.getLogger(__name__)

PICK_PREFIX = "isearch-pick"
FOLLOW_UP_PREFIX = "isearch-followup"
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
        self.background: set[asyncio.Task[None]] = set()
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
        mode: Literal["source", "similar", "product"] | None = None,
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS] | None = None,
        private: bool = False,
    ) -> None:
        settings = await self._settings(interaction.guild_id)
        if not await self._allowed_here(interaction, settings):
            return
        lang = policy.language(settings, str(interaction.locale))
        if image is None and not url:
            await tell(interaction, text("search.need_image", lang))
            return
        job = self._job(
            interaction,
            settings,
            image.url if image is not None else (url or "").strip(),
            mode=Mode(mode) if mode else policy.default_mode(settings),
            question=question or "",
            private=private,
            entry_point="slash",
        )
        await self._begin(interaction, job)

    # --- context menus -----------------------------------------------------------------------

    async def search_image_menu(
        self, interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        settings = await self._settings(interaction.guild_id)
        await self._search_message(
            interaction, settings, message, private=settings.private_by_default, entry_point="menu"
        )

    async def trace_menu(
        self, interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        settings = await self._settings(interaction.guild_id)
        await self._search_message(
            interaction, settings, message, private=True, entry_point="trace"
        )

    async def avatar_menu(
        self, interaction: discord.Interaction[Any], user: discord.Member | discord.User
    ) -> None:
        settings = await self._settings(interaction.guild_id)
        candidate = avatar_of(user)
        job = self._job(interaction, settings, candidate.url, private=True, entry_point="avatar")
        await self._begin(interaction, job)

    async def _search_message(
        self,
        interaction: discord.Interaction[Any],
        settings: GuildSettings,
        message: discord.Message,
        *,
        private: bool,
        entry_point: str,
    ) -> None:
        if not private and not await self._allowed_here(interaction, settings):
            return
        lang = policy.language(settings, str(interaction.locale))
        candidates = images_in_message(message, cdn_base=self.bot.settings.discord_cdn_url)
        if not candidates:
            await tell(interaction, text("search.no_image_in_message", lang))
            return
        job = self._job(
            interaction,
            settings,
            candidates[0].url,
            private=private,
            entry_point=entry_point,
            source_message_url=message.jump_url,
        )
        if len(candidates) == 1:
            await self._begin(interaction, job)
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
        settings = await self._settings(ctx.guild.id if ctx.guild else None)
        person = str(ctx.guild.preferred_locale) if ctx.guild else "en-US"
        lang = policy.language(settings, person)
        parent = getattr(ctx.channel, "parent_id", None)
        if not policy.answers_in(settings, ctx.channel.id, parent):
            await ctx.reply(
                text("search.channel_not_allowed", lang, channels=_channels(settings)),
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
                delete_after=30,
            )
            return
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
        job = policy.apply(
            SearchJob(
                image_url=candidates[0].url,
                requester_id=ctx.author.id,
                channel_id=ctx.channel.id,
                guild_id=ctx.guild.id if ctx.guild else None,
                mode=mode or policy.default_mode(settings),
                question=question,
                locale=person,
                entry_point="text",
                source_message_url=(target or ctx.message).jump_url,
            ),
            settings,
            moderator=can_manage_messages(ctx.author, ctx.channel),
            age_restricted=is_nsfw(ctx.channel),
        )
        if len(candidates) > 1:
            token = self._remember_pick(PendingPick(candidates, job, ctx.message))
            await ctx.reply(
                text("search.pick", job.locale, count=len(candidates)),
                view=_picker(token, candidates, job.locale),
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
            )
            return
        await self._begin_in_channel(ctx.message, job)

    @commands.command(name="sync")
    @commands.is_owner()
    async def sync(self, ctx: commands.Context[Any]) -> None:
        """Owner only: register the app commands again now."""
        await self.bot.sync_commands(force=True)
        await ctx.reply(text("search.synced", "en"), mention_author=False)

    # --- buttons, pickers and the follow-up form ----------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if interaction.type is discord.InteractionType.modal_submit:
            if custom_id.startswith(FOLLOW_UP_PREFIX + ":"):
                await self._follow_up(interaction, custom_id.split(":", 1)[1], _modal_text(data))
            return
        if interaction.type is not discord.InteractionType.component:
            return
        if custom_id.startswith(PICK_PREFIX + ":"):
            await self._picked(interaction, custom_id.split(":", 1)[1])
            return
        parsed = parse_custom_id(custom_id)
        if parsed is None:
            return
        action, search_id, args = parsed
        lang = str(interaction.locale)
        if action is Action.NOOP:
            await interaction.response.defer()
            return
        live = await self.bot.searches.find(search_id)
        if live is None:
            await tell(interaction, text("search.expired", lang))
        elif action is Action.PAGE:
            live.page = int(args[0]) if args and args[0].lstrip("-").isdigit() else 0
            payload = live.render()[0]
            await interaction.response.edit_message(
                embeds=payload.embeds, view=view_of(payload), allowed_mentions=NO_MENTIONS
            )
            if live.relay is not None:
                live.relay.shown(0, payload)
        elif action is Action.EXPORT:
            data_bytes = hits_csv(live.answer)
            await interaction.response.send_message(
                text("search.export", lang, count=len(live.answer.hits)),
                file=discord.File(io.BytesIO(data_bytes), filename=f"hits-{search_id}.csv"),
                ephemeral=True,
            )
        elif action is Action.CANCEL:
            allowed = interaction.user.id == live.job.requester_id or _is_moderator(interaction)
            if not allowed:
                await tell(interaction, text("search.not_yours", lang))
                return
            await interaction.response.defer()
            self.bot.searches.cancel(search_id)
        elif action is Action.FOLLOW_UP:
            await interaction.response.send_modal(_follow_up_form(search_id, lang))
        elif action is Action.REPORT:
            await self._report(interaction, live)

    async def _report(self, interaction: discord.Interaction[Any], live: LiveSearch) -> None:
        lang = str(interaction.locale)
        if live.task is not None and not live.task.done():
            # The button shows with the final state, a moment before the outcome is saved.
            await asyncio.wait([live.task], timeout=2)
        record = live.record or await self.bot.store.get_search(live.search_id)
        if record is None:
            await tell(interaction, text("search.expired", lang))
            return
        report = report_markdown(record, live.answer).encode("utf-8")
        await interaction.response.send_message(
            text("report.sent", lang),
            file=discord.File(io.BytesIO(report), filename=f"search-{live.search_id}.md"),
            ephemeral=True,
        )

    async def _follow_up(
        self, interaction: discord.Interaction[Any], search_id: str, question: str
    ) -> None:
        """Continue a finished search's conversation: in a thread under a public result,
        privately under a private one. No new image is sent."""
        settings = await self._settings(interaction.guild_id)
        lang = policy.language(settings, str(interaction.locale))
        earlier = await self.bot.searches.find(search_id)
        response_id = earlier.answer.response_id if earlier is not None else ""
        if earlier is None or not response_id or not question.strip():
            await tell(interaction, text("followup.unavailable", lang))
            return
        job = replace(
            self._job(
                interaction,
                settings,
                "",
                mode=earlier.job.mode,
                question=question,
                private=earlier.job.private,
                entry_point="follow_up",
            ),
            previous_response_id=response_id,
            source_message_url=interaction.message.jump_url if interaction.message else None,
        )
        thread = None if job.private else await _thread_for(interaction.message, question, lang)
        if thread is None:  # private, or no thread can be made here: answer privately
            await self._begin(interaction, replace(job, private=True, show_pictures=True))
            return
        job = replace(job, channel_id=thread.id)
        started = await self.bot.searches.start(job, ChannelSink(thread, thread.id, None))
        if isinstance(started, Refused):
            await tell(interaction, refusal_text(started.reason, started.retry_at, lang))
        else:
            await tell(interaction, text("followup.started", lang, thread=thread.mention))

    async def _picked(self, interaction: discord.Interaction[Any], token: str) -> None:
        lang = str(interaction.locale)
        pick = self.picks.get(token)
        data: dict[str, Any] = dict(interaction.data or {})
        values = [str(v) for v in data.get("values") or []]
        if pick is None or not values:
            await tell(interaction, text("search.expired", lang))
            return
        if interaction.user.id != pick.job.requester_id:
            await tell(interaction, text("search.not_yours", lang))
            return
        self.picks.pop(token, None)
        candidate = pick.candidates[int(values[0])]
        job = replace(pick.job, image_url=candidate.url)
        if pick.reference is not None:  # text command: answer in the channel, as a reply
            await interaction.response.defer()
            await self._begin_in_channel(pick.reference, job)
        else:
            await self._begin(interaction, job)

    # --- helpers -----------------------------------------------------------------------------

    async def _settings(self, guild_id: int | None) -> GuildSettings:
        if guild_id is None:
            return policy.settings_or_default(None)
        return await self.bot.store.get_guild_settings(guild_id)

    async def _allowed_here(
        self, interaction: discord.Interaction[Any], settings: GuildSettings
    ) -> bool:
        channel = interaction.channel
        parent = getattr(channel, "parent_id", None)
        if policy.answers_in(settings, interaction.channel_id or 0, parent):
            return True
        lang = policy.language(settings, str(interaction.locale))
        await tell(
            interaction, text("search.channel_not_allowed", lang, channels=_channels(settings))
        )
        return False

    async def _begin(self, interaction: discord.Interaction[Any], job: SearchJob) -> None:
        """Start a search answered through the interaction, or say why it cannot start."""
        started = await self.bot.searches.start(job, self._interaction_sink(interaction, job))
        if isinstance(started, Refused):
            await tell(interaction, refusal_text(started.reason, started.retry_at, job.locale))
            return
        if job.entry_point != "trace":
            return
        settings = await self._settings(job.guild_id)
        if settings.mod_log_channel_id:
            task = asyncio.create_task(
                self._copy_to_mod_log(started, settings.mod_log_channel_id, interaction)
            )
            self.background.add(task)  # held until done: the loop keeps only weak references
            task.add_done_callback(self.background.discard)

    async def _begin_in_channel(self, reference: discord.Message, job: SearchJob) -> None:
        channel = reference.channel
        started = await self.bot.searches.start(job, ChannelSink(channel, channel.id, reference))
        if isinstance(started, Refused):
            await reference.reply(
                refusal_text(started.reason, started.retry_at, job.locale),
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
                delete_after=30,
            )

    async def _copy_to_mod_log(
        self, live: LiveSearch, channel_id: int, interaction: discord.Interaction[Any]
    ) -> None:
        """Private traces are also posted, once finished, where the moderators keep watch."""
        if live.task is None:
            return
        await asyncio.gather(live.task, return_exceptions=True)
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
        except discord.HTTPException as exc:
            log.warning("the moderator log channel %s cannot be reached: %s", channel_id, exc)
            return
        if not isinstance(channel, discord.abc.Messageable):
            return
        note = text(
            "modlog.trace",
            live.options.lang,
            user=interaction.user.mention,
            channel=f"<#{interaction.channel_id}>",
        )
        options = replace(live.options, note=note, show_pictures=False)
        payload = render_search(live.answer, 0, options)[0]
        try:
            await channel.send(
                embeds=payload.embeds, view=view_of(payload), allowed_mentions=NO_MENTIONS
            )
        except discord.HTTPException as exc:
            log.warning("could not post a private trace to the moderator log: %s", exc.status)

    def _job(
        self,
        interaction: discord.Interaction[Any],
        settings: GuildSettings,
        image_url: str,
        *,
        mode: Mode | None = None,
        question: str = "",
        private: bool,
        entry_point: str,
        source_message_url: str | None = None,
    ) -> SearchJob:
        job = SearchJob(
            image_url=image_url,
            requester_id=interaction.user.id,
            channel_id=interaction.channel_id or 0,
            guild_id=interaction.guild_id,
            mode=Mode.SOURCE if entry_point == "trace" else (mode or policy.default_mode(settings)),
            question=question,
            locale=str(interaction.locale),
            private=private,
            entry_point=entry_point,
            source_message_url=source_message_url,
        )
        return policy.apply(
            job,
            settings,
            moderator=_is_moderator(interaction),
            age_restricted=is_nsfw(interaction.channel),
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


def _parse_text_command(rest: str) -> tuple[Mode | None, str, str]:
    words = rest.split()
    mode = None
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


def _is_moderator(interaction: discord.Interaction[Any]) -> bool:
    permissions = getattr(interaction, "permissions", None)
    return bool(permissions and permissions.manage_messages)


def _channels(settings: GuildSettings) -> str:
    return ", ".join(f"<#{channel_id}>" for channel_id in settings.channel_ids)


def _modal_text(data: dict[str, Any]) -> str:
    """The first text input of a submitted modal."""
    for row in data.get("components") or []:
        for component in row.get("components") or []:
            if "value" in component:
                return str(component["value"])
    return ""


def _follow_up_form(search_id: str, lang: str) -> discord.ui.Modal:
    # Answered by `on_interaction` through its custom id, so it survives a restart.
    form = discord.ui.Modal(
        title=text("followup.title", lang), custom_id=f"{FOLLOW_UP_PREFIX}:{search_id}", timeout=900
    )
    form.add_item(
        discord.ui.TextInput(
            label=text("followup.label", lang),
            placeholder=text("followup.placeholder", lang),
            style=discord.TextStyle.paragraph,
            max_length=MAX_QUESTION_CHARS,
        )
    )
    return form


async def _thread_for(
    message: discord.Message | None, question: str, lang: str
) -> discord.Thread | None:
    """The thread a public follow-up goes to: the result's own thread, or a new one under it."""
    if message is None:
        return None
    if isinstance(message.channel, discord.Thread):
        return message.channel
    if message.thread is not None:
        return message.thread
    name = text("followup.thread", lang, question=" ".join(question.split()))[:100]
    try:
        return await message.create_thread(name=name, auto_archive_duration=1440)
    except discord.HTTPException as exc:
        log.info("no thread for a follow-up (%s): answering privately", exc.status)
        return None


async def setup(bot: ImageSearchBot) -> None:
    await bot.add_cog(SearchCog(bot))
