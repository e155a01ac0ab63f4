"""Turns the operator's `DATABASE_URL` into the async driver URL SQLAlchemy needs.

Operators write the URLs every hosting provider prints (`sqlite:///...`, `postgres://...`);
the driver part (`+aiosqlite`, `+asyncpg`) is our business, not theirs.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError


class UnsupportedDatabaseUrl(ValueError):
    """DATABASE_URL names a database we cannot use. The message never shows a password."""


_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",  # Heroku and others still print this spelling
    "postgresql+asyncpg": "postgresql+asyncpg",
}
_EXAMPLES = "sqlite:///data/bot.sqlite3 or postgresql://user:password@host/database"


def async_url(url: str) -> URL:
    """The SQLAlchemy URL (with an async driver) for an operator's database URL."""
    url = url.strip()
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    driver = _DRIVERS.get(scheme)
    if driver is None:
        shown = f"{scheme!r} URLs are" if scheme else "this URL is"
        raise UnsupportedDatabaseUrl(f"DATABASE_URL: {shown} not supported; use {_EXAMPLES}")
    try:
        parsed = make_url(driver + url[len(scheme) :])
    except ArgumentError:
        raise UnsupportedDatabaseUrl(f"DATABASE_URL is not a valid URL; use {_EXAMPLES}") from None
    if driver.startswith("sqlite"):
        if parsed.database in (None, "", ":memory:") or parsed.database.startswith("file:"):
            # Every pooled connection would get its own empty in-memory database.
            raise UnsupportedDatabaseUrl(
                "DATABASE_URL: SQLite needs a file path, like sqlite:///data/bot.sqlite3"
            )
        return parsed
    if "sslmode" in parsed.query:
        # libpq spells it sslmode; asyncpg takes the same values as `ssl`.
        query = dict(parsed.query)
        query["ssl"] = query.pop("sslmode")
        parsed = parsed.set(query=query)
    return parsed


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL (None for other databases)."""
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    return Path(url.database)
