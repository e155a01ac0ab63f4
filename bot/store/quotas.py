"""Pure quota decisions: given what a guild and a member used today, may a search start?

The store gathers the counts under a lock and calls `decide`; nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from bot.store.records import SearchRecord
from bot.store.times import as_utc


@dataclass(frozen=True, slots=True)
class QuotaLimits:
    member_daily: int | None = None  # searches per member per UTC day; None: unlimited
    guild_daily: int | None = None  # searches per guild per UTC day; None: unlimited
    member_cooldown_seconds: int = 0  # gap between two searches of one member


UNLIMITED = QuotaLimits()


class RefusalReason(StrEnum):
    COOLDOWN = "cooldown"
    MEMBER_QUOTA = "member_quota"
    GUILD_QUOTA = "guild_quota"


@dataclass(frozen=True, slots=True)
class Reserved:
    record: SearchRecord  # the running search, already recorded


@dataclass(frozen=True, slots=True)
class Refused:
    reason: RefusalReason
    retry_at: datetime  # the earliest time the same request could pass


@dataclass(frozen=True, slots=True)
class UsedToday:
    """What counts against the limits, read inside the reservation's transaction."""

    member_today: int
    guild_today: int | None  # None: a direct message, which no guild quota covers
    member_last_started: datetime | None


def next_utc_midnight(now: datetime) -> datetime:
    day = as_utc(now).date() + timedelta(days=1)
    return datetime.combine(day, time(), tzinfo=UTC)


def decide(limits: QuotaLimits, used: UsedToday, now: datetime) -> Refused | None:
    """None when the search may start, else why not and until when.

    Quotas are checked before the cooldown: their retry time is later, and telling someone
    to wait 30 seconds when the server is out of searches for the day would mislead them.
    """
    if used.guild_today is not None and _reached(used.guild_today, limits.guild_daily):
        return Refused(RefusalReason.GUILD_QUOTA, next_utc_midnight(now))
    if _reached(used.member_today, limits.member_daily):
        return Refused(RefusalReason.MEMBER_QUOTA, next_utc_midnight(now))
    if used.member_last_started is not None and limits.member_cooldown_seconds > 0:
        ready = used.member_last_started + timedelta(seconds=limits.member_cooldown_seconds)
        if now < ready:
            return Refused(RefusalReason.COOLDOWN, ready)
    return None


def _reached(used: int, limit: int | None) -> bool:
    return limit is not None and used >= limit
