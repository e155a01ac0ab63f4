"""Answer -> Discord messages: pure functions, no I/O.

One search is shown in one message (results embed + answer embed + buttons); an answer too long
for it continues in further messages holding only answer text. Every message stays inside
Discord's limits (6000 characters over all embeds of a message, 4096 per description) by fixed
budgets, so the fake Discord in the tests rejects exactly what the real one would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import discord

from bot.present.messages import error_text, searches_text, text
from bot.present.text import inert, model_text, safe_link, split_text, trim
from bot.search.answer import Answer, SearchCall, Status
from bot.search.errors import ErrorCode
from bot.search.events import Hit, Usage

# Budgets (characters) that keep the first message under Discord's 6000 over all embeds.
RESULTS_BUDGET = 1900
FIRST_CHUNK = 3000
NEXT_CHUNK = 3900
TITLE_CHARS = 90
CURSOR = " ▌"

COLOUR_RUNNING = discord.Colour(0xF1C40F)
COLOUR_DONE = discord.Colour(0x2ECC71)
COLOUR_FAILED = discord.Colour(0xE74C3C)
COLOUR_CANCELLED = discord.Colour(0x95A5A6)
COLOUR_RESULTS = discord.Colour(0x5865F2)

CUSTOM_ID_PREFIX = "isearch"


class Action(StrEnum):
    PAGE = "page"
    EXPORT = "export"
    CANCEL = "cancel"
    NOOP = "noop"
    FOLLOW_UP = "followup"
    REPORT = "report"


def custom_id(action: Action, search_id: str, *args: object) -> str:
    return ":".join([CUSTOM_ID_PREFIX, action.value, search_id, *map(str, args)])


def parse_custom_id(value: str) -> tuple[Action, str, list[str]] | None:
    parts = value.split(":")
    if len(parts) < 3 or parts[0] != CUSTOM_ID_PREFIX:
        return None
    try:
        return Action(parts[1]), parts[2], parts[3:]
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class RenderOptions:
    search_id: str
    lang: str = "en"
    hits_per_page: int = 5
    show_pictures: bool = False
    price_per_1000: float = 48.0
    note: str = ""  # a line under the status, e.g. "2 more images in that message"
    follow_up: bool = False  # offer "Ask a follow-up" and "Report" once the search is over


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    label: str
    custom_id: str
    style: discord.ButtonStyle = discord.ButtonStyle.secondary
    disabled: bool = False
    emoji: str | None = None


@dataclass(slots=True)
class MessagePayload:
    embeds: list[discord.Embed]
    buttons: list[ButtonSpec] = field(default_factory=list)

    def signature(self) -> Any:
        """What Discord would show; two payloads with the same signature need no edit."""
        return ([e.to_dict() for e in self.embeds], list(self.buttons))


@dataclass(frozen=True, slots=True)
class Page:
    call_number: int  # 1-based among completed calls
    call: SearchCall
    page: int  # 0-based within the call
    pages: int


def pages_of(answer: Answer, per_page: int) -> list[Page]:
    """Every (search call, page) pair, in order: the pagination buttons step through them."""
    result: list[Page] = []
    for number, call in enumerate(answer.completed_calls, start=1):
        count = max(1, -(-len(call.hits) // per_page))
        result.extend(Page(number, call, page, count) for page in range(count))
    return result


def render_search(answer: Answer, page: int, options: RenderOptions) -> list[MessagePayload]:
    """The messages that show this search now: the first with results and buttons, then the
    continuations of a long answer."""
    pages = pages_of(answer, options.hits_per_page)
    page = min(max(page, 0), len(pages) - 1) if pages else 0
    results = [results_embed(answer, pages, page, options)] if pages else []
    chunks = _answer_chunks(answer, options)
    payloads = [MessagePayload([*results, chunks[0]], _buttons(answer, pages, page, options))]
    payloads.extend(MessagePayload([chunk]) for chunk in chunks[1:])
    return payloads


def render_stopped(embeds: list[discord.Embed], lang: str) -> MessagePayload:
    """A message left streaming by a bot that stopped, as it should read now: everything it
    shows is kept, its last embed says the answer was cut off and why; no live buttons."""
    if not embeds:
        return MessagePayload([])
    last = embeds[-1].copy()
    body = (last.description or "").removesuffix(CURSOR).rstrip()
    reason = text("error.bot_stopped", lang)
    last.title = text("answer.failed", lang)
    last.colour = COLOUR_FAILED
    last.description = trim(f"{body}\n\n{reason}" if body else reason, 4096)
    return MessagePayload([*embeds[:-1], last])


def render_moved(link: str, lang: str) -> MessagePayload:
    """What a reply shows once its search continues in a channel message at `link`."""
    embed = discord.Embed(
        title=text("answer.moved_title", lang),
        description=text("answer.moved", lang, link=link),
        colour=COLOUR_CANCELLED,
    )
    return MessagePayload([embed])


def hit_line(hit: Hit, lang: str, budget: int) -> str:
    """One found image as a line of at most about `budget` characters: number, escaped title
    linking to the page (a link too long for the budget is left out), host name."""
    title_text = inert(hit.title, TITLE_CHARS) or text("results.untitled", lang)
    host = inert(hit.host, 60) if hit.host else ""
    link = safe_link(hit.url, max(budget - len(title_text) - len(host) - 20, 0))
    line = f"`{hit.index}.` [{title_text}]({link})" if link else f"`{hit.index}.` {title_text}"
    return f"{line} · {host}" if host else line


def results_embed(
    answer: Answer, pages: list[Page], index: int, options: RenderOptions
) -> discord.Embed:
    lang = options.lang
    current = pages[index]
    call, per_page = current.call, options.hits_per_page
    total_calls = len(answer.completed_calls)
    title = text("results.title", lang, count=len(call.hits))
    if total_calls > 1:
        title = text(
            "results.title_numbered",
            lang,
            number=current.call_number,
            calls=total_calls,
            count=len(call.hits),
        )
    embed = discord.Embed(title=title, colour=COLOUR_RESULTS)
    shown = call.hits[current.page * per_page : (current.page + 1) * per_page]
    # Each line gets an equal share of the budget; long links are shown as plain host names.
    line_budget = (RESULTS_BUDGET - 200) // max(len(shown), 1)
    lines = [hit_line(hit, lang, line_budget) for hit in shown]
    if call.error is not None:
        lines = [text("results.unreadable", lang)]
    elif not call.hits:
        lines = [text("results.none", lang)]
    embed.description = "\n".join(lines)
    if options.show_pictures and shown:
        picture = safe_link(shown[0].url, 2000)
        if picture:
            embed.set_image(url=picture)
    footer = text("results.page", lang, page=current.page + 1, pages=current.pages)
    if call.bbox is not None and call.bbox != (0, 0, 1000, 1000):
        footer += " · " + text("results.region", lang, region="{},{}–{},{}".format(*call.bbox))
    embed.set_footer(text=footer)
    return embed


def _answer_chunks(answer: Answer, options: RenderOptions) -> list[discord.Embed]:
    lang = options.lang
    running = not answer.status.finished
    cancelled = answer.error is not None and answer.error.code is ErrorCode.CANCELLED
    if running:
        colour, heading = COLOUR_RUNNING, text("answer.streaming", lang)
    elif answer.error is None:
        colour, heading = COLOUR_DONE, text("answer.done", lang)
    elif cancelled:
        colour, heading = COLOUR_CANCELLED, text("answer.cancelled", lang)
    else:
        colour, heading = COLOUR_FAILED, text("answer.failed", lang)

    body = model_text(answer.text)
    chunks = split_text(body, FIRST_CHUNK, NEXT_CHUNK) if body else [""]
    status = _status_line(answer, lang) if running else ""
    tail = f"⚠️ {error_text(answer.error, lang)}" if answer.error is not None else ""
    embeds = []
    for number, chunk in enumerate(chunks):
        last = number == len(chunks) - 1
        parts = [chunk + (CURSOR if running and last and chunk else "")]
        if last:
            parts += [status, tail, options.note if number == 0 else ""]
        description = "\n\n".join(p for p in parts if p.strip())
        embed = discord.Embed(description=trim(description, 4096), colour=colour)
        if number == 0:
            embed.title = heading
        elif last:
            embed.title = text("answer.continued", lang)
        if last and not running:
            embed.set_footer(
                text=usage_footer(
                    answer.usage, answer.elapsed, options.price_per_1000, answer.model, lang
                )
            )
        embeds.append(embed)
    return embeds


def _status_line(answer: Answer, lang: str) -> str:
    if answer.status is Status.PENDING:
        return text("status.pending", lang)
    if answer.status is Status.SEARCHING:
        return text("status.searching", lang)
    if answer.status is Status.THINKING:
        return text("status.reading" if answer.completed_calls else "status.thinking", lang)
    return ""


def usage_footer(
    usage: Usage | None, elapsed: float, price_per_1000: float, model: str, lang: str
) -> str:
    usage = usage or Usage()
    cost = usage.estimated_cost(price_per_1000)
    parts = [
        text("usage.tokens", lang, tokens=f"{usage.total_tokens:,}"),
        searches_text(usage.image_searches, lang),
        f"{elapsed:.1f} s",
        f"≈ ¥{cost:.3f}",
    ]
    if model:
        parts.append(trim(model, 60))
    return " · ".join(parts)


def _buttons(
    answer: Answer, pages: list[Page], page: int, options: RenderOptions
) -> list[ButtonSpec]:
    lang, sid = options.lang, options.search_id
    buttons = []
    if len(pages) > 1:
        buttons += [
            ButtonSpec(
                text("button.previous", lang),
                custom_id(Action.PAGE, sid, page - 1),
                disabled=page == 0,
                emoji="◀️",
            ),
            ButtonSpec(f"{page + 1}/{len(pages)}", custom_id(Action.NOOP, sid), disabled=True),
            ButtonSpec(
                text("button.next", lang),
                custom_id(Action.PAGE, sid, page + 1),
                disabled=page >= len(pages) - 1,
                emoji="▶️",
            ),
        ]
    if answer.hits:
        buttons.append(
            ButtonSpec(text("button.export", lang), custom_id(Action.EXPORT, sid), emoji="📄")
        )
    if not answer.status.finished:
        buttons.append(
            ButtonSpec(
                text("button.cancel", lang),
                custom_id(Action.CANCEL, sid),
                style=discord.ButtonStyle.danger,
            )
        )
    elif options.follow_up:
        if answer.status is Status.COMPLETED and answer.response_id:
            buttons.append(
                ButtonSpec(
                    text("button.follow_up", lang), custom_id(Action.FOLLOW_UP, sid), emoji="💬"
                )
            )
        buttons.append(
            ButtonSpec(text("button.report", lang), custom_id(Action.REPORT, sid), emoji="📝")
        )
    return buttons
