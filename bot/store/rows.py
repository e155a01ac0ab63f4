"""Conversions between database rows and the store's dataclasses (pure)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from bot.search.events import Hit
from bot.store.guild_settings import SETTING_NAMES, GuildSettings
from bot.store.records import SearchRecord, SearchStatus

_HIT_FIELDS = frozenset(f.name for f in dataclasses.fields(Hit))
_RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(SearchRecord))


def hits_to_json(hits: tuple[Hit, ...]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(hit) for hit in hits]


def hits_from_json(value: Any) -> tuple[Hit, ...]:
    # Keys a later Hit no longer has are dropped, so old rows stay readable.
    return tuple(Hit(**{k: v for k, v in item.items() if k in _HIT_FIELDS}) for item in value)


def record_from_row(row: Mapping[Any, Any]) -> SearchRecord:
    values = {name: row[name] for name in _RECORD_FIELDS}
    values["status"] = SearchStatus(values["status"])
    values["hits"] = hits_from_json(values["hits"])
    values["estimated_cost"] = float(values["estimated_cost"])  # SQLite may hand back 0
    return SearchRecord(**values)


def settings_from_row(row: Mapping[Any, Any]) -> GuildSettings:
    values = {name: row[name] for name in SETTING_NAMES}
    values["reaction_role_ids"] = tuple(values["reaction_role_ids"])
    values["channel_ids"] = tuple(values["channel_ids"])
    return GuildSettings(**values)


def settings_to_row(settings: GuildSettings) -> dict[str, Any]:
    values = {name: getattr(settings, name) for name in SETTING_NAMES}
    values["reaction_role_ids"] = list(settings.reaction_role_ids)
    values["channel_ids"] = list(settings.channel_ids)
    return values
