"""The typed values that go into and come out of the search history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.search.answer import Answer, Status
from bot.search.errors import ErrorCode
from bot.search.events import Hit


class SearchStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"  # a person pressed Cancel
    INTERRUPTED = "interrupted"  # the bot stopped (crash or restart) while it ran


@dataclass(frozen=True, slots=True)
class NewSearch:
    """A search about to start, as the entry point describes it."""

    search_id: str
    guild_id: int | None  # None: a direct message
    channel_id: int
    user_id: int
    entry_point: str  # "slash", "message_menu", "reaction", "text", ...
    mode: str
    question: str = ""
    language: str = ""
    image_sha256: str | None = None
    source_message_url: str | None = None
    private: bool = False
    instance: str = ""  # the bot process running it (see Store.interrupt_running)


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """How a search ended."""

    status: SearchStatus
    error_code: str | None = None
    hits: tuple[Hit, ...] = ()
    answer: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    image_searches: int = 0
    estimated_cost: float = 0.0
    response_id: str | None = None


@dataclass(frozen=True, slots=True)
class SearchRecord:
    search_id: str
    guild_id: int | None
    channel_id: int
    user_id: int
    entry_point: str
    mode: str
    question: str
    language: str
    image_sha256: str | None
    source_message_url: str | None
    private: bool
    instance: str
    status: SearchStatus
    started_at: datetime
    finished_at: datetime | None
    reply_channel_id: int | None  # where the bot's answer is, once it is posted
    reply_message_id: int | None
    error_code: str | None
    hits: tuple[Hit, ...]
    answer: str
    input_tokens: int
    output_tokens: int
    image_searches: int
    estimated_cost: float
    response_id: str | None

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True, slots=True)
class HistoryPage:
    records: tuple[SearchRecord, ...]
    total: int  # how many match the filters, over all pages


@dataclass(frozen=True, slots=True)
class UsageFigures:
    searches: int = 0
    image_searches: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    estimated_cost: float = 0.0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True, slots=True)
class DayUsage:
    day: date  # UTC
    figures: UsageFigures


@dataclass(frozen=True, slots=True)
class MemberUsage:
    user_id: int
    figures: UsageFigures


@dataclass(frozen=True, slots=True)
class UsageReport:
    days: tuple[DayUsage, ...]  # oldest first; days without searches are left out
    members: tuple[MemberUsage, ...]  # most image searches first
    total: UsageFigures


def outcome_of(answer: Answer, price_per_1000_searches: float) -> SearchOutcome:
    """What to record for a finished `Answer` (pure)."""
    if answer.status is Status.COMPLETED:
        status = SearchStatus.DONE
    elif answer.error is not None and answer.error.code is ErrorCode.CANCELLED:
        status = SearchStatus.CANCELLED
    elif answer.error is not None and answer.error.code is ErrorCode.BOT_STOPPED:
        status = SearchStatus.INTERRUPTED
    else:
        status = SearchStatus.FAILED
    usage = answer.usage
    return SearchOutcome(
        status=status,
        error_code=None if answer.error is None else answer.error.code.value,
        hits=tuple(answer.hits),
        answer=answer.text,
        input_tokens=0 if usage is None else usage.input_tokens,
        output_tokens=0 if usage is None else usage.output_tokens,
        # Without usage (a broken stream), each completed call was most likely billed.
        image_searches=len(answer.completed_calls) if usage is None else usage.image_searches,
        estimated_cost=(len(answer.completed_calls) if usage is None else usage.image_searches)
        * price_per_1000_searches
        / 1000,
        response_id=answer.response_id or None,
    )
