"""Scenarios for the fake DashScope Responses API (`tests.fakes.dashscope`).

A `Scenario` is the list of steps the fake plays for one request. The builders below produce
streams that follow shared/reference/dashscope-responses.md exactly, irregular shapes included:
`response.created` with status `queued` and `model: ""`, no `data: [DONE]`, `sequence_number`s
that skip values, an `image_search_call` whose `done` carries another `output_index` than its
`added`, search results as a JSON *string*, every item id `msg_<uuid>`.

Builders are pure: the same arguments give the same steps (ids come from a seeded generator).
"""

from __future__ import annotations

import copy
import json
import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

JSONDict = dict[str, Any]
Hit = dict[str, Any]
After = Literal["created", "hits", "text"]
ReasoningSpelling = Literal["summary", "text"]

DEFAULT_MODEL = "qwen3.5-plus"
FULL_BBOX: tuple[int, int, int, int] = (0, 0, 1000, 1000)
CROP_BBOXES: tuple[tuple[int, int, int, int], ...] = (
    (120, 80, 640, 720),
    (480, 300, 980, 960),
    (0, 500, 520, 1000),
)

DEFAULT_REASONING_TEXT = (
    "The user wants to know where this image comes from. "
    "I should run a reverse image search on the whole picture first."
)
DEFAULT_SECOND_REASONING_TEXT = (
    "The results show the same photo of Lake Bled on Wikimedia Commons, Flickr and several "
    "wallpaper sites. The Commons upload looks like the original. I can now answer."
)
DEFAULT_BETWEEN_CALLS_REASONING_TEXT = (
    "Most of these results are reposts. I will also search a crop of the church on the island."
)
DEFAULT_PREAMBLE_TEXT = "Let me search the web for where this image appears."
DEFAULT_ANSWER_TEXT = (
    "This photo shows **Lake Bled** in Slovenia: the Church of the Assumption on Bled Island, "
    "with the Julian Alps behind it.\n\n"
    "Where it appears:\n"
    "1. Wikimedia Commons — most likely the original upload, with the photographer's name.\n"
    "2. Flickr — the same shot in a series taken at dusk.\n"
    "3. Pinterest and wallpaper sites (布莱德湖壁纸) — reposts without credit.\n\n"
    "The earliest copy I found is the Commons one."
)

RATE_LIMIT_MESSAGE = "Operation model request rate limit exceeded, please try again later."
INTERNAL_ERROR_MESSAGE = (
    "An internal error has occured, please try again later or contact service support."
)
DATA_INSPECTION_MESSAGE = "Output data may contain inappropriate content."
DOWNLOAD_FAILED_MESSAGE = "Failed to download multimodal content"
TRUNCATED_OUTPUT = (
    '[{"title": "Lake Bled at sunset", "url": "https://upload.wikimedia.org/wikipedia/commons/'
)
MALFORMED_EVENT_DATA = '{"type":"response.output_text.delta","delta":"Lake Bl'
SSE_CONTENT_TYPE = "text/event-stream;charset=UTF-8"


# --------------------------------------------------------------------------------------------
# Steps


@dataclass(frozen=True, slots=True)
class Event:
    """One SSE event: `id:{n}`, `event:{name}`, `:HTTP_STATUS/{status}`, `data:{compact json}`.

    `id=None` lets the server number the event (a counter per response). `raw_data`, when set,
    is written on the `data:` line instead of the JSON of `payload` (for malformed events).
    """

    payload: JSONDict
    name: str | None = None
    http_status: int = 200
    id: int | None = None
    raw_data: str | None = None

    def __post_init__(self) -> None:
        if self.name is None and not isinstance(self.payload.get("type"), str):
            raise ValueError("an Event without a name needs a string payload['type']")

    @property
    def event_name(self) -> str:
        return self.name if self.name is not None else str(self.payload["type"])

    def render(self, event_id: int) -> str:
        data = self.raw_data if self.raw_data is not None else compact_json(self.payload)
        return sse_frame(self.event_name, data, http_status=self.http_status, event_id=event_id)


@dataclass(frozen=True, slots=True)
class Raw:
    """Text written verbatim into the stream."""

    text: str


@dataclass(frozen=True, slots=True)
class Sleep:
    """Pause (multiplied by the server's `time_scale`), keeping the connection open."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Cut:
    """Close the TCP connection abruptly: no chunked terminator, the body is left incomplete."""


@dataclass(frozen=True, slots=True)
class HttpError:
    """A non-2xx answer returned instead of a stream (only `Sleep`s may come before it);
    also carries the JSON of a non-streamed 200 answer (`plain_response`)."""

    status: int
    body: str
    content_type: str = "application/json"
    request_id: str | None = None


Step = Event | Raw | Sleep | Cut | HttpError


@dataclass(frozen=True, slots=True, init=False)
class Scenario:
    """What the fake plays for one request."""

    steps: tuple[Step, ...]
    name: str | None = None

    def __init__(self, steps: Iterable[Step], name: str | None = None) -> None:
        object.__setattr__(self, "steps", tuple(steps))
        object.__setattr__(self, "name", name)
        self._validate()

    def _validate(self) -> None:
        for position, step in enumerate(self.steps):
            last = position == len(self.steps) - 1
            if isinstance(step, HttpError):
                if not last or not all(isinstance(s, Sleep) for s in self.steps[:position]):
                    raise ValueError("HttpError must be the last step, after Sleeps only")
            elif isinstance(step, Cut) and not last:
                raise ValueError("Cut must be the last step")

    @property
    def events(self) -> list[Event]:
        return [step for step in self.steps if isinstance(step, Event)]

    def renamed(self, name: str) -> Scenario:
        return Scenario(self.steps, name=name)


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def sse_frame(name: str, data: str, *, http_status: int = 200, event_id: int | None = None) -> str:
    """One event as DashScope writes it: no space after the colons, a blank line after."""
    head = f"id:{event_id}\n" if event_id is not None else ""
    return f"{head}event:{name}\n:HTTP_STATUS/{http_status}\ndata:{data}\n\n"


def with_delay(scenario: Scenario, seconds: float) -> Scenario:
    """The same scenario with a `Sleep(seconds)` before every event but the first."""
    if seconds <= 0:
        return scenario
    steps: list[Step] = []
    seen_event = False
    for step in scenario.steps:
        if isinstance(step, Event | Raw):
            if seen_event:
                steps.append(Sleep(seconds))
            seen_event = True
        steps.append(step)
    return Scenario(steps, name=scenario.name)


# --------------------------------------------------------------------------------------------
# Hits

_REALISTIC: tuple[tuple[str, str], ...] = (
    (
        "File:Lake Bled from the Mala Osojnica hill {n}.jpg - Wikimedia Commons",
        "https://upload.wikimedia.org/wikipedia/commons/{h1}/{h2}/Lake_Bled_{n}.jpg",
    ),
    ("Bled at dusk | Flickr", "https://live.staticflickr.com/65535/{d}_{hex}_b.jpg"),
    (
        "Lake Bled, Slovenia 🇸🇮 travel inspiration | Pinterest",
        "https://i.pinimg.com/originals/{h2}/{h2}/{h2}/{hex}.jpg",
    ),
    (
        "斯洛文尼亚布莱德湖风景 高清壁纸下载",
        "https://img.alicdn.com/imgextra/i4/{d}/O1CN01{hex}.jpg",
    ),
    (
        "Woke up early for this view of Lake Bled [OC] [4032x3024] : r/EarthPorn",
        "https://preview.redd.it/{hex}.jpeg?width=1080&format=pjpg&auto=webp&s={hex}",
    ),
    ("Photo by Jan Novak on Unsplash", "https://images.unsplash.com/photo-{d}-{hex}?w=1080&q=80"),
    ("LAKE BLED 4K Drone Footage - YouTube", "https://i.ytimg.com/vi/{hex}/maxresdefault.jpg"),
    (
        "Bled Island Church Slovenia Stock Photo 2154781267 | Shutterstock",
        "https://www.shutterstock.com/image-photo/bled-island-church-260nw-{d}.jpg",
    ),
    ("ブレッド湖の夕暮れ – 旅のブログ", "https://blogimg.goo.ne.jp/user_image/{h2}/{h2}/{hex}.jpg"),
    (
        "블레드 호수 여행 후기 (2024)",
        "https://postfiles.pstatic.net/MjAyNDA{hex}/IMG_{d}.JPG?type=w966",
    ),
    (
        "Lake Bled Poster Print – Alpine Wall Art",
        "https://cdn.shopify.com/s/files/1/0{d}/products/bled-print.jpg?v={d}",
    ),
    ('Travel Diaries on X: "Golden hour at Bled ✨"', "https://pbs.twimg.com/media/{hex}.jpg"),
)

_LONG_TITLE = ("Lake Bled wallpaper HD free download 4k 8k ultra " * 25)[:1000]

HOSTILE_HITS: tuple[tuple[str, str], ...] = (
    ("@everyone free nitro 🔥 look at this", "https://cdn.discordapp.com/attachments/1/2/bled.jpg"),
    (
        "<@123456789012345678> <@&987654321098765432> <#111111111111111111> @here",
        "https://i.imgur.com/Bl3dL4k.jpeg",
    ),
    (
        "**bold** __underline__ *italic* ~~strike~~ ||spoiler|| # Heading > quote",
        "https://example.com/markdown.png",
    ),
    (
        "[masked](http://evil.example) and [also @everyone](<https://evil.example/phish>)",
        "https://evil.example/masked.jpg",
    ),
    ("``` fenced ``` and `inline` and a lone ` backtick", "https://example.org/code.webp"),
    (
        "Zero\u200bwidth\u200d joiner\ufeff\u2060 and \u202eright-to-left\u202c",
        "https://example.net/zw.jpg",
    ),
    (
        "Bell\x07 Null\x00 Esc\x1b[31mred\x1b[0m Tab\tNew\nline CR\r LS\u2028 PS\u2029 end",
        "https://example.com/control.jpg",
    ),
    ("斯洛文尼亚布莱德湖 日の出 블레드 호수 — 高清壁纸", "https://pic.example.cn/湖/布莱德.jpg"),
    (_LONG_TITLE, "https://wallpapers.example.com/" + "very-long-path/" * 20 + "bled.jpg"),
    ("Click to see the full-size picture", "javascript:alert(document.cookie)"),
    ("", "https://example.com/no-title.jpg"),
    ("Title with a )](url) breakout <script>alert(1)</script>", "https://example.com/a b(1).jpg"),
)


def make_hits(n: int, hostile: bool = False, *, seed: int = 0) -> list[Hit]:
    """`n` search results `{"title", "url", "index"}` (index from 1) on varied hosts.

    With `hostile=True` the list starts with `HOSTILE_HITS` (mass mentions, markdown, masked
    links, backticks, zero-width and control characters, CJK, a 1000-char title, a
    `javascript:` url, ...) and continues with realistic ones.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = random.Random(f"hits-{seed}")
    pairs: list[tuple[str, str]] = list(HOSTILE_HITS[:n]) if hostile else []
    position = 0
    while len(pairs) < n:
        title, url = _REALISTIC[(position + seed) % len(_REALISTIC)]
        number = position // len(_REALISTIC) + 1
        url = url.format(
            n=number,
            d=rng.randrange(10**9, 10**10),
            hex=f"{rng.getrandbits(64):016x}",
            h1=f"{rng.getrandbits(4):x}",
            h2=f"{rng.getrandbits(8):02x}",
        )
        if "{n}" not in title and number > 1:
            title = f"{title} ({number})"
        pairs.append((title.format(n=number), url))
        position += 1
    return [{"title": title, "url": url, "index": i} for i, (title, url) in enumerate(pairs, 1)]


def split_text(text: str, chunks: int | None = None) -> list[str]:
    """Split `text` into deltas: `chunks` near-equal pieces, or pieces of 8 characters."""
    if not text:
        return []
    if chunks is None:
        return [text[i : i + 8] for i in range(0, len(text), 8)]
    if chunks < 1:
        raise ValueError("text_chunks must be >= 1")
    chunks = min(chunks, len(text))
    size, extra = divmod(len(text), chunks)
    pieces: list[str] = []
    start = 0
    for i in range(chunks):
        end = start + size + (1 if i < extra else 0)
        pieces.append(text[start:end])
        start = end
    return pieces


# --------------------------------------------------------------------------------------------
# Stream builder


@dataclass
class _Stream:
    """Accumulates the events of one response, with DashScope's irregular numbering."""

    seed: int = 0
    model: str = DEFAULT_MODEL
    bare_response_id: bool = True
    steps: list[Step] = field(default_factory=list)
    items: list[JSONDict] = field(default_factory=list)
    marks: dict[str, int] = field(default_factory=dict)
    searches: int = 0
    reasoning_chars: int = 0
    text_chars: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(f"stream-{self.seed}")
        self._seq = 0
        self._output_index = 0
        bare = self.new_uuid()
        self.response_id = bare if self.bare_response_id else f"resp_{bare}"
        self.created_at = 1767225600 + self.seed

    # ids and numbering

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def item_id(self) -> str:
        return f"msg_{self.new_uuid()}"

    def _next_seq(self) -> int:
        seq = self._seq
        # Skip a value every now and then, as DashScope does.
        self._seq += 2 if seq % 7 == 4 else 1
        return seq

    def _next_output_index(self) -> int:
        index = self._output_index
        self._output_index += 1
        return index

    def emit(self, type_: str, **fields: Any) -> None:
        self.steps.append(Event({"type": type_, **fields, "sequence_number": self._next_seq()}))

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.steps.append(Sleep(seconds))

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, len(self.steps))

    # response envelope

    def response(self, status: str, *, model: str | None = None, **extra: Any) -> JSONDict:
        return {
            "id": self.response_id,
            "object": "response",
            "created_at": self.created_at,
            "model": self.model if model is None else model,
            "status": status,
            **extra,
        }

    def usage(self) -> JSONDict:
        reasoning_tokens = self.reasoning_chars // 3
        output_tokens = reasoning_tokens + self.text_chars // 3 + 1
        input_tokens = 1236 + 2950 * self.searches
        total = input_tokens + output_tokens
        return {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": total,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "x_details": [
                {
                    "input_tokens": input_tokens,
                    "output_tokens": output_tokens,
                    "total_tokens": total,
                    "x_billing_type": "response_api",
                }
            ],
            "x_tools": {"image_search": {"count": self.searches}},
        }

    def output(self) -> list[JSONDict]:
        return copy.deepcopy(self.items)

    # event sequences

    def start(self) -> None:
        self.emit("response.created", response=self.response("queued", model="", output=[]))
        self.mark("created")
        self.emit(
            "response.in_progress", response=self.response("in_progress", model="", output=[])
        )

    def reasoning(self, text: str, spelling: ReasoningSpelling, delay: float) -> None:
        item_id = self.item_id()
        index = self._next_output_index()
        added = {"type": "reasoning", "id": item_id, "summary": []}
        self.emit("response.output_item.added", output_index=index, item=added)
        if spelling == "summary":
            where: JSONDict = {"item_id": item_id, "output_index": index, "summary_index": 0}
            prefix = "response.reasoning_summary_text"
            done = {**added, "summary": [{"type": "summary_text", "text": text}]}
        else:
            where = {"item_id": item_id, "output_index": index, "content_index": 0}
            prefix = "response.reasoning_text"
            done = {**added, "content": [{"type": "reasoning_text", "text": text}]}
        for i, piece in enumerate(split_text(text, None)):
            if i:
                self.sleep(delay)
            self.emit(f"{prefix}.delta", **where, delta=piece)
        self.emit(f"{prefix}.done", **where, text=text)
        self.emit("response.output_item.done", output_index=index, item=done)
        self.items.append(done)
        self.reasoning_chars += len(text)

    def message(
        self,
        text: str,
        *,
        chunks: int | None,
        delay: float,
        content_sample: bool = False,
        stop_after: int | None = None,
    ) -> None:
        """A message item; with `stop_after`, only that many deltas (the item is left open)."""
        item_id = self.item_id()
        index = self._next_output_index()
        added = {
            "type": "message",
            "id": item_id,
            "role": "assistant",
            "status": "in_progress",
            "content": [{"type": "text", "text": ""}] if content_sample else [],
        }
        self.emit("response.output_item.added", output_index=index, item=added)
        where: JSONDict = {"item_id": item_id, "output_index": index, "content_index": 0}
        empty_part = {"type": "output_text", "text": "", "annotations": []}
        self.emit("response.content_part.added", **where, part=empty_part)
        pieces = split_text(text, chunks)
        for i, piece in enumerate(pieces):
            if stop_after is not None and i == stop_after:
                self.mark("text")
                self.text_chars += sum(len(p) for p in pieces[:i])
                return
            if i:
                self.sleep(delay)
            if content_sample:
                self.emit("response.output_text.delta", output_index=index, delta=piece)
            else:
                self.emit("response.output_text.delta", **where, delta=piece)
        if stop_after is not None:
            self.mark("text")
        part = {"type": "output_text", "text": text, "annotations": []}
        self.emit("response.output_text.done", **where, text=text)
        self.emit("response.content_part.done", **where, part=part)
        done = {**added, "status": "completed", "content": [part]}
        self.emit("response.output_item.done", output_index=index, item=done)
        self.items.append(done)
        self.text_chars += len(text)

    def search_call(
        self,
        hits: Sequence[Hit],
        *,
        img_idx: int = 0,
        bbox: Sequence[int] = FULL_BBOX,
        search_delay: float = 0.0,
        output: str | None = None,
    ) -> None:
        """An `image_search_call`: `added`, no intermediate event, `done` at another index."""
        item_id = self.item_id()
        index = self._next_output_index()
        # The `done` carries the next output_index, and the next item skips one.
        self._output_index += 1
        arguments = json.dumps({"img_idx": img_idx, "bbox": list(bbox)})
        added = {
            "type": "image_search_call",
            "id": item_id,
            "name": "image_search",
            "arguments": arguments,
            "status": "in_progress",
        }
        self.emit("response.output_item.added", output_index=index, item=added)
        self.sleep(search_delay)
        results = output if output is not None else json.dumps(list(hits), ensure_ascii=False)
        done = {**added, "status": "completed", "output": results}
        self.emit("response.output_item.done", output_index=index + 1, item=done)
        self.items.append(done)
        self.searches += 1

    def completed(self, *, omit_output: bool = False) -> None:
        extra: JSONDict = {} if omit_output else {"output": self.output()}
        response = self.response("completed", **extra, usage=self.usage())
        self.emit("response.completed", response=response)

    def failed(self, code: str, message: str) -> None:
        response = self.response(
            "failed",
            output=self.output(),
            error={"code": code, "message": message},
            usage=self.usage(),
        )
        self.emit("response.failed", response=response)

    def incomplete(self, reason: str, partial: JSONDict | None) -> None:
        output = self.output() + ([partial] if partial is not None else [])
        response = self.response(
            "incomplete",
            output=output,
            incomplete_details={"reason": reason},
            usage=self.usage(),
        )
        self.emit("response.incomplete", response=response)

    def scenario(self, name: str) -> Scenario:
        return Scenario(self.steps, name=name)


def _resolve_hits(hits: int | Sequence[Hit], seed: int) -> list[Hit]:
    return make_hits(hits, seed=seed) if isinstance(hits, int) else list(hits)


def _stream(
    *,
    hits: int | Sequence[Hit] = 5,
    text: str = DEFAULT_ANSWER_TEXT,
    thinking: bool = True,
    reasoning_spelling: ReasoningSpelling = "summary",
    preamble: str | None = None,
    calls: int = 1,
    hits_per_call: Sequence[int | Sequence[Hit]] | None = None,
    images: int = 1,
    text_chunks: int | None = None,
    delay: float = 0.0,
    search_delay: float = 0.0,
    omit_output_in_completed: bool = False,
    answer_content_sample: bool = False,
    malformed_search_output: str | None = None,
    model: str = DEFAULT_MODEL,
    seed: int = 0,
) -> _Stream:
    """The whole normal stream, with marks at "created", "hits" and "text" for failures."""
    if calls < 0 or images < 1:
        raise ValueError("calls must be >= 0 and images >= 1")
    per_call: list[list[Hit]] = (
        [_resolve_hits(h, seed + k) for k, h in enumerate(hits_per_call)]
        if hits_per_call is not None
        else [_resolve_hits(hits, seed + k) for k in range(calls)]
    )
    s = _Stream(seed=seed, model=model, bare_response_id=seed % 2 == 0)
    s.start()
    if thinking:
        s.reasoning(DEFAULT_REASONING_TEXT, reasoning_spelling, delay)
    if preamble is not None:
        s.message(preamble, chunks=None, delay=delay)
    for k, call_hits in enumerate(per_call):
        if k and thinking:
            s.reasoning(DEFAULT_BETWEEN_CALLS_REASONING_TEXT, reasoning_spelling, delay)
        bbox = FULL_BBOX if k < images else CROP_BBOXES[(k - images) % len(CROP_BBOXES)]
        output = malformed_search_output if k == 0 else None
        s.search_call(
            call_hits, img_idx=k % images, bbox=bbox, search_delay=search_delay, output=output
        )
    s.mark("hits")
    if thinking:
        s.reasoning(DEFAULT_SECOND_REASONING_TEXT, reasoning_spelling, delay)
    half = len(split_text(text, text_chunks)) // 2
    start = len(s.steps)
    s.message(text, chunks=text_chunks, delay=delay, content_sample=answer_content_sample)
    # Where "after text" failures cut in: after half of the answer's deltas.
    deltas = [
        i
        for i, step in enumerate(s.steps[start:], start)
        if isinstance(step, Event) and step.payload["type"] == "response.output_text.delta"
    ]
    s.marks["text"] = deltas[half] if half < len(deltas) else len(s.steps)
    s.completed(omit_output=omit_output_in_completed)
    return s


# --------------------------------------------------------------------------------------------
# Normal scenarios


def image_search(
    *,
    hits: int | Sequence[Hit] = 5,
    text: str = DEFAULT_ANSWER_TEXT,
    thinking: bool = True,
    reasoning_spelling: ReasoningSpelling = "summary",
    preamble: str | None = None,
    calls: int = 1,
    hits_per_call: Sequence[int | Sequence[Hit]] | None = None,
    images: int = 1,
    text_chunks: int | None = None,
    delay: float = 0.0,
    search_delay: float = 0.0,
    omit_output_in_completed: bool = False,
    answer_content_sample: bool = False,
    model: str = DEFAULT_MODEL,
    seed: int = 0,
    name: str = "image_search",
) -> Scenario:
    """A successful streamed image search (reference: "Event order for one image search").

    created (queued, model "") → in_progress → [reasoning] → [preamble message] →
    `calls` × image_search_call (added, `Sleep(search_delay)`, done with the hits as a JSON
    string) → [reasoning] → answer message (`text` in deltas, `Sleep(delay)` between deltas)
    → response.completed with output and usage (`x_tools.image_search.count == calls`).

    `hits` is a count (realistic hits from `make_hits`) or the list itself, used for every
    call; `hits_per_call` (one entry per call) overrides both `hits` and `calls`. Call k
    searches input image `k % images`, the whole image first, crops afterwards.
    `reasoning_spelling` picks `response.reasoning_summary_text.*` ("summary") or
    `response.reasoning_text.*` ("text"). `answer_content_sample` reproduces the documented
    sample whose message starts with content `[{"type":"text","text":""}]` and whose deltas
    have no `item_id` / `content_index`. `omit_output_in_completed` drops `response.output`.
    Even seeds give a bare UUID response id, odd seeds `resp_<uuid>`.
    """
    return _stream(
        hits=hits,
        text=text,
        thinking=thinking,
        reasoning_spelling=reasoning_spelling,
        preamble=preamble,
        calls=calls,
        hits_per_call=hits_per_call,
        images=images,
        text_chunks=text_chunks,
        delay=delay,
        search_delay=search_delay,
        omit_output_in_completed=omit_output_in_completed,
        answer_content_sample=answer_content_sample,
        model=model,
        seed=seed,
    ).scenario(name)


# --------------------------------------------------------------------------------------------
# Failures before the stream


def _request_id(seed: int) -> str:
    return str(uuid.UUID(int=random.Random(f"request-{seed}").getrandbits(128), version=4))


def http_error_flat(
    status: int = 401,
    code: str = "InvalidApiKey",
    message: str = "Invalid API-key provided.",
    *,
    seed: int = 0,
) -> Scenario:
    """Non-2xx, flat envelope: `{"request_id":..,"code":..,"message":..}` (application/json)."""
    request_id = _request_id(seed)
    body = compact_json({"request_id": request_id, "code": code, "message": message})
    return Scenario([HttpError(status, body, request_id=request_id)], name=f"http_{status}_{code}")


def http_error_openai(
    status: int = 404,
    code: str = "model_not_found",
    message: str = "The model `qwen-unknown` does not exist or you do not have access to it.",
    type_: str = "invalid_request_error",
    *,
    seed: int = 0,
) -> Scenario:
    """Non-2xx, OpenAI envelope: `{"error":{"message","type","code","param":null},"request_id"}`."""
    request_id = _request_id(seed)
    error = {"message": message, "type": type_, "code": code, "param": None}
    body = compact_json({"error": error, "request_id": request_id})
    return Scenario([HttpError(status, body, request_id=request_id)], name=f"http_{status}_{code}")


def http_error_sse(
    status: int = 429,
    code: str = "Throttling.RateQuota",
    message: str = "Requests rate limit exceeded, please try again later.",
    *,
    seed: int = 0,
) -> Scenario:
    """Non-2xx whose body is itself one SSE event (text/event-stream):

    `event:error` / `:HTTP_STATUS/429` / `data:{"request_id":..,"code":..,"message":..}`.
    """
    request_id = _request_id(seed)
    data = compact_json({"request_id": request_id, "code": code, "message": message})
    body = sse_frame("error", data, http_status=status)
    error = HttpError(status, body, content_type=SSE_CONTENT_TYPE, request_id=request_id)
    return Scenario([error], name=f"http_{status}_{code}_sse")


# --------------------------------------------------------------------------------------------
# Non-streamed answers


def plain_response(
    text: str = "OK",
    *,
    status: str = "completed",
    model: str = DEFAULT_MODEL,
    error: JSONDict | None = None,
    seed: int = 0,
) -> Scenario:
    """A non-streamed answer (`stream` false): HTTP 200 with the whole `response` object as
    JSON, one message with `text`, no tool call, a small usage. `status="failed"` with
    `error={"code","message"}` is the documented HTTP-200 failure (e.g. rate limiting).
    Played through the `HttpError` step, which sends any status with a JSON body."""
    s = _Stream(seed=seed, model=model)
    part = {"type": "output_text", "text": text, "annotations": []}
    message = {
        "type": "message",
        "id": s.item_id(),
        "role": "assistant",
        "status": "completed",
        "content": [part],
    }
    s.items.append(message)
    s.text_chars += len(text)
    extra: JSONDict = {} if error is None else {"error": error}
    response = s.response(status, output=s.output(), usage=s.usage(), **extra)
    body = compact_json(response)
    return Scenario([HttpError(200, body, request_id=_request_id(seed))], name="plain_response")


# --------------------------------------------------------------------------------------------
# Failures inside an HTTP-200 stream


def response_failed(
    code: str = "InvalidParameter",
    message: str = DOWNLOAD_FAILED_MESSAGE,
    after_hits: bool = False,
) -> Scenario:
    """`response.failed` with `response.error={"code","message"}` and `status:"failed"`.

    The stream begins normally (created, in_progress, reasoning); with `after_hits` one search
    call completes first (so it was billed: `usage.x_tools.image_search.count == 1`).
    """
    s = _Stream()
    s.start()
    s.reasoning(DEFAULT_REASONING_TEXT, "summary", 0.0)
    if after_hits:
        s.search_call(make_hits(5))
    s.failed(code, message)
    return s.scenario("response_failed_after_hits" if after_hits else "response_failed")


def rate_limited_in_stream() -> Scenario:
    """Rate limiting as documented for /responses: HTTP 200, then `response.failed` with
    `error={"code":"server_error","message":"Operation model request rate limit exceeded,
    please try again later."}` (the stream form is inferred in the reference)."""
    s = _Stream()
    s.start()
    s.failed("server_error", RATE_LIMIT_MESSAGE)
    return s.scenario("rate_limited_in_stream")


def response_incomplete(reason: str = "max_output_tokens", after_text: bool = True) -> Scenario:
    """`response.incomplete` with `response.incomplete_details={"reason": reason}` and
    `status:"incomplete"`, after the hits and (with `after_text`) half of the answer's deltas;
    the partial message is in `response.output` with status "incomplete"."""
    s = _Stream()
    s.start()
    s.reasoning(DEFAULT_REASONING_TEXT, "summary", 0.0)
    s.search_call(make_hits(5))
    partial: JSONDict | None = None
    if after_text:
        pieces = split_text(DEFAULT_ANSWER_TEXT)
        half = len(pieces) // 2
        s.message(DEFAULT_ANSWER_TEXT, chunks=None, delay=0.0, stop_after=half)
        part = {"type": "output_text", "text": "".join(pieces[:half]), "annotations": []}
        message = next(
            step.payload["item"]
            for step in reversed(s.steps)
            if isinstance(step, Event) and step.payload["type"] == "response.output_item.added"
        )
        partial = {**message, "status": "incomplete", "content": [part]}
    s.incomplete(reason, partial)
    return s.scenario("response_incomplete" if after_text else "response_incomplete_before_text")


def _prefix(after: After, **kwargs: Any) -> tuple[list[Step], list[Step]]:
    """The normal stream split at a mark: (steps up to it, the rest)."""
    s = _stream(**kwargs)
    mark = s.marks[after]
    return s.steps[:mark], s.steps[mark:]


def _last_seq(steps: Sequence[Step]) -> int:
    seqs = [
        step.payload["sequence_number"]
        for step in steps
        if isinstance(step, Event) and "sequence_number" in step.payload
    ]
    return max(seqs, default=-1)


def error_event(
    code: str = "InternalError",
    message: str = INTERNAL_ERROR_MESSAGE,
    *,
    after: After = "hits",
    http_status: int = 500,
) -> Scenario:
    """An `error` event `{"type":"error","code","message","sequence_number"}`, then the end.

    The `:HTTP_STATUS/` comment carries `http_status` (inferred: like the SSE-bodied error)."""
    head, _ = _prefix(after)
    sequence_number = _last_seq(head) + 1
    payload = {
        "type": "error",
        "code": code,
        "message": message,
        "sequence_number": sequence_number,
    }
    return Scenario([*head, Event(payload, http_status=http_status)], name="error_event")


def top_level_error(
    code: str = "data_inspection_failed",
    message: str = DATA_INSPECTION_MESSAGE,
    *,
    after: After = "text",
    http_status: int = 400,
) -> Scenario:
    """`event:error` whose data is `{"error":{"message","type","param","code"}}`, no top-level
    `type` (seen on the chat endpoint for moderation; the SDK raises `openai.APIError`)."""
    head, _ = _prefix(after)
    error = {"message": message, "type": code, "param": None, "code": code}
    event = Event({"error": error}, name="error", http_status=http_status)
    return Scenario([*head, event], name="top_level_error")


def typeless_error(
    code: str = "InternalError",
    message: str = INTERNAL_ERROR_MESSAGE,
    *,
    after: After = "hits",
    http_status: int = 500,
) -> Scenario:
    """`event:error` with a flat `{"request_id","code","message"}` and **no** `type` field
    (the SDK yields an event whose `.type is None`)."""
    head, _ = _prefix(after)
    payload = {"request_id": _request_id(0), "code": code, "message": message}
    event = Event(payload, name="error", http_status=http_status)
    return Scenario([*head, event], name="typeless_error")


def malformed_output() -> Scenario:
    """The search call's `done` has an `output` that is not valid JSON (truncated); the
    stream then continues and completes normally."""
    return _stream(malformed_search_output=TRUNCATED_OUTPUT).scenario("malformed_output")


def malformed_event_json() -> Scenario:
    """After the hits, one well-framed event whose `data:` line is not JSON (truncated), then
    the rest of the normal stream."""
    head, tail = _prefix("hits")
    bad = Event({"type": "response.output_text.delta"}, raw_data=MALFORMED_EVENT_DATA)
    return Scenario([*head, bad, *tail], name="malformed_event_json")


def ends_early(after: After = "hits") -> Scenario:
    """The stream ends normally (clean chunked end) before `response.completed`: after
    `response.created`, after the hits, or after half of the answer's deltas."""
    head, _ = _prefix(after)
    return Scenario(head, name=f"ends_early_after_{after}")


def cut_mid_stream(after: After = "hits") -> Scenario:
    """The TCP connection is closed abruptly (incomplete chunked body) at the same points."""
    head, _ = _prefix(after)
    return Scenario([*head, Cut()], name=f"cut_after_{after}")


def stall(after: After = "hits", seconds: float = 3600.0) -> Scenario:
    """A long silence with the connection open, then (if anyone is still there) the rest."""
    head, tail = _prefix(after)
    return Scenario([*head, Sleep(seconds), *tail], name=f"stall_after_{after}")


def slow_first_byte(seconds: float = 20.0) -> Scenario:
    """Nothing at all (not even the headers) for `seconds`, then a normal search."""
    return Scenario([Sleep(seconds), *_stream().steps], name="slow_first_byte")


# --------------------------------------------------------------------------------------------
# Registry

_FACTORIES: dict[str, Callable[[], Scenario]] = {
    "normal": lambda: image_search(name="normal"),
    "no_hits": lambda: image_search(
        hits=0,
        text="I could not find this image anywhere on the web.",
        name="no_hits",
    ),
    "many_hits": lambda: image_search(hits=make_hits(100, hostile=True), name="many_hits"),
    "hostile_hits": lambda: image_search(
        hits=make_hits(len(HOSTILE_HITS), hostile=True), name="hostile_hits"
    ),
    "two_calls": lambda: image_search(calls=2, name="two_calls"),
    "two_images": lambda: image_search(calls=2, images=2, name="two_images"),
    "preamble": lambda: image_search(preamble=DEFAULT_PREAMBLE_TEXT, name="preamble"),
    "thinking_off": lambda: image_search(thinking=False, name="thinking_off"),
    "reasoning_text": lambda: image_search(reasoning_spelling="text", name="reasoning_text"),
    "answer_content_sample": lambda: image_search(
        answer_content_sample=True, name="answer_content_sample"
    ),
    "no_output_in_completed": lambda: image_search(
        omit_output_in_completed=True, name="no_output_in_completed"
    ),
    "resp_prefixed_id": lambda: image_search(seed=1, name="resp_prefixed_id"),
    "slow": lambda: image_search(delay=0.03, search_delay=3.0, name="slow"),
    # Before the stream.
    "http_401_invalid_api_key": lambda: http_error_flat(),
    "http_400_arrearage": lambda: http_error_flat(
        400, "Arrearage", "Access denied, please make sure your account is in good standing."
    ),
    "http_403_access_denied": lambda: http_error_flat(
        403, "AccessDenied", "Access denied: the workspace has no access to this model."
    ),
    "http_404_model_not_found": lambda: http_error_openai(),
    "http_400_invalid_image": lambda: http_error_flat(
        400, "InvalidParameter", "The image length and width do not meet the model restrictions."
    ),
    "http_400_data_uri_too_big": lambda: http_error_openai(
        400,
        "invalid_parameter_error",
        "Exceeded limit on max bytes per data-uri item : 10485760",
    ),
    "http_400_data_inspection": lambda: http_error_flat(
        400, "DataInspectionFailed", "Input data may contain inappropriate content."
    ),
    "http_429_throttling": lambda: http_error_flat(
        429, "Throttling", "Requests throttling triggered."
    ),
    "http_429_sse": lambda: http_error_sse(),
    "plain_response": lambda: plain_response(),
    "http_500_internal": lambda: http_error_openai(
        500, "internal_error", INTERNAL_ERROR_MESSAGE, "internal_error"
    ),
    "http_503_unavailable": lambda: http_error_flat(
        503, "ModelServingError", "Model serving is temporarily unavailable."
    ),
    # Inside the stream.
    "response_failed": lambda: response_failed(),
    "response_failed_after_hits": lambda: response_failed(after_hits=True),
    "rate_limited_in_stream": rate_limited_in_stream,
    "response_incomplete": lambda: response_incomplete(),
    "response_incomplete_before_text": lambda: response_incomplete(after_text=False),
    "error_event": lambda: error_event(),
    "top_level_error": lambda: top_level_error(),
    "typeless_error": lambda: typeless_error(),
    "malformed_output": malformed_output,
    "malformed_event_json": malformed_event_json,
    "ends_early_after_created": lambda: ends_early("created"),
    "ends_early_after_hits": lambda: ends_early("hits"),
    "ends_early_after_text": lambda: ends_early("text"),
    "cut_after_created": lambda: cut_mid_stream("created"),
    "cut_after_hits": lambda: cut_mid_stream("hits"),
    "cut_after_text": lambda: cut_mid_stream("text"),
    "stall": lambda: stall(),
    "slow_first_byte": lambda: slow_first_byte(),
}


def _named(name: str, factory: Callable[[], Scenario]) -> Callable[[], Scenario]:
    def build() -> Scenario:
        return factory().renamed(name)

    build.__name__ = name
    build.__doc__ = factory.__doc__
    return build


# Named scenarios (each named after its key), for tests, benchmarks and the command line.
SCENARIOS: dict[str, Callable[[], Scenario]] = {
    name: _named(name, factory) for name, factory in _FACTORIES.items()
}
