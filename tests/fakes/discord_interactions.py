"""Interactions the tests inject (slash commands, context menus, components, modals), with
payloads carrying everything discord.py 2.7.1 reads: `id`, `application_id`, `type`,
`token`, `version`, `guild_id`, `channel`/`channel_id`, `member` (user, roles, flags,
permissions, joined_at), `locale`, `guild_locale`, `app_permissions`, `entitlements`,
`authorizing_integration_owners`, `context`, `attachment_size_limit`, and `data`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tests.fakes.discord_events import EventfulState
from tests.fakes.discord_models import (
    CHANNEL_DM,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    InjectedInteraction,
    Json,
)

_OPTION_TYPES: tuple[tuple[type, int], ...] = ((bool, 5), (int, 4), (float, 10), (str, 3))
_REF_TYPES = {"user": 6, "channel": 7, "role": 8}


@dataclass(frozen=True)
class OptionRef:
    """A user, channel or role option of `inject_subcommand`, resolved as Discord does."""

    kind: Literal["user", "channel", "role"]
    id: int


class InteractionInjector(EventfulState):
    def __init__(
        self,
        *,
        token: str,
        message_content_granted: bool,
        attachment_size_limit: int,
        bot_name: str,
        heartbeat_interval_ms: float,
        interaction_deadline: float,
        token_lifetime: float,
    ) -> None:
        super().__init__(
            token=token,
            message_content_granted=message_content_granted,
            attachment_size_limit=attachment_size_limit,
            bot_name=bot_name,
            heartbeat_interval_ms=heartbeat_interval_ms,
        )
        self.interaction_deadline = interaction_deadline
        self.token_lifetime = token_lifetime
        self._tokens: dict[str, int] = {}

    # ------------------------------------------------------------ interactions

    def interaction_by_token(self, token: str) -> InjectedInteraction | None:
        interaction_id = self._tokens.get(token)
        return None if interaction_id is None else self.interactions.get(interaction_id)

    def mark_responded(
        self, interaction: InjectedInteraction, kind: int, data: Json, message: Json | None
    ) -> None:
        message_id = int(message["id"]) if message is not None else None
        interaction.record_response(kind, data, self.mono_now(), message_id)

    def original_message(self, interaction: InjectedInteraction) -> Json | None:
        """Current state of the interaction's original response (None if none/deleted)."""
        if interaction.original_message_id is None:
            return None
        return self.messages.get(interaction.original_message_id)

    def _inject(
        self,
        interaction_type: int,
        data: Json | None,
        *,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        locale: str,
        message: Json | None = None,
    ) -> InjectedInteraction:
        interaction_id = self.new_id()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
        payload: Json = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": interaction_type,
            "token": token,
            "version": 1,
            "channel_id": str(channel_id),
            "channel": self.channel_payload(channel_id),
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": self.attachment_size_limit,
        }
        if data is not None:
            payload["data"] = data
        if message is not None:
            payload["message"] = self.export_message(message)
        if guild_id is not None:
            member = self.member_payload(guild_id, user_id)
            override = self.guilds[guild_id].members[user_id].permissions
            permissions = (
                override if override is not None else self.permissions_for(user_id, channel_id)
            )
            member["permissions"] = str(permissions)
            payload["channel"]["permissions"] = str(permissions)
            guild = self.guilds[guild_id]
            payload.update(
                {
                    "guild_id": str(guild_id),
                    "guild": {"id": str(guild_id), "locale": guild.locale, "features": []},
                    "guild_locale": guild.locale,
                    "member": member,
                    "app_permissions": str(self.permissions_for(self.bot_user_id, channel_id)),
                    "authorizing_integration_owners": {"0": str(guild_id)},
                    "context": 0,
                }
            )
        else:
            payload.update(
                {
                    "user": self.user_payload(user_id),
                    "app_permissions": str(self.permissions_for(self.bot_user_id, channel_id)),
                    "authorizing_integration_owners": {"0": str(user_id)},
                    "context": 1 if self.channels[channel_id].type == CHANNEL_DM else 2,
                }
            )
        interaction = InjectedInteraction(
            id=interaction_id,
            token=token,
            type=interaction_type,
            payload=payload,
            created_at=self.mono_now(),
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            message_id=int(message["id"]) if message is not None else None,
        )
        self.interactions[interaction_id] = interaction
        self._tokens[token] = interaction_id
        interaction.delivered_to = self.gateway.dispatch(
            "INTERACTION_CREATE", payload, guild_id=guild_id
        )
        return interaction

    def _command_id(self, name: str, kind: int, guild_id: int | None) -> str:
        for key in (guild_id, None):
            for command in self.commands.get(key, []):
                if command["name"] == name and command["type"] == kind:
                    return str(command["id"])
        return str(self.new_id())

    def slash_options(
        self, options: Mapping[str, Any] | Sequence[Json]
    ) -> tuple[list[Json], dict[str, Json]]:
        """`{"image": attachment_payload, "query": "cats"}` → options + resolved attachments.
        A sequence of raw option dicts is used as is."""
        if not isinstance(options, Mapping):
            return [dict(o) for o in options], {}
        result: list[Json] = []
        attachments: dict[str, Json] = {}
        for name, value in options.items():
            if isinstance(value, Mapping) and "filename" in value:
                attachments[str(value["id"])] = dict(value)
                result.append({"name": name, "type": 11, "value": str(value["id"])})
                continue
            kind = next(code for py_type, code in _OPTION_TYPES if isinstance(value, py_type))
            result.append({"name": name, "type": kind, "value": value})
        return result, attachments

    def inject_slash(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Json] = (),
        *,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        locale: str = "en-US",
        resolved: Json | None = None,
    ) -> InjectedInteraction:
        """A user runs a slash command: INTERACTION_CREATE type 2, `data.type` 1.
        Attachment options (payloads from `add_attachment`) go to `resolved.attachments`."""
        option_list, attachments = self.slash_options(options)
        data: Json = {
            "id": self._command_id(name, 1, guild_id),
            "name": name,
            "type": 1,
            "options": option_list,
        }
        all_resolved: Json = dict(resolved or {})
        if attachments:
            all_resolved.setdefault("attachments", {}).update(attachments)
        if all_resolved:
            data["resolved"] = all_resolved
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        return self._inject(
            INTERACTION_APPLICATION_COMMAND,
            data,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            locale=locale,
        )

    def inject_subcommand(
        self,
        path: str,
        options: Mapping[str, Any] | None = None,
        *,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        locale: str = "en-US",
    ) -> InjectedInteraction:
        """A subcommand: `"imagesearch settings"` or `"group subgroup command"`, its options
        nested under type 1 (and type 2) options as Discord sends them. Values may be
        `OptionRef`s (users, channels, roles: put in `resolved`), attachments or scalars."""
        root, *names = path.split()
        options = options or {}
        plain = {k: v for k, v in options.items() if not isinstance(v, OptionRef)}
        option_list, attachments = self.slash_options(plain)
        resolved: Json = {"attachments": attachments} if attachments else {}
        for name, value in options.items():
            if isinstance(value, OptionRef):
                option_list.append(
                    {"name": name, "type": _REF_TYPES[value.kind], "value": str(value.id)}
                )
                self._resolve_ref(value, guild_id, channel_id, user_id, resolved)
        for depth, name in enumerate(reversed(names)):
            option_list = [{"name": name, "type": 1 if depth == 0 else 2, "options": option_list}]
        return self.inject_slash(
            root,
            option_list,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            locale=locale,
            resolved=resolved or None,
        )

    def _resolve_ref(
        self,
        ref: OptionRef,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        resolved: Json,
    ) -> None:
        key = str(ref.id)
        if ref.kind == "user":
            resolved.setdefault("users", {})[key] = self.user_payload(ref.id)
            if guild_id is not None and ref.id in self.guilds[guild_id].members:
                member = self.member_payload(guild_id, ref.id, with_user=False)
                member["permissions"] = str(self.permissions_for(ref.id, channel_id))
                resolved.setdefault("members", {})[key] = member
        elif ref.kind == "role":
            assert guild_id is not None, "roles exist only in guilds"
            resolved.setdefault("roles", {})[key] = self.guilds[guild_id].roles[ref.id].payload()
        else:  # like Discord's, with the invoking member's permissions in it
            channel = self.channel_payload(ref.id)
            channel["permissions"] = str(self.permissions_for(user_id, ref.id))
            resolved.setdefault("channels", {})[key] = channel

    def inject_message_command(
        self,
        name: str,
        target_message_id: int,
        *,
        user_id: int,
        locale: str = "en-US",
    ) -> InjectedInteraction:
        """A message context-menu command: `data.type` 3 with the full target message in
        `data.resolved.messages` (content included even without the message-content intent)."""
        target = self.messages[target_message_id]
        channel_id = int(target["channel_id"])
        guild_id = self.guild_of(channel_id)
        data: Json = {
            "id": self._command_id(name, 3, guild_id),
            "name": name,
            "type": 3,
            "target_id": str(target_message_id),
            "resolved": {"messages": {str(target_message_id): self.export_message(target)}},
        }
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        return self._inject(
            INTERACTION_APPLICATION_COMMAND,
            data,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            locale=locale,
        )

    def inject_user_command(
        self,
        name: str,
        target_user_id: int,
        *,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        locale: str = "en-US",
    ) -> InjectedInteraction:
        """A user context-menu command: `data.type` 2, `resolved.users` (+ `members` in guilds)."""
        resolved: Json = {}
        target = OptionRef("user", target_user_id)
        self._resolve_ref(target, guild_id, channel_id, user_id, resolved)
        data: Json = {
            "id": self._command_id(name, 2, guild_id),
            "name": name,
            "type": 2,
            "target_id": str(target_user_id),
            "resolved": resolved,
        }
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        return self._inject(
            INTERACTION_APPLICATION_COMMAND,
            data,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            locale=locale,
        )

    def inject_component(
        self,
        message_id: int,
        custom_id: str,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        *,
        user_id: int,
        locale: str = "en-US",
    ) -> InjectedInteraction:
        """A user clicks a button / picks in a select of a message: INTERACTION_CREATE type 3
        with `data.custom_id`, `data.component_type`, `data.values` and the `message`."""
        message = self.messages[message_id]
        channel_id = int(message["channel_id"])
        data: Json = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        return self._inject(
            INTERACTION_COMPONENT,
            data,
            guild_id=self.guild_of(channel_id),
            channel_id=channel_id,
            user_id=user_id,
            locale=locale,
            message=message,
        )

    def inject_modal_submit(
        self,
        custom_id: str,
        values: Mapping[str, str],
        *,
        channel_id: int,
        user_id: int,
        message_id: int | None = None,
        locale: str = "en-US",
    ) -> InjectedInteraction:
        """A user submits a modal: type 5 with text inputs `{custom_id: value}` (one per row)."""
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
            for key, value in values.items()
        ]
        return self._inject(
            INTERACTION_MODAL_SUBMIT,
            {"custom_id": custom_id, "components": rows},
            guild_id=self.guild_of(channel_id),
            channel_id=channel_id,
            user_id=user_id,
            locale=locale,
            message=self.messages[message_id] if message_id is not None else None,
        )
