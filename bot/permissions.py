"""The Discord permissions the bot needs: one list, from which the invite link is computed.

Bit values are Discord's (developer docs, "Permissions"); the names are discord.py's
`Permissions` attributes, the labels what the server settings screen shows. Only what the code
does today is asked for:

- not Attach Files: the only upload (the CSV export) is an interaction response, and Discord
  always grants Embed Links and Attach Files to those;
- not Use External Emojis: the bot only uses Unicode emoji.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Permission:
    name: str  # discord.py's attribute, e.g. "send_messages"
    label: str  # as Discord's UI shows it
    bit: int
    why: str


NEEDED: tuple[Permission, ...] = (
    Permission("view_channel", "View Channels", 1 << 10, "see channels and the messages in them"),
    Permission(
        "send_messages", "Send Messages", 1 << 11, "answer reactions and !search in the channel"
    ),
    Permission(
        "send_messages_in_threads",
        "Send Messages in Threads",
        1 << 38,
        "answer the same inside threads",
    ),
    Permission("embed_links", "Embed Links", 1 << 14, "the results are embeds"),
    Permission(
        "read_message_history",
        "Read Message History",
        1 << 16,
        "fetch the message reacted to or replied to, and reply to it",
    ),
    Permission("add_reactions", "Add Reactions", 1 << 6, "mark progress with ⏳ ✅ ❌"),
    Permission(
        "create_public_threads",
        "Create Public Threads",
        1 << 35,
        "answer a follow-up question in a thread under the result",
    ),
)


def permissions_value(permissions: Iterable[Permission] = NEEDED) -> int:
    """The `permissions` integer of an invite link: the OR of the bits."""
    value = 0
    for permission in permissions:
        value |= permission.bit
    return value
