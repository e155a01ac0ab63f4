"""A pure accumulator: events in, the `Answer` so far out. No I/O, no clock.

Whatever arrived before a failure stays in the `Answer`: hits, reasoning and text are only ever
added to, and a `Failed` event just records the error next to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.search.errors import SearchError
from bot.search.events import (
    Completed,
    Event,
    Failed,
    Hit,
    Hits,
    MessageStarted,
    ReasoningDelta,
    SearchCallStarted,
    Started,
    TextDelta,
    Usage,
)


class Status(StrEnum):
    PENDING = "pending"  # request sent, nothing heard yet
    THINKING = "thinking"  # response created; reasoning or waiting for the model
    SEARCHING = "searching"  # an image search call is running
    ANSWERING = "answering"  # answer text is arriving
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (Status.COMPLETED, Status.FAILED)


@dataclass(slots=True)
class SearchCall:
    call_id: str
    image_index: int | None = None
    bbox: tuple[int, int, int, int] | None = None
    hits: tuple[Hit, ...] = ()
    done: bool = False
    error: SearchError | None = None  # results that could not be read


@dataclass(slots=True)
class Answer:
    status: Status = Status.PENDING
    response_id: str = ""
    model: str = ""
    calls: list[SearchCall] = field(default_factory=list)
    reasoning: str = ""
    # Text of each assistant message in order; the answer is the last one (earlier ones are
    # preambles such as "Let me search for this image").
    messages: list[str] = field(default_factory=list)
    usage: Usage | None = None
    error: SearchError | None = None
    elapsed: float = 0.0

    @property
    def text(self) -> str:
        return self.messages[-1] if self.messages else ""

    @property
    def hits(self) -> list[Hit]:
        return [hit for call in self.calls for hit in call.hits]

    @property
    def completed_calls(self) -> list[SearchCall]:
        return [call for call in self.calls if call.done]

    def apply(self, event: Event) -> Answer:
        """Fold one event in; returns self so `functools.reduce` works too."""
        match event:
            case Started(response_id=rid, model=model):
                self.response_id = rid
                self.model = model or self.model
                self._advance(Status.THINKING)
            case ReasoningDelta(text=text):
                self.reasoning += text
            case SearchCallStarted(call_id=cid, image_index=idx, bbox=bbox):
                call = self._call(cid)
                call.image_index, call.bbox = idx, bbox
                self._advance(Status.SEARCHING)
            case Hits(call_id=cid, hits=hits, error=error):
                call = self._call(cid)
                call.hits, call.done, call.error = hits, True, error
                if not any(not c.done for c in self.calls):
                    self._advance(Status.THINKING)
            case MessageStarted():
                self.messages.append("")
            case TextDelta(text=text):
                if not self.messages:
                    self.messages.append("")
                self.messages[-1] += text
                self._advance(Status.ANSWERING)
            case Completed(usage=usage, elapsed=elapsed, final_text=final_text):
                if final_text:
                    if self.messages:
                        self.messages[-1] = final_text
                    else:
                        self.messages.append(final_text)
                self.usage, self.elapsed = usage, elapsed
                self.status = Status.COMPLETED
            case Failed(error=error, elapsed=elapsed):
                self.error, self.elapsed = error, elapsed
                self.status = Status.FAILED
        return self

    def _call(self, call_id: str) -> SearchCall:
        for call in self.calls:
            if call.call_id == call_id:
                return call
        call = SearchCall(call_id)
        self.calls.append(call)
        return call

    def _advance(self, status: Status) -> None:
        if not self.status.finished:
            self.status = status

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (the terminal's --json, exports, stored history)."""
        return {
            "status": self.status.value,
            "response_id": self.response_id,
            "model": self.model,
            "calls": [
                {
                    "call_id": c.call_id,
                    "image_index": c.image_index,
                    "bbox": list(c.bbox) if c.bbox else None,
                    "done": c.done,
                    "error": None if c.error is None else c.error.code.value,
                    "hits": [
                        {"index": h.index, "title": h.title, "url": h.url, "host": h.host}
                        for h in c.hits
                    ],
                }
                for c in self.calls
            ],
            "reasoning": self.reasoning,
            "text": self.text,
            "messages": list(self.messages),
            "usage": None
            if self.usage is None
            else {
                "input_tokens": self.usage.input_tokens,
                "output_tokens": self.usage.output_tokens,
                "total_tokens": self.usage.total_tokens,
                "reasoning_tokens": self.usage.reasoning_tokens,
                "cached_tokens": self.usage.cached_tokens,
                "tool_calls": dict(self.usage.tool_calls),
            },
            "error": None
            if self.error is None
            else {
                "code": self.error.code.value,
                "detail": self.error.detail,
                "retryable": self.error.retryable,
            },
            "elapsed": round(self.elapsed, 3),
        }
