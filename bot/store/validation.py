"""Checks one guild setting from a moderator and turns it into the value the store keeps.

Pure: no I/O. Accepts the typed value (from a slash-command option) or its text (from a text
command or a modal), so every way of changing a setting is checked the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

MODES = ("source", "similar", "product")
MAX_IDS = 50

_NONE_WORDS = frozenset({"", "none", "off", "default", "unlimited", "no limit"})
_TRUE_WORDS = frozenset({"true", "yes", "on", "1", "enable", "enabled"})
_FALSE_WORDS = frozenset({"false", "no", "off", "0", "disable", "disabled"})
_CUSTOM_EMOJI = re.compile(r"<a?:\w{2,32}:\d{15,21}>")
_KEYCAP = re.compile("[0-9#*]\ufe0f?\u20e3")
_LOCALE = re.compile(r"([a-z]{2,3})(?:-([a-z]{2}|[0-9]{3}))?", re.IGNORECASE)
_ID = re.compile(r"<(?:#|@&|@!?)?(\d{15,21})>|(\d{15,21})")


class SettingRejected(ValueError):
    """A setting value that cannot be used; `reason` is a sentence for the moderator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def validate_setting(name: str, raw_value: object) -> object:
    """The value to store for setting `name`, or `SettingRejected` saying what is wrong."""
    if name not in _VALIDATORS:
        raise SettingRejected(f"there is no setting called {name!r}")
    return _VALIDATORS[name](raw_value)


def _is_none(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip().lower() in _NONE_WORDS)


def _whole_number(raw: object, what: str) -> int:
    if isinstance(raw, bool):
        raise SettingRejected(f"{what} must be a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().lstrip("+-").isdigit():
        return int(raw.strip())
    raise SettingRejected(f"{what} must be a whole number")


def _ranged(what: str, lo: int, hi: int) -> Callable[[object], int]:
    def check(raw: object) -> int:
        value = _whole_number(raw, what)
        if not lo <= value <= hi:
            raise SettingRejected(f"{what} must be between {lo} and {hi}")
        return value

    return check


def _optional_ranged(what: str, lo: int, hi: int) -> Callable[[object], int | None]:
    check = _ranged(what, lo, hi)
    return lambda raw: None if _is_none(raw) else check(raw)


def _flag(what: str) -> Callable[[object], bool]:
    def check(raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE_WORDS:
            return True
        if isinstance(raw, str) and raw.strip().lower() in _FALSE_WORDS:
            return False
        raise SettingRejected(f"{what} must be on or off")

    return check


def _snowflake(raw: object, what: str) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw < 2**63:
        return raw
    if isinstance(raw, str) and (match := _ID.fullmatch(raw.strip())):
        return int(match.group(1) or match.group(2))
    raise SettingRejected(f"{what} must be a Discord ID or mention")


def _ids(what: str) -> Callable[[object], tuple[int, ...]]:
    def check(raw: object) -> tuple[int, ...]:
        if _is_none(raw):
            return ()
        items: Iterable[object]
        if isinstance(raw, str):
            items = raw.replace(",", " ").split()
        elif isinstance(raw, Iterable):
            items = raw
        else:
            raise SettingRejected(f"{what} must be a list of Discord IDs or mentions")
        ids = tuple(dict.fromkeys(_snowflake(item, what) for item in items))
        if len(ids) > MAX_IDS:
            raise SettingRejected(f"{what} can list at most {MAX_IDS}")
        return ids

    return check


def _optional_id(what: str) -> Callable[[object], int | None]:
    return lambda raw: None if _is_none(raw) else _snowflake(raw, what)


def _emoji(raw: object) -> str | None:
    if _is_none(raw):
        return None
    if not isinstance(raw, str):
        raise SettingRejected("the reaction must be one emoji")
    value = raw.strip()
    if _CUSTOM_EMOJI.fullmatch(value) or _KEYCAP.fullmatch(value):
        return value
    # A Unicode emoji: no letters, digits or spaces (flags and ZWJ sequences are several
    # code points, so the length limit is generous).
    if len(value) > 16 or any(ch.isspace() or (ch.isascii() and ch.isalnum()) for ch in value):
        raise SettingRejected("the reaction must be one emoji")
    return value


def _mode(raw: object) -> str:
    value = str(raw).strip().lower()
    if value not in MODES:
        raise SettingRejected(f"the default mode must be one of: {', '.join(MODES)}")
    return value


def _language(raw: object) -> str:
    value = str(raw).strip()
    if value.lower() == "auto":
        return "auto"
    match = _LOCALE.fullmatch(value.replace("_", "-"))
    if match is None:
        raise SettingRejected('the language must be "auto" or a locale like en-US or zh-CN')
    lang, region = match.groups()
    return lang.lower() + (f"-{region.upper()}" if region else "")


# One entry per field of GuildSettings (a test checks none is missing).
_VALIDATORS: dict[str, Callable[[object], object]] = {
    "reaction_emoji": _emoji,
    "reaction_role_ids": _ids("reaction roles"),
    "channel_ids": _ids("channels"),
    "default_mode": _mode,
    "language": _language,
    "hits_per_page": _ranged("hits per page", 1, 10),
    "hide_pictures": _flag("hide pictures"),
    "private_by_default": _flag("private by default"),
    "mod_log_channel_id": _optional_id("the mod log channel"),
    "member_daily_quota": _optional_ranged("the daily searches per member", 0, 100_000),
    "guild_daily_quota": _optional_ranged("the daily searches per server", 0, 1_000_000),
    "member_cooldown_seconds": _ranged("the cooldown", 0, 86_400),
    "exempt_moderators": _flag("exempt moderators"),
    "retention_days": _ranged("the history retention in days", 1, 3650),
}
