"""How the fake Discord builds and edits the bot's messages from REST bodies: validation,
permissions, uploads → attachments, replies, allowed mentions, interaction metadata.
Shared by channel-message routes and interaction/webhook routes.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tests.fakes.discord_limits import (
    UNKNOWN_CHANNEL,
    UNKNOWN_MESSAGE,
    ApiError,
    FormErrors,
    empty_message_error,
    is_empty_message,
    missing_permissions,
    not_found,
    resolve_mentions,
    validate_message_body,
)
from tests.fakes.discord_models import (
    CHANNEL_DM,
    FLAG_EPHEMERAL,
    FLAG_IS_COMPONENTS_V2,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    INTERACTION_APPLICATION_COMMAND,
    THREAD_TYPES,
    InjectedInteraction,
    Json,
    UploadedFile,
    find_role_mentions,
    find_user_mentions,
    iso,
)

if TYPE_CHECKING:
    from tests.fakes.discord import FakeDiscord

SETTABLE_FLAGS = (
    FLAG_SUPPRESS_EMBEDS | (1 << 12) | FLAG_IS_COMPONENTS_V2
)  # + SUPPRESS_NOTIFICATIONS


# ------------------------------------------------------------------ lookups and checks


def check_channel(fake: FakeDiscord, channel_id: int) -> None:
    if channel_id not in fake.channels:
        raise not_found(UNKNOWN_CHANNEL, "Channel")
    channel = fake.channels[channel_id]
    if channel.guild_id is not None and not fake.bot_can(channel_id, "view_channel"):
        raise ApiError(403, 50001, "Missing Access")


def channel_message(fake: FakeDiscord, channel_id: int, message_id: int) -> Json:
    check_channel(fake, channel_id)
    message = fake.messages.get(message_id)
    if message is None or int(message["channel_id"]) != channel_id:
        raise not_found(UNKNOWN_MESSAGE, "Message")
    return message


def check_send(
    fake: FakeDiscord, channel_id: int, *, embeds: bool, files: bool, reply: bool
) -> None:
    check_channel(fake, channel_id)
    channel = fake.channels[channel_id]
    if channel.type == CHANNEL_DM:
        assert channel.recipient_id is not None
        user = fake.users[channel.recipient_id]
        if user.bot or not user.dms_open:
            raise ApiError(403, 50007, "Cannot send messages to this user")
        return
    needed = ["send_messages_in_threads" if channel.type in THREAD_TYPES else "send_messages"]
    needed += ["embed_links"] * embeds + ["attach_files"] * files + ["read_message_history"] * reply
    if not fake.bot_can(channel_id, *needed):
        raise missing_permissions()


def _build_attachments(
    fake: FakeDiscord,
    channel_id: int,
    body: Json,
    files: Sequence[UploadedFile],
    existing: list[Json],
) -> list[Json]:
    """Attachments after a create/edit: kept existing ones (by id) plus the uploads."""
    uploads = {f.field.removeprefix("files[").removesuffix("]"): f for f in files}
    described = body.get("attachments")
    result: list[Json] = []
    used: set[str] = set()
    existing_by_id = {str(a["id"]): a for a in existing}
    items = described if described is not None else [{"id": key} for key in uploads]
    if described is None:
        result.extend(existing)
    form = FormErrors()
    for index, item in enumerate(items):
        key = str(item.get("id"))
        if key in existing_by_id:
            result.append(existing_by_id[key])
        elif key in uploads:
            upload = uploads[key]
            used.add(key)
            result.append(
                fake.add_attachment(
                    item.get("filename") or upload.filename,
                    upload.data,
                    channel_id=channel_id,
                    description=item.get("description"),
                )
            )
        else:
            form.add(["attachments", index], "ATTACHMENT_NOT_FOUND", "Attachment data not found")
    form.raise_if_any()
    for key, upload in uploads.items():
        if key not in used and described is not None:
            result.append(fake.add_attachment(upload.filename, upload.data, channel_id=channel_id))
    return result


def _mentions(
    fake: FakeDiscord, channel_id: int, content: str, body: Json, replied_user_id: int | None
) -> tuple[list[int], list[int], bool]:
    channel = fake.channels[channel_id]
    can_everyone = channel.guild_id is not None and fake.bot_can(channel_id, "mention_everyone")
    return resolve_mentions(
        content,
        body.get("allowed_mentions"),
        user_ids=find_user_mentions(content),
        role_ids=find_role_mentions(content),
        everyone=can_everyone and ("@everyone" in content or "@here" in content),
        replied_user_id=replied_user_id,
    )


def _reference(
    fake: FakeDiscord, channel_id: int, reference: Json
) -> tuple[Json | None, int | None]:
    target = fake.messages.get(int(reference.get("message_id") or 0))
    if target is None or int(target["channel_id"]) != channel_id:
        if reference.get("fail_if_not_exists", True):
            form = FormErrors()
            form.add(["message_reference"], "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
            form.raise_if_any()
        return None, None
    guild_id = fake.guild_of(channel_id)
    stored: Json = {"type": 0, "message_id": target["id"], "channel_id": str(channel_id)}
    if guild_id is not None:
        stored["guild_id"] = str(guild_id)
    return stored, fake.message_author_id(target)


def create_message_from_body(
    fake: FakeDiscord,
    channel_id: int,
    body: Json,
    files: Sequence[UploadedFile],
    *,
    interaction: InjectedInteraction | None = None,
) -> Json:
    """Validate, build and store a message the bot sends (channel message or interaction reply)."""
    validate_message_body(body, files, size_limit=fake.attachment_size_limit)
    reference, replied = None, None
    if interaction is None:
        check_send(
            fake,
            channel_id,
            embeds=bool(body.get("embeds")),
            files=bool(files),
            reply=bool(body.get("message_reference")),
        )
        if body.get("message_reference"):
            reference, replied = _reference(fake, channel_id, body["message_reference"])
    content = body.get("content") or ""
    users, roles, everyone = _mentions(fake, channel_id, content, body, replied)
    flags = int(body.get("flags") or 0)
    flags = flags & (SETTABLE_FLAGS | (FLAG_EPHEMERAL if interaction else 0))
    message_type = 19 if reference else 0
    if interaction is not None and interaction.type == INTERACTION_APPLICATION_COMMAND:
        message_type = 20 if interaction.payload["data"].get("type", 1) == 1 else 23
    message = fake.new_message(
        channel_id,
        fake.bot_user_id,
        content=content,
        embeds=body.get("embeds") or [],
        components=body.get("components") or [],
        sticker_items=[
            {"id": str(s), "name": "sticker", "format_type": 1}
            for s in body.get("sticker_ids") or []
        ],
        flags=flags,
        message_type=message_type,
        message_reference=reference,
        mention_ids=users,
        mention_role_ids=roles,
        mention_everyone=everyone,
        webhook_id=fake.application_id if interaction else None,
        interaction_metadata=interaction_metadata(fake, interaction) if interaction else None,
        nonce=body.get("nonce"),
        store=False,
    )
    message["attachments"] = _build_attachments(fake, channel_id, body, files, [])
    if is_empty_message(message):
        raise empty_message_error()
    fake.store_message(message)
    return message


def apply_edit(
    fake: FakeDiscord,
    message: Json,
    body: Json,
    files: Sequence[UploadedFile],
    *,
    check_perms: bool,
) -> Json:
    """Apply a PATCH body to a stored message (in place) and return it."""
    validate_message_body(body, files, size_limit=fake.attachment_size_limit)
    channel_id = int(message["channel_id"])
    if check_perms and fake.channels[channel_id].guild_id is not None:
        needed = ["embed_links"] * bool(body.get("embeds")) + ["attach_files"] * bool(files)
        if not fake.bot_can(channel_id, *needed):
            raise missing_permissions()
    updated = copy.deepcopy(message)
    for key in ("content", "embeds", "components"):
        if key in body:
            updated[key] = body[key] or ("" if key == "content" else [])
    if body.get("flags") is not None:
        kept = message["flags"] & (FLAG_EPHEMERAL | FLAG_IS_COMPONENTS_V2)
        updated["flags"] = kept | (int(body["flags"]) & SETTABLE_FLAGS)
    if "attachments" in body or files:
        updated["attachments"] = _build_attachments(
            fake, channel_id, body, files, message["attachments"]
        )
    if "content" in body or "allowed_mentions" in body:
        users, roles, everyone = _mentions(fake, channel_id, updated["content"], body, None)
        updated["mentions"] = [
            fake.user_payload(u) for u in dict.fromkeys(users) if u in fake.users
        ]
        updated["mention_roles"] = [str(r) for r in roles]
        updated["mention_everyone"] = everyone
    was_loading = bool(message["flags"] & FLAG_LOADING)
    updated["flags"] &= ~FLAG_LOADING
    if is_empty_message(updated):
        raise empty_message_error()
    if not was_loading:
        updated["edited_timestamp"] = iso(fake.wall_now())
    message.clear()
    message.update(updated)
    return message


def interaction_metadata(fake: FakeDiscord, interaction: InjectedInteraction) -> Json:
    data = interaction.payload.get("data") or {}
    metadata: Json = {
        "id": str(interaction.id),
        "type": interaction.type,
        "user": fake.user_payload(interaction.user_id),
        "authorizing_integration_owners": interaction.payload["authorizing_integration_owners"],
    }
    if interaction.type == INTERACTION_APPLICATION_COMMAND:
        metadata.update({"name": data.get("name"), "command_type": data.get("type", 1)})
        if data.get("type") == 3:
            metadata["target_message_id"] = data.get("target_id")
        elif data.get("type") == 2:
            metadata["target_user"] = fake.user_payload(int(data["target_id"]))
    elif interaction.message_id is not None:
        metadata["interacted_message_id"] = str(interaction.message_id)
    return metadata
