"""Data model of the fake Discord: constants (intents, permissions, flags), snowflakes,
the records of users/guilds/channels, and what tests read back (`RestCall`,
`InjectedInteraction`)."""

from __future__ import annotations

import asyncio
import io
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000
DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

# Gateway intents (https://discord.com/developers/docs/events/gateway#gateway-intents).
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_DIRECT_MESSAGE_REACTIONS = 1 << 13
INTENT_MESSAGE_CONTENT = 1 << 15

# Message flags.
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_IS_COMPONENTS_V2 = 1 << 15

# Channel types.
CHANNEL_TEXT = 0
CHANNEL_DM = 1
CHANNEL_PUBLIC_THREAD = 11
THREAD_TYPES = frozenset({10, 11, 12})

# Interaction types.
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5

PERMISSIONS: dict[str, int] = {
    "create_instant_invite": 1 << 0,
    "kick_members": 1 << 1,
    "ban_members": 1 << 2,
    "administrator": 1 << 3,
    "manage_channels": 1 << 4,
    "manage_guild": 1 << 5,
    "add_reactions": 1 << 6,
    "view_channel": 1 << 10,
    "send_messages": 1 << 11,
    "send_tts_messages": 1 << 12,
    "manage_messages": 1 << 13,
    "embed_links": 1 << 14,
    "attach_files": 1 << 15,
    "read_message_history": 1 << 16,
    "mention_everyone": 1 << 17,
    "use_external_emojis": 1 << 18,
    "manage_roles": 1 << 28,
    "use_application_commands": 1 << 31,
    "manage_threads": 1 << 34,
    "create_public_threads": 1 << 35,
    "create_private_threads": 1 << 36,
    "send_messages_in_threads": 1 << 38,
}
ALL_PERMISSIONS = (1 << 51) - 1
DEFAULT_EVERYONE_PERMISSIONS = sum(
    PERMISSIONS[name]
    for name in (
        "create_instant_invite",
        "add_reactions",
        "view_channel",
        "send_messages",
        "embed_links",
        "attach_files",
        "read_message_history",
        "use_external_emojis",
        "use_application_commands",
        "create_public_threads",
        "send_messages_in_threads",
    )
)
DEFAULT_BOT_PERMISSIONS = DEFAULT_EVERYONE_PERMISSIONS | PERMISSIONS["manage_messages"]

_USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
_ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")
_CUSTOM_EMOJI = re.compile(r"^<?(a)?:?([\w~]{1,32}):(\d{15,21})>?$")


def permission_bit(name: str) -> int:
    try:
        return PERMISSIONS[name]
    except KeyError:
        raise ValueError(f"unknown permission {name!r}; known: {sorted(PERMISSIONS)}") from None


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


def snowflake_time(snowflake: int) -> float:
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that receives a guild's events: `(guild_id >> 22) % shard_count`."""
    return (guild_id >> 22) % shard_count


class SnowflakeFactory:
    """Increasing snowflakes carrying the current time (so `created_at` is realistic)."""

    def __init__(self) -> None:
        self._last_ms = 0
        self._increment = 0

    def next(self, *, shard: tuple[int, int] | None = None) -> int:
        ms = max(int(time.time() * 1000) - DISCORD_EPOCH_MS, self._last_ms)
        if shard is not None:
            shard_id, shard_count = shard
            if not 0 <= shard_id < shard_count:
                raise ValueError(f"invalid shard {shard!r}")
            if ms == self._last_ms:
                ms += 1
            while ms % shard_count != shard_id:
                ms += 1
        if ms == self._last_ms:
            self._increment += 1
            if self._increment >= 4096:
                ms, self._increment = ms + 1, 0
        else:
            self._increment = 0
        self._last_ms = ms
        return (ms << 22) | (1 << 17) | self._increment


@dataclass
class FakeUser:
    id: int
    username: str
    bot: bool = False
    avatar: str | None = None
    global_name: str | None = None
    dms_open: bool = True

    def payload(self) -> Json:
        data: Json = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
            "collectibles": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class FakeRole:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False

    def payload(self) -> Json:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class FakeMember:
    guild_id: int
    user_id: int
    roles: list[int]
    joined_at: str
    nick: str | None = None
    permissions: int | None = None  # overrides the computed value in interactions


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def payload(self) -> Json:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass
class FakeChannel:
    id: int
    type: int
    name: str | None
    guild_id: int | None = None
    nsfw: bool = False
    parent_id: int | None = None
    position: int = 0
    owner_id: int | None = None
    recipient_id: int | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    last_message_id: int | None = None
    created_at: float = 0.0


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    joined_at: str
    locale: str = "en-US"
    roles: dict[int, FakeRole] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)


@dataclass
class CdnObject:
    data: bytes
    content_type: str
    signed: bool = True  # attachments are signed; avatars/emojis are not
    still_frame: bytes | None = None


@dataclass
class UploadedFile:
    """One `files[n]` part of a multipart request."""

    field: str
    filename: str
    data: bytes
    content_type: str | None = None


@dataclass
class RestCall:
    """One REST request the fake answered (in order of arrival)."""

    method: str
    path: str  # after the /api/v10 prefix, e.g. /channels/1/messages/2
    route: str  # method + template, e.g. "PATCH /channels/{channel_id}/messages/{message_id}"
    template: str  # template only
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: dict[str, bytes]
    status: int
    at: float  # event-loop time of arrival
    response: Any = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class InjectedInteraction:
    """An interaction the test injected, and what the bot did with it."""

    id: int
    token: str
    type: int
    payload: Json
    created_at: float  # fake monotonic clock
    guild_id: int | None
    channel_id: int
    user_id: int
    message_id: int | None = None  # the message a component belongs to
    response_type: int | None = None
    response_data: Json | None = None
    responded_at: float | None = None
    original_message_id: int | None = None
    followup_message_ids: list[int] = field(default_factory=list)
    delivered_to: int = 0  # number of gateway sessions that got INTERACTION_CREATE
    _responded: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def responded(self) -> bool:
        return self.response_type is not None

    @property
    def ephemeral(self) -> bool:
        return bool((self.response_data or {}).get("flags", 0) & FLAG_EPHEMERAL)

    async def wait_responded(self, within: float = 5.0) -> None:
        """Wait until the bot answered the callback (any type: message, defer, modal...)."""
        await asyncio.wait_for(self._responded.wait(), within)

    def record_response(self, kind: int, data: Json, at: float, message_id: int | None) -> None:
        self.response_type = kind
        self.response_data = data
        self.responded_at = at
        if message_id is not None:
            self.original_message_id = message_id
        self._responded.set()


def emoji_payload(emoji: str) -> Json:
    """`"👍"` → `{"id": None, "name": "👍"}`; `"name:123"`/`"<a:name:123>"` → custom."""
    match = _CUSTOM_EMOJI.match(emoji)
    if match:
        return {"id": match.group(3), "name": match.group(2), "animated": bool(match.group(1))}
    return {"id": None, "name": emoji}


def emoji_key(emoji: Json) -> str:
    return f"{emoji['name']}:{emoji['id']}" if emoji.get("id") else str(emoji["name"])


def image_size(data: bytes) -> tuple[int, int] | None:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a dependency of the bot
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:
        return None


_MIME_BY_SUFFIX = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "mov": "video/quicktime",
    "txt": "text/plain; charset=utf-8",
    "json": "application/json",
}


def guess_type(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return _MIME_BY_SUFFIX.get(suffix, "application/octet-stream")


def find_user_mentions(content: str) -> list[int]:
    return [int(match) for match in _USER_MENTION.findall(content)]


def find_role_mentions(content: str) -> list[int]:
    return [int(match) for match in _ROLE_MENTION.findall(content)]
