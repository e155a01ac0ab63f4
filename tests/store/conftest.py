"""Every store test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

PostgreSQL isolation: each test gets a database of its own (`store_test_<random>`, created
from TEST_DATABASE_URL's server and dropped afterwards), so tests and parallel CI runs sharing
one server never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from bot.store import NewSearch, Store, async_url

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
GUILD = 111111111111111111
OTHER_GUILD = 222222222222222222


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        # A folder that does not exist yet: the store must create it.
        yield f"sqlite:///{tmp_path}/data/bot.sqlite3"
        return
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        pytest.skip("PostgreSQL: set TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1/test)")
    name = f"store_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield (
            async_url(server)
            .set(drivername="postgresql", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = await Store.open(database_url)
    try:
        yield store
    finally:
        await store.close()


_counter = iter(range(1, 10**9))


def new_search(
    user_id: int = 1,
    guild_id: int | None = GUILD,
    *,
    search_id: str | None = None,
    channel_id: int = 500,
    mode: str = "source",
    question: str = "",
    language: str = "en-US",
    image_sha256: str | None = None,
    instance: str = "",
) -> NewSearch:
    return NewSearch(
        search_id=search_id or f"s{next(_counter):06d}",
        guild_id=guild_id,
        channel_id=channel_id,
        user_id=user_id,
        entry_point="slash",
        mode=mode,
        question=question,
        language=language,
        image_sha256=image_sha256,
        instance=instance,
    )
