"""DATABASE_URL as operators write it -> the async driver URL; anything else is refused."""

import pytest

from bot.store import UnsupportedDatabaseUrl, async_url


@pytest.mark.parametrize(
    ("given", "driver", "database"),
    [
        ("sqlite:///data/bot.sqlite3", "sqlite+aiosqlite", "data/bot.sqlite3"),
        ("sqlite:////var/lib/bot/bot.db", "sqlite+aiosqlite", "/var/lib/bot/bot.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite", "x.db"),
        ("postgresql://u:p@db.example/bot", "postgresql+asyncpg", "bot"),
        ("postgres://u:p@db.example:6543/bot", "postgresql+asyncpg", "bot"),
        ("  postgresql+asyncpg://u@h/bot  ", "postgresql+asyncpg", "bot"),
    ],
)
def test_schemes_map_to_async_drivers(given, driver, database):
    url = async_url(given)
    assert url.drivername == driver
    assert url.database == database


def test_libpq_sslmode_becomes_asyncpg_ssl():
    url = async_url("postgres://u:p@h/bot?sslmode=require")
    assert dict(url.query) == {"ssl": "require"}


@pytest.mark.parametrize(
    "given",
    ["mysql://u:secret-pw@h/bot", "data/bot.sqlite3", "", "redis://h"],
)
def test_other_databases_are_refused_clearly(given):
    with pytest.raises(UnsupportedDatabaseUrl) as caught:
        async_url(given)
    message = str(caught.value)
    assert "not supported" in message
    assert "sqlite:///" in message and "postgresql://" in message
    assert "secret-pw" not in message


@pytest.mark.parametrize("given", ["sqlite://", "sqlite:///:memory:"])
def test_sqlite_needs_a_file(given):
    with pytest.raises(UnsupportedDatabaseUrl, match="file path"):
        async_url(given)
