"""Small helpers the cogs share: a private reply, and facts about a member or channel."""

from __future__ import annotations

from typing import Any

import discord

from bot.relay import NO_MENTIONS


async def tell(interaction: discord.Interaction[Any], message: str) -> None:
    """A private one-line answer, as the first response or a follow-up."""
    if interaction.response.is_done():
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(
            message, ephemeral=True, allowed_mentions=NO_MENTIONS
        )


def is_nsfw(channel: Any) -> bool:
    """Whether a channel is age-restricted (threads and DMs answer False)."""
    is_nsfw = getattr(channel, "is_nsfw", None)
    return bool(is_nsfw()) if callable(is_nsfw) else False


def can_manage_messages(member: Any, channel: Any) -> bool:
    """Whether a member (of a text command or a reaction) moderates this channel."""
    permissions_for = getattr(channel, "permissions_for", None)
    if not isinstance(member, discord.Member) or permissions_for is None:
        return False
    return bool(permissions_for(member).manage_messages)
