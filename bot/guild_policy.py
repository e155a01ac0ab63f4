"""How a server's settings shape a search: pure functions, no Discord calls, no I/O.

The cogs read the facts (the person's roles and permissions, the channel) and ask here what
they mean under the server's settings, so every entry point applies them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bot.search.request import Mode
from bot.searches import SearchJob
from bot.store import DEFAULT_GUILD_SETTINGS, GuildSettings


def settings_or_default(settings: GuildSettings | None) -> GuildSettings:
    return settings or DEFAULT_GUILD_SETTINGS


def language(settings: GuildSettings, person_locale: str) -> str:
    """The person's Discord language, unless the server fixed one."""
    return person_locale if settings.language == "auto" else settings.language


def reaction_emoji(settings: GuildSettings, default: str) -> str:
    return settings.reaction_emoji or default


def may_react(settings: GuildSettings, role_ids: Iterable[int]) -> bool:
    """Whether this member's reaction starts a search (no roles listed: everyone's does)."""
    allowed = set(settings.reaction_role_ids)
    return not allowed or bool(allowed.intersection(role_ids))


def answers_in(settings: GuildSettings, channel_id: int, parent_id: int | None = None) -> bool:
    """Whether the bot searches in this channel (a thread follows its parent channel)."""
    allowed = set(settings.channel_ids)
    return not allowed or channel_id in allowed or (parent_id is not None and parent_id in allowed)


def default_mode(settings: GuildSettings) -> Mode:
    try:
        return Mode(settings.default_mode)
    except ValueError:
        return Mode.SOURCE


def apply(
    job: SearchJob, settings: GuildSettings, *, moderator: bool, age_restricted: bool
) -> SearchJob:
    """The job under the server's settings: language, page size, pictures, quotas."""
    return replace(
        job,
        locale=language(settings, job.locale),
        hits_per_page=settings.hits_per_page,
        # Pictures from the web only where the channel is age-restricted, only the person
        # who asked sees them, or the server chose to show them everywhere.
        show_pictures=job.private or age_restricted or not settings.hide_pictures,
        quota=settings.quota_limits,
        exempt=moderator and settings.exempt_moderators,
    )
