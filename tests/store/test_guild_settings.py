"""Guild settings: defaults until changed, checked before saving, partial updates."""

import asyncio

import pytest

from bot.store import DEFAULT_GUILD_SETTINGS, GuildSettings, QuotaLimits, SettingRejected, Store
from bot.store.store import SETTINGS_TTL

from .conftest import GUILD, OTHER_GUILD


async def test_a_new_guild_gets_the_defaults(store):
    settings = await store.get_guild_settings(GUILD)
    assert settings == DEFAULT_GUILD_SETTINGS == GuildSettings()
    assert settings.default_mode == "source"
    assert settings.language == "auto"
    assert settings.hits_per_page == 5
    assert settings.hide_pictures is True
    assert settings.private_by_default is False
    assert settings.retention_days == 30
    assert settings.quota_limits == QuotaLimits(
        member_daily=20, guild_daily=200, member_cooldown_seconds=30
    )


async def test_update_saves_checked_values_and_keeps_the_rest(store):
    first = await store.update_guild_settings(
        GUILD,
        hits_per_page="8",
        channel_ids="<#123456789012345678> 223456789012345678",
        reaction_emoji="👀",
        member_daily_quota="unlimited",
    )
    assert first.hits_per_page == 8
    assert first.channel_ids == (123456789012345678, 223456789012345678)
    assert first.reaction_emoji == "👀"
    assert first.member_daily_quota is None
    second = await store.update_guild_settings(GUILD, language="zh-CN")
    assert second == GuildSettings(
        hits_per_page=8,
        channel_ids=(123456789012345678, 223456789012345678),
        reaction_emoji="👀",
        member_daily_quota=None,
        language="zh-CN",
    )
    assert await store.get_guild_settings(GUILD) == second
    assert await store.get_guild_settings(OTHER_GUILD) == DEFAULT_GUILD_SETTINGS


async def test_a_rejected_value_saves_nothing(store):
    with pytest.raises(SettingRejected, match="hits per page must be between 1 and 10"):
        await store.update_guild_settings(GUILD, language="fr", hits_per_page=11)
    with pytest.raises(SettingRejected, match="no setting called"):
        await store.update_guild_settings(GUILD, colour="red")
    assert await store.get_guild_settings(GUILD) == DEFAULT_GUILD_SETTINGS


async def test_no_changes_returns_the_current_settings(store):
    assert await store.update_guild_settings(GUILD) == DEFAULT_GUILD_SETTINGS


async def test_values_can_be_set_back_to_none(store):
    await store.update_guild_settings(GUILD, mod_log_channel_id=423456789012345678)
    settings = await store.update_guild_settings(GUILD, mod_log_channel_id=None)
    assert settings.mod_log_channel_id is None


async def test_big_snowflakes_survive_the_round_trip(store):
    big = 2**63 - 1
    settings = await store.update_guild_settings(
        GUILD, reaction_role_ids=[big], mod_log_channel_id=big
    )
    assert settings.reaction_role_ids == (big,)
    assert (await store.get_guild_settings(GUILD)).mod_log_channel_id == big


async def test_concurrent_updates_of_different_settings_both_win(store):
    await asyncio.gather(
        *(store.update_guild_settings(GUILD, hits_per_page=n) for n in (2, 3)),
        store.update_guild_settings(GUILD, retention_days=90),
        store.update_guild_settings(GUILD, default_mode="product"),
        store.update_guild_settings(GUILD, hide_pictures=False),
    )
    settings = await store.get_guild_settings(GUILD)
    assert settings.hits_per_page in (2, 3)
    assert settings.retention_days == 90
    assert settings.default_mode == "product"
    assert settings.hide_pictures is False


async def test_settings_changed_elsewhere_are_seen_within_the_ttl(store, database_url):
    now = [0.0]
    async with await Store.open(database_url, clock=lambda: now[0]) as reader:
        assert (await reader.get_guild_settings(GUILD)).hits_per_page == 5
        await store.update_guild_settings(GUILD, hits_per_page=9)  # another process
        assert (await reader.get_guild_settings(GUILD)).hits_per_page == 5  # kept briefly
        now[0] += SETTINGS_TTL
        assert (await reader.get_guild_settings(GUILD)).hits_per_page == 9
        await reader.update_guild_settings(GUILD, hits_per_page=2)  # its own change: at once
        assert (await reader.get_guild_settings(GUILD)).hits_per_page == 2
