"""The schema as SQLAlchemy Core tables. Migrations create it; a test checks they agree.

Changing a table here needs a new revision in `migrations/versions/` too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

from bot.store.times import as_utc


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on both databases.

    SQLite has no time zones: it gets naive UTC text, which still sorts and compares correctly.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

guild_settings = Table(
    "guild_settings",
    metadata,
    Column("guild_id", BigInteger, primary_key=True, autoincrement=False),
    Column("reaction_emoji", String(100), nullable=True),
    Column("reaction_role_ids", JSON, nullable=False),
    Column("channel_ids", JSON, nullable=False),
    Column("default_mode", String(16), nullable=False),
    Column("language", String(16), nullable=False),
    Column("hits_per_page", Integer, nullable=False),
    Column("hide_pictures", Boolean, nullable=False),
    Column("private_by_default", Boolean, nullable=False),
    Column("mod_log_channel_id", BigInteger, nullable=True),
    Column("member_daily_quota", Integer, nullable=True),
    Column("guild_daily_quota", Integer, nullable=True),
    Column("member_cooldown_seconds", Integer, nullable=False),
    Column("exempt_moderators", Boolean, nullable=False),
    Column("retention_days", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

searches = Table(
    "searches",
    metadata,
    Column("search_id", String(64), primary_key=True),
    Column("guild_id", BigInteger, nullable=True),  # None: a direct message
    Column("channel_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("entry_point", String(32), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("question", Text, nullable=False),
    Column("language", String(16), nullable=False),
    Column("image_sha256", String(64), nullable=True),
    Column("source_message_url", Text, nullable=True),
    Column("private", Boolean, nullable=False),
    # Which bot process runs the search, so a restart only interrupts its own searches.
    Column("instance", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    # The UTC day of started_at: daily quotas and usage group on it without date functions.
    Column("day", Date, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("reply_channel_id", BigInteger, nullable=True),
    Column("reply_message_id", BigInteger, nullable=True),
    Column("error_code", String(32), nullable=True),
    Column("hits", JSON, nullable=False),
    Column("answer", Text, nullable=False),
    Column("input_tokens", Integer, nullable=False),
    Column("output_tokens", Integer, nullable=False),
    Column("image_searches", Integer, nullable=False),
    Column("estimated_cost", Float, nullable=False),
    Column("response_id", String(128), nullable=True),
    Index("ix_searches_guild_day", "guild_id", "day"),
    Index("ix_searches_guild_user_started", "guild_id", "user_id", "started_at"),
    Index("ix_searches_guild_started", "guild_id", "started_at"),
    Index("ix_searches_started", "started_at"),
    Index("ix_searches_user", "user_id"),
    Index("ix_searches_status", "status"),
    Index("ix_searches_image", "image_sha256"),
)
