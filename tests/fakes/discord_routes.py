"""REST route handlers of the fake Discord (the subset discord.py uses for a bot like ours).

Templates use discord.py's own `Route` templates, so a recorded `RestCall.route` reads like
the code that made it: `PATCH /channels/{channel_id}/messages/{message_id}`.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from tests.fakes.discord_interaction_routes import (
    delete_webhook_message,
    edit_webhook_message,
    followup,
    get_webhook_message,
    interaction_callback,
)
from tests.fakes.discord_limits import (
    UNKNOWN_EMOJI,
    UNKNOWN_GUILD,
    UNKNOWN_MEMBER,
    UNKNOWN_MESSAGE,
    UNKNOWN_USER,
    ApiError,
    FormErrors,
    missing_permissions,
    not_found,
    validate_commands,
)
from tests.fakes.discord_messages import (
    apply_edit,
    channel_message,
    check_channel,
    check_send,
    create_message_from_body,
)
from tests.fakes.discord_models import (
    CHANNEL_TEXT,
    FLAG_EPHEMERAL,
    FLAG_IS_COMPONENTS_V2,
    FLAG_SUPPRESS_EMBEDS,
    INTENT_GUILDS,
    THREAD_TYPES,
    Json,
    emoji_payload,
)
from tests.fakes.discord_ratelimit import CHANNEL_MESSAGES, INTERACTION_CALLBACK, REACTIONS, WEBHOOK
from tests.fakes.discord_rest import NO_CONTENT, Reply, Request, RouteDef

if TYPE_CHECKING:
    from tests.fakes.discord import FakeDiscord

SETTABLE_FLAGS = (
    FLAG_SUPPRESS_EMBEDS | (1 << 12) | FLAG_IS_COMPONENTS_V2
)  # + SUPPRESS_NOTIFICATIONS
# ------------------------------------------------------------------ login, users, gateway


async def get_me(fake: FakeDiscord, req: Request) -> Reply:
    return Reply(fake.bot_user)


async def get_application(fake: FakeDiscord, req: Request) -> Reply:
    return Reply(fake.application_payload())


async def get_gateway(fake: FakeDiscord, req: Request) -> Reply:
    return Reply({"url": fake.gateway_url})


async def get_gateway_bot(fake: FakeDiscord, req: Request) -> Reply:
    return Reply(
        {
            "url": fake.gateway_url,
            "shards": fake.recommended_shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }
    )


async def get_user(fake: FakeDiscord, req: Request) -> Reply:
    user_id = req.id("user_id")
    if user_id not in fake.users:
        raise not_found(UNKNOWN_USER, "User")
    return Reply(fake.user_payload(user_id))


async def create_dm(fake: FakeDiscord, req: Request) -> Reply:
    recipient = int(req.body().get("recipient_id") or 0)
    if recipient not in fake.users:
        raise not_found(UNKNOWN_USER, "User")
    return Reply(fake.channel_payload(fake.dm_channel_for(recipient)))


# ------------------------------------------------------------------ guilds and channels


async def get_guild(fake: FakeDiscord, req: Request) -> Reply:
    guild_id = req.id("guild_id")
    if guild_id not in fake.guilds:
        raise not_found(UNKNOWN_GUILD, "Guild")
    return Reply(fake.guild_payload(guild_id))


async def get_guild_channels(fake: FakeDiscord, req: Request) -> Reply:
    guild_id = req.id("guild_id")
    if guild_id not in fake.guilds:
        raise not_found(UNKNOWN_GUILD, "Guild")
    ids = fake.guilds[guild_id].channel_ids
    return Reply(
        [fake.channel_payload(c) for c in ids if fake.channels[c].type not in THREAD_TYPES]
    )


async def get_member(fake: FakeDiscord, req: Request) -> Reply:
    guild_id, user_id = req.id("guild_id"), req.id("user_id")
    if guild_id not in fake.guilds:
        raise not_found(UNKNOWN_GUILD, "Guild")
    if user_id not in fake.guilds[guild_id].members:
        raise not_found(UNKNOWN_MEMBER, "Member")
    return Reply(fake.member_payload(guild_id, user_id))


async def get_channel(fake: FakeDiscord, req: Request) -> Reply:
    channel_id = req.id("channel_id")
    check_channel(fake, channel_id)
    return Reply(fake.channel_payload(channel_id))


async def typing(fake: FakeDiscord, req: Request) -> Reply:
    check_send(fake, req.id("channel_id"), embeds=False, files=False, reply=False)
    return NO_CONTENT


# ------------------------------------------------------------------ channel messages


async def get_messages(fake: FakeDiscord, req: Request) -> Reply:
    channel_id = req.id("channel_id")
    check_channel(fake, channel_id)
    if not fake.bot_can_read_history(channel_id):
        return Reply([])
    limit = max(1, min(100, int(req.query.get("limit", "50"))))
    ids = sorted(
        int(m["id"])
        for m in fake.messages.values()
        if int(m["channel_id"]) == channel_id and not m["flags"] & FLAG_EPHEMERAL
    )
    if "before" in req.query:
        ids = [i for i in ids if i < int(req.query["before"])]
    if "after" in req.query:
        ids = [i for i in ids if i > int(req.query["after"])][:limit]
    if "around" in req.query:
        around = int(req.query["around"])
        older = [i for i in ids if i <= around][-((limit + 1) // 2) :]
        newer = [i for i in ids if i > around][: limit // 2]
        ids = older + newer
    chosen = sorted(ids, reverse=True)[:limit]
    return Reply([fake.export_for_rest(fake.messages[i]) for i in chosen])


async def get_message(fake: FakeDiscord, req: Request) -> Reply:
    channel_id = req.id("channel_id")
    message = channel_message(fake, channel_id, req.id("message_id"))
    if message["flags"] & FLAG_EPHEMERAL or not fake.bot_can_read_history(channel_id):
        raise not_found(UNKNOWN_MESSAGE, "Message")
    return Reply(fake.export_for_rest(message))


async def send_message(fake: FakeDiscord, req: Request) -> Reply:
    channel_id = req.id("channel_id")
    body = req.body()
    nonce = body.get("nonce")
    if nonce is not None and body.get("enforce_nonce"):
        previous = fake.nonce_message(str(nonce))
        if previous is not None:
            return Reply(fake.export_for_rest(previous))
    message = create_message_from_body(fake, channel_id, body, req.files)
    if nonce is not None:
        fake.remember_nonce(str(nonce), int(message["id"]))
    fake.dispatch_message("MESSAGE_CREATE", message)
    return Reply(fake.export_for_rest(message))


async def edit_message(fake: FakeDiscord, req: Request) -> Reply:
    channel_id = req.id("channel_id")
    message = channel_message(fake, channel_id, req.id("message_id"))
    body = req.body()
    if fake.message_author_id(message) != fake.bot_user_id:
        if set(body) - {"flags"} or req.files:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        if not fake.bot_can(channel_id, "manage_messages"):
            raise missing_permissions()
    apply_edit(fake, message, body, req.files, check_perms=True)
    fake.dispatch_message("MESSAGE_UPDATE", message)
    return Reply(fake.export_for_rest(message))


async def delete_message(fake: FakeDiscord, req: Request) -> Reply:
    channel_id = req.id("channel_id")
    message = channel_message(fake, channel_id, req.id("message_id"))
    if fake.message_author_id(message) != fake.bot_user_id and not fake.bot_can(
        channel_id, "manage_messages"
    ):
        raise missing_permissions()
    fake.remove_message(int(message["id"]))
    return NO_CONTENT


async def create_thread(fake: FakeDiscord, req: Request) -> Reply:
    channel_id = req.id("channel_id")
    message = channel_message(fake, channel_id, req.id("message_id"))
    message_id = int(message["id"])
    if fake.channels[channel_id].type != CHANNEL_TEXT:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    body = req.body()
    form = FormErrors()
    form.length_between(["name"], body.get("name"), 1, 100)
    form.raise_if_any()
    if message_id in fake.channels:
        raise ApiError(400, 160004, "A thread has already been created for this message")
    if not fake.bot_can(channel_id, "create_public_threads"):
        raise missing_permissions()
    fake.add_thread(channel_id, str(body["name"]), thread_id=message_id)
    payload = fake.channel_payload(message_id) | {"newly_created": True}
    fake.gateway.dispatch(
        "THREAD_CREATE", payload, guild_id=fake.guild_of(channel_id), intents=INTENT_GUILDS
    )
    return Reply(fake.channel_payload(message_id), 201)


# ------------------------------------------------------------------ reactions


def _emoji(req: Request) -> Json:
    raw = req.params["emoji"]
    emoji = emoji_payload(raw)
    if emoji["id"] is None and (not raw or raw.isascii()):
        raise ApiError(400, UNKNOWN_EMOJI, "Unknown Emoji")
    return emoji


async def add_own_reaction(fake: FakeDiscord, req: Request) -> Reply:
    channel_id = req.id("channel_id")
    message = channel_message(fake, channel_id, req.id("message_id"))
    emoji = _emoji(req)
    if fake.channels[channel_id].guild_id is not None and not fake.bot_can(
        channel_id, "add_reactions", "read_message_history"
    ):
        raise missing_permissions()
    fake.record_reaction(message, fake.bot_user_id, emoji, added=True)
    return NO_CONTENT


async def remove_own_reaction(fake: FakeDiscord, req: Request) -> Reply:
    message = channel_message(fake, req.id("channel_id"), req.id("message_id"))
    fake.record_reaction(message, fake.bot_user_id, _emoji(req), added=False)
    return NO_CONTENT


async def remove_reaction(fake: FakeDiscord, req: Request) -> Reply:
    channel_id = req.id("channel_id")
    message = channel_message(fake, channel_id, req.id("message_id"))
    user_id = req.id("member_id")
    if user_id != fake.bot_user_id and not fake.bot_can(channel_id, "manage_messages"):
        raise missing_permissions()
    fake.record_reaction(message, user_id, _emoji(req), added=False)
    return NO_CONTENT


# ------------------------------------------------------------------ application commands


def _guild_key(fake: FakeDiscord, req: Request) -> int | None:
    if req.id("application_id") != fake.application_id:
        raise ApiError(403, 50001, "Missing Access")
    if "guild_id" not in req.params:
        return None
    guild_id = req.id("guild_id")
    if guild_id not in fake.guilds:
        raise ApiError(403, 50001, "Missing Access")
    return guild_id


async def get_commands(fake: FakeDiscord, req: Request) -> Reply:
    return Reply(fake.commands.get(_guild_key(fake, req), []))


async def put_commands(fake: FakeDiscord, req: Request) -> Reply:
    guild_id = _guild_key(fake, req)
    items = req.json if isinstance(req.json, list) else []
    validate_commands(items)
    previous = {(c["type"], c["name"]): c for c in fake.commands.get(guild_id, [])}
    fake.commands[guild_id] = [_command(fake, item, guild_id, previous) for item in items]
    return Reply(fake.commands[guild_id])


async def post_command(fake: FakeDiscord, req: Request) -> Reply:
    guild_id = _guild_key(fake, req)
    item = req.body()
    existing = fake.commands.setdefault(guild_id, [])
    validate_commands([*[c for c in existing if c["name"] != item.get("name")], item])
    previous = {(c["type"], c["name"]): c for c in existing}
    command = _command(fake, item, guild_id, previous)
    key = (command["type"], command["name"])
    fake.commands[guild_id] = [c for c in existing if (c["type"], c["name"]) != key] + [command]
    return Reply(command, 200 if key in previous else 201)


def _command(
    fake: FakeDiscord, item: Json, guild_id: int | None, previous: dict[tuple[int, str], Json]
) -> Json:
    kind = int(item.get("type", 1))
    old = previous.get((kind, str(item.get("name"))))
    command: Json = {
        "default_member_permissions": None,
        "dm_permission": True,
        "nsfw": False,
        "contexts": None,
        "integration_types": [0],
        "name_localizations": None,
        "description_localizations": None,
        **copy.deepcopy(item),
        "id": old["id"] if old else str(fake.new_id()),
        "application_id": str(fake.application_id),
        "version": str(fake.new_id()),
        "type": kind,
        "description": item.get("description") or "",
    }
    if guild_id is not None:
        command["guild_id"] = str(guild_id)
    return command


async def refresh_urls(fake: FakeDiscord, req: Request) -> Reply:
    urls = req.body().get("attachment_urls") or []
    return Reply(
        {"refreshed_urls": [{"original": u, "refreshed": fake.refresh_url(u)} for u in urls]}
    )


# ------------------------------------------------------------------ table

_C = "/channels/{channel_id}"
_M = _C + "/messages/{message_id}"
_W = "/webhooks/{webhook_id}/{webhook_token}"


def _messages(method: str, template: str, handler: Any) -> RouteDef:
    return RouteDef(method, template, handler, CHANNEL_MESSAGES, "channel_id")


def _webhook(method: str, template: str, handler: Any) -> RouteDef:
    return RouteDef(
        method, template, handler, WEBHOOK, "webhook_token", auth=False, global_limit=False
    )


def _reaction(method: str, template: str, handler: Any) -> RouteDef:
    return RouteDef(method, template, handler, REACTIONS, "channel_id")


ROUTES: list[RouteDef] = [
    RouteDef("GET", "/users/@me", get_me),
    RouteDef("POST", "/users/@me/channels", create_dm),
    RouteDef("GET", "/users/{user_id}", get_user),
    RouteDef("GET", "/oauth2/applications/@me", get_application),
    RouteDef("GET", "/applications/@me", get_application),
    RouteDef("GET", "/gateway", get_gateway, auth=False),
    RouteDef("GET", "/gateway/bot", get_gateway_bot),
    RouteDef("GET", "/guilds/{guild_id}", get_guild),
    RouteDef("GET", "/guilds/{guild_id}/channels", get_guild_channels),
    RouteDef("GET", "/guilds/{guild_id}/members/{user_id}", get_member),
    RouteDef("GET", _C, get_channel),
    RouteDef("POST", _C + "/typing", typing, major="channel_id"),
    RouteDef("GET", _C + "/messages", get_messages, major="channel_id"),
    _messages("POST", _C + "/messages", send_message),
    RouteDef("GET", _M, get_message, major="channel_id"),
    _messages("PATCH", _M, edit_message),
    _messages("DELETE", _M, delete_message),
    RouteDef("POST", _M + "/threads", create_thread, major="channel_id"),
    _reaction("PUT", _M + "/reactions/{emoji}/@me", add_own_reaction),
    _reaction("DELETE", _M + "/reactions/{emoji}/@me", remove_own_reaction),
    _reaction("DELETE", _M + "/reactions/{emoji}/{member_id}", remove_reaction),
    RouteDef(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        interaction_callback,
        INTERACTION_CALLBACK,
        "interaction_token",
        auth=False,
        global_limit=False,
    ),
    _webhook("GET", _W + "/messages/@original", get_webhook_message),
    _webhook("PATCH", _W + "/messages/@original", edit_webhook_message),
    _webhook("DELETE", _W + "/messages/@original", delete_webhook_message),
    _webhook("POST", _W, followup),
    _webhook("GET", _W + "/messages/{message_id}", get_webhook_message),
    _webhook("PATCH", _W + "/messages/{message_id}", edit_webhook_message),
    _webhook("DELETE", _W + "/messages/{message_id}", delete_webhook_message),
    RouteDef("GET", "/applications/{application_id}/commands", get_commands),
    RouteDef("PUT", "/applications/{application_id}/commands", put_commands),
    RouteDef("POST", "/applications/{application_id}/commands", post_command),
    RouteDef("GET", "/applications/{application_id}/guilds/{guild_id}/commands", get_commands),
    RouteDef("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", put_commands),
    RouteDef("POST", "/applications/{application_id}/guilds/{guild_id}/commands", post_command),
    RouteDef("POST", "/attachments/refresh-urls", refresh_urls),
]

__all__ = ["ROUTES"]
