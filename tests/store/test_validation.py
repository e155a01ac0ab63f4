"""validate_setting: the typed value, or a reason a moderator can act on."""

import dataclasses

import pytest

from bot.store import DEFAULT_GUILD_SETTINGS, SETTING_NAMES, SettingRejected, validate_setting
from bot.store.validation import _VALIDATORS


def test_every_setting_has_a_validator_that_accepts_its_default():
    assert set(_VALIDATORS) == set(SETTING_NAMES)
    for field in dataclasses.fields(DEFAULT_GUILD_SETTINGS):
        default = getattr(DEFAULT_GUILD_SETTINGS, field.name)
        assert validate_setting(field.name, default) == default


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("hits_per_page", "7", 7),
        ("hits_per_page", 1, 1),
        ("hits_per_page", 10, 10),
        ("hide_pictures", "off", False),
        ("hide_pictures", "Yes", True),
        ("private_by_default", True, True),
        ("default_mode", " Similar ", "similar"),
        ("language", "AUTO", "auto"),
        ("language", "zh_cn", "zh-CN"),
        ("language", "es-419", "es-419"),
        ("language", "fr", "fr"),
        ("member_daily_quota", "unlimited", None),
        ("member_daily_quota", "0", 0),
        ("guild_daily_quota", None, None),
        ("member_cooldown_seconds", "0", 0),
        ("retention_days", 3650, 3650),
        ("reaction_emoji", "👀", "👀"),
        ("reaction_emoji", "<:mag:123456789012345678>", "<:mag:123456789012345678>"),
        ("reaction_emoji", "<a:spin:123456789012345678>", "<a:spin:123456789012345678>"),
        ("reaction_emoji", "1️⃣", "1️⃣"),
        ("reaction_emoji", "default", None),
        (
            "channel_ids",
            "<#123456789012345678>, 223456789012345678",
            (123456789012345678, 223456789012345678),
        ),
        ("channel_ids", [123456789012345678, 123456789012345678], (123456789012345678,)),
        ("channel_ids", "", ()),
        ("reaction_role_ids", "<@&323456789012345678>", (323456789012345678,)),
        ("mod_log_channel_id", "<#423456789012345678>", 423456789012345678),
        ("mod_log_channel_id", "none", None),
    ],
)
def test_accepted_values(name, raw, value):
    assert validate_setting(name, raw) == value


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("hits_per_page", 0, "hits per page must be between 1 and 10"),
        ("hits_per_page", "11", "hits per page must be between 1 and 10"),
        ("hits_per_page", "five", "hits per page must be a whole number"),
        ("hits_per_page", True, "hits per page must be a whole number"),
        ("hits_per_page", 2.5, "hits per page must be a whole number"),
        ("retention_days", 0, "the history retention in days must be between 1 and 3650"),
        ("retention_days", 3651, "the history retention in days must be between 1 and 3650"),
        ("member_cooldown_seconds", -1, "the cooldown must be between 0 and 86400"),
        ("member_daily_quota", "-3", "the daily searches per member must be between 0 and 100000"),
        ("default_mode", "fast", "the default mode must be one of: source, similar, product"),
        (
            "language",
            "english please",
            'the language must be "auto" or a locale like en-US or zh-CN',
        ),
        ("hide_pictures", "maybe", "hide pictures must be on or off"),
        ("reaction_emoji", "abc", "the reaction must be one emoji"),
        ("reaction_emoji", "👀 👀", "the reaction must be one emoji"),
        ("channel_ids", "general", "channels must be a Discord ID or mention"),
        ("channel_ids", 42, "channels must be a list of Discord IDs or mentions"),
        (
            "channel_ids",
            " ".join(str(10**17 + i) for i in range(51)),
            "channels can list at most 50",
        ),
        ("mod_log_channel_id", "#mod-log", "the mod log channel must be a Discord ID or mention"),
        ("colour", "red", "there is no setting called 'colour'"),
    ],
)
def test_rejections_say_why(name, raw, reason):
    with pytest.raises(SettingRejected) as caught:
        validate_setting(name, raw)
    assert caught.value.reason == reason
    assert str(caught.value) == reason
