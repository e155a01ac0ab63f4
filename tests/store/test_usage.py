"""Usage: searches, tool calls, tokens and cost per UTC day and per member."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.store import SearchOutcome, SearchStatus, UsageFigures

from .conftest import GUILD, OTHER_GUILD, T0, new_search


async def _search(store, user, at, image_searches=1, tokens=(100, 10), guild=GUILD, cost=0.048):
    record = await store.start_search(new_search(user, guild), now=at)
    outcome = SearchOutcome(
        SearchStatus.DONE,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        image_searches=image_searches,
        estimated_cost=cost * image_searches,
    )
    await store.finish_search(record.search_id, outcome, now=at)


async def test_usage_per_day_and_member(store):
    day1 = datetime(2025, 3, 10, 23, 59, tzinfo=UTC)
    day2 = datetime(2025, 3, 11, 0, 1, tzinfo=UTC)
    await _search(store, 1, day1)
    await _search(store, 1, day1 - timedelta(hours=3), image_searches=2)
    await _search(store, 2, day2, tokens=(50, 5))
    await store.start_search(new_search(3), now=day2)  # still running: counts, costs nothing
    await _search(store, 1, day1, guild=OTHER_GUILD)  # another guild
    await _search(store, 1, day1 - timedelta(days=5))  # before the period

    report = await store.usage(
        GUILD, since=day1 - timedelta(days=1), until=day2 + timedelta(days=1)
    )

    assert [(d.day, d.figures) for d in report.days] == [
        (date(2025, 3, 10), UsageFigures(2, 3, 200, 20, pytest.approx(0.144))),
        (date(2025, 3, 11), UsageFigures(2, 1, 50, 5, pytest.approx(0.048))),
    ]
    assert [(m.user_id, m.figures) for m in report.members] == [
        (1, UsageFigures(2, 3, 200, 20, pytest.approx(0.144))),
        (2, UsageFigures(1, 1, 50, 5, pytest.approx(0.048))),
        (3, UsageFigures(1, 0, 0, 0, 0.0)),
    ]
    assert report.total == UsageFigures(4, 4, 250, 25, pytest.approx(0.192))
    assert report.total.tokens == 275


async def test_usage_period_is_half_open(store):
    await _search(store, 1, T0)
    await _search(store, 1, T0 + timedelta(hours=1))
    report = await store.usage(GUILD, since=T0, until=T0 + timedelta(hours=1))
    assert report.total.searches == 1


async def test_usage_of_a_quiet_guild_is_zero(store):
    report = await store.usage(GUILD, since=T0, until=T0 + timedelta(days=1))
    assert report.days == () and report.members == ()
    assert report.total == UsageFigures()


async def test_usage_of_direct_messages(store):
    await _search(store, 1, T0, guild=None)
    await _search(store, 1, T0, guild=GUILD)
    report = await store.usage(None, since=T0, until=T0 + timedelta(days=1))
    assert report.total.searches == 1
