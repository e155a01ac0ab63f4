"""State of the fake Discord: users, guilds, channels, messages, and the payloads discord.py
2.7.1 parses from them (`Member` needs `flags`, `Message` needs `type`/`content`/`timestamp`,
...). No networking: `tests.fakes.discord.FakeDiscord` adds the HTTP/gateway server.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable

from tests.fakes.discord_cdn import Cdn
from tests.fakes.discord_models import (
    ALL_PERMISSIONS,
    CHANNEL_DM,
    CHANNEL_PUBLIC_THREAD,
    CHANNEL_TEXT,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    PERMISSIONS,
    THREAD_TYPES,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    InjectedInteraction,
    Json,
    Overwrite,
    SnowflakeFactory,
    iso,
    permission_bit,
)


class DiscordState:
    """Everything the fake Discord knows. Ids are ints; payloads are Discord JSON dicts."""

    def __init__(
        self,
        *,
        token: str,
        message_content_granted: bool,
        attachment_size_limit: int,
        bot_name: str = "FakeBot",
    ) -> None:
        self.token = token
        self.message_content_granted = message_content_granted
        self.attachment_size_limit = attachment_size_limit
        self._ids = SnowflakeFactory()
        self._time_offset = 0.0
        self.cdn = Cdn(wall_clock=self.wall_now, secret=secrets.token_bytes(16))

        self.users: dict[int, FakeUser] = {}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, Json] = {}
        """Current state of every live message (as stored, content never blanked)."""
        self.deleted_messages: dict[int, Json] = {}
        self.reactions: dict[int, dict[str, list[int]]] = {}
        self.interactions: dict[int, InjectedInteraction] = {}
        self.commands: dict[int | None, list[Json]] = {}
        """Registered application commands: key None = global, else guild id."""

        self.application_id = self._ids.next()
        bot = FakeUser(self._ids.next(), bot_name, bot=True)
        self.users[bot.id] = bot
        self.bot_user_id = bot.id
        self.owner_user_id = self.add_user("app-owner")

    # ---------------------------------------------------------------- clock

    def wall_now(self) -> float:
        """Wall-clock time as the fake sees it (CDN expiry, timestamps)."""
        return time.time() + self._time_offset

    def mono_now(self) -> float:
        """Monotonic time as the fake sees it (interaction deadlines, token lifetime)."""
        return time.monotonic() + self._time_offset

    def advance_time(self, seconds: float) -> None:
        """Jump the fake's clock: expires CDN URLs, interaction tokens and deadlines."""
        self._time_offset += seconds

    def new_id(self) -> int:
        return self._ids.next()

    # ---------------------------------------------------------------- setup helpers

    @property
    def bot_user(self) -> Json:
        data = self.users[self.bot_user_id].payload()
        data.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None})
        return data

    def add_user(
        self,
        name: str,
        *,
        bot: bool = False,
        avatar: bytes | None = None,
        global_name: str | None = None,
    ) -> int:
        """Create a user; `avatar` bytes are served at `/avatars/{id}/{hash}.png`."""
        user_id = self.new_id()
        avatar_hash = None
        if avatar is not None:
            avatar_hash = hashlib.md5(avatar).hexdigest()
            self.cdn.add_asset(f"/avatars/{user_id}/{avatar_hash}", avatar)
        self.users[user_id] = FakeUser(
            user_id, name, bot=bot, avatar=avatar_hash, global_name=global_name
        )
        return user_id

    def add_guild(
        self,
        name: str,
        *,
        owner_id: int | None = None,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        shard: tuple[int, int] | None = None,
        locale: str = "en-US",
    ) -> int:
        """Create a guild the bot is in (with @everyone, a managed bot role and the bot's member).

        `shard=(shard_id, shard_count)` picks an id that lands on that shard.
        """
        guild_id = self._ids.next(shard=shard)
        owner = owner_id if owner_id is not None else self.owner_user_id
        guild = FakeGuild(guild_id, name, owner, joined_at=iso(self.wall_now()), locale=locale)
        guild.roles[guild_id] = FakeRole(guild_id, guild_id, "@everyone", everyone_permissions)
        self.guilds[guild_id] = guild
        bot_role = self.add_role(guild_id, self.users[self.bot_user_id].username, bot_permissions)
        guild.roles[bot_role].managed = True
        self.add_member(guild_id, self.bot_user_id, roles=(bot_role,))
        if owner not in guild.members:
            self.add_member(guild_id, owner)
        return guild_id

    def add_role(self, guild_id: int, name: str, permissions: int = 0) -> int:
        guild = self.guilds[guild_id]
        role_id = self.new_id()
        guild.roles[role_id] = FakeRole(
            role_id, guild_id, name, permissions, position=len(guild.roles)
        )
        return role_id

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        *,
        roles: Iterable[int] = (),
        permissions: int | None = None,
        nick: str | None = None,
    ) -> Json:
        """Add a user to a guild. `permissions` overrides the computed value in interactions."""
        if user_id not in self.users:
            raise KeyError(f"unknown user {user_id}")
        guild = self.guilds[guild_id]
        guild.members[user_id] = FakeMember(
            guild_id, user_id, list(roles), iso(self.wall_now()), nick=nick, permissions=permissions
        )
        return self.member_payload(guild_id, user_id)

    def add_channel(
        self, guild_id: int, name: str, *, nsfw: bool = False, position: int | None = None
    ) -> int:
        guild = self.guilds[guild_id]
        channel_id = self.new_id()
        self.channels[channel_id] = FakeChannel(
            channel_id,
            CHANNEL_TEXT,
            name,
            guild_id=guild_id,
            nsfw=nsfw,
            position=len(guild.channel_ids) if position is None else position,
            created_at=self.wall_now(),
        )
        guild.channel_ids.append(channel_id)
        return channel_id

    def dm_channel_for(self, user_id: int) -> int:
        """The bot's DM channel with a user (created on first use, as POST /users/@me/channels)."""
        for channel in self.channels.values():
            if channel.type == CHANNEL_DM and channel.recipient_id == user_id:
                return channel.id
        channel_id = self.new_id()
        self.channels[channel_id] = FakeChannel(
            channel_id, CHANNEL_DM, None, recipient_id=user_id, created_at=self.wall_now()
        )
        return channel_id

    def close_dms(self, user_id: int) -> None:
        """The user does not accept DMs: sends to their DM channel answer 403 code 50007."""
        self.users[user_id].dms_open = False

    def add_thread(self, parent_id: int, name: str, *, thread_id: int | None = None) -> int:
        parent = self.channels[parent_id]
        assert parent.guild_id is not None
        new_id = thread_id if thread_id is not None else self.new_id()
        self.channels[new_id] = FakeChannel(
            new_id,
            CHANNEL_PUBLIC_THREAD,
            name,
            guild_id=parent.guild_id,
            parent_id=parent_id,
            owner_id=self.bot_user_id,
            created_at=self.wall_now(),
        )
        self.guilds[parent.guild_id].channel_ids.append(new_id)
        return new_id

    def set_permission_overwrite(
        self, channel_id: int, target_id: int, *, allow: int = 0, deny: int = 0, member: bool = True
    ) -> None:
        channel = self.channels[channel_id]
        overwrite = channel.overwrites.setdefault(
            target_id, Overwrite(target_id, 1 if member else 0)
        )
        overwrite.allow = (overwrite.allow | allow) & ~deny
        overwrite.deny = (overwrite.deny | deny) & ~allow

    # ---------------------------------------------------------------- payloads

    def user_payload(self, user_id: int) -> Json:
        return self.users[user_id].payload()

    def member_payload(self, guild_id: int, user_id: int, *, with_user: bool = True) -> Json:
        member = self.guilds[guild_id].members[user_id]
        data: Json = {
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(role) for role in member.roles],
            "joined_at": member.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user_payload(user_id)
        return data

    def channel_payload(self, channel_id: int) -> Json:
        channel = self.channels[channel_id]
        last = str(channel.last_message_id) if channel.last_message_id else None
        if channel.type == CHANNEL_DM:
            assert channel.recipient_id is not None
            return {
                "id": str(channel.id),
                "type": CHANNEL_DM,
                "last_message_id": last,
                "flags": 0,
                "recipients": [self.user_payload(channel.recipient_id)],
            }
        data: Json = {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": [o.payload() for o in channel.overwrites.values()],
            "nsfw": channel.nsfw,
            "topic": None,
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "last_message_id": last,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if channel.type in THREAD_TYPES:
            count = sum(1 for m in self.messages.values() if m["channel_id"] == str(channel.id))
            data.update(
                {
                    "owner_id": str(channel.owner_id),
                    "message_count": count,
                    "total_message_sent": count,
                    "member_count": 1,
                    "thread_metadata": {
                        "archived": False,
                        "auto_archive_duration": 1440,
                        "archive_timestamp": iso(channel.created_at),
                        "locked": False,
                        "create_timestamp": iso(channel.created_at),
                    },
                }
            )
        return data

    def guild_payload(self, guild_id: int) -> Json:
        guild = self.guilds[guild_id]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": guild.locale,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [role.payload() for role in guild.roles.values()],
            "max_members": 500_000,
            "application_id": None,
        }

    def guild_create_payload(self, guild_id: int) -> Json:
        """GUILD_CREATE: like Discord, `members` holds only the bot's own member (no presence
        intent, nobody in voice); a client with the members intent asks for the rest (op 8)."""
        guild = self.guilds[guild_id]
        data = self.guild_payload(guild_id)
        members = [self.member_payload(guild_id, self.bot_user_id)]
        ids = guild.channel_ids
        data.update(
            {
                "joined_at": guild.members[self.bot_user_id].joined_at,
                "large": False,
                "unavailable": False,
                "lazy": True,
                "member_count": len(guild.members),
                "members": members,
                "channels": [
                    self.channel_payload(c)
                    for c in ids
                    if self.channels[c].type not in THREAD_TYPES
                ],
                "threads": [
                    self.channel_payload(c) for c in ids if self.channels[c].type in THREAD_TYPES
                ],
                "voice_states": [],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
            }
        )
        return data

    def application_payload(self) -> Json:
        flags = (1 << 19) if self.message_content_granted else 0  # GATEWAY_MESSAGE_CONTENT_LIMITED
        return {
            "id": str(self.application_id),
            "name": self.users[self.bot_user_id].username,
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.user_payload(self.owner_user_id),
            "verify_key": "0" * 64,
            "flags": flags,
            "team": None,
            "summary": "",
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "approximate_guild_count": len(self.guilds),
            "bot": self.user_payload(self.bot_user_id),
        }

    # ---------------------------------------------------------------- permissions

    def permissions_for(self, user_id: int, channel_id: int) -> int:
        """Computed permissions of a guild member in a channel (owner/admin → all)."""
        channel = self.channels[channel_id]
        if channel.guild_id is None:
            return DEFAULT_EVERYONE_PERMISSIONS & ~PERMISSIONS["mention_everyone"]
        guild = self.guilds[channel.guild_id]
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        perms = guild.roles[guild.id].permissions
        role_ids = member.roles if member else []
        for role_id in role_ids:
            perms |= guild.roles[role_id].permissions
        if perms & PERMISSIONS["administrator"]:
            return ALL_PERMISSIONS
        source = self.channels[channel.parent_id] if channel.parent_id else channel
        everyone = source.overwrites.get(guild.id)
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in role_ids:
            overwrite = source.overwrites.get(role_id)
            if overwrite and overwrite.type == 0:
                allow, deny = allow | overwrite.allow, deny | overwrite.deny
        perms = (perms & ~deny) | allow
        own = source.overwrites.get(user_id)
        if own and own.type == 1:
            perms = (perms & ~own.deny) | own.allow
        return perms

    def bot_can(self, channel_id: int, *names: str) -> bool:
        perms = self.permissions_for(self.bot_user_id, channel_id)
        return all(perms & permission_bit(name) for name in names)

    # ---------------------------------------------------------------- CDN

    @property
    def cdn_url(self) -> str:
        """Base URL of the fake `cdn.discordapp.com` (also the server's root)."""
        return self.cdn.url

    @property
    def api_url(self) -> str:
        """REST base, for `discord.http.Route.BASE`: `http://127.0.0.1:{port}/api/v10`."""
        return f"{self.cdn_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Gateway URL, for `DiscordWebSocket.DEFAULT_GATEWAY` (also `resume_gateway_url`)."""
        return f"ws://{self.cdn_url.removeprefix('http://')}/gateway"

    @property
    def media_url(self) -> str:
        """Base of media-proxy URLs (`proxy_url`), the fake's `media.discordapp.net`."""
        return self.cdn.media_url

    def add_attachment(
        self,
        filename: str,
        data: bytes,
        content_type: str | None = None,
        *,
        channel_id: int | None = None,
        width: int | None = None,
        height: int | None = None,
        still_frame: bytes | None = None,
        duration_secs: float | None = None,
        description: str | None = None,
        url_lifetime: float | None = None,
    ) -> Json:
        """Put a file on the CDN; returns its attachment payload (signed `url`/`proxy_url`,
        size, content type, width/height of images). `still_frame` (e.g. JPEG bytes of a
        video) is what the media proxy returns for `proxy_url` + `format=jpeg`."""
        folder = channel_id if channel_id is not None else self.new_id()
        return self.cdn.add_attachment(
            self.new_id(),
            folder,
            filename,
            data,
            content_type,
            width=width,
            height=height,
            still_frame=still_frame,
            duration_secs=duration_secs,
            description=description,
            url_lifetime=url_lifetime,
        )

    def add_cdn_file(
        self,
        name: str,
        data: bytes,
        content_type: str | None = None,
        *,
        still_frame: bytes | None = None,
        url_lifetime: float | None = None,
    ) -> str:
        """Put a file on the CDN; returns its signed URL (expires after a day of fake time)."""
        attachment = self.add_attachment(
            name, data, content_type, still_frame=still_frame, url_lifetime=url_lifetime
        )
        return str(attachment["url"])

    def add_asset(self, path: str, data: bytes, content_type: str = "image/png") -> str:
        """Serve unsigned bytes (emoji, sticker, ...) at `path`; returns the URL."""
        self.cdn.add_asset(path, data, content_type)
        return f"{self.cdn_url}{path}"

    def refresh_url(self, url: str) -> str:
        """A freshly signed URL for an attachment URL (as `POST /attachments/refresh-urls`)."""
        return self.cdn.refresh(url)

    # ---------------------------------------------------------------- messages

    def guild_of(self, channel_id: int) -> int | None:
        return self.channels[channel_id].guild_id
