"""Events of the fake Discord: the message store seen through the gateway, reactions,
permission changes, and content blanking for clients without the message-content intent.

`EventfulState` adds a `Gateway` to `DiscordState`; every state change a client would
hear about (MESSAGE_CREATE/UPDATE/DELETE, MESSAGE_REACTION_ADD/REMOVE, CHANNEL_UPDATE)
is dispatched here, to the sessions whose intents and shard ask for it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence

from tests.fakes.discord_gateway import Gateway, GatewaySession
from tests.fakes.discord_models import (
    CHANNEL_DM,
    FLAG_EPHEMERAL,
    INTENT_DIRECT_MESSAGE_REACTIONS,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGE_REACTIONS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    Json,
    emoji_key,
    emoji_payload,
    find_user_mentions,
    iso,
    permission_bit,
)
from tests.fakes.discord_state import DiscordState


class EventfulState(DiscordState):
    def __init__(
        self,
        *,
        token: str,
        message_content_granted: bool,
        attachment_size_limit: int,
        bot_name: str,
        heartbeat_interval_ms: float,
    ) -> None:
        super().__init__(
            token=token,
            message_content_granted=message_content_granted,
            attachment_size_limit=attachment_size_limit,
            bot_name=bot_name,
        )
        self.gateway = Gateway(self, heartbeat_interval=heartbeat_interval_ms)
        self._nonces: dict[str, int] = {}

    # ------------------------------------------------------------ message payloads

    def new_message(
        self,
        channel_id: int,
        author_id: int,
        *,
        content: str = "",
        embeds: Sequence[Json] = (),
        attachments: Sequence[Json] = (),
        components: Sequence[Json] = (),
        sticker_items: Sequence[Json] = (),
        flags: int = 0,
        message_type: int = 0,
        message_reference: Json | None = None,
        mention_ids: Iterable[int] = (),
        mention_role_ids: Iterable[int] = (),
        mention_everyone: bool = False,
        webhook_id: int | None = None,
        interaction_metadata: Json | None = None,
        nonce: str | int | None = None,
        store: bool = True,
    ) -> Json:
        """Create and store a message; returns the stored payload (not a copy)."""
        message_id = self.new_id()
        message: Json = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "type": message_type,
            "author": self.user_payload(author_id),
            "content": content,
            "timestamp": iso(self.wall_now()),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": mention_everyone,
            "mentions": [
                self.user_payload(u) for u in dict.fromkeys(mention_ids) if u in self.users
            ],
            "mention_roles": [str(r) for r in dict.fromkeys(mention_role_ids)],
            "attachments": [dict(a) for a in attachments],
            "embeds": [copy.deepcopy(dict(e)) for e in embeds],
            "components": [copy.deepcopy(dict(c)) for c in components],
            "sticker_items": [dict(s) for s in sticker_items],
            "pinned": False,
            "flags": flags,
        }
        if message_reference is not None:
            message["message_reference"] = message_reference
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(self.application_id)
        if interaction_metadata is not None:
            message["interaction_metadata"] = interaction_metadata
        if nonce is not None:
            message["nonce"] = nonce
        if store:
            self.store_message(message)
        return message

    def message_author_id(self, message: Json) -> int:
        return int(message["author"]["id"])

    def content_visible(self, message: Json, *, has_content_intent: bool) -> bool:
        """Whether a recipient without the intent may see content (own, DMs, mentions)."""
        if has_content_intent or self.message_author_id(message) == self.bot_user_id:
            return True
        if self.channels[int(message["channel_id"])].type == CHANNEL_DM:
            return True
        return any(int(user["id"]) == self.bot_user_id for user in message.get("mentions", []))

    def export_message(
        self,
        message: Json,
        *,
        has_content_intent: bool = True,
        gateway: bool = False,
        depth: int = 0,
    ) -> Json:
        """What Discord sends for a stored message: fresh CDN URLs, reactions, the referenced
        message, `guild_id`/`member` on the gateway, blanked content without the intent."""
        data = copy.deepcopy(message)
        self.cdn.fresh_attachments(data["attachments"])
        message_id = int(data["id"])
        channel_id = int(data["channel_id"])
        guild_id = self.guild_of(channel_id)
        reactions = self.reactions.get(message_id)
        if reactions:
            data["reactions"] = [
                {
                    "emoji": emoji_payload(key),
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "me": self.bot_user_id in users,
                    "me_burst": False,
                    "burst_colors": [],
                }
                for key, users in reactions.items()
                if users
            ]
        if message_id in self.channels:
            data["thread"] = self.channel_payload(message_id)
        reference = data.get("message_reference")
        if reference and depth == 0 and data["type"] == 19:
            referenced = self.messages.get(int(reference["message_id"]))
            data["referenced_message"] = (
                None
                if referenced is None
                else self.export_message(
                    referenced, has_content_intent=has_content_intent, gateway=False, depth=1
                )
            )
        if gateway and guild_id is not None:
            data["guild_id"] = str(guild_id)
            author_id = self.message_author_id(message)
            if author_id in self.guilds[guild_id].members and "webhook_id" not in message:
                data["member"] = self.member_payload(guild_id, author_id, with_user=False)
        if not self.content_visible(message, has_content_intent=has_content_intent):
            data.update({"content": "", "embeds": [], "attachments": [], "components": []})
            data.pop("poll", None)
        return data

    # ------------------------------------------------------------ permissions

    def deny(self, channel_id: int, *permissions: str) -> None:
        """Deny the bot permissions in a channel (a member overwrite + CHANNEL_UPDATE).
        Sends needing them answer 403 code 50013."""
        bits = sum(permission_bit(name) for name in permissions)
        self.set_permission_overwrite(channel_id, self.bot_user_id, deny=bits)
        self._channel_updated(channel_id)

    def allow(self, channel_id: int, *permissions: str) -> None:
        bits = sum(permission_bit(name) for name in permissions)
        self.set_permission_overwrite(channel_id, self.bot_user_id, allow=bits)
        self._channel_updated(channel_id)

    def _channel_updated(self, channel_id: int) -> None:
        guild_id = self.guild_of(channel_id)
        if guild_id is not None:
            payload = self.channel_payload(channel_id)
            self.gateway.dispatch(
                "CHANNEL_UPDATE", payload, guild_id=guild_id, intents=INTENT_GUILDS
            )

    def bot_can_read_history(self, channel_id: int) -> bool:
        return self.guild_of(channel_id) is None or self.bot_can(channel_id, "read_message_history")

    # ------------------------------------------------------------ message store and events

    def rest_sees_content(self) -> bool:
        """REST answers carry other users' content only if the app has the intent and the
        connected client asked for it (or no client connected yet)."""
        if not self.message_content_granted:
            return False
        sessions = self.gateway.live_sessions() or list(self.gateway.sessions.values())[-1:]
        return not sessions or any(s.has_content_intent for s in sessions)

    def export_for_rest(self, message: Json) -> Json:
        return self.export_message(message, has_content_intent=self.rest_sees_content())

    def store_message(self, message: Json) -> None:
        message_id = int(message["id"])
        self.messages[message_id] = message
        self.channels[int(message["channel_id"])].last_message_id = message_id

    def remove_message(self, message_id: int) -> Json:
        message = self.messages.pop(message_id)
        self.deleted_messages[message_id] = message
        self.reactions.pop(message_id, None)
        channel_id = int(message["channel_id"])
        guild_id = self.guild_of(channel_id)
        if not message["flags"] & FLAG_EPHEMERAL:
            data: Json = {"id": message["id"], "channel_id": message["channel_id"]}
            if guild_id is not None:
                data["guild_id"] = str(guild_id)
            self.gateway.dispatch(
                "MESSAGE_DELETE", data, guild_id=guild_id, intents=self._message_intent(channel_id)
            )
        return message

    def _message_intent(self, channel_id: int) -> int:
        return (
            INTENT_DIRECT_MESSAGES if self.guild_of(channel_id) is None else INTENT_GUILD_MESSAGES
        )

    def dispatch_message(self, event: str, message: Json) -> int:
        """MESSAGE_CREATE/MESSAGE_UPDATE to sessions with the right intents; content blanked
        for sessions without the message-content intent. Ephemeral messages are not sent."""
        if message["flags"] & FLAG_EPHEMERAL:
            return 0
        channel_id = int(message["channel_id"])

        def payload(session: GatewaySession) -> Json:
            return self.export_message(
                message, has_content_intent=session.has_content_intent, gateway=True
            )

        return self.gateway.dispatch(
            event,
            payload,
            guild_id=self.guild_of(channel_id),
            intents=self._message_intent(channel_id),
        )

    def nonce_message(self, nonce: str) -> Json | None:
        message_id = self._nonces.get(nonce)
        return None if message_id is None else self.messages.get(message_id)

    def remember_nonce(self, nonce: str, message_id: int) -> None:
        self._nonces[nonce] = message_id

    def post_user_message(
        self,
        channel_id: int,
        author_id: int,
        content: str = "",
        *,
        attachments: Sequence[Json | tuple[str, bytes, str]] = (),
        embeds: Sequence[Json] = (),
        sticker_items: Sequence[Json] = (),
        referenced_message_id: int | None = None,
        mention_replied_author: bool = True,
    ) -> Json:
        """A user posts a message: stored and dispatched as MESSAGE_CREATE. Attachments are
        payloads from `add_attachment` or `(filename, bytes, content_type)` tuples.
        Returns the stored message (unblanked)."""
        files = [
            a
            if isinstance(a, Mapping)
            else self.add_attachment(a[0], a[1], a[2], channel_id=channel_id)
            for a in attachments
        ]
        mentions = find_user_mentions(content)
        reference = None
        if referenced_message_id is not None:
            target = self.messages[referenced_message_id]
            reference = {
                "type": 0,
                "message_id": str(referenced_message_id),
                "channel_id": target["channel_id"],
            }
            guild_id = self.guild_of(int(target["channel_id"]))
            if guild_id is not None:
                reference["guild_id"] = str(guild_id)
            if mention_replied_author:
                mentions.append(self.message_author_id(target))
        message = self.new_message(
            channel_id,
            author_id,
            content=content,
            embeds=embeds,
            attachments=[dict(f) for f in files],
            sticker_items=sticker_items,
            message_type=19 if reference else 0,
            message_reference=reference,
            mention_ids=mentions,
        )
        self.dispatch_message("MESSAGE_CREATE", message)
        return message

    def delete_message(self, channel_id: int, message_id: int) -> None:
        """Delete a message (as its author or a moderator would); dispatches MESSAGE_DELETE."""
        if int(self.messages[message_id]["channel_id"]) != channel_id:
            raise KeyError(f"message {message_id} is not in channel {channel_id}")
        self.remove_message(message_id)

    def channel_messages(self, channel_id: int) -> list[Json]:
        """Live messages of a channel, oldest first."""
        found = [m for m in self.messages.values() if int(m["channel_id"]) == channel_id]
        return sorted(found, key=lambda m: int(m["id"]))

    def bot_messages(self, channel_id: int | None = None) -> list[Json]:
        """Live messages authored by the bot (channel messages and interaction replies)."""
        return [
            m
            for m in sorted(self.messages.values(), key=lambda m: int(m["id"]))
            if self.message_author_id(m) == self.bot_user_id
            and (channel_id is None or int(m["channel_id"]) == channel_id)
        ]

    # ------------------------------------------------------------ reactions

    def add_reaction(self, channel_id: int, message_id: int, user_id: int, emoji: str) -> None:
        """A user reacts: MESSAGE_REACTION_ADD (with `type`, `burst`, `member`, ...)."""
        message = self.messages[message_id]
        if int(message["channel_id"]) != channel_id:
            raise KeyError(f"message {message_id} is not in channel {channel_id}")
        self.record_reaction(message, user_id, emoji_payload(emoji), added=True)

    def remove_reaction(self, channel_id: int, message_id: int, user_id: int, emoji: str) -> None:
        self.record_reaction(self.messages[message_id], user_id, emoji_payload(emoji), added=False)

    def record_reaction(self, message: Json, user_id: int, emoji: Json, *, added: bool) -> None:
        message_id = int(message["id"])
        users = self.reactions.setdefault(message_id, {}).setdefault(emoji_key(emoji), [])
        if added == (user_id in users):
            return
        if added:
            users.append(user_id)
        else:
            users.remove(user_id)
        channel_id = int(message["channel_id"])
        guild_id = self.guild_of(channel_id)
        data: Json = {
            "user_id": str(user_id),
            "channel_id": str(channel_id),
            "message_id": str(message_id),
            "emoji": emoji,
            "burst": False,
            "type": 0,
        }
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        if added:
            data.update({"message_author_id": message["author"]["id"], "burst_colors": []})
            if guild_id is not None and user_id in self.guilds[guild_id].members:
                data["member"] = self.member_payload(guild_id, user_id)
        intent = (
            INTENT_DIRECT_MESSAGE_REACTIONS if guild_id is None else INTENT_GUILD_MESSAGE_REACTIONS
        )
        event = "MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE"
        self.gateway.dispatch(event, data, guild_id=guild_id, intents=intent)
