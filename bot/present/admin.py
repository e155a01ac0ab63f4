"""The /imagesearch screens moderators see: settings, history, one search, usage, and the
history as CSV. Pure functions: records in, embeds and component specs out, always inside
Discord's limits (4096 per description, 1024 per field value, 6000 over a message's embeds).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import discord

from bot.present.export import csv_cell
from bot.present.messages import EN, counted, searches_text, text
from bot.present.render import TITLE_CHARS, ButtonSpec, hit_line
from bot.present.text import inert, model_text, safe_link, trim, visible
from bot.store import (
    GuildSettings,
    HistoryPage,
    SearchRecord,
    SearchStatus,
    UsageFigures,
    UsageReport,
)

CUSTOM_ID_PREFIX = "iadmin"
HISTORY_PAGE_SIZE = 10  # lines per history page, and options in its "Open" menu (≤ 25)
TOP_MEMBERS = 10
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024
MESSAGE_EMBED_LIMIT = 6000
HITS_BUDGET = 2500  # characters of hits in a search's detail; its answer gets the rest
MEMBERS_BUDGET = 1200  # of the usage description; the days get what is left

COLOUR_ADMIN = discord.Colour(0x5865F2)
COLOUR_DANGER = discord.Colour(0xE74C3C)

_STATUS_ICONS = {
    SearchStatus.DONE: "✅",
    SearchStatus.FAILED: "⚠️",
    SearchStatus.CANCELLED: "⏹️",
    SearchStatus.INTERRUPTED: "⚠️",
    SearchStatus.RUNNING: "⏳",
}


class AdminAction(StrEnum):
    PAGE = "page"  # history page: member, days, page
    OPEN = "open"  # history "Open…" menu: member, days, page (the search id is the value)
    EXPORT = "export"  # history as CSV: member, days
    NOOP = "noop"  # the disabled page indicator
    FORGET = "forget"  # forget-me confirmed: user id
    KEEP = "keep"  # forget-me called off: user id


def admin_custom_id(action: AdminAction, *args: object) -> str:
    return ":".join([CUSTOM_ID_PREFIX, action.value, *map(str, args)])


def parse_admin_custom_id(value: str) -> tuple[AdminAction, list[str]] | None:
    parts = value.split(":")
    if len(parts) < 2 or parts[0] != CUSTOM_ID_PREFIX:
        return None
    try:
        return AdminAction(parts[1]), parts[2:]
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """The history's filters and page; travels in the custom ids, so clicks need no memory."""

    member_id: int | None = None
    days: int | None = None
    page: int = 0

    def args(self) -> list[object]:
        return [self.member_id or 0, self.days or 0, self.page]

    @classmethod
    def from_args(cls, args: Sequence[str]) -> HistoryQuery | None:
        if len(args) < 3 or not all(a.isdigit() for a in args[:3]):
            return None
        member, days, page = (int(a) for a in args[:3])
        return cls(member or None, days or None, page)


@dataclass(frozen=True, slots=True)
class SelectSpec:
    custom_id: str
    placeholder: str
    options: tuple[tuple[str, str, str], ...]  # label, value, description ("" for none)


@dataclass(slots=True)
class AdminScreen:
    """One ephemeral message: embeds, then a select row, then one row of buttons."""

    embeds: list[discord.Embed]
    buttons: list[ButtonSpec] = field(default_factory=list)
    select: SelectSpec | None = None


# --- small shared pieces -------------------------------------------------------------------


def _fit_lines(lines: Sequence[str], limit: int, more: Callable[[int], str]) -> str:
    """As many whole lines as fit in `limit`, then a note of how many were left out."""
    kept: list[str] = []
    used = 0
    for number, line in enumerate(lines):
        note = more(len(lines) - number - 1) if number < len(lines) - 1 else ""
        if used + len(line) + 1 + len(note) + 1 > limit:
            kept.append(more(len(lines) - number))
            break
        kept.append(line)
        used += len(line) + 1
    return trim("\n".join(kept), limit)


def _more(lang: str) -> Callable[[int], str]:
    return lambda count: text("admin.value.more", lang, count=count)


def _hits_text(count: int, lang: str) -> str:
    return counted("admin.hit_one", "admin.hits", count, lang)


def searches_count(count: int, lang: str) -> str:
    """'1 search' / '3 searches' (searches, not the image-search tool calls)."""
    return counted("admin.search_one", "admin.searches", count, lang)


def _label(prefix: str, value: str, lang: str) -> str:
    """A catalogue label for a stored code, or the code itself when it is new to us."""
    key = f"{prefix}.{value}"
    return text(key, lang) if key in EN else inert(value, 40)


def _when(moment: datetime) -> str:
    return f"<t:{int(moment.timestamp())}:R>"


def _cost(value: float) -> str:
    return f"¥{value:.3f}"


def _yes_no(value: bool, lang: str) -> str:
    return text("admin.value.yes" if value else "admin.value.no", lang)


def outcome_text(record: SearchRecord, lang: str) -> str:
    label = f"{_STATUS_ICONS.get(record.status, '')} {_label('admin.status', record.status, lang)}"
    if record.error_code and record.status is not SearchStatus.DONE:
        label += f" ({inert(record.error_code, 32)})"
    return label.strip()


def reply_link(record: SearchRecord) -> str | None:
    """Where the bot's answer is, when everyone can open it (private answers cannot be)."""
    if record.private or not (record.guild_id and record.reply_channel_id):
        return None
    if record.reply_message_id is None:
        return None
    return (
        f"https://discord.com/channels/{record.guild_id}/"
        f"{record.reply_channel_id}/{record.reply_message_id}"
    )


# --- settings --------------------------------------------------------------------------------


def _mentions(ids: Sequence[int], mention: str, empty: str, lang: str) -> str:
    if not ids:
        return text(empty, lang)
    return _fit_lines([mention.format(i) for i in ids], FIELD_LIMIT, _more(lang))


def _quota(value: int | None, lang: str) -> str:
    if value is None:
        return text("admin.value.unlimited", lang)
    return text("admin.value.per_day", lang, count=value)


def _setting_values(settings: GuildSettings, lang: str, default_emoji: str) -> dict[str, str]:
    """Each setting as a moderator reads it, keyed by the store's setting name."""
    s = settings
    return {
        "reaction_emoji": s.reaction_emoji
        or text("admin.value.default_emoji", lang, emoji=default_emoji),
        "reaction_role_ids": _mentions(s.reaction_role_ids, "<@&{}>", "admin.value.everyone", lang),
        "channel_ids": _mentions(s.channel_ids, "<#{}>", "admin.value.all_channels", lang),
        "default_mode": _label("admin.mode", s.default_mode, lang),
        "language": text("admin.value.auto_language", lang)
        if s.language == "auto"
        else inert(s.language, 16),
        "hits_per_page": str(s.hits_per_page),
        "hide_pictures": _yes_no(s.hide_pictures, lang),
        "private_by_default": _yes_no(s.private_by_default, lang),
        "mod_log_channel_id": f"<#{s.mod_log_channel_id}>"
        if s.mod_log_channel_id
        else text("admin.value.none", lang),
        "member_daily_quota": _quota(s.member_daily_quota, lang),
        "guild_daily_quota": _quota(s.guild_daily_quota, lang),
        "member_cooldown_seconds": text(
            "admin.value.seconds", lang, seconds=s.member_cooldown_seconds
        )
        if s.member_cooldown_seconds
        else text("admin.value.off", lang),
        "exempt_moderators": _yes_no(s.exempt_moderators, lang),
        "retention_days": text("admin.value.days", lang, days=s.retention_days),
    }


_LONG_SETTINGS = frozenset({"reaction_role_ids", "channel_ids"})


def setting_label(name: str, lang: str) -> str:
    return text(f"admin.setting.{name}", lang)


def settings_embed(
    settings: GuildSettings, lang: str, *, default_emoji: str, saved: Sequence[str] = ()
) -> discord.Embed:
    """The server's settings in one embed; `saved` names the settings just changed."""
    embed = discord.Embed(title=text("admin.settings.title", lang), colour=COLOUR_ADMIN)
    if saved:
        names = ", ".join(setting_label(name, lang) for name in saved)
        embed.description = trim(text("admin.settings.saved", lang, names=names), 1000)
    for name, value in _setting_values(settings, lang, default_emoji).items():
        embed.add_field(
            name=setting_label(name, lang),
            value=trim(value, FIELD_LIMIT),
            inline=name not in _LONG_SETTINGS,
        )
    embed.set_footer(text=text("admin.settings.footer", lang))
    return embed


# --- history -------------------------------------------------------------------------------


def history_line(number: int, record: SearchRecord, lang: str) -> str:
    parts = [
        f"`{number}.` {_when(record.started_at)}",
        f"<@{record.user_id}>",
        _label("admin.entry", record.entry_point, lang),
        _label("admin.mode", record.mode, lang),
        outcome_text(record, lang),
        _hits_text(len(record.hits), lang),
    ]
    if record.private:
        parts.append("🔒")
    source = safe_link(record.source_message_url or "", 200)
    if source:
        parts.append(f"[{text('admin.history.source', lang)}]({source})")
    answer = reply_link(record)
    if answer:
        parts.append(f"[{text('admin.history.answer', lang)}]({answer})")
    return " · ".join(parts)


def _history_summary(page: HistoryPage, query: HistoryQuery, lang: str) -> str:
    parts = [searches_count(page.total, lang)]
    if query.member_id:
        parts.append(text("admin.history.by", lang, member=f"<@{query.member_id}>"))
    if query.days:
        parts.append(text("admin.history.since", lang, days=query.days))
    return " · ".join(parts)


def page_count(total: int) -> int:
    return max(1, -(-total // HISTORY_PAGE_SIZE))


def _option_label(number: int, record: SearchRecord, lang: str) -> str:
    started = record.started_at.strftime("%Y-%m-%d %H:%M UTC")
    entry = _label("admin.entry", record.entry_point, lang)
    return trim(f"{number}. {started} · {entry} · {_hits_text(len(record.hits), lang)}", 100)


def _option_description(record: SearchRecord) -> str:
    first = record.question or (record.hits[0].title if record.hits else "")
    return trim(" ".join(visible(first).split()), 100)


def history_screen(page: HistoryPage, query: HistoryQuery, lang: str) -> AdminScreen:
    """One page of the history: a line per search, an "Open…" menu, paging and export."""
    pages = page_count(page.total)
    first = query.page * HISTORY_PAGE_SIZE + 1
    lines = [history_line(first + i, r, lang) for i, r in enumerate(page.records)]
    body = "\n".join(lines) if lines else text("admin.history.empty", lang)
    description = _history_summary(page, query, lang) + "\n\n" + body
    embed = discord.Embed(
        title=text("admin.history.title", lang),
        description=trim(description, DESCRIPTION_LIMIT),
        colour=COLOUR_ADMIN,
    )
    embed.set_footer(text=text("admin.history.page", lang, page=query.page + 1, pages=pages))
    screen = AdminScreen([embed])
    if not page.records:
        return screen
    screen.select = SelectSpec(
        admin_custom_id(AdminAction.OPEN, *query.args()),
        text("admin.history.open", lang),
        tuple(
            (_option_label(first + i, r, lang), r.search_id, _option_description(r))
            for i, r in enumerate(page.records[:25])
        ),
    )
    screen.buttons = _history_buttons(query, pages, lang)
    return screen


def _history_buttons(query: HistoryQuery, pages: int, lang: str) -> list[ButtonSpec]:
    def to(page: int) -> str:
        moved = HistoryQuery(query.member_id, query.days, page)
        return admin_custom_id(AdminAction.PAGE, *moved.args())

    buttons = []
    if pages > 1:
        buttons += [
            ButtonSpec(
                text("button.previous", lang),
                to(query.page - 1),
                disabled=query.page <= 0,
                emoji="◀️",
            ),
            ButtonSpec(
                f"{query.page + 1}/{pages}", admin_custom_id(AdminAction.NOOP), disabled=True
            ),
            ButtonSpec(
                text("button.next", lang),
                to(query.page + 1),
                disabled=query.page >= pages - 1,
                emoji="▶️",
            ),
        ]
    export = admin_custom_id(AdminAction.EXPORT, query.member_id or 0, query.days or 0)
    buttons.append(ButtonSpec(text("admin.button.export", lang), export, emoji="📄"))
    return buttons


# --- one search -----------------------------------------------------------------------------


def _hit_lines(record: SearchRecord, lang: str) -> str:
    if not record.hits:
        return text("admin.record.no_hits", lang)
    # A budget that leaves every link at least 400 characters.
    lines = [hit_line(hit, lang, 400 + TITLE_CHARS + 60 + 20) for hit in record.hits]
    return _fit_lines(lines, HITS_BUDGET, _more(lang))


_SHORT_FIELDS = frozenset({"admin.record.when", "admin.record.how", "admin.record.outcome"})


def record_embeds(record: SearchRecord, lang: str) -> list[discord.Embed]:
    """A stored search: who, when, how, what it cost, its hits, then its answer."""
    details = discord.Embed(
        title=text("admin.record.title", lang, id=record.search_id),
        description=text("admin.record.hits_title", lang, count=len(record.hits))
        + "\n"
        + _hit_lines(record, lang),
        colour=COLOUR_ADMIN,
    )
    how = f"{_label('admin.entry', record.entry_point, lang)} · "
    how += _label("admin.mode", record.mode, lang)
    fields = [
        ("admin.record.who", f"<@{record.user_id}> · <#{record.channel_id}>"),
        ("admin.record.when", _when(record.started_at)),
        ("admin.record.how", how + (" · 🔒" if record.private else "")),
        ("admin.record.outcome", outcome_text(record, lang)),
        ("admin.record.usage", _figures_line(_figures_of(record), lang)),
    ]
    if record.question:
        fields.append(("admin.record.question", inert(record.question, 1000)))
    source = safe_link(record.source_message_url or "", 1000)
    if source:
        fields.append(("admin.record.source", source))
    for key, value in fields:
        short = key in _SHORT_FIELDS
        details.add_field(name=text(key, lang), value=trim(value, FIELD_LIMIT), inline=short)
    room = MESSAGE_EMBED_LIMIT - len(details) - 100
    body = model_text(record.answer) or text("admin.record.no_answer", lang)
    answer = discord.Embed(
        title=text("admin.record.answer_title", lang),
        description=trim(body, min(DESCRIPTION_LIMIT, room)),
        colour=COLOUR_ADMIN,
    )
    return [details, answer]


# --- usage -----------------------------------------------------------------------------------


def _figures_of(record: SearchRecord) -> UsageFigures:
    return UsageFigures(
        searches=1,
        image_searches=record.image_searches,
        input_tokens=record.input_tokens,
        output_tokens=record.output_tokens,
        estimated_cost=record.estimated_cost,
    )


def _figures_line(figures: UsageFigures, lang: str) -> str:
    return text(
        "admin.usage.line",
        lang,
        image_searches=searches_text(figures.image_searches, lang),
        tokens=f"{figures.tokens:,}",
        cost=_cost(figures.estimated_cost),
    )


def usage_embed(
    report: UsageReport, days: int, lang: str, *, price_per_1000: float
) -> discord.Embed:
    """Totals as fields; the top members, then each day (newest kept when space runs out)."""
    embed = discord.Embed(title=text("admin.usage.title", lang, days=days), colour=COLOUR_ADMIN)
    total = report.total
    for key, value in (
        ("admin.usage.searches", f"{total.searches:,}"),
        ("admin.usage.image_searches", f"{total.image_searches:,}"),
        ("admin.usage.tokens", f"{total.tokens:,}"),
        ("admin.usage.cost", _cost(total.estimated_cost)),
    ):
        embed.add_field(name=text(key, lang), value=value, inline=True)
    embed.set_footer(text=text("admin.usage.footer", lang, price=f"{price_per_1000:g}"))
    if not report.days:
        embed.description = text("admin.usage.empty", lang)
        return embed
    member_lines = [
        f"`{n}.` <@{m.user_id}> · {searches_count(m.figures.searches, lang)} · "
        + _figures_line(m.figures, lang)
        for n, m in enumerate(report.members[:TOP_MEMBERS], start=1)
    ]
    members = _fit_lines(member_lines, MEMBERS_BUDGET, _more(lang))
    heading_members = f"**{text('admin.usage.members', lang)}**\n{members}\n\n"
    heading_days = f"**{text('admin.usage.per_day', lang)}**\n"
    day_lines = [
        f"`{d.day.isoformat()}` {searches_count(d.figures.searches, lang)} · "
        + _figures_line(d.figures, lang)
        for d in reversed(report.days)  # newest first: what fits is the most recent
    ]
    room = DESCRIPTION_LIMIT - len(heading_members) - len(heading_days)
    embed.description = heading_members + heading_days + _fit_lines(day_lines, room, _more(lang))
    return embed


# --- forget-me ------------------------------------------------------------------------------


def forget_screen(user_id: int, count: int, lang: str) -> AdminScreen:
    """The question before a member's searches are deleted (nothing to delete: no buttons)."""
    if count == 0:
        embed = discord.Embed(description=text("admin.forget.nothing", lang), colour=COLOUR_ADMIN)
        return AdminScreen([embed])
    embed = discord.Embed(
        title=text("admin.forget.title", lang),
        description=text("admin.forget.confirm", lang, searches=searches_count(count, lang)),
        colour=COLOUR_DANGER,
    )
    buttons = [
        ButtonSpec(
            text("admin.forget.button", lang),
            admin_custom_id(AdminAction.FORGET, user_id),
            style=discord.ButtonStyle.danger,
        ),
        ButtonSpec(text("admin.forget.keep", lang), admin_custom_id(AdminAction.KEEP, user_id)),
    ]
    return AdminScreen([embed], buttons)


def forgotten_embed(deleted: int | None, lang: str) -> discord.Embed:
    """After the question: how many were deleted (None: the member kept them)."""
    if deleted is None:
        return discord.Embed(description=text("admin.forget.kept", lang), colour=COLOUR_ADMIN)
    searches = searches_count(deleted, lang)
    return discord.Embed(
        description=text("admin.forget.done", lang, searches=searches), colour=COLOUR_ADMIN
    )


# --- CSV ----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "started_at",
    "search_id",
    "user_id",
    "channel_id",
    "entry_point",
    "mode",
    "status",
    "error_code",
    "private",
    "hits",
    "image_searches",
    "input_tokens",
    "output_tokens",
    "estimated_cost",
    "question",
    "source_message_url",
    "first_hit_url",
)


def history_csv(records: Sequence[SearchRecord]) -> bytes:
    """The history as a spreadsheet; web and member text cannot run as formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow(
            [
                r.started_at.isoformat(),
                r.search_id,
                r.user_id,
                r.channel_id,
                r.entry_point,
                r.mode,
                r.status.value,
                r.error_code or "",
                "yes" if r.private else "no",
                len(r.hits),
                r.image_searches,
                r.input_tokens,
                r.output_tokens,
                f"{r.estimated_cost:.4f}",
                csv_cell(r.question),
                csv_cell(r.source_message_url or ""),
                csv_cell(r.hits[0].url if r.hits else ""),
            ]
        )
    # A byte-order mark so spreadsheet programs read CJK text as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")
