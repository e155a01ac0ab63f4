"""Property-based tests of the stream consumer (`SearchEngine.run`).

Random event sequences, random orderings and truncations of valid DashScope streams go through
the real code path: the real `openai` SDK (its SSE decoder and event parsing) feeding
`SearchEngine.run`, folded into an `Answer`. Most examples replace only the socket, with an
in-memory transport for the SDK's own HTTP client (fast enough for hundreds of examples); a
smaller number go over a real socket to the fake DashScope server.

The properties:
- `run` never raises: every stream ends with exactly one `Completed` or `Failed`, last;
- a failure is classified with the code the reference doc implies;
- nothing that arrived before the end is lost: every hit of every search call, every text
  delta (in its message) and every reasoning delta is in the `Answer`;
- malformed JSON in an event or in a search call's `output` is a classified failure (event) or
  an error on that call with the stream going on (output), never a crash.

The oracle (`expect`) reads the wire payloads as shared/reference/dashscope-responses.md
describes them; it does not call the code under test.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.search.answer import Answer, Status
from bot.search.errors import ErrorCode
from bot.search.events import Completed, Event, Failed
from bot.search.request import SearchRequest
from bot.search.stream import SearchEngine
from tests.fakes import dashscope_scenarios as sc
from tests.fakes.dashscope import FakeDashScope

try:  # the HTTP client the installed openai SDK is built on (httpx2 from openai 3.x)
    import httpx2 as httpx
except ImportError:  # pragma: no cover - older SDKs
    import httpx  # type: ignore[no-redef]

# Odd usage objects make pydantic warn when the engine dumps them; the warning is expected.
pytestmark = pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")

DATA_URL = "data:image/png;base64,iVBORw0KGgo="
SSE_HEADERS = {"content-type": sc.SSE_CONTENT_TYPE}

# Deterministic in CI and locally: the same examples every run, no example database.
FAST = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SOCKET = settings(FAST, max_examples=12)
STALLS = settings(FAST, max_examples=8)
ODD_EACH = settings(FAST, max_examples=10)

# DashScope error codes (from the reference doc) -> the code a person's message is keyed on.
# Written out by hand so the oracle does not reuse `classify`.
KNOWN_FAILURES: tuple[tuple[str, str, ErrorCode], ...] = (
    ("InvalidApiKey", "Invalid API-key provided.", ErrorCode.AUTH),
    ("invalid_api_key", "Incorrect API key provided.", ErrorCode.AUTH),
    (
        "Arrearage",
        "Access denied, please make sure your account is in good standing.",
        ErrorCode.QUOTA,
    ),
    ("Throttling.AllocationQuota", "Allocated quota exceeded.", ErrorCode.QUOTA),
    ("DataInspectionFailed", sc.DATA_INSPECTION_MESSAGE, ErrorCode.MODERATED),
    ("data_inspection_failed", sc.DATA_INSPECTION_MESSAGE, ErrorCode.MODERATED),
    ("Throttling.RateQuota", "Requests rate limit exceeded.", ErrorCode.RATE_LIMITED),
    ("server_error", sc.RATE_LIMIT_MESSAGE, ErrorCode.RATE_LIMITED),
    ("AccessDenied.Unpurchased", "Access denied.", ErrorCode.ACCESS_DENIED),
    ("ModelNotFound", "The model does not exist.", ErrorCode.MODEL_NOT_FOUND),
    ("InvalidParameter", sc.DOWNLOAD_FAILED_MESSAGE, ErrorCode.BAD_IMAGE),
    ("InvalidParameter", "The input is malformed.", ErrorCode.BAD_REQUEST),
    ("InternalError", sc.INTERNAL_ERROR_MESSAGE, ErrorCode.UNAVAILABLE),
    ("ModelServingError", "Model serving is temporarily unavailable.", ErrorCode.UNAVAILABLE),
)
FAILURE_BY_CODE = {(code, message): expected for code, message, expected in KNOWN_FAILURES}

# -------------------------------------------------------------------------------------------
# Wire frames


@dataclass(frozen=True, repr=False)
class Frame:
    """One SSE event as written on the wire, and the JSON on its `data:` line."""

    text: str
    payload: Any = None
    malformed: bool = False  # the data line is not JSON
    done_marker: bool = False  # the data line is `[DONE]`

    def __repr__(self) -> str:
        text = self.text if len(self.text) < 300 else f"{self.text[:300]}...({len(self.text)})"
        return f"Frame({text!r})"


def frame(payload: Any, name: str | None = None, event_id: int = 1) -> Frame:
    if name is None:
        name = str(payload.get("type")) if isinstance(payload, dict) else "message"
    return Frame(sc.sse_frame(name, sc.compact_json(payload), event_id=event_id), payload)


def malformed(name: str, data: str) -> Frame:
    return Frame(sc.sse_frame(name, data, event_id=9), malformed=True)


def frames_of(scenario: sc.Scenario) -> list[Frame]:
    return [frame(e.payload, e.event_name, n) for n, e in enumerate(scenario.events, start=1)]


# -------------------------------------------------------------------------------------------
# The oracle: what an Answer must hold after these frames (and how the stream must end)


@dataclass
class Expected:
    completed: bool = False
    code: ErrorCode | None = None  # None with completed=False: any code is acceptable
    response_id: str | None = None
    calls: list[str] = field(default_factory=list)  # call ids in order of first appearance
    hits: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)  # calls whose output was not readable
    messages: list[str] = field(default_factory=list)
    reasoning: str = ""
    final_text: str | None = None

    def call(self, call_id: str) -> None:
        if call_id not in self.calls:
            self.calls.append(call_id)

    def fail(self, code: ErrorCode | None) -> Expected:
        self.code = code
        return self


def _hits_of(output: Any) -> list[tuple[int, str, str]] | None:
    """The hits in a well-formed `output`; None when it is not a JSON list."""
    if output is None or output == "":
        return []
    try:
        items = json.loads(output) if isinstance(output, str) else output
    except (ValueError, RecursionError):
        return None
    if not isinstance(items, list):
        return None
    return [(i["index"], i["title"], i["url"]) for i in items if isinstance(i, dict)]


def _final_text(response: dict[str, Any]) -> str | None:
    messages = [i for i in response.get("output") or [] if i.get("type") == "message"]
    if not messages:
        return None
    text = "".join(p.get("text", "") for p in messages[-1].get("content") or [])
    return text or None


def _failure(error: Any) -> ErrorCode | None:
    return FAILURE_BY_CODE.get((error.get("code"), error.get("message")))


def expect(frames: Sequence[Frame], ending: str) -> Expected:
    """Walk the frames that fully arrived; stop at the first one that ends the stream."""
    out = Expected()
    for f in frames:
        p = f.payload
        if f.done_marker:
            return out.fail(ErrorCode.INTERRUPTED)  # the SDK stops at [DONE]: ended early
        if f.malformed:
            return out.fail(ErrorCode.PROTOCOL)  # an event whose data is not JSON
        if not isinstance(p, dict):
            return out.fail(None)  # JSON, but not an object: any classified failure
        if "error" in p and isinstance(p["error"], dict) and "type" not in p:
            return out.fail(_failure(p["error"]))  # top-level {"error": {...}}
        kind = p.get("type")
        if kind is None:
            return out.fail(_failure(p))  # flat event:error without a type
        if kind == "response.created":
            if isinstance(p.get("response"), dict):
                out.response_id = p["response"]["id"]
        elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            out.reasoning += p["delta"] if isinstance(p.get("delta"), str) else ""
        elif kind == "response.output_text.delta":
            if isinstance(p.get("delta"), str):
                if not out.messages:
                    out.messages.append("")
                out.messages[-1] += p["delta"]
        elif kind in ("response.output_item.added", "response.output_item.done"):
            item = p.get("item") or {"type": None}
            if item["type"] == "message" and kind.endswith("added"):
                out.messages.append("")
            elif item["type"] == "image_search_call":
                out.call(item["id"])
                if kind.endswith("done"):
                    hits = _hits_of(item.get("output"))
                    if hits is None:
                        out.unreadable.add(item["id"])
                        out.hits[item["id"]] = []
                    else:
                        out.unreadable.discard(item["id"])
                        out.hits[item["id"]] = hits
        elif kind == "response.completed":
            out.completed = True
            out.final_text = _final_text(p.get("response") or {})
            return out
        elif kind == "response.failed":
            error = (p.get("response") or {}).get("error")
            return out.fail(_failure(error) if isinstance(error, dict) else None)
        elif kind == "response.incomplete":
            return out.fail(ErrorCode.INCOMPLETE)
        elif kind == "error":
            return out.fail(_failure(p))
    return out.fail(ErrorCode.TIMEOUT if ending == "stall" else ErrorCode.INTERRUPTED)


def check(events: list[Event], answer: Answer, want: Expected) -> None:
    ends = [e for e in events if isinstance(e, Completed | Failed)]
    assert len(ends) == 1, events
    assert events[-1] is ends[0]
    if want.completed:
        assert isinstance(ends[0], Completed), answer.error
        assert answer.status is Status.COMPLETED
    else:
        assert isinstance(ends[0], Failed)
        assert answer.status is Status.FAILED and answer.error is not None
        if want.code is not None:
            assert answer.error.code is want.code, (answer.error, want.code)
    if want.response_id is not None:
        assert answer.response_id == want.response_id

    # Every search call that arrived, with every hit it brought.
    assert [c.call_id for c in answer.calls] == want.calls
    for call in answer.calls:
        if call.call_id not in want.hits:
            assert not call.done and call.hits == ()
            continue
        assert call.done
        assert [(h.index, h.title, h.url) for h in call.hits] == want.hits[call.call_id]
        if call.call_id in want.unreadable:
            assert call.error is not None and call.error.code is ErrorCode.PROTOCOL
        else:
            assert call.error is None

    # Every text delta in its message, every reasoning delta.
    assert answer.reasoning == want.reasoning
    if want.completed and want.final_text is not None:
        assert answer.messages[:-1] == want.messages[:-1]
        assert answer.text == want.final_text
    else:
        assert answer.messages == want.messages


# -------------------------------------------------------------------------------------------
# The in-memory transport under the real SDK


class _Body(httpx.AsyncByteStream):  # type: ignore[misc]
    """The response body: the chunks, then a clean end, an abrupt cut, or silence."""

    def __init__(self, chunks: list[bytes], ending: str) -> None:
        self.chunks = chunks
        self.ending = ending

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            await asyncio.sleep(0)
            yield chunk
        if self.ending == "cut":
            # What the transport raises when the peer closes mid-body.
            raise httpx.RemoteProtocolError("peer closed connection without sending complete body")
        if self.ending == "stall":
            await asyncio.sleep(3600)

    async def aclose(self) -> None:
        pass


def memory_client(body: bytes, splits: Sequence[int], ending: str) -> openai.AsyncOpenAI:
    points = sorted({s for s in splits if 0 < s < len(body)})
    edges = [0, *points, len(body)]
    chunks = [body[a:b] for a, b in itertools.pairwise(edges) if b > a]

    def handler(request: Any) -> Any:
        return httpx.Response(200, headers=SSE_HEADERS, stream=_Body(chunks, ending))

    return openai.AsyncOpenAI(
        api_key="sk-test-key-123456",
        base_url="http://dashscope.test/api/v1",
        max_retries=0,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )


async def consume(client: openai.AsyncOpenAI, stall: float = 5.0) -> tuple[list[Event], Answer]:
    engine = SearchEngine(client, model="qwen3.5-plus", stall_seconds=stall, timeout_seconds=60)
    events: list[Event] = []
    answer = Answer()
    try:
        async for event in engine.run(SearchRequest(DATA_URL)):
            events.append(event)
            answer.apply(event)
    finally:
        await client.close()
    return events, answer


def run_in_memory(
    frames: Sequence[Frame],
    *,
    ending: str = "clean",
    splits: Sequence[int] = (),
    cut_at: int | None = None,
    stall: float = 5.0,
) -> tuple[list[Event], Answer, Expected]:
    """Play `frames` (the body cut at byte `cut_at`, if given) and compute the expectation."""
    body = "".join(f.text for f in frames).encode()
    arrived = list(frames)
    if cut_at is not None:
        body = body[:cut_at]
        arrived, size = [], 0
        for f in frames:
            size += len(f.text.encode())
            if size > cut_at:
                break
            arrived.append(f)
    events, answer = asyncio.run(consume(memory_client(body, splits, ending), stall))
    return events, answer, expect(arrived, ending)


# -------------------------------------------------------------------------------------------
# Strategies

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=10)
TITLES = st.one_of(
    TEXT,
    st.sampled_from([title for title, _ in sc.HOSTILE_HITS]),
)
URLS = st.one_of(
    st.sampled_from([url for _, url in sc.HOSTILE_HITS]),
    st.builds("https://img.example/{}.jpg".format, st.integers(0, 999)),
)
HIT = st.fixed_dictionaries({"title": TITLES, "url": URLS, "index": st.integers(1, 100)})
JUNK = st.one_of(st.none(), st.integers(), TEXT, st.lists(st.integers(), max_size=2))


@st.composite
def readable_output(draw: st.DrawFn) -> str:
    items = draw(st.lists(st.one_of(HIT, HIT, JUNK), max_size=6))
    return json.dumps(items, ensure_ascii=draw(st.booleans()))


@st.composite
def unreadable_output(draw: st.DrawFn) -> str:
    whole = json.dumps(draw(st.lists(HIT, min_size=1, max_size=3)), ensure_ascii=False)
    return draw(
        st.one_of(
            st.integers(1, len(whole) - 1).map(lambda n: whole[:n]),  # truncated JSON
            st.just(sc.TRUNCATED_OUTPUT),
            st.sampled_from(['{"title": "x"}', '"[]"', "42", "null", "true"]),  # not a list
            TEXT.map(lambda t: "<html>" + t),  # not JSON at all
        )
    )


CALL_IDS = st.integers(0, 3).map(lambda k: f"msg_call_{k}")
RESPONSE = st.fixed_dictionaries(
    {"id": st.uuids().map(str), "object": st.just("response"), "model": st.just("")}
)


def typed(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, **fields, "sequence_number": 0}


# Frames that add to the answer or change nothing; none of them ends the stream.
ORDINARY = st.one_of(
    RESPONSE.map(lambda r: typed("response.created", response={**r, "status": "queued"})),
    RESPONSE.map(lambda r: typed("response.in_progress", response=r)),
    TEXT.map(lambda t: typed("response.output_text.delta", item_id="msg_m", delta=t)),
    TEXT.map(lambda t: typed("response.reasoning_summary_text.delta", delta=t)),
    TEXT.map(lambda t: typed("response.reasoning_text.delta", delta=t)),
    st.just(typed("response.output_item.added", item={"type": "message", "id": "msg_m"})),
    st.just(typed("response.output_item.added", item={"type": "reasoning", "id": "msg_r"})),
    st.just(typed("response.content_part.added", part={"type": "output_text", "text": ""})),
    TEXT.map(lambda t: typed("response.output_text.done", text=t)),
    st.just(typed("response.web_search_call.searching", item_id="msg_w")),  # unknown to us
    st.builds(
        lambda cid, args: typed(
            "response.output_item.added",
            item={"type": "image_search_call", "id": cid, "arguments": args},
        ),
        CALL_IDS,
        st.one_of(
            st.just('{"img_idx": 0, "bbox": [0, 0, 1000, 1000]}'),
            st.just('{"img_idx": "x", "bbox": [1, 2]}'),
            st.just("[1, 2"),
            TEXT,
        ),
    ),
    st.builds(
        lambda cid, output: typed(
            "response.output_item.done",
            item={"type": "image_search_call", "id": cid, "status": "completed", "output": output},
        ),
        CALL_IDS,
        st.one_of(readable_output(), readable_output(), unreadable_output()),
    ),
).map(frame)

# Frames that end the stream.
_FAILURE = st.sampled_from(KNOWN_FAILURES)
ENDING = st.one_of(
    st.builds(
        lambda r, text: frame(
            typed(
                "response.completed",
                response={
                    **r,
                    "status": "completed",
                    "output": []
                    if text is None
                    else [{"type": "message", "content": [{"type": "output_text", "text": text}]}],
                    "usage": {"input_tokens": 10, "output_tokens": 2, "total_tokens": 12},
                },
            )
        ),
        RESPONSE,
        st.one_of(st.none(), TEXT.filter(bool)),
    ),
    st.builds(
        lambda r, f: frame(
            typed(
                "response.failed",
                response={**r, "status": "failed", "error": {"code": f[0], "message": f[1]}},
            )
        ),
        RESPONSE,
        _FAILURE,
    ),
    RESPONSE.map(
        lambda r: frame(
            typed(
                "response.incomplete",
                response={**r, "incomplete_details": {"reason": "max_output_tokens"}},
            )
        )
    ),
    _FAILURE.map(lambda f: frame(typed("error", code=f[0], message=f[1]))),
    _FAILURE.map(lambda f: frame({"request_id": "r", "code": f[0], "message": f[1]}, "error")),
    _FAILURE.map(
        lambda f: frame({"error": {"code": f[0], "message": f[1], "type": f[0]}}, "error")
    ),
    st.sampled_from(
        [
            malformed("response.output_text.delta", sc.MALFORMED_EVENT_DATA),
            malformed("response.completed", "{"),
            malformed("message", "not json at all"),
        ]
    ),
    st.just(Frame("data:[DONE]\n\n", done_marker=True)),
)

# Known events in odd shapes: a field missing, null or of another type. Nothing in them can be
# shown, and nothing before them may be lost: they are skipped.
ODD_PAYLOADS = [
    typed("response.output_text.delta"),
    typed("response.output_text.delta", delta=None),
    typed("response.output_text.delta", delta=5),
    typed("response.reasoning_summary_text.delta", delta=None),
    typed("response.reasoning_text.delta", delta=["a"]),
    typed("response.created"),
    typed("response.created", response=None),
    typed("response.in_progress"),
    typed("response.output_item.added"),
    typed("response.output_item.done", item=None),
    typed("response.output_item.done", item={"type": "image_search_call", "id": "msg_x"}),
    typed("response.content_part.added", part=7),
    {"type": 5, "delta": "x"},
    typed(
        "response.output_item.done",
        item={"type": "image_search_call", "id": "msg_deep", "output": "[" * 5000},
    ),
]
ODD = st.sampled_from(ODD_PAYLOADS).map(frame)

# A completed response whose usage is odd: the answer is complete all the same.
ODD_USAGE = [
    {"x_tools": ["image_search"]},
    {"x_tools": {"image_search": "many"}},
    {"input_tokens": "a lot", "output_tokens": None, "total_tokens": 1.5},
    {"output_tokens_details": [], "input_tokens_details": "none"},
    "usage",
]
ODD_COMPLETED = st.sampled_from(ODD_USAGE).map(
    lambda usage: frame(
        typed("response.completed", response={"id": "r", "status": "completed", "usage": usage})
    )
)

# Failures in odd shapes: any classified code will do.
ODD_ENDINGS = [
    frame(typed("response.failed")),
    frame(typed("response.failed", response={"id": "r", "error": "broken"})),
    frame(typed("response.incomplete")),
    frame(typed("error")),
    frame([1, 2], "message"),
    frame("text", "message"),
    frame(None, "message"),
    frame({"request_id": "r"}, "error"),
]
ODD_ENDING = st.sampled_from(ODD_ENDINGS)

ANY_FRAME = st.one_of(ORDINARY, ORDINARY, ORDINARY, ODD, ENDING, ODD_COMPLETED, ODD_ENDING)


@st.composite
def valid_stream(draw: st.DrawFn) -> list[Frame]:
    """A stream as the scenario builders make it (every documented variation)."""
    calls = draw(st.integers(0, 3))
    hits: Any = draw(
        st.one_of(
            st.integers(0, 6),
            st.integers(0, len(sc.HOSTILE_HITS)).map(lambda n: sc.make_hits(n, hostile=True)),
        )
    )
    scenario = sc.image_search(
        hits=hits,
        calls=calls,
        images=draw(st.integers(1, 2)),
        thinking=draw(st.booleans()),
        reasoning_spelling=draw(st.sampled_from(["summary", "text"])),
        preamble=draw(st.sampled_from([None, sc.DEFAULT_PREAMBLE_TEXT])),
        text=draw(st.sampled_from([sc.DEFAULT_ANSWER_TEXT, "短い答え 🔍", "x"])),
        text_chunks=draw(st.sampled_from([None, 1, 5])),
        answer_content_sample=draw(st.booleans()),
        omit_output_in_completed=draw(st.booleans()),
        seed=draw(st.integers(0, 3)),
    )
    return frames_of(scenario)


@st.composite
def disturbed_stream(draw: st.DrawFn) -> list[Frame]:
    """A valid stream, reordered and/or truncated, with foreign frames mixed in."""
    frames = draw(valid_stream())
    how = draw(st.sampled_from(["as is", "permuted", "truncated", "mixed"]))
    if how == "permuted":
        frames = list(draw(st.permutations(frames)))
    elif how == "truncated":
        frames = frames[: draw(st.integers(0, len(frames)))]
    elif how == "mixed":
        for _ in range(draw(st.integers(1, 4))):
            frames.insert(draw(st.integers(0, len(frames))), draw(ANY_FRAME))
    return frames


def byte_splits(size: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, max(size, 1)), max_size=8)


# -------------------------------------------------------------------------------------------
# Properties (in memory, under the real SDK)


@FAST
@given(data=st.data(), ending=st.sampled_from(["clean", "cut"]))
def test_disturbed_valid_streams_keep_everything_that_arrived(data, ending):
    frames = data.draw(disturbed_stream())
    size = sum(len(f.text.encode()) for f in frames)
    splits = data.draw(byte_splits(size))
    events, answer, want = run_in_memory(frames, ending=ending, splits=splits)
    check(events, answer, want)


@FAST
@given(frames=st.lists(ANY_FRAME, max_size=25), ending=st.sampled_from(["clean", "cut"]))
def test_random_event_sequences_never_raise_and_lose_nothing(frames, ending):
    events, answer, want = run_in_memory(frames, ending=ending)
    check(events, answer, want)


@FAST
@given(data=st.data(), ending=st.sampled_from(["clean", "cut"]))
def test_a_stream_cut_at_any_byte_keeps_every_whole_event_before_it(data, ending):
    frames = data.draw(valid_stream())
    size = sum(len(f.text.encode()) for f in frames)
    cut_at = data.draw(st.integers(0, size))
    splits = data.draw(byte_splits(cut_at))
    events, answer, want = run_in_memory(frames, ending=ending, splits=splits, cut_at=cut_at)
    check(events, answer, want)


@FAST
@given(
    head=st.lists(ORDINARY, max_size=12),
    bad=st.one_of(unreadable_output(), readable_output()),
    tail=st.lists(ORDINARY, max_size=6),
)
def test_malformed_search_output_only_marks_its_call(head, bad, tail):
    call = frame(
        typed(
            "response.output_item.done",
            item={"type": "image_search_call", "id": "msg_bad", "output": bad},
        )
    )
    end = frames_of(sc.image_search(hits=1))[-1]  # a normal response.completed
    events, answer, want = run_in_memory([*head, call, *tail, end])
    assert want.completed  # the stream goes on after unreadable results...
    check(events, answer, want)  # ...and the call carries the error, nothing else is lost


@FAST
@given(
    head=st.lists(ORDINARY, max_size=12),
    data=st.sampled_from([sc.MALFORMED_EVENT_DATA, "{", "not json", '{"type": "response.', "]"]),
)
def test_malformed_event_json_is_a_protocol_failure_that_keeps_the_rest(head, data):
    bad = malformed("response.output_text.delta", data)
    rest = frames_of(sc.image_search(hits=2))
    events, answer, want = run_in_memory([*head, bad, *rest])
    assert want.code is ErrorCode.PROTOCOL
    check(events, answer, want)


ODD_CASES = [
    *(frame(p) for p in ODD_PAYLOADS),
    *(frame(typed("response.completed", response={"id": "r", "usage": u})) for u in ODD_USAGE),
    *ODD_ENDINGS,
]


@pytest.mark.parametrize("odd", ODD_CASES, ids=range(len(ODD_CASES)))
@ODD_EACH
@given(head=st.lists(ORDINARY, max_size=8), tail=st.lists(ORDINARY, max_size=4))
def test_every_odd_shape_is_skipped_or_classified(odd, head, tail):
    events, answer, want = run_in_memory([*head, odd, *tail])
    check(events, answer, want)


@STALLS
@given(data=st.data())
def test_a_stall_anywhere_times_out_and_keeps_what_arrived(data):
    frames = data.draw(valid_stream())
    frames = frames[: data.draw(st.integers(0, len(frames) - 1))]  # never the completed one
    events, answer, want = run_in_memory(frames, ending="stall", stall=0.05)
    assert want.code is ErrorCode.TIMEOUT
    check(events, answer, want)


# -------------------------------------------------------------------------------------------
# The same properties over a real socket, against the fake DashScope (fewer examples)


async def _over_socket(frames: list[Frame], ending: str) -> tuple[list[Event], Answer]:
    steps: list[sc.Step] = [sc.Raw(f.text) for f in frames]
    if ending == "cut":
        steps.append(sc.Cut())
    async with FakeDashScope(sc.Scenario(steps, name="property")) as fake:
        client = openai.AsyncOpenAI(
            api_key="sk-test-key-123456",
            base_url=fake.base_url,
            max_retries=0,
            timeout=openai.Timeout(10.0, connect=5.0, read=5.0),
        )
        events, answer = await consume(client)
        assert len(fake.requests) == 1  # never a second (paid) request
    return events, answer


@SOCKET
@given(frames=disturbed_stream(), ending=st.sampled_from(["clean", "cut"]))
def test_over_a_socket_disturbed_streams_keep_everything_that_arrived(frames, ending):
    events, answer = asyncio.run(_over_socket(frames, ending))
    check(events, answer, expect(frames, ending))
