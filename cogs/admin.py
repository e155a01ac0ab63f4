"""`/imagesearch settings | history | usage | forget-me`, and the buttons of their replies.

Every reply is private. Discord can only hide a whole command by permission, not one of its
subcommands, and `forget-me` is for everyone: so the group is visible to all and each
moderator subcommand (and each click on its buttons) checks the member's permissions itself.
Buttons and menus carry their page and filters in their custom ids (`iadmin:...`), so they
keep working after a restart and need no memory here.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.present.admin import (
    HISTORY_PAGE_SIZE,
    AdminAction,
    AdminScreen,
    HistoryQuery,
    forget_screen,
    forgotten_embed,
    history_csv,
    history_screen,
    page_count,
    parse_admin_custom_id,
    record_embeds,
    searches_count,
    settings_embed,
    usage_embed,
)
from bot.present.messages import text
from bot.relay import NO_MENTIONS, StaticView
from bot.store import MAX_PAGE, GuildSettings, HistoryPage, SearchRecord, SettingRejected
from cogs.common import tell

if TYPE_CHECKING:
    from bot.app import ImageSearchBot

log = logging.getLogger(__name__)

MAX_EXPORT = 10 * MAX_PAGE  # searches in one CSV (about 1.5 MB, well under upload limits)
Permission = Literal["manage_guild", "manage_messages"]
_REFUSALS: dict[Permission, str] = {
    "manage_guild": "admin.need_manage_guild",
    "manage_messages": "admin.need_manage_messages",
}


@dataclass(frozen=True, slots=True)
class SettingsOptions:
    """What a moderator typed into `/imagesearch settings` (None: left out)."""

    reaction_emoji: str | None = None
    reaction_role_add: int | None = None
    reaction_role_remove: int | None = None
    reaction_everyone: bool | None = None
    channel_add: int | None = None
    channel_remove: int | None = None
    channels_all: bool | None = None
    default_mode: str | None = None
    language: str | None = None
    hits_per_page: int | None = None
    hide_pictures: bool | None = None
    private_by_default: bool | None = None
    mod_log_channel: int | None = None
    mod_log_off: bool | None = None
    member_daily_quota: int | None = None
    server_daily_quota: int | None = None
    cooldown_seconds: int | None = None
    exempt_moderators: bool | None = None
    retention_days: int | None = None


# Options that set one setting as they are (after the 0 = unlimited of the quotas).
_DIRECT = {
    "reaction_emoji": "reaction_emoji",
    "default_mode": "default_mode",
    "language": "language",
    "hits_per_page": "hits_per_page",
    "hide_pictures": "hide_pictures",
    "private_by_default": "private_by_default",
    "member_daily_quota": "member_daily_quota",
    "server_daily_quota": "guild_daily_quota",
    "cooldown_seconds": "member_cooldown_seconds",
    "exempt_moderators": "exempt_moderators",
    "retention_days": "retention_days",
}
_QUOTAS = frozenset({"member_daily_quota", "server_daily_quota"})


def _edited(
    ids: tuple[int, ...], add: int | None, remove: int | None, clear: bool | None
) -> tuple[int, ...] | None:
    """A role or channel list after clear, add and remove; None when none was asked."""
    if add is None and remove is None and not clear:
        return None
    kept = [] if clear else [i for i in ids if i != remove]
    if add is not None and add not in kept:
        kept.append(add)
    return tuple(kept)


def settings_changes(current: GuildSettings, options: SettingsOptions) -> dict[str, object]:
    """The settings to save, by store name; the store validates every value."""
    changes: dict[str, object] = {}
    for option, setting in _DIRECT.items():
        value = getattr(options, option)
        if value is not None:
            changes[setting] = None if option in _QUOTAS and value == 0 else value
    o = options
    roles = _edited(
        current.reaction_role_ids, o.reaction_role_add, o.reaction_role_remove, o.reaction_everyone
    )
    if roles is not None:
        changes["reaction_role_ids"] = roles
    channels = _edited(current.channel_ids, o.channel_add, o.channel_remove, o.channels_all)
    if channels is not None:
        changes["channel_ids"] = channels
    if o.mod_log_channel is not None:
        changes["mod_log_channel_id"] = o.mod_log_channel
    elif o.mod_log_off:
        changes["mod_log_channel_id"] = None
    return changes


def _id(value: Any) -> int | None:
    return None if value is None else int(value.id)


class AdminCog(commands.Cog):
    imagesearch = app_commands.Group(
        name="imagesearch",
        description="Image search in this server: settings, history, usage, your data",
        guild_only=True,
    )

    def __init__(self, bot: ImageSearchBot) -> None:
        self.bot = bot

    # --- /imagesearch settings -------------------------------------------------------------

    @imagesearch.command(
        name="settings",
        description="Show the image search settings, or change some (Manage Server)",
    )
    @app_commands.describe(
        reaction_emoji="Emoji that starts a search when added to an image ('default': the bot's)",
        reaction_role_add="Let this role search by reacting (once roles are listed, only they can)",
        reaction_role_remove="Take this role off the list of roles that may react",
        reaction_everyone="True: everyone may search by reacting (clears the role list)",
        channel_add="Answer in this channel (once channels are listed, only in those)",
        channel_remove="Take this channel off the list",
        channels_all="True: answer in every channel (clears the channel list)",
        default_mode="What a search looks for unless the person picks",
        language="Language of answers: each person's Discord language, or a fixed one",
        hits_per_page="Matching images per page of results",
        hide_pictures="Hide found pictures outside age-restricted channels",
        private_by_default="The Search image menu answers privately",
        mod_log_channel="Where private traces are copied for moderators",
        mod_log_off="True: copy private traces nowhere",
        member_daily_quota="Searches per member per day (0: unlimited)",
        server_daily_quota="Searches in this server per day (0: unlimited)",
        cooldown_seconds="Seconds a member waits between two searches (0: none)",
        exempt_moderators="Moderators skip quotas and cooldown",
        retention_days="Days the search history is kept",
    )
    async def settings(
        self,
        interaction: discord.Interaction[Any],
        reaction_emoji: app_commands.Range[str, 1, 100] | None = None,
        reaction_role_add: discord.Role | None = None,
        reaction_role_remove: discord.Role | None = None,
        reaction_everyone: bool | None = None,
        channel_add: discord.TextChannel | None = None,
        channel_remove: discord.TextChannel | None = None,
        channels_all: bool | None = None,
        default_mode: Literal["source", "similar", "product"] | None = None,
        language: Literal["auto", "en-US", "zh-CN"] | None = None,
        hits_per_page: app_commands.Range[int, 1, 10] | None = None,
        hide_pictures: bool | None = None,
        private_by_default: bool | None = None,
        mod_log_channel: discord.TextChannel | None = None,
        mod_log_off: bool | None = None,
        member_daily_quota: app_commands.Range[int, 0, 100_000] | None = None,
        server_daily_quota: app_commands.Range[int, 0, 1_000_000] | None = None,
        cooldown_seconds: app_commands.Range[int, 0, 86_400] | None = None,
        exempt_moderators: bool | None = None,
        retention_days: app_commands.Range[int, 1, 3650] | None = None,
    ) -> None:
        guild_id = await self._guild_for(interaction, "manage_guild")
        if guild_id is None:
            return
        options = SettingsOptions(
            reaction_emoji=reaction_emoji,
            reaction_role_add=_id(reaction_role_add),
            reaction_role_remove=_id(reaction_role_remove),
            reaction_everyone=reaction_everyone,
            channel_add=_id(channel_add),
            channel_remove=_id(channel_remove),
            channels_all=channels_all,
            default_mode=default_mode,
            language=language,
            hits_per_page=hits_per_page,
            hide_pictures=hide_pictures,
            private_by_default=private_by_default,
            mod_log_channel=_id(mod_log_channel),
            mod_log_off=mod_log_off,
            member_daily_quota=member_daily_quota,
            server_daily_quota=server_daily_quota,
            cooldown_seconds=cooldown_seconds,
            exempt_moderators=exempt_moderators,
            retention_days=retention_days,
        )
        await self._change_settings(interaction, guild_id, options)

    async def _change_settings(
        self, interaction: discord.Interaction[Any], guild_id: int, options: SettingsOptions
    ) -> None:
        lang = str(interaction.locale)
        store = self.bot.store
        changes = settings_changes(await store.get_guild_settings(guild_id), options)
        try:
            settings = await store.update_guild_settings(guild_id, **changes)
        except SettingRejected as rejected:
            await tell(interaction, text("admin.settings.rejected", lang, reason=rejected.reason))
            return
        if changes:
            log.info("settings of guild %s changed: %s", guild_id, ", ".join(changes))
        embed = settings_embed(
            settings, lang, default_emoji=self.bot.settings.search_reaction, saved=tuple(changes)
        )
        await _send(interaction, AdminScreen([embed]))

    # --- /imagesearch history --------------------------------------------------------------

    @imagesearch.command(
        name="history", description="Recent searches in this server (Manage Messages)"
    )
    @app_commands.describe(
        member="Only this member's searches", days="Only searches of the last this many days"
    )
    async def history(
        self,
        interaction: discord.Interaction[Any],
        member: discord.Member | discord.User | None = None,
        days: app_commands.Range[int, 1, 3650] | None = None,
    ) -> None:
        guild_id = await self._guild_for(interaction, "manage_messages")
        if guild_id is None:
            return
        query = HistoryQuery(_id(member), days, 0)
        await _send(interaction, await self._history_screen(interaction, guild_id, query))

    async def _history_screen(
        self, interaction: discord.Interaction[Any], guild_id: int, query: HistoryQuery
    ) -> AdminScreen:
        page = await self._history_page(guild_id, query)
        last = page_count(page.total) - 1
        if query.page > last:  # the history shrank since the button was drawn
            query = HistoryQuery(query.member_id, query.days, last)
            page = await self._history_page(guild_id, query)
        return history_screen(page, query, str(interaction.locale))

    async def _history_page(self, guild_id: int, query: HistoryQuery) -> HistoryPage:
        return await self.bot.store.history(
            guild_id,
            member_id=query.member_id,
            since=_since(query.days),
            limit=HISTORY_PAGE_SIZE,
            offset=query.page * HISTORY_PAGE_SIZE,
        )

    # --- /imagesearch usage ----------------------------------------------------------------

    @imagesearch.command(
        name="usage",
        description="Searches, tokens and estimated cost in this server (Manage Server)",
    )
    @app_commands.describe(days="How many days back (default 30)")
    async def usage(
        self, interaction: discord.Interaction[Any], days: app_commands.Range[int, 1, 365] = 30
    ) -> None:
        guild_id = await self._guild_for(interaction, "manage_guild")
        if guild_id is None:
            return
        now = datetime.now(UTC)
        report = await self.bot.store.usage(guild_id, since=now - timedelta(days=days), until=now)
        embed = usage_embed(
            report,
            days,
            str(interaction.locale),
            price_per_1000=self.bot.settings.price_per_1000_searches,
        )
        await _send(interaction, AdminScreen([embed]))

    # --- /imagesearch forget-me ------------------------------------------------------------

    @imagesearch.command(
        name="forget-me", description="Delete the bot's record of your searches in this server"
    )
    async def forget_me(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = await self._guild_for(interaction, None)
        if guild_id is None:
            return
        user_id = interaction.user.id
        recorded = await self.bot.store.history(guild_id, member_id=user_id, limit=1)
        await _send(interaction, forget_screen(user_id, recorded.total, str(interaction.locale)))

    # --- buttons and menus -----------------------------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is not discord.InteractionType.component:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        parsed = parse_admin_custom_id(str(data.get("custom_id", "")))
        if parsed is None:
            return
        action, args = parsed
        if action is AdminAction.NOOP:
            await interaction.response.defer()
        elif action in (AdminAction.FORGET, AdminAction.KEEP):
            await self._forget_clicked(interaction, action, args)
        else:
            await self._history_clicked(interaction, action, args, data)

    async def _history_clicked(
        self,
        interaction: discord.Interaction[Any],
        action: AdminAction,
        args: list[str],
        data: dict[str, Any],
    ) -> None:
        guild_id = await self._guild_for(interaction, "manage_messages")
        query = HistoryQuery.from_args([*args, "0"] if action is AdminAction.EXPORT else args)
        if guild_id is None or query is None:
            return
        if action is AdminAction.PAGE:
            screen = await self._history_screen(interaction, guild_id, query)
            await interaction.response.edit_message(
                embeds=screen.embeds, view=_view(screen), allowed_mentions=NO_MENTIONS
            )
        elif action is AdminAction.OPEN:
            values = [str(v) for v in data.get("values") or []]
            await self._open(interaction, guild_id, values[0] if values else "")
        elif action is AdminAction.EXPORT:
            await self._export(interaction, guild_id, query)

    async def _open(
        self, interaction: discord.Interaction[Any], guild_id: int, search_id: str
    ) -> None:
        lang = str(interaction.locale)
        record = await self.bot.store.get_search(search_id) if search_id else None
        if record is None or record.guild_id != guild_id:  # never another server's search
            await tell(interaction, text("admin.history.gone", lang))
            return
        await _send(interaction, AdminScreen(record_embeds(record, lang)))

    async def _export(
        self, interaction: discord.Interaction[Any], guild_id: int, query: HistoryQuery
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        records = await self._all_records(guild_id, query)
        lang = str(interaction.locale)
        searches = searches_count(len(records), lang)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
        await interaction.followup.send(
            text("admin.history.exported", lang, searches=searches),
            file=discord.File(io.BytesIO(history_csv(records)), filename=f"history-{stamp}.csv"),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    async def _all_records(self, guild_id: int, query: HistoryQuery) -> list[SearchRecord]:
        """The filtered history, newest first, up to MAX_EXPORT searches."""
        records: list[SearchRecord] = []
        since = _since(query.days)
        while len(records) < MAX_EXPORT:
            page = await self.bot.store.history(
                guild_id,
                member_id=query.member_id,
                since=since,
                limit=MAX_PAGE,
                offset=len(records),
            )
            records.extend(page.records)
            if len(page.records) < MAX_PAGE:
                break
        return records[:MAX_EXPORT]

    async def _forget_clicked(
        self, interaction: discord.Interaction[Any], action: AdminAction, args: list[str]
    ) -> None:
        lang = str(interaction.locale)
        guild_id = interaction.guild_id
        if guild_id is None or not args or args[0] != str(interaction.user.id):
            await tell(interaction, text("admin.not_yours", lang))
            return
        deleted = None
        if action is AdminAction.FORGET:
            deleted = await self.bot.store.forget_member(guild_id, interaction.user.id)
            log.info(
                "forgot %d searches of a member of guild %s at their request", deleted, guild_id
            )
        await interaction.response.edit_message(
            embeds=[forgotten_embed(deleted, lang)],
            view=StaticView(timeout=None),
            allowed_mentions=NO_MENTIONS,
        )

    # --- helpers ---------------------------------------------------------------------------

    async def _guild_for(
        self, interaction: discord.Interaction[Any], permission: Permission | None
    ) -> int | None:
        """The server's id when the member may do this here; else says why not, and None."""
        lang = str(interaction.locale)
        if interaction.guild_id is None:
            await tell(interaction, text("admin.guild_only", lang))
            return None
        if permission is not None and not _has(interaction, permission):
            await tell(interaction, text(_REFUSALS[permission], lang))
            return None
        return interaction.guild_id


def _has(interaction: discord.Interaction[Any], permission: Permission) -> bool:
    # The member's permissions in this channel, as Discord computed them for this interaction.
    permissions = interaction.permissions
    return permissions.administrator or bool(getattr(permissions, permission))


def _since(days: int | None) -> datetime | None:
    return None if days is None else datetime.now(UTC) - timedelta(days=days)


def _view(screen: AdminScreen) -> discord.ui.View:
    view = StaticView(timeout=None)
    if screen.select is not None:
        spec = screen.select
        view.add_item(
            discord.ui.Select(
                custom_id=spec.custom_id,
                placeholder=spec.placeholder,
                options=[
                    discord.SelectOption(label=label, value=value, description=about or None)
                    for label, value, about in spec.options
                ],
                row=0,
            )
        )
    for button in screen.buttons:
        view.add_item(
            discord.ui.Button(
                label=button.label,
                custom_id=button.custom_id,
                style=button.style,
                disabled=button.disabled,
                emoji=button.emoji,
                row=1,
            )
        )
    return view


async def _send(interaction: discord.Interaction[Any], screen: AdminScreen) -> None:
    """A private reply (or follow-up, once the interaction was answered)."""
    if interaction.response.is_done():
        await interaction.followup.send(
            embeds=screen.embeds, view=_view(screen), ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        return
    await interaction.response.send_message(
        embeds=screen.embeds, view=_view(screen), ephemeral=True, allowed_mentions=NO_MENTIONS
    )


async def setup(bot: ImageSearchBot) -> None:
    await bot.add_cog(AdminCog(bot))
