"""Quotas are enforced by the database: cooldown, member and guild daily limits, exemption,
and no double-spending of the last slot, also from two stores (processes) at once."""

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store import (
    UNLIMITED,
    QuotaLimits,
    RefusalReason,
    Refused,
    Reserved,
    SearchOutcome,
    SearchStatus,
    Store,
)
from bot.store.quotas import UsedToday, decide, next_utc_midnight

from .conftest import GUILD, OTHER_GUILD, T0, new_search

MIDNIGHT = datetime(2025, 3, 11, tzinfo=UTC)  # the UTC midnight after T0


async def _count(store, guild_id=GUILD):
    return (await store.history(guild_id)).total


async def test_cooldown_refuses_until_it_has_passed(store):
    limits = QuotaLimits(member_cooldown_seconds=30)
    assert isinstance(await store.reserve(new_search(1), limits, now=T0), Reserved)
    refused = await store.reserve(new_search(1), limits, now=T0 + timedelta(seconds=10))
    assert refused == Refused(RefusalReason.COOLDOWN, T0 + timedelta(seconds=30))
    # Someone else, or the same member elsewhere, is not affected.
    assert isinstance(await store.reserve(new_search(2), limits, now=T0), Reserved)
    assert isinstance(await store.reserve(new_search(1, OTHER_GUILD), limits, now=T0), Reserved)
    assert isinstance(
        await store.reserve(new_search(1), limits, now=T0 + timedelta(seconds=30)), Reserved
    )
    assert await _count(store) == 3  # the refusal recorded nothing


async def test_member_daily_quota_resets_at_utc_midnight(store):
    limits = QuotaLimits(member_daily=2)
    for minute in range(2):
        reserved = await store.reserve(new_search(1), limits, now=T0 + timedelta(minutes=minute))
        assert isinstance(reserved, Reserved)
    refused = await store.reserve(new_search(1), limits, now=T0 + timedelta(hours=1))
    assert refused == Refused(RefusalReason.MEMBER_QUOTA, MIDNIGHT)
    assert isinstance(await store.reserve(new_search(2), limits, now=T0), Reserved)
    assert isinstance(await store.reserve(new_search(1), limits, now=MIDNIGHT), Reserved)


async def test_guild_daily_quota_counts_every_member(store):
    limits = QuotaLimits(guild_daily=3)
    for user in (1, 2, 3):
        assert isinstance(await store.reserve(new_search(user), limits, now=T0), Reserved)
    refused = await store.reserve(new_search(4), limits, now=T0)
    assert refused == Refused(RefusalReason.GUILD_QUOTA, MIDNIGHT)
    assert isinstance(await store.reserve(new_search(4, OTHER_GUILD), limits, now=T0), Reserved)


async def test_finished_and_failed_searches_still_count(store):
    limits = QuotaLimits(guild_daily=1)
    reserved = await store.reserve(new_search(1), limits, now=T0)
    assert isinstance(reserved, Reserved)
    await store.finish_search(
        reserved.record.search_id, SearchOutcome(SearchStatus.FAILED, "timeout"), now=T0
    )
    assert isinstance(await store.reserve(new_search(2), limits, now=T0), Refused)


async def test_exempt_members_pass_but_still_count_towards_the_guild(store):
    limits = QuotaLimits(member_daily=1, guild_daily=2, member_cooldown_seconds=60)
    for _ in range(3):
        assert isinstance(await store.reserve(new_search(9), limits, now=T0, exempt=True), Reserved)
    refused = await store.reserve(new_search(1), limits, now=T0)
    assert isinstance(refused, Refused) and refused.reason is RefusalReason.GUILD_QUOTA


async def test_direct_messages_have_member_limits_but_no_guild_quota(store):
    limits = QuotaLimits(member_daily=1, guild_daily=0)
    assert isinstance(await store.reserve(new_search(1, None), limits, now=T0), Reserved)
    refused = await store.reserve(new_search(1, None), limits, now=T0)
    assert isinstance(refused, Refused) and refused.reason is RefusalReason.MEMBER_QUOTA
    assert isinstance(await store.reserve(new_search(2, None), limits, now=T0), Reserved)


async def test_a_reserved_record_is_the_running_search(store):
    reserved = await store.reserve(new_search(1, search_id="r"), UNLIMITED, now=T0)
    assert isinstance(reserved, Reserved)
    assert reserved.record == await store.get_search("r")
    assert reserved.record.status is SearchStatus.RUNNING


async def test_racing_for_the_last_guild_slot_lets_exactly_one_through(store):
    limits = QuotaLimits(guild_daily=5)
    for user in range(4):
        await store.start_search(new_search(user), now=T0)
    results = await asyncio.gather(
        *(store.reserve(new_search(100 + i), limits, now=T0) for i in range(25))
    )
    assert sum(isinstance(r, Reserved) for r in results) == 1
    assert {r.reason for r in results if isinstance(r, Refused)} == {RefusalReason.GUILD_QUOTA}
    assert await _count(store) == 5


async def test_one_member_racing_themselves_gets_one_search(store):
    limits = QuotaLimits(member_cooldown_seconds=30)
    results = await asyncio.gather(
        *(store.reserve(new_search(1), limits, now=T0) for _ in range(20))
    )
    assert sum(isinstance(r, Reserved) for r in results) == 1


async def test_two_processes_racing_for_the_last_slot(store, database_url):
    """Two stores on one database stand for two bot processes."""
    limits = QuotaLimits(guild_daily=3)
    await store.start_search(new_search(1), now=T0)
    async with await Store.open(database_url) as second:
        results = await asyncio.gather(
            *(
                (store if i % 2 else second).reserve(new_search(100 + i), limits, now=T0)
                for i in range(30)
            )
        )
    assert sum(isinstance(r, Reserved) for r in results) == 2
    assert await _count(store) == 3


@pytest.mark.parametrize(
    ("used", "expected"),
    [
        (UsedToday(0, 0, None), None),
        (UsedToday(0, 200, None), Refused(RefusalReason.GUILD_QUOTA, MIDNIGHT)),
        (UsedToday(20, 5, None), Refused(RefusalReason.MEMBER_QUOTA, MIDNIGHT)),
        (
            UsedToday(1, 1, T0 - timedelta(seconds=5)),
            Refused(RefusalReason.COOLDOWN, T0 + timedelta(seconds=25)),
        ),
        (UsedToday(1, 1, T0 - timedelta(seconds=30)), None),
        # Out of quota and cooling down: the quota's (later) retry time is the useful one.
        (UsedToday(20, 200, T0), Refused(RefusalReason.GUILD_QUOTA, MIDNIGHT)),
    ],
)
def test_decide(used, expected):
    limits = QuotaLimits(member_daily=20, guild_daily=200, member_cooldown_seconds=30)
    assert decide(limits, used, T0) == expected


def test_unlimited_never_refuses():
    assert decide(UNLIMITED, UsedToday(10**6, 10**6, T0), T0) is None


def test_next_utc_midnight_from_another_zone():
    late_in_new_york = datetime(2025, 3, 10, 21, 0, tzinfo=timezone(timedelta(hours=-4)))
    assert next_utc_midnight(late_in_new_york) == datetime(2025, 3, 12, tzinfo=UTC)
