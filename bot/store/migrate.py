"""Brings the schema up to date at start. Safe to run any number of times, and from several
processes at once: each waits for the one migrating, then finds nothing left to do."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import SQLITE_BEGIN

MIGRATIONS = Path(__file__).with_name("migrations")
# Key of the PostgreSQL advisory lock held while migrating ("qwen" "migr" in ASCII).
_MIGRATION_LOCK = (0x7177656E, 0x6D696772)


async def migrate(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        # SQLite: take the file's write lock first; PostgreSQL: one migrator at a time.
        conn = await conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        async with conn.begin():
            if conn.dialect.name == "postgresql":
                await conn.execute(select(func.pg_advisory_xact_lock(*_MIGRATION_LOCK)))
            await conn.run_sync(_upgrade)


def _upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
