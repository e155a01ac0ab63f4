"""REST routes of interactions: the callback (`POST /interactions/{id}/{token}/callback`,
answered 200 with `{"interaction": ..., "resource": ...}` when called `?with_response=1`, as
discord.py ≥ 2.5 does) and the interaction webhook (original response, follow-ups).

Deadlines: a callback later than `interaction_deadline` → 404 code 10062; a second one →
400 code 40060; webhook calls with a token older than `token_lifetime` → 401 code 50027.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.fakes.discord_limits import (
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    ApiError,
    FormErrors,
    not_found,
)
from tests.fakes.discord_messages import (
    apply_edit,
    create_message_from_body,
    interaction_metadata,
)
from tests.fakes.discord_models import (
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    InjectedInteraction,
    Json,
)
from tests.fakes.discord_rest import NO_CONTENT, Reply, Request

if TYPE_CHECKING:
    from tests.fakes.discord import FakeDiscord

ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    INTERACTION_APPLICATION_COMMAND: frozenset({4, 5, 9}),
    INTERACTION_COMPONENT: frozenset({4, 5, 6, 7, 9}),
    INTERACTION_AUTOCOMPLETE: frozenset({8}),
    INTERACTION_MODAL_SUBMIT: frozenset({4, 5, 6, 7}),
}


async def interaction_callback(fake: FakeDiscord, req: Request) -> Reply:
    interaction = fake.interactions.get(req.id("interaction_id"))
    if interaction is None or interaction.token != req.params["interaction_token"]:
        raise not_found(UNKNOWN_INTERACTION, "interaction")
    if interaction.responded:
        raise ApiError(400, 40060, "Interaction has already been acknowledged.")
    if fake.mono_now() - interaction.created_at > fake.interaction_deadline:
        raise not_found(UNKNOWN_INTERACTION, "interaction")
    body = req.body()
    kind = int(body.get("type") or 0)
    data: Json = body.get("data") or {}
    if kind not in ALLOWED_CALLBACKS.get(interaction.type, frozenset()):
        form = FormErrors()
        form.add(["type"], "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type")
        form.raise_if_any()
    resource: Json | None = None
    message: Json | None = None
    if kind == 4:
        message = create_message_from_body(
            fake, interaction.channel_id, data, req.files, interaction=interaction
        )
        fake.dispatch_message("MESSAGE_CREATE", message)
    elif kind == 5:
        message = fake.new_message(
            interaction.channel_id,
            fake.bot_user_id,
            flags=FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL),
            message_type=20 if interaction.type == INTERACTION_APPLICATION_COMMAND else 0,
            webhook_id=fake.application_id,
            interaction_metadata=interaction_metadata(fake, interaction),
        )
        fake.dispatch_message("MESSAGE_CREATE", message)
    elif kind in (6, 7):
        if interaction.message_id is None:
            raise not_found(UNKNOWN_MESSAGE, "Message")
        message = fake.messages.get(interaction.message_id)
        if message is None:
            raise not_found(UNKNOWN_MESSAGE, "Message")
        if kind == 7:
            apply_edit(fake, message, data, req.files, check_perms=False)
            fake.dispatch_message("MESSAGE_UPDATE", message)
    elif kind == 8:
        form = FormErrors()
        form.max_length(["data", "choices"], data.get("choices") or [], 25)
        form.raise_if_any()
    elif kind == 9:
        form = FormErrors()
        form.length_between(["data", "title"], data.get("title"), 1, 45)
        form.length_between(["data", "custom_id"], data.get("custom_id"), 1, 100)
        form.length_between(["data", "components"], data.get("components"), 1, 5)
        form.raise_if_any()
    fake.mark_responded(interaction, kind, data, message)
    if not req.flag("with_response"):
        return NO_CONTENT
    flags = message["flags"] if message is not None else int(data.get("flags") or 0)
    summary: Json = {
        "id": str(interaction.id),
        "type": interaction.type,
        "response_message_loading": kind == 5,
        "response_message_ephemeral": bool(flags & FLAG_EPHEMERAL),
    }
    if message is not None:
        summary["response_message_id"] = message["id"]
        if kind in (4, 5, 7):
            resource = {"type": kind, "message": fake.export_message(message)}
    answer: Json = {"interaction": summary}
    if resource is not None:
        answer["resource"] = resource
    return Reply(answer)


def _webhook_interaction(fake: FakeDiscord, req: Request) -> InjectedInteraction:
    interaction = fake.interaction_by_token(req.params["webhook_token"])
    if interaction is None or fake.mono_now() - interaction.created_at > fake.token_lifetime:
        raise ApiError(401, 50027, "Invalid Webhook Token")
    if req.params["webhook_id"] != str(fake.application_id):
        raise not_found(UNKNOWN_WEBHOOK, "Webhook")
    if not interaction.responded:
        raise not_found(UNKNOWN_WEBHOOK, "Webhook")
    return interaction


def _webhook_message(fake: FakeDiscord, req: Request) -> tuple[InjectedInteraction, Json]:
    interaction = _webhook_interaction(fake, req)
    raw_id = req.params.get("message_id", "@original")
    if raw_id == "@original":
        message_id = interaction.original_message_id
    else:
        message_id = req.id("message_id")
        if message_id not in (interaction.original_message_id, *interaction.followup_message_ids):
            raise not_found(UNKNOWN_MESSAGE, "Message")
    message = fake.messages.get(message_id) if message_id is not None else None
    if message is None:
        raise not_found(UNKNOWN_MESSAGE, "Message")
    return interaction, message


async def get_webhook_message(fake: FakeDiscord, req: Request) -> Reply:
    _, message = _webhook_message(fake, req)
    return Reply(fake.export_message(message))


async def edit_webhook_message(fake: FakeDiscord, req: Request) -> Reply:
    _, message = _webhook_message(fake, req)
    apply_edit(fake, message, req.body(), req.files, check_perms=False)
    fake.dispatch_message("MESSAGE_UPDATE", message)
    return Reply(fake.export_message(message))


async def delete_webhook_message(fake: FakeDiscord, req: Request) -> Reply:
    _, message = _webhook_message(fake, req)
    fake.remove_message(int(message["id"]))
    return NO_CONTENT


async def followup(fake: FakeDiscord, req: Request) -> Reply:
    interaction = _webhook_interaction(fake, req)
    message = create_message_from_body(
        fake, interaction.channel_id, req.body(), req.files, interaction=interaction
    )
    interaction.followup_message_ids.append(int(message["id"]))
    fake.dispatch_message("MESSAGE_CREATE", message)
    if not req.flag("wait"):
        return NO_CONTENT
    return Reply(fake.export_message(message))
