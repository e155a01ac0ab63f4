"""Creates the async engine, with the SQLite settings that make one file safe to share.

SQLite: WAL (readers never wait for the writer), a busy timeout (another process holding the
write lock makes us wait instead of failing), foreign keys on, and transactions we begin
ourselves so a writer can ask for `BEGIN IMMEDIATE` (take the write lock first, instead of
failing half-way when a read transaction tries to become a write one).
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store.urls import sqlite_file

SQLITE_BUSY_TIMEOUT_MS = 15_000
# Execution option naming the kind of BEGIN a SQLite transaction starts with.
SQLITE_BEGIN = "sqlite_begin"


async def open_engine(url: URL) -> AsyncEngine:
    """The engine for `url`; for SQLite, the file (and its folder) is created first, in WAL."""
    path = sqlite_file(url)
    if path is not None:
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        await _use_wal(path)
    return create_engine(url)


def create_engine(url: URL) -> AsyncEngine:
    """The engine for an existing database (`open_engine` prepares a new SQLite file)."""
    if sqlite_file(url) is None:
        # pre_ping: a PostgreSQL restart should cost one reconnect, not one failed search.
        return create_async_engine(url, pool_pre_ping=True)
    engine = create_async_engine(url)
    event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module's own implicit BEGIN is off; `_on_sqlite_begin` emits ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
        "foreign_keys=ON",
        "synchronous=NORMAL",  # safe with WAL: a power cut loses at most the last commits
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


async def _use_wal(path: Path) -> None:
    """Switch the file to WAL once (the mode is stored in the file).

    The switch needs the file to itself, and SQLite refuses at once, without waiting, when
    another connection is writing (two processes starting on a new file): so retry here.
    """
    delay = 0.01
    async with aiosqlite.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000) as db:
        for _ in range(60):
            try:
                cursor = await db.execute("PRAGMA journal_mode=WAL")
                row = await cursor.fetchone()
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
            else:
                if row is not None and str(row[0]).lower() == "wal":
                    return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)
    raise sqlite3.OperationalError(f"could not switch {path} to WAL: the file stays locked")


def _on_sqlite_begin(connection: Connection) -> None:
    kind = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {kind}")
