"""Alembic migrations, run by `bot.store.migrate` at every start (no alembic.ini needed).

To change the schema: edit `bot/store/tables.py`, then add the next numbered file in
`versions/` (same shape as `0001_initial.py`, `down_revision` = the previous revision).
`tests/store/test_migrations.py` fails until the migrations produce exactly `tables.py`.
"""
