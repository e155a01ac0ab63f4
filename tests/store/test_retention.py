"""Old searches are purged by each guild's retention; a member's searches can be forgotten."""

from datetime import timedelta

from .conftest import GUILD, OTHER_GUILD, T0, new_search

THIRD_GUILD = 333333333333333333


async def _ids(store, guild_id):
    return {r.search_id for r in (await store.history(guild_id, limit=500)).records}


async def test_purge_keeps_each_guilds_retention(store):
    await store.update_guild_settings(GUILD, retention_days=7)
    await store.update_guild_settings(OTHER_GUILD, retention_days=90)
    now = T0 + timedelta(days=100)
    for guild, name in ((GUILD, "a"), (OTHER_GUILD, "b"), (THIRD_GUILD, "c"), (None, "dm")):
        for age in (1, 8, 31, 91):
            search = new_search(guild_id=guild, search_id=f"{name}{age}")
            await store.start_search(search, now=now - timedelta(days=age))

    deleted = await store.purge(now=now)

    assert await _ids(store, GUILD) == {"a1"}  # 7 days
    assert await _ids(store, OTHER_GUILD) == {"b1", "b8", "b31"}  # 90 days
    assert await _ids(store, THIRD_GUILD) == {"c1", "c8"}  # no settings: the 30-day default
    assert await _ids(store, None) == {"dm1", "dm8"}  # direct messages: the default
    assert deleted == 3 + 1 + 2 + 2
    assert await store.purge(now=now) == 0


async def test_purge_keeps_a_search_exactly_at_the_limit(store):
    await store.start_search(new_search(search_id="edge"), now=T0)
    assert await store.purge(now=T0 + timedelta(days=30)) == 0
    assert await store.purge(now=T0 + timedelta(days=30, seconds=1)) == 1


async def test_forget_member_in_one_guild(store):
    for guild in (GUILD, OTHER_GUILD):
        for user in (1, 2):
            await store.start_search(new_search(user, guild), now=T0)
    assert await store.forget_member(GUILD, 1) == 1
    assert {r.user_id for r in (await store.history(GUILD)).records} == {2}
    assert (await store.history(OTHER_GUILD, member_id=1)).total == 1
    assert await store.forget_member(GUILD, 1) == 0


async def test_forget_member_everywhere(store):
    for guild in (GUILD, OTHER_GUILD, None):
        await store.start_search(new_search(1, guild), now=T0)
        await store.start_search(new_search(2, guild), now=T0)
    assert await store.forget_member(None, 1) == 3
    for guild in (GUILD, OTHER_GUILD, None):
        assert {r.user_id for r in (await store.history(guild)).records} == {2}
