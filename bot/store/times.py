"""The store's one rule about time: aware datetimes only, kept in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    """`value` in UTC; a naive datetime is refused (its zone would be a guess)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("the store only takes time-zone-aware datetimes")
    return value.astimezone(UTC)
