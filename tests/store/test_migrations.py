"""Opening migrates the schema; opening again (or twice at once) changes nothing."""

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bot.store import Store, UnsupportedDatabaseUrl, async_url
from bot.store.engine import create_engine
from bot.store.tables import metadata


def _is_file(path):
    return path.is_file()


async def _schema_state(url: str):
    engine = create_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await engine.dispose()
    return version, diff


async def test_migrations_build_exactly_the_tables_the_code_uses(store, database_url):
    version, diff = await _schema_state(database_url)
    assert version == [("0001",)]
    assert diff == []


async def test_opening_again_keeps_the_data_and_the_version(store, database_url):
    await store.update_guild_settings(1, hits_per_page=3)
    async with await Store.open(database_url) as again:
        assert (await again.get_guild_settings(1)).hits_per_page == 3
    assert (await _schema_state(database_url))[0] == [("0001",)]


async def test_processes_starting_together_migrate_once(database_url):
    stores = await asyncio.gather(*(Store.open(database_url) for _ in range(4)))
    for store in stores:
        await store.close()
    assert (await _schema_state(database_url)) == ([("0001",)], [])


async def test_sqlite_file_and_folder_are_created_with_wal_and_foreign_keys(tmp_path):
    path = tmp_path / "nested" / "dir" / "bot.sqlite3"
    async with await Store.open(f"sqlite:///{path}") as store:
        assert store.dialect == "sqlite"
        engine = create_engine(async_url(f"sqlite:///{path}"))
        async with engine.connect() as conn:
            assert (await conn.scalar(text("PRAGMA journal_mode"))) == "wal"
            assert (await conn.scalar(text("PRAGMA foreign_keys"))) == 1
            assert (await conn.scalar(text("PRAGMA busy_timeout"))) > 0
        await engine.dispose()
    assert _is_file(path)


async def test_relative_sqlite_path_is_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    async with await Store.open("sqlite:///data/bot.sqlite3"):
        pass
    assert _is_file(tmp_path / "data" / "bot.sqlite3")


async def test_unsupported_url_fails_before_connecting():
    with pytest.raises(UnsupportedDatabaseUrl):
        await Store.open("mysql://localhost/bot")
