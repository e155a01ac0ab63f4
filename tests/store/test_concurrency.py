"""Many tasks (and two stores, standing for two processes) writing at once: nothing is lost
and nothing fails with "database is locked"."""

import asyncio
from datetime import timedelta

from bot.store import SearchOutcome, SearchStatus, Store

from .conftest import GUILD, T0, new_search


async def _life_of_a_search(store, n):
    record = await store.start_search(new_search(n, search_id=f"c{n:03d}"), now=T0)
    await store.set_message(record.search_id, 600, 10_000 + n)
    await store.history(GUILD, limit=5)
    outcome = SearchOutcome(SearchStatus.DONE, answer=f"answer {n}", image_searches=1)
    await store.finish_search(record.search_id, outcome, now=T0 + timedelta(seconds=n))


async def test_fifty_concurrent_searches(store):
    await asyncio.gather(*(_life_of_a_search(store, n) for n in range(50)))
    page = await store.history(GUILD, limit=100)
    assert page.total == 50
    assert all(r.status is SearchStatus.DONE for r in page.records)
    assert {r.reply_message_id for r in page.records} == {10_000 + n for n in range(50)}


async def test_two_stores_on_one_database_write_at_once(store, database_url):
    async with await Store.open(database_url) as second:
        await asyncio.gather(
            *(_life_of_a_search(store if n % 2 else second, n) for n in range(60)),
            *(store.update_guild_settings(GUILD, hits_per_page=1 + n % 10) for n in range(10)),
            *(second.purge(now=T0) for _ in range(5)),
        )
        assert (
            await second.usage(GUILD, since=T0, until=T0 + timedelta(days=1))
        ).total.searches == 60
    assert (await store.history(GUILD)).total == 60
