"""The engine against the fake DashScope, through the real openai SDK over a socket."""

import json

import openai
import pytest

from bot.search.answer import Answer, Status
from bot.search.errors import ErrorCode
from bot.search.events import (
    Completed,
    Failed,
    Hits,
    MessageStarted,
    ReasoningDelta,
    SearchCallStarted,
    Started,
    TextDelta,
)
from bot.search.request import SearchRequest
from bot.search.stream import SearchEngine
from tests.fakes import dashscope_scenarios as sc
from tests.fakes.dashscope import FakeDashScope

DATA_URL = "data:image/png;base64,iVBORw0KGgo="


@pytest.fixture
async def fake():
    async with FakeDashScope() as server:
        yield server


def engine_for(fake, *, retries=0, stall=5.0, total=30.0, thinking=True):
    client = openai.AsyncOpenAI(
        api_key="sk-test-key-123456",
        base_url=fake.base_url,
        max_retries=retries,
        timeout=openai.Timeout(total, connect=5.0, read=stall),
    )
    return SearchEngine(
        client, model="qwen3.5-plus", thinking=thinking, stall_seconds=stall, timeout_seconds=total
    )


async def run(engine, request=None):
    events, answer = [], Answer()
    async for event in engine.run(request or SearchRequest(DATA_URL)):
        events.append(event)
        answer.apply(event)
    await engine.client.close()
    return events, answer


def expected_hits(hits):
    return [(h["index"], h["title"], h["url"]) for h in hits]


async def test_normal_search_events_and_answer(fake):
    hits = sc.make_hits(5)
    fake.play(sc.image_search(hits=hits))
    events, answer = await run(engine_for(fake))

    kinds = [type(e) for e in events]
    assert kinds[0] is Started
    assert kinds[-1] is Completed
    assert ReasoningDelta in kinds and MessageStarted in kinds
    assert kinds.index(SearchCallStarted) < kinds.index(Hits) < kinds.index(TextDelta)
    started = next(e for e in events if isinstance(e, SearchCallStarted))
    assert started.image_index == 0 and started.bbox == (0, 0, 1000, 1000)

    assert answer.status is Status.COMPLETED
    assert [(h.index, h.title, h.url) for h in answer.hits] == expected_hits(hits)
    assert all(h.host and "www." not in h.host for h in answer.hits)
    assert answer.text == sc.DEFAULT_ANSWER_TEXT
    assert answer.reasoning.startswith(sc.DEFAULT_REASONING_TEXT)
    assert sc.DEFAULT_ANSWER_TEXT not in answer.reasoning
    assert answer.usage is not None and answer.usage.image_searches == 1
    assert answer.usage.total_tokens == answer.usage.input_tokens + answer.usage.output_tokens
    assert answer.response_id

    # The request the fake received: model, tool, prompt and the data URL.
    (request,) = fake.requests
    body = request.json
    assert body["model"] == "qwen3.5-plus"
    assert body["tools"] == [{"type": "image_search"}]
    assert body["stream"] is True
    assert body["enable_thinking"] is True
    content = body["input"][0]["content"]
    assert content[0]["type"] == "input_text" and "image_search" in content[0]["text"]
    assert content[1] == {"type": "input_image", "image_url": DATA_URL}
    assert request.headers["Authorization"] == "Bearer sk-test-key-123456"


async def test_no_hits(fake):
    fake.play(sc.image_search(hits=[]))
    _, answer = await run(engine_for(fake))
    assert answer.status is Status.COMPLETED
    assert len(answer.calls) == 1 and answer.calls[0].done and answer.calls[0].hits == ()


async def test_hundred_hostile_hits_arrive_unchanged(fake):
    hits = sc.make_hits(100, hostile=True)
    fake.play(sc.image_search(hits=hits))
    _, answer = await run(engine_for(fake))
    assert [(h.index, h.title, h.url) for h in answer.hits] == expected_hits(hits)
    assert any("@everyone" in h.title for h in answer.hits)
    # a javascript: "url" is kept as data but never gets a host (so it is never linked)
    assert all(h.host == "" for h in answer.hits if not h.url.startswith("http"))


async def test_two_search_calls_are_kept_apart(fake):
    fake.play(sc.image_search(hits_per_call=[3, 2]))
    _, answer = await run(engine_for(fake))
    assert [len(c.hits) for c in answer.calls] == [3, 2]
    assert answer.calls[0].call_id != answer.calls[1].call_id
    assert answer.calls[1].bbox != (0, 0, 1000, 1000)
    assert answer.usage is not None and answer.usage.image_searches == 2


async def test_preamble_message_is_not_the_answer(fake):
    fake.play(sc.image_search(preamble=sc.DEFAULT_PREAMBLE_TEXT))
    _, answer = await run(engine_for(fake))
    assert answer.messages[0] == sc.DEFAULT_PREAMBLE_TEXT
    assert answer.text == sc.DEFAULT_ANSWER_TEXT


@pytest.mark.parametrize("spelling", ["summary", "text"])
async def test_both_reasoning_spellings(fake, spelling):
    fake.play(sc.image_search(reasoning_spelling=spelling))
    _, answer = await run(engine_for(fake))
    assert answer.reasoning.startswith(sc.DEFAULT_REASONING_TEXT)


async def test_thinking_off(fake):
    fake.play(sc.image_search(thinking=False))
    events, answer = await run(engine_for(fake, thinking=False))
    assert not any(isinstance(e, ReasoningDelta) for e in events)
    assert answer.text == sc.DEFAULT_ANSWER_TEXT
    assert fake.requests[0].json["enable_thinking"] is False


async def test_documented_odd_sample_and_missing_output(fake):
    fake.play(sc.image_search(answer_content_sample=True, omit_output_in_completed=True))
    _, answer = await run(engine_for(fake))
    assert answer.status is Status.COMPLETED
    assert answer.text == sc.DEFAULT_ANSWER_TEXT


FAILURES = [
    (sc.http_error_flat(401, "InvalidApiKey", "Invalid API-key provided."), ErrorCode.AUTH, False),
    (sc.http_error_openai(401, "invalid_api_key", "Incorrect API key"), ErrorCode.AUTH, False),
    (
        sc.http_error_flat(
            400, "Arrearage", "Access denied, please make sure your account is in good standing."
        ),
        ErrorCode.QUOTA,
        False,
    ),
    (
        sc.http_error_flat(403, "AccessDenied.Unpurchased", "Access denied."),
        ErrorCode.ACCESS_DENIED,
        False,
    ),
    (
        sc.http_error_openai(404, "model_not_found", "The model does not exist."),
        ErrorCode.MODEL_NOT_FOUND,
        False,
    ),
    (
        sc.http_error_flat(
            400, "InvalidParameter", "Exceeded limit on max bytes per data-uri item"
        ),
        ErrorCode.BAD_IMAGE,
        False,
    ),
    (
        sc.http_error_flat(400, "DataInspectionFailed", sc.DATA_INSPECTION_MESSAGE),
        ErrorCode.MODERATED,
        False,
    ),
    (
        sc.http_error_sse(429, "Throttling.RateQuota", "Requests rate limit exceeded"),
        ErrorCode.RATE_LIMITED,
        True,
    ),
    (
        sc.http_error_flat(500, "InternalError", sc.INTERNAL_ERROR_MESSAGE),
        ErrorCode.UNAVAILABLE,
        True,
    ),
    (
        sc.http_error_flat(503, "ModelServingError", "Model serving error"),
        ErrorCode.UNAVAILABLE,
        True,
    ),
    (
        sc.response_failed("InvalidParameter", sc.DOWNLOAD_FAILED_MESSAGE, after_hits=False),
        ErrorCode.BAD_IMAGE,
        False,
    ),
    (sc.rate_limited_in_stream(), ErrorCode.RATE_LIMITED, True),
    (sc.response_incomplete(), ErrorCode.INCOMPLETE, False),
    (sc.error_event("InternalError", sc.INTERNAL_ERROR_MESSAGE), ErrorCode.UNAVAILABLE, True),
    (sc.top_level_error(), ErrorCode.MODERATED, False),
    (
        sc.typeless_error("Throttling", "Requests throttling triggered."),
        ErrorCode.RATE_LIMITED,
        True,
    ),
    (sc.malformed_event_json(), ErrorCode.PROTOCOL, False),
    (sc.ends_early("hits"), ErrorCode.INTERRUPTED, True),
    (sc.cut_mid_stream("hits"), ErrorCode.INTERRUPTED, True),
]


@pytest.mark.parametrize(
    ("scenario", "code", "retryable"), FAILURES, ids=[f"{s.name}-{c.value}" for s, c, _ in FAILURES]
)
async def test_every_failure_shape_becomes_a_search_error(fake, scenario, code, retryable):
    fake.play(scenario)
    events, answer = await run(engine_for(fake))
    assert isinstance(events[-1], Failed)
    assert sum(isinstance(e, Failed | Completed) for e in events) == 1
    assert answer.status is Status.FAILED
    assert answer.error is not None
    assert answer.error.code is code
    assert answer.error.retryable is retryable
    assert "sk-test-key-123456" not in answer.error.detail


async def test_failure_after_hits_keeps_the_hits_and_text(fake):
    fake.play(sc.cut_mid_stream("text"))
    _, answer = await run(engine_for(fake))
    assert answer.error is not None and answer.error.code is ErrorCode.INTERRUPTED
    assert len(answer.hits) == 5
    assert answer.text and sc.DEFAULT_ANSWER_TEXT.startswith(answer.text)


async def test_malformed_results_keep_the_answer_streaming(fake):
    fake.play(sc.malformed_output())
    _, answer = await run(engine_for(fake))
    call = answer.calls[0]
    assert call.done and call.hits == ()
    assert call.error is not None and call.error.code is ErrorCode.PROTOCOL
    # the model's answer still arrived; the unreadable results are reported on their call
    assert answer.status is Status.COMPLETED and answer.text


async def test_a_stall_times_out_and_keeps_hits(fake):
    fake.play(sc.stall("hits", seconds=30))
    _, answer = await run(engine_for(fake, stall=0.5))
    assert answer.error is not None and answer.error.code is ErrorCode.TIMEOUT
    assert len(answer.hits) == 5


async def test_slow_first_byte_within_the_limit_is_fine(fake):
    fake.play(sc.slow_first_byte(0.3))
    _, answer = await run(engine_for(fake, stall=2.0))
    assert answer.status is Status.COMPLETED


async def test_503_storm_is_retried_before_the_stream_only(fake):
    fake.play(
        sc.http_error_flat(503, "ModelServingError", "busy"),
        sc.http_error_flat(503, "ModelServingError", "busy"),
        sc.image_search(),
    )
    _, answer = await run(engine_for(fake, retries=2))
    assert answer.status is Status.COMPLETED
    assert len(fake.requests) == 3


async def test_a_broken_stream_is_never_retried(fake):
    fake.play(sc.cut_mid_stream("hits"), sc.image_search())
    _, answer = await run(engine_for(fake, retries=2))
    assert answer.error is not None and answer.error.code is ErrorCode.INTERRUPTED
    assert len(fake.requests) == 1  # no silent second paid search


async def test_closing_early_closes_the_connection(fake):
    fake.play(sc.image_search(delay=0.2, text_chunks=50))
    engine = engine_for(fake)
    stream = engine.run(SearchRequest(DATA_URL))
    async for event in stream:
        if isinstance(event, TextDelta):
            break
    await stream.aclose()
    await engine.client.close()
    import asyncio

    await asyncio.wait_for(fake.disconnected.wait(), 5)
    assert fake.requests[0].disconnected


async def test_answer_to_dict_round_trips_through_json(fake):
    fake.play(sc.image_search(hits=2))
    _, answer = await run(engine_for(fake))
    data = json.loads(json.dumps(answer.to_dict(), ensure_ascii=False))
    assert data["status"] == "completed"
    assert len(data["calls"][0]["hits"]) == 2
    assert data["usage"]["tool_calls"] == {"image_search": 1}
