"""What a server's moderators can change, with the defaults every server starts from."""

from __future__ import annotations

from dataclasses import dataclass, fields

from bot.store.quotas import QuotaLimits


@dataclass(frozen=True, slots=True)
class GuildSettings:
    reaction_emoji: str | None = None  # None: the bot's SEARCH_REACTION
    reaction_role_ids: tuple[int, ...] = ()  # roles whose reactions start a search; (): everyone
    channel_ids: tuple[int, ...] = ()  # channels where the bot searches; (): all
    default_mode: str = "source"  # "source", "similar" or "product"
    language: str = "auto"  # "auto": each person's Discord language; else a locale ("zh-CN")
    hits_per_page: int = 5
    hide_pictures: bool = True  # hide found pictures outside age-restricted channels
    private_by_default: bool = False  # the "Search image" menu answers privately
    mod_log_channel_id: int | None = None
    member_daily_quota: int | None = 20  # None: unlimited
    guild_daily_quota: int | None = 200  # None: unlimited
    member_cooldown_seconds: int = 30
    exempt_moderators: bool = True  # moderators skip quotas and cooldown
    retention_days: int = 30  # search history older than this is deleted

    @property
    def quota_limits(self) -> QuotaLimits:
        return QuotaLimits(
            member_daily=self.member_daily_quota,
            guild_daily=self.guild_daily_quota,
            member_cooldown_seconds=self.member_cooldown_seconds,
        )


DEFAULT_GUILD_SETTINGS = GuildSettings()
SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(GuildSettings))
