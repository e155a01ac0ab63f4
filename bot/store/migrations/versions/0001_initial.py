"""Guild settings and search records.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.tables import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, primary_key=True),
        sa.Column("reaction_emoji", sa.String(100), nullable=True),
        sa.Column("reaction_role_ids", sa.JSON(), nullable=False),
        sa.Column("channel_ids", sa.JSON(), nullable=False),
        sa.Column("default_mode", sa.String(16), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("hits_per_page", sa.Integer(), nullable=False),
        sa.Column("hide_pictures", sa.Boolean(), nullable=False),
        sa.Column("private_by_default", sa.Boolean(), nullable=False),
        sa.Column("mod_log_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("member_daily_quota", sa.Integer(), nullable=True),
        sa.Column("guild_daily_quota", sa.Integer(), nullable=True),
        sa.Column("member_cooldown_seconds", sa.Integer(), nullable=False),
        sa.Column("exempt_moderators", sa.Boolean(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "searches",
        sa.Column("search_id", sa.String(64), primary_key=True),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("entry_point", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("image_sha256", sa.String(64), nullable=True),
        sa.Column("source_message_url", sa.Text(), nullable=True),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("instance", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("reply_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("reply_message_id", sa.BigInteger(), nullable=True),
        sa.Column("error_code", sa.String(32), nullable=True),
        sa.Column("hits", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("image_searches", sa.Integer(), nullable=False),
        sa.Column("estimated_cost", sa.Float(), nullable=False),
        sa.Column("response_id", sa.String(128), nullable=True),
    )
    op.create_index("ix_searches_guild_day", "searches", ["guild_id", "day"])
    op.create_index(
        "ix_searches_guild_user_started", "searches", ["guild_id", "user_id", "started_at"]
    )
    op.create_index("ix_searches_guild_started", "searches", ["guild_id", "started_at"])
    op.create_index("ix_searches_started", "searches", ["started_at"])
    op.create_index("ix_searches_user", "searches", ["user_id"])
    op.create_index("ix_searches_status", "searches", ["status"])
    op.create_index("ix_searches_image", "searches", ["image_sha256"])


def downgrade() -> None:
    op.drop_table("searches")
    op.drop_table("guild_settings")
