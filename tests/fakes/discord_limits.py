"""Validation the real Discord performs on message bodies and command registrations.

Errors are raised as `ApiError` carrying Discord's JSON error body, e.g.
`{"code": 50035, "message": "Invalid Form Body", "errors": {"content": {"_errors": [...]}}}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from tests.fakes.discord_models import FLAG_IS_COMPONENTS_V2, Json, UploadedFile

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_FILES = 10
MAX_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
MAX_SELECT_OPTIONS = 25
MAX_V2_COMPONENTS = 40
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
_COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")


class ApiError(Exception):
    """An error answer: HTTP status plus Discord's JSON `{code, message, errors}` body."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: Json | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = dict(headers or {})

    def body(self) -> Json:
        body: Json = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def not_found(code: int, what: str) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_EMOJI = 10014
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


class FormErrors:
    """Collects `errors` in Discord's nested `{"field": {"0": {"_errors": [...]}}}` shape."""

    def __init__(self) -> None:
        self.errors: Json = {}

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        node = self.errors
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_length(self, path: Sequence[str | int], value: Any, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def length_between(self, path: Sequence[str | int], value: Any, low: int, high: int) -> None:
        if value is None or not low <= len(value) <= high:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def raise_if_any(self) -> None:
        if self.errors:
            raise ApiError(400, 50035, "Invalid Form Body", self.errors)


def _check_url(form: FormErrors, path: Sequence[str | int], url: Any, *, attachment: bool) -> None:
    if url is None:
        return
    schemes = ("http", "https", "attachment") if attachment else ("http", "https")
    scheme = str(url).split(":", 1)[0].lower() if ":" in str(url) else ""
    if scheme not in schemes:
        form.add(
            path,
            "URL_TYPE_INVALID_URL",
            f'Scheme "{scheme}" is not supported. Scheme must be one of {schemes}.',
        )


def embed_text_length(embed: Mapping[str, Any]) -> int:
    """Characters counted towards the 6000 total (title, description, fields, footer, author)."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for field_ in embed.get("fields") or []:
        total += len(field_.get("name") or "") + len(field_.get("value") or "")
    return total


def _validate_embeds(form: FormErrors, embeds: Sequence[Mapping[str, Any]]) -> None:
    if len(embeds) > MAX_EMBEDS:
        form.max_length(["embeds"], embeds, MAX_EMBEDS)
        return
    for index, embed in enumerate(embeds):
        path: list[str | int] = ["embeds", index]
        form.max_length([*path, "title"], embed.get("title"), 256)
        form.max_length([*path, "description"], embed.get("description"), 4096)
        _check_url(form, [*path, "url"], embed.get("url"), attachment=False)
        for key in ("image", "thumbnail"):
            _check_url(
                form, [*path, key, "url"], (embed.get(key) or {}).get("url"), attachment=True
            )
        color = embed.get("color")
        if color is not None and not 0 <= int(color) <= 0xFFFFFF:
            form.add(
                [*path, "color"],
                "NUMBER_TYPE_MAX",
                "int value should be less than or equal to 16777215.",
            )
        form.max_length([*path, "footer", "text"], (embed.get("footer") or {}).get("text"), 2048)
        form.max_length([*path, "author", "name"], (embed.get("author") or {}).get("name"), 256)
        fields = embed.get("fields") or []
        form.max_length([*path, "fields"], fields, 25)
        for f_index, field_ in enumerate(fields[:25]):
            for key, limit in (("name", 256), ("value", 1024)):
                value = field_.get(key)
                if not value:
                    form.add(
                        [*path, "fields", f_index, key],
                        "BASE_TYPE_REQUIRED",
                        "This field is required",
                    )
                else:
                    form.max_length([*path, "fields", f_index, key], value, limit)
    if sum(embed_text_length(embed) for embed in embeds) > MAX_EMBED_TOTAL:
        form.add(
            ["embeds"],
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}",
        )


def _validate_interactive(
    form: FormErrors, component: Mapping[str, Any], path: list[str | int], seen: set[str]
) -> None:
    kind = component.get("type")
    custom_id = component.get("custom_id")
    if kind == 2 and component.get("style") in (5, 6):
        if custom_id is not None:
            form.add(
                [*path, "custom_id"], "COMPONENT_INVALID", "Link buttons cannot have a custom_id"
            )
        if component.get("style") == 5:
            _check_url(form, [*path, "url"], component.get("url"), attachment=False)
    elif kind in (2, 4, *SELECT_TYPES):
        form.length_between([*path, "custom_id"], custom_id, 1, 100)
        if custom_id is not None:
            if custom_id in seen:
                form.add(
                    [*path, "custom_id"],
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            seen.add(custom_id)
    if kind == 2:
        form.max_length([*path, "label"], component.get("label"), 80)
    if kind == 3:
        options = component.get("options") or []
        if not 1 <= len(options) <= MAX_SELECT_OPTIONS:
            form.add(
                [*path, "options"],
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {MAX_SELECT_OPTIONS} in length.",
            )
        for o_index, option in enumerate(options[:MAX_SELECT_OPTIONS]):
            form.max_length([*path, "options", o_index, "label"], option.get("label"), 100)
            form.max_length([*path, "options", o_index, "value"], option.get("value"), 100)
            form.max_length(
                [*path, "options", o_index, "description"], option.get("description"), 100
            )
    if kind in SELECT_TYPES:
        form.max_length([*path, "placeholder"], component.get("placeholder"), 150)


def _validate_components(
    form: FormErrors, components: Sequence[Mapping[str, Any]], *, v2: bool
) -> None:
    seen: set[str] = set()
    if v2:
        count = 0

        def walk(items: Sequence[Mapping[str, Any]], path: list[str | int]) -> None:
            nonlocal count
            for index, item in enumerate(items):
                count += 1
                _validate_interactive(form, item, [*path, index], seen)
                for key in ("components", "items"):
                    children = item.get(key)
                    if isinstance(children, list):
                        walk(children, [*path, index, key])
                accessory = item.get("accessory")
                if isinstance(accessory, Mapping):
                    count += 1
                    _validate_interactive(form, accessory, [*path, index, "accessory"], seen)

        walk(components, ["components"])
        if count > MAX_V2_COMPONENTS:
            form.add(
                ["components"],
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_V2_COMPONENTS} or fewer in length.",
            )
        return
    if len(components) > MAX_ROWS:
        form.max_length(["components"], components, MAX_ROWS)
        return
    for index, row in enumerate(components):
        path: list[str | int] = ["components", index]
        if row.get("type") != 1:
            form.add([*path, "type"], "UNION_TYPE_CHOICES", 'Value of field "type" must be 1.')
            continue
        children = row.get("components") or []
        if not 1 <= len(children) <= MAX_BUTTONS_PER_ROW:
            form.add(
                [*path, "components"],
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {MAX_BUTTONS_PER_ROW} in length.",
            )
        if any(child.get("type") in SELECT_TYPES for child in children) and len(children) > 1:
            form.add(
                [*path, "components"],
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for c_index, child in enumerate(children[:MAX_BUTTONS_PER_ROW]):
            _validate_interactive(form, child, [*path, "components", c_index], seen)


def validate_message_body(
    payload: Mapping[str, Any],
    files: Sequence[UploadedFile],
    *,
    size_limit: int,
) -> None:
    """Limits on a create/edit body (content, embeds, components, files, allowed_mentions)."""
    for upload in files:
        if len(upload.data) > size_limit:
            raise ApiError(413, 40005, "Request entity too large")
    form = FormErrors()
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        form.add(["content"], "BASE_TYPE_STRING", "Must be a string.")
    else:
        form.max_length(["content"], content, MAX_CONTENT)
    v2 = bool((payload.get("flags") or 0) & FLAG_IS_COMPONENTS_V2)
    if v2 and (content or payload.get("embeds")):
        form.add(
            ["content" if content else "embeds"],
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using "
            "MessageFlags.IS_COMPONENTS_V2",
        )
    _validate_embeds(form, payload.get("embeds") or [])
    _validate_components(form, payload.get("components") or [], v2=v2)
    if len(files) > MAX_FILES:
        form.max_length(["files"], files, MAX_FILES)
    allowed = payload.get("allowed_mentions")
    if isinstance(allowed, Mapping):
        parse = allowed.get("parse") or []
        for kind in ("users", "roles"):
            if kind in parse and allowed.get(kind):
                form.add(
                    ["allowed_mentions"],
                    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                )
    form.raise_if_any()


def is_empty_message(message: Mapping[str, Any]) -> bool:
    return not (
        (message.get("content") or "").strip()
        or message.get("embeds")
        or message.get("attachments")
        or message.get("components")
        or message.get("sticker_items")
        or message.get("poll")
    )


def empty_message_error() -> ApiError:
    return ApiError(400, 50006, "Cannot send an empty message")


def resolve_mentions(
    content: str,
    allowed_mentions: Mapping[str, Any] | None,
    *,
    user_ids: Sequence[int],
    role_ids: Sequence[int],
    everyone: bool,
    replied_user_id: int | None,
) -> tuple[list[int], list[int], bool]:
    """Who a message actually pings, given the mentions found in its text and
    `allowed_mentions` (absent = ping everything found, and the replied-to author)."""
    if allowed_mentions is None:
        users = list(user_ids)
        if replied_user_id is not None:
            users.append(replied_user_id)
        return users, list(role_ids), everyone
    parse = set(allowed_mentions.get("parse") or [])
    explicit_users = {int(u) for u in allowed_mentions.get("users") or []}
    explicit_roles = {int(r) for r in allowed_mentions.get("roles") or []}
    users = [u for u in user_ids if "users" in parse or u in explicit_users]
    if replied_user_id is not None and allowed_mentions.get("replied_user", False):
        users.append(replied_user_id)
    roles = [r for r in role_ids if "roles" in parse or r in explicit_roles]
    return users, roles, everyone and "everyone" in parse


def validate_commands(commands: Sequence[Mapping[str, Any]]) -> None:
    """Registration limits: names, descriptions, options, counts per command type."""
    form = FormErrors()
    counts = {1: 0, 2: 0, 3: 0}
    limits = {1: 100, 2: 15, 3: 15}
    names: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        kind = int(command.get("type", 1))
        counts[kind] = counts.get(kind, 0) + 1
        name = str(command.get("name", ""))
        if (kind, name) in names:
            form.add(
                [index, "name"],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {name}",
            )
        names.add((kind, name))
        if kind == 1:
            if not _COMMAND_NAME.match(name) or name != name.lower():
                form.add(
                    [index, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
                )
            form.length_between([index, "description"], command.get("description"), 1, 100)
            options = command.get("options") or []
            form.max_length([index, "options"], options, 25)
            for o_index, option in enumerate(options):
                form.length_between(
                    [index, "options", o_index, "description"], option.get("description"), 1, 100
                )
        else:
            form.length_between([index, "name"], name, 1, 32)
            if command.get("description"):
                form.add(
                    [index, "description"],
                    "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                    "Context menu commands cannot have description",
                )
    for kind, count in counts.items():
        if count > limits.get(kind, 100):
            form.add(
                [],
                "APPLICATION_COMMANDS_TOO_MANY",
                f"Maximum number of application commands of type {kind} reached ({limits[kind]}).",
            )
    form.raise_if_any()
