"""Storage: guild settings, search history, usage and quotas (SQLite by default, PostgreSQL by
URL). Everything goes through `Store`; see `store.py`."""

from bot.store.guild_settings import DEFAULT_GUILD_SETTINGS, SETTING_NAMES, GuildSettings
from bot.store.quotas import UNLIMITED, QuotaLimits, RefusalReason, Refused, Reserved
from bot.store.records import (
    DayUsage,
    HistoryPage,
    MemberUsage,
    NewSearch,
    SearchOutcome,
    SearchRecord,
    SearchStatus,
    UsageFigures,
    UsageReport,
    outcome_of,
)
from bot.store.store import MAX_PAGE, Store
from bot.store.urls import UnsupportedDatabaseUrl, async_url
from bot.store.validation import SettingRejected, validate_setting

__all__ = [
    "DEFAULT_GUILD_SETTINGS",
    "MAX_PAGE",
    "SETTING_NAMES",
    "UNLIMITED",
    "DayUsage",
    "GuildSettings",
    "HistoryPage",
    "MemberUsage",
    "NewSearch",
    "QuotaLimits",
    "RefusalReason",
    "Refused",
    "Reserved",
    "SearchOutcome",
    "SearchRecord",
    "SearchStatus",
    "SettingRejected",
    "Store",
    "UnsupportedDatabaseUrl",
    "UsageFigures",
    "UsageReport",
    "async_url",
    "outcome_of",
    "validate_setting",
]
