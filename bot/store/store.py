"""`Store`: guild settings, search history, usage and quotas, on SQLite or PostgreSQL.

One code path for both databases. The only differences are how a write transaction starts
(SQLite: one writer per process, `BEGIN IMMEDIATE` against other processes; PostgreSQL: row
versions plus an advisory lock per guild where quotas are checked) and the upsert construct.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.search.errors import ErrorCode
from bot.store.engine import SQLITE_BEGIN, open_engine
from bot.store.guild_settings import DEFAULT_GUILD_SETTINGS, GuildSettings
from bot.store.migrate import migrate
from bot.store.quotas import QuotaLimits, Refused, Reserved, UsedToday, decide
from bot.store.records import (
    DayUsage,
    HistoryPage,
    MemberUsage,
    NewSearch,
    SearchOutcome,
    SearchRecord,
    SearchStatus,
    UsageFigures,
    UsageReport,
)
from bot.store.rows import hits_to_json, record_from_row, settings_from_row, settings_to_row
from bot.store.tables import guild_settings, searches
from bot.store.times import as_utc
from bot.store.urls import async_url
from bot.store.validation import validate_setting

log = logging.getLogger(__name__)

# Namespaces of the PostgreSQL advisory locks that serialise quota checks ("qwen" "quot"/"dmsg").
_GUILD_QUOTA_LOCK = 0x71756F74
_DM_QUOTA_LOCK = 0x646D7367
MAX_PAGE = 500
SETTINGS_TTL = 10.0  # seconds a server's settings are kept in memory


class Store:
    """Open with `await Store.open(url)`, close with `await store.close()` (or `async with`).

    Every method takes and returns frozen dataclasses; times are aware datetimes, passed in by
    the caller so the store never reads the clock for anything that matters.
    """

    def __init__(self, engine: AsyncEngine, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        # SQLite allows one writer: queueing ours here is fairer than spinning on busy_timeout.
        self._sqlite_writer = asyncio.Lock()
        # Every reaction and command reads its server's settings: keep them a few seconds.
        self._clock = clock
        self._settings_cache: dict[int, tuple[float, GuildSettings]] = {}

    @classmethod
    async def open(cls, database_url: str, *, clock: Callable[[], float] = time.monotonic) -> Store:
        """Connect, creating the SQLite file and folder if needed, and migrate the schema."""
        url = async_url(database_url)
        engine = await open_engine(url)
        try:
            await migrate(engine)
        except BaseException:
            await engine.dispose()
            raise
        log.info("store ready: %s, schema up to date", url.render_as_string(hide_password=True))
        return cls(engine, clock)

    async def close(self) -> None:
        await self._engine.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def dialect(self) -> str:
        """The kind of database: "sqlite" or "postgresql"."""
        return self._engine.dialect.name

    # --- transactions ---------------------------------------------------------------------

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that commits on success; one at a time per process on SQLite."""
        if not self._sqlite:
            async with self._engine.begin() as conn:
                yield conn
            return
        async with self._sqlite_writer, self._engine.connect() as conn:
            conn = await conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            async with conn.begin():
                yield conn

    # --- guild settings -------------------------------------------------------------------

    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        """The guild's settings; the defaults when it never changed any. A change made by
        this store is seen at once; one made by another process within SETTINGS_TTL."""
        cached = self._settings_cache.get(guild_id)
        if cached is not None and self._clock() - cached[0] < SETTINGS_TTL:
            return cached[1]
        async with self._read() as conn:
            settings = await self._guild_settings(conn, guild_id)
        self._settings_cache[guild_id] = (self._clock(), settings)
        return settings

    async def update_guild_settings(self, guild_id: int, **changes: object) -> GuildSettings:
        """Check and save some settings (`SettingRejected` if one is wrong; nothing is saved
        then). Only the named settings are written, so two moderators changing different
        settings at once both win."""
        checked: dict[str, Any] = {
            name: validate_setting(name, raw) for name, raw in changes.items()
        }
        if not checked:
            return await self.get_guild_settings(guild_id)
        new_row = settings_to_row(replace(DEFAULT_GUILD_SETTINGS, **checked))
        new_row |= {"guild_id": guild_id, "updated_at": datetime.now(UTC)}
        insert_ = postgresql.insert if not self._sqlite else sqlite.insert
        stmt = insert_(guild_settings).values(new_row)
        stmt = stmt.on_conflict_do_update(
            index_elements=[guild_settings.c.guild_id],
            set_={name: stmt.excluded[name] for name in (*checked, "updated_at")},
        )
        async with self._write() as conn:
            await conn.execute(stmt)
            settings = await self._guild_settings(conn, guild_id)
        self._settings_cache[guild_id] = (self._clock(), settings)
        return settings

    @staticmethod
    async def _guild_settings(conn: AsyncConnection, guild_id: int) -> GuildSettings:
        query = select(guild_settings).where(guild_settings.c.guild_id == guild_id)
        row = (await conn.execute(query)).mappings().first()
        return DEFAULT_GUILD_SETTINGS if row is None else settings_from_row(row)

    # --- starting and finishing searches ----------------------------------------------------

    async def start_search(self, search: NewSearch, *, now: datetime) -> SearchRecord:
        """Record a running search without checking any limit."""
        now = as_utc(now)
        async with self._write() as conn:
            return await self._insert_search(conn, search, now)

    async def reserve(
        self, search: NewSearch, limits: QuotaLimits, *, now: datetime, exempt: bool = False
    ) -> Reserved | Refused:
        """Check cooldown and daily quotas and record the running search, atomically.

        Two reservations racing for a guild's last search cannot both pass, also from two
        processes sharing a PostgreSQL database. A refusal records nothing. `exempt` (e.g. a
        moderator) skips the checks, but the search still counts towards the guild's total.
        """
        now = as_utc(now)
        async with self._write() as conn:
            if not exempt:
                await self._lock_quota(conn, search)
                refusal = decide(limits, await self._used_today(conn, search, now), now)
                if refusal is not None:
                    return refusal
            return Reserved(await self._insert_search(conn, search, now))

    async def _lock_quota(self, conn: AsyncConnection, search: NewSearch) -> None:
        # SQLite: the write transaction already excludes every other writer.
        if self._sqlite:
            return
        namespace, key = (
            (_DM_QUOTA_LOCK, search.user_id)
            if search.guild_id is None
            else (_GUILD_QUOTA_LOCK, search.guild_id)
        )
        # The lock takes two int4s: fold the 64-bit ID (a collision only makes two guilds wait
        # for each other, never lets a reservation through).
        folded = (key ^ (key >> 32)) & 0x7FFFFFFF
        await conn.execute(select(func.pg_advisory_xact_lock(namespace, folded)))

    @staticmethod
    async def _used_today(conn: AsyncConnection, search: NewSearch, now: datetime) -> UsedToday:
        today = now.date()
        member = _same_place(search.guild_id) & (searches.c.user_id == search.user_id)
        member_today = await _count(conn, member & (searches.c.day == today))
        last = await conn.scalar(select(func.max(searches.c.started_at)).where(member))
        guild_today = None
        if search.guild_id is not None:
            guild_today = await _count(
                conn, (searches.c.guild_id == search.guild_id) & (searches.c.day == today)
            )
        return UsedToday(member_today, guild_today, last)

    @staticmethod
    async def _insert_search(
        conn: AsyncConnection, search: NewSearch, now: datetime
    ) -> SearchRecord:
        row: dict[str, Any] = asdict(search) | {
            "status": SearchStatus.RUNNING.value,
            "started_at": now,
            "day": now.date(),
            "finished_at": None,
            "reply_channel_id": None,
            "reply_message_id": None,
            "error_code": None,
            "hits": [],
            "answer": "",
            "input_tokens": 0,
            "output_tokens": 0,
            "image_searches": 0,
            "estimated_cost": 0.0,
            "response_id": None,
        }
        await conn.execute(insert(searches).values(row))
        return record_from_row(row)

    async def set_image(self, search_id: str, image_sha256: str) -> bool:
        """Remember the image's hash, never the image (known once it is downloaded, after the
        reservation), for `find_cached`. False: unknown id."""
        return await self._set(search_id, image_sha256=image_sha256)

    async def set_message(self, search_id: str, channel_id: int, message_id: int) -> bool:
        """Remember where the bot's answer is (to edit it after a restart). False: unknown id."""
        return await self._set(search_id, reply_channel_id=channel_id, reply_message_id=message_id)

    async def _set(self, search_id: str, **values: object) -> bool:
        stmt = update(searches).where(searches.c.search_id == search_id).values(**values)
        async with self._write() as conn:
            return (await conn.execute(stmt)).rowcount > 0

    async def finish_search(
        self, search_id: str, outcome: SearchOutcome, *, now: datetime
    ) -> SearchRecord | None:
        """Record how a search ended; the updated record, or None for an unknown id."""
        stmt = (
            update(searches)
            .where(searches.c.search_id == search_id)
            .values(
                status=outcome.status.value,
                finished_at=now,
                error_code=outcome.error_code,
                hits=hits_to_json(outcome.hits),
                answer=outcome.answer,
                input_tokens=outcome.input_tokens,
                output_tokens=outcome.output_tokens,
                image_searches=outcome.image_searches,
                estimated_cost=outcome.estimated_cost,
                response_id=outcome.response_id,
            )
            .returning(*searches.c)
        )
        async with self._write() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return None if row is None else record_from_row(row)

    async def interrupt_running(self, *, now: datetime, instance: str = "") -> list[SearchRecord]:
        """Mark this instance's running searches interrupted (call at start, after a crash or
        restart) and return them, so their messages can say so."""
        stmt = (
            update(searches)
            .where(
                searches.c.status == SearchStatus.RUNNING.value,
                searches.c.instance == instance,
            )
            .values(
                status=SearchStatus.INTERRUPTED.value,
                finished_at=now,
                error_code=ErrorCode.INTERRUPTED.value,
            )
            .returning(*searches.c)
        )
        async with self._write() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return sorted(map(record_from_row, rows), key=lambda r: (r.started_at, r.search_id))

    # --- reading the history ----------------------------------------------------------------

    async def get_search(self, search_id: str) -> SearchRecord | None:
        async with self._read() as conn:
            query = select(searches).where(searches.c.search_id == search_id)
            row = (await conn.execute(query)).mappings().first()
        return None if row is None else record_from_row(row)

    async def history(
        self,
        guild_id: int | None,
        *,
        member_id: int | None = None,
        since: datetime | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> HistoryPage:
        """A guild's searches (None: direct messages), newest first, one page of them."""
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise ValueError(f"limit must be 1..{MAX_PAGE} and offset >= 0")
        where = _same_place(guild_id)
        if member_id is not None:
            where &= searches.c.user_id == member_id
        if since is not None:
            where &= searches.c.started_at >= since
        query = (
            select(searches)
            .where(where)
            .order_by(searches.c.started_at.desc(), searches.c.search_id.desc())
            .limit(limit)
            .offset(offset)
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).mappings().all()
            total = await _count(conn, where)
        return HistoryPage(tuple(map(record_from_row, rows)), total)

    async def find_cached(
        self,
        image_sha256: str,
        mode: str,
        question: str,
        language: str,
        *,
        newer_than: datetime,
    ) -> SearchRecord | None:
        """The latest completed search of the same image, mode, question and language."""
        query = (
            select(searches)
            .where(
                searches.c.image_sha256 == image_sha256,
                searches.c.mode == mode,
                searches.c.question == question,
                searches.c.language == language,
                searches.c.status == SearchStatus.DONE.value,
                searches.c.finished_at >= newer_than,
            )
            .order_by(searches.c.finished_at.desc())
            .limit(1)
        )
        async with self._read() as conn:
            row = (await conn.execute(query)).mappings().first()
        return None if row is None else record_from_row(row)

    async def usage(self, guild_id: int | None, *, since: datetime, until: datetime) -> UsageReport:
        """Searches, tool calls, tokens and cost per UTC day and per member, in [since, until)."""
        where = (
            _same_place(guild_id)
            & (searches.c.started_at >= since)
            & (searches.c.started_at < until)
        )
        figures = (
            func.count().label("searches"),
            func.coalesce(func.sum(searches.c.image_searches), 0).label("image_searches"),
            func.coalesce(func.sum(searches.c.input_tokens), 0).label("input_tokens"),
            func.coalesce(func.sum(searches.c.output_tokens), 0).label("output_tokens"),
            func.coalesce(func.sum(searches.c.estimated_cost), 0.0).label("estimated_cost"),
        )
        by_day = (
            select(searches.c.day, *figures)
            .where(where)
            .group_by(searches.c.day)
            .order_by(searches.c.day)
        )
        by_member = select(searches.c.user_id, *figures).where(where).group_by(searches.c.user_id)
        total = select(*figures).where(where)
        async with self._read() as conn:
            day_rows = (await conn.execute(by_day)).mappings().all()
            member_rows = (await conn.execute(by_member)).mappings().all()
            total_row = (await conn.execute(total)).mappings().one()
        members = sorted(
            (MemberUsage(row["user_id"], _figures(row)) for row in member_rows),
            key=lambda m: (-m.figures.image_searches, -m.figures.searches, m.user_id),
        )
        return UsageReport(
            days=tuple(DayUsage(row["day"], _figures(row)) for row in day_rows),
            members=tuple(members),
            total=_figures(total_row),
        )

    # --- deleting -------------------------------------------------------------------------

    async def purge(self, *, now: datetime) -> int:
        """Delete searches older than their guild's retention; how many were deleted."""
        now = as_utc(now)
        default_days = DEFAULT_GUILD_SETTINGS.retention_days
        configured = select(guild_settings.c.guild_id)
        deleted = 0
        async with self._write() as conn:
            periods = await conn.scalars(select(guild_settings.c.retention_days).distinct())
            for days in periods.all():
                guilds = configured.where(guild_settings.c.retention_days == days)
                deleted += await _delete(
                    conn,
                    searches.c.guild_id.in_(guilds),
                    searches.c.started_at < now - timedelta(days=days),
                )
            deleted += await _delete(
                conn,
                or_(searches.c.guild_id.is_(None), searches.c.guild_id.not_in(configured)),
                searches.c.started_at < now - timedelta(days=default_days),
            )
        return deleted

    async def forget_member(self, guild_id: int | None, user_id: int) -> int:
        """Delete a person's searches in one guild, or everywhere (DMs too) when guild_id is
        None; how many were deleted."""
        place = true() if guild_id is None else searches.c.guild_id == guild_id
        async with self._write() as conn:
            return await _delete(conn, place, searches.c.user_id == user_id)


def _same_place(guild_id: int | None) -> ColumnElement[bool]:
    """Searches of this guild, or of direct messages for None."""
    if guild_id is None:
        return searches.c.guild_id.is_(None)
    return searches.c.guild_id == guild_id


async def _count(conn: AsyncConnection, where: ColumnElement[bool]) -> int:
    query: Select[tuple[int]] = select(func.count()).select_from(searches).where(where)
    return int(await conn.scalar(query) or 0)


async def _delete(conn: AsyncConnection, *where: ColumnElement[bool]) -> int:
    return (await conn.execute(delete(searches).where(*where))).rowcount


def _figures(row: Any) -> UsageFigures:
    return UsageFigures(
        searches=int(row["searches"]),
        image_searches=int(row["image_searches"]),
        input_tokens=int(row["input_tokens"]),
        output_tokens=int(row["output_tokens"]),
        estimated_cost=float(row["estimated_cost"]),
    )
