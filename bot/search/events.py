"""Our own typed events, yielded by `bot.search.stream` in the order they happened.

The wire format of DashScope is irregular (see shared/reference/dashscope-responses.md); these
events are the regular shape the rest of the bot relies on. Every stream ends with exactly one
`Completed` or `Failed`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.search.errors import SearchError


@dataclass(frozen=True, slots=True)
class Hit:
    """One image found by a search call. `index` is DashScope's (1-based)."""

    index: int
    title: str
    url: str
    host: str


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    # Tool name -> number of calls billed, from `usage.x_tools`.
    tool_calls: dict[str, int] = field(default_factory=dict)

    @property
    def image_searches(self) -> int:
        return self.tool_calls.get("image_search", 0)

    def estimated_cost(self, price_per_1000_searches: float) -> float:
        """The image-search part of the bill (tokens are not priced here)."""
        return self.image_searches * price_per_1000_searches / 1000


@dataclass(frozen=True, slots=True)
class Started:
    response_id: str
    model: str = ""


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True, slots=True)
class SearchCallStarted:
    """The model began an image search: on input image `image_index`, region `bbox` (0–1000)."""

    call_id: str
    image_index: int | None
    bbox: tuple[int, int, int, int] | None


@dataclass(frozen=True, slots=True)
class Hits:
    """A search call completed with these hits (possibly none).

    `error` is set when the results could not be read: the answer goes on streaming, so the
    failure is reported next to the call rather than ending the search.
    """

    call_id: str
    hits: tuple[Hit, ...]
    error: SearchError | None = None


@dataclass(frozen=True, slots=True)
class MessageStarted:
    """A new assistant message begins; the answer is the last message of a response."""

    item_id: str


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class Completed:
    usage: Usage
    elapsed: float
    # The complete text of the last message as DashScope reported it, when it did.
    final_text: str | None = None


@dataclass(frozen=True, slots=True)
class Failed:
    error: SearchError
    elapsed: float


Event = (
    Started
    | ReasoningDelta
    | SearchCallStarted
    | Hits
    | MessageStarted
    | TextDelta
    | Completed
    | Failed
)
