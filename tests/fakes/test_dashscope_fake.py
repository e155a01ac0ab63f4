"""Tests of the fake DashScope server: wire format, failures, queue, recording, disconnects."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import openai
import pytest

from tests.fakes.dashscope import (
    API_PREFIX,
    DEFAULT_ANSWER_TEXT,
    DEFAULT_PREAMBLE_TEXT,
    HOSTILE_HITS,
    RATE_LIMIT_MESSAGE,
    SCENARIOS,
    Cut,
    Event,
    FakeDashScope,
    HttpError,
    Scenario,
    Sleep,
    cut_mid_stream,
    ends_early,
    error_event,
    http_error_flat,
    http_error_openai,
    http_error_sse,
    image_search,
    make_hits,
    malformed_event_json,
    malformed_output,
    rate_limited_in_stream,
    response_failed,
    response_incomplete,
    scenarios_from_names,
    slow_first_byte,
    split_text,
    stall,
    top_level_error,
    typeless_error,
)

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
MSG_ID = re.compile(rf"msg_{UUID}")
RESPONSE_ID = re.compile(rf"(resp_)?{UUID}")
REQUEST = {
    "model": "qwen3.5-plus",
    "input": [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Where does this image come from?"},
                {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="},
            ],
        }
    ],
    "tools": [{"type": "image_search"}],
    "stream": True,
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeDashScope]:
    async with FakeDashScope() as server:
        yield server


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def post(
    session: aiohttp.ClientSession, fake: FakeDashScope, body: Any = REQUEST
) -> tuple[int, dict[str, str], str]:
    async with session.post(f"{fake.base_url}/responses", json=body) as response:
        headers = {key.lower(): value for key, value in response.headers.items()}
        return response.status, headers, await response.text()


def frames(text: str) -> list[dict[str, Any]]:
    """Split a raw stream into events, checking the exact four-line framing of each."""
    assert text.endswith("\n\n")
    result = []
    for block in text[:-2].split("\n\n"):
        lines = block.split("\n")
        assert len(lines) == 4, lines
        id_line, event_line, status_line, data_line = lines
        assert re.fullmatch(r"id:\d+", id_line), id_line
        assert re.fullmatch(r"event:[^ ].*", event_line), event_line
        assert status_line == ":HTTP_STATUS/200"
        assert data_line.startswith("data:") and not data_line.startswith("data: ")
        data = data_line.removeprefix("data:")
        payload = json.loads(data)
        # Compact JSON: exactly what a separators=(",", ":") dump gives.
        assert data == json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        result.append(
            {"id": int(id_line[3:]), "event": event_line[6:], "data": data, "payload": payload}
        )
    return result


def payloads(scenario: Scenario) -> list[dict[str, Any]]:
    return [event.payload for event in scenario.events]


def types(scenario: Scenario) -> list[str]:
    return [str(p.get("type")) for p in payloads(scenario)]


# ------------------------------------------------------------------------------ wire format


async def test_normal_stream_raw_framing(
    fake: FakeDashScope, session: aiohttp.ClientSession
) -> None:
    status, headers, text = await post(session, fake)

    assert status == 200
    assert headers["content-type"] == "text/event-stream;charset=UTF-8"
    assert re.fullmatch(UUID, headers["x-request-id"])
    assert "[DONE]" not in text
    events = frames(text)
    assert all(e["event"] == e["payload"]["type"] for e in events)
    first = events[0]["payload"]
    assert first["type"] == "response.created"
    assert first["response"]["status"] == "queued"
    assert first["response"]["model"] == ""
    assert RESPONSE_ID.fullmatch(first["response"]["id"])
    assert events[1]["payload"]["type"] == "response.in_progress"
    assert events[-1]["payload"]["type"] == "response.completed"

    ids = [e["id"] for e in events]
    seqs = [e["payload"]["sequence_number"] for e in events]
    assert ids == sorted(set(ids))
    assert seqs == sorted(set(seqs))
    assert any(b - a > 1 for a, b in itertools.pairwise(seqs)), "no skipped seq"
    assert any(i != s + 1 for i, s in zip(ids, seqs, strict=True)), "id always seq+1"


async def test_normal_stream_items(fake: FakeDashScope, session: aiohttp.ClientSession) -> None:
    _, _, text = await post(session, fake)
    events = [e["payload"] for e in frames(text)]
    kinds = [e["type"] for e in events]

    items = [e["item"] for e in events if "item" in e]
    assert items and all(MSG_ID.fullmatch(item["id"]) for item in items)
    assert [i["type"] for i in items] == [
        "reasoning",
        "reasoning",
        "image_search_call",
        "image_search_call",
        "reasoning",
        "reasoning",
        "message",
        "message",
    ]

    # The search call: added, nothing in between, done at another output_index.
    added_at = next(
        i for i, e in enumerate(events) if e.get("item", {}).get("type") == "image_search_call"
    )
    added, done = events[added_at], events[added_at + 1]
    assert added["type"] == "response.output_item.added"
    assert done["type"] == "response.output_item.done"
    assert added["item"]["id"] == done["item"]["id"]
    assert added["output_index"] != done["output_index"]
    assert added["item"]["name"] == "image_search"
    assert added["item"]["status"] == "in_progress"
    assert added["item"]["arguments"] == '{"img_idx": 0, "bbox": [0, 0, 1000, 1000]}'
    assert "output" not in added["item"]
    assert done["item"]["status"] == "completed"
    assert isinstance(done["item"]["output"], str)
    hits = json.loads(done["item"]["output"])
    assert [h["index"] for h in hits] == [1, 2, 3, 4, 5]
    assert all(set(h) == {"title", "url", "index"} for h in hits)

    # The reasoning item starts with an empty summary.
    assert events[2]["item"] == {"type": "reasoning", "id": events[2]["item"]["id"], "summary": []}
    assert "response.reasoning_summary_text.delta" in kinds
    assert all(
        "summary_index" in e for e in events if e["type"].startswith("response.reasoning_summary")
    )

    # The answer.
    message_added = next(e for e in events if e.get("item", {}).get("type") == "message")
    assert message_added["item"]["content"] == []
    assert message_added["item"]["role"] == "assistant"
    deltas = [e for e in events if e["type"] == "response.output_text.delta"]
    assert len(deltas) > 10
    assert all({"item_id", "output_index", "content_index", "delta"} <= set(d) for d in deltas)
    assert "".join(d["delta"] for d in deltas) == DEFAULT_ANSWER_TEXT
    text_done = next(e for e in events if e["type"] == "response.output_text.done")
    assert text_done["text"] == DEFAULT_ANSWER_TEXT
    tail = kinds[kinds.index("response.output_text.done") :]
    assert tail == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert kinds[kinds.index("response.content_part.added") - 1] == "response.output_item.added"

    response = events[-1]["response"]
    assert response["status"] == "completed"
    assert [i["type"] for i in response["output"]] == [
        "reasoning",
        "image_search_call",
        "reasoning",
        "message",
    ]
    assert response["output"][-1]["content"][0]["text"] == DEFAULT_ANSWER_TEXT
    usage = response["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert set(usage["input_tokens_details"]) == {"cached_tokens"}
    assert usage["output_tokens_details"]["reasoning_tokens"] > 0
    assert isinstance(usage["x_details"], list)
    assert usage["x_tools"] == {"image_search": {"count": 1}}


@pytest.mark.parametrize(
    ("spelling", "prefix", "index_key"),
    [
        ("summary", "response.reasoning_summary_text", "summary_index"),
        ("text", "response.reasoning_text", "content_index"),
    ],
)
def test_reasoning_spellings(spelling: Any, prefix: str, index_key: str) -> None:
    scenario = image_search(reasoning_spelling=spelling)
    reasoning = [p for p in payloads(scenario) if p["type"].startswith("response.reasoning")]
    assert {p["type"] for p in reasoning} == {f"{prefix}.delta", f"{prefix}.done"}
    assert all(index_key in p for p in reasoning)


def test_thinking_off_has_no_reasoning() -> None:
    scenario = image_search(thinking=False)
    assert not any("reasoning" in t for t in types(scenario))
    completed = payloads(scenario)[-1]["response"]
    assert [i["type"] for i in completed["output"]] == ["image_search_call", "message"]
    assert completed["usage"]["output_tokens_details"]["reasoning_tokens"] == 0


def test_preamble_then_answer_is_last_message() -> None:
    scenario = image_search(preamble=DEFAULT_PREAMBLE_TEXT)
    output = payloads(scenario)[-1]["response"]["output"]
    messages = [i for i in output if i["type"] == "message"]
    assert [m["content"][0]["text"] for m in messages] == [
        DEFAULT_PREAMBLE_TEXT,
        DEFAULT_ANSWER_TEXT,
    ]
    kinds = [i["type"] for i in output]
    assert kinds.index("message") < kinds.index("image_search_call")


def test_several_calls_and_hits_per_call() -> None:
    scenario = image_search(calls=2, images=2)
    calls = [
        p["item"]
        for p in payloads(scenario)
        if p["type"] == "response.output_item.done" and p["item"]["type"] == "image_search_call"
    ]
    assert [json.loads(c["arguments"])["img_idx"] for c in calls] == [0, 1]
    assert payloads(scenario)[-1]["response"]["usage"]["x_tools"]["image_search"]["count"] == 2

    custom = [{"title": "T", "url": "https://a.example/x.jpg", "index": 1}]
    scenario = image_search(hits_per_call=[custom, 0, 3])
    outputs = [
        json.loads(p["item"]["output"])
        for p in payloads(scenario)
        if p["type"] == "response.output_item.done" and p["item"]["type"] == "image_search_call"
    ]
    assert [len(o) for o in outputs] == [1, 0, 3]
    assert outputs[0] == custom
    # Crops after the first call on the only image.
    args = [
        json.loads(p["item"]["arguments"])
        for p in payloads(scenario)
        if p["type"] == "response.output_item.added" and p["item"]["type"] == "image_search_call"
    ]
    assert args[0]["bbox"] == [0, 0, 1000, 1000]
    assert args[1]["bbox"] != [0, 0, 1000, 1000]


def test_no_hits_is_an_empty_json_list() -> None:
    scenario = SCENARIOS["no_hits"]()
    done = [p for p in payloads(scenario) if p.get("item", {}).get("type") == "image_search_call"]
    assert done[-1]["item"]["output"] == "[]"


def test_answer_content_sample_and_missing_output() -> None:
    scenario = image_search(answer_content_sample=True, omit_output_in_completed=True)
    events = payloads(scenario)
    added = next(p for p in events if p.get("item", {}).get("type") == "message")
    assert added["item"]["content"] == [{"type": "text", "text": ""}]
    deltas = [p for p in events if p["type"] == "response.output_text.delta"]
    assert deltas and all("item_id" not in d and "content_index" not in d for d in deltas)
    assert "output" not in events[-1]["response"]
    assert "usage" in events[-1]["response"]


def test_text_chunks_delay_and_search_delay() -> None:
    scenario = image_search(text="abcdefghij", text_chunks=3, delay=0.5, search_delay=2.0)
    deltas = [p["delta"] for p in payloads(scenario) if p["type"] == "response.output_text.delta"]
    assert deltas == ["abcd", "efg", "hij"]
    assert Sleep(2.0) in scenario.steps
    # One Sleep(delay) between consecutive deltas of each text.
    steps = list(scenario.steps)
    first = next(
        i
        for i, s in enumerate(steps)
        if isinstance(s, Event) and s.payload["type"] == "response.output_text.delta"
    )
    assert steps[first + 1] == Sleep(0.5)
    assert split_text("abc", 10) == ["a", "b", "c"]
    assert split_text("", None) == []


def test_builders_are_pure_and_response_id_styles() -> None:
    assert image_search() == image_search()
    bare = payloads(image_search(seed=0))[0]["response"]["id"]
    prefixed = payloads(image_search(seed=1))[0]["response"]["id"]
    assert re.fullmatch(UUID, bare)
    assert re.fullmatch(rf"resp_{UUID}", prefixed)


def test_make_hits_realistic_and_hostile() -> None:
    hits = make_hits(12)
    assert [h["index"] for h in hits] == list(range(1, 13))
    hosts = {h["url"].split("/")[2] for h in hits}
    assert len(hosts) >= 10
    assert all(h["url"].startswith("https://") for h in hits)
    assert len({h["url"] for h in make_hits(30)}) == 30

    hostile = make_hits(100, hostile=True)
    assert len(hostile) == 100
    assert [h["index"] for h in hostile] == list(range(1, 101))
    titles = "\n".join(h["title"] for h in hostile)
    for needle in ("@everyone", "<@123", "**bold**", "[masked](http://evil.example)", "`"):
        assert needle in titles
    assert "\u200b" in titles and "\x00" in titles and "\x1b" in titles
    assert "布莱德湖" in titles
    assert any(len(h["title"]) == 1000 for h in hostile)
    assert any(h["url"].startswith("javascript:") for h in hostile)
    assert len(make_hits(3, hostile=True)) == 3
    assert len(HOSTILE_HITS) <= 100


async def test_hostile_hits_survive_the_wire(
    fake: FakeDashScope, session: aiohttp.ClientSession
) -> None:
    fake.play(SCENARIOS["many_hits"]())
    _, _, text = await post(session, fake)
    done = next(
        e["payload"]
        for e in frames(text)
        if e["payload"].get("item", {}).get("type") == "image_search_call"
        and e["payload"]["type"] == "response.output_item.done"
    )
    assert json.loads(done["item"]["output"]) == make_hits(100, hostile=True)


# ------------------------------------------------------------------------------ failures


async def test_http_error_flat(fake: FakeDashScope, session: aiohttp.ClientSession) -> None:
    fake.play(http_error_flat())
    status, headers, text = await post(session, fake)
    assert status == 401
    assert headers["content-type"] == "application/json"
    body = json.loads(text)
    assert set(body) == {"request_id", "code", "message"}
    assert body["code"] == "InvalidApiKey"
    assert body["message"] == "Invalid API-key provided."
    assert headers["x-request-id"] == body["request_id"]


async def test_http_error_openai(fake: FakeDashScope, session: aiohttp.ClientSession) -> None:
    fake.play(http_error_openai(400, "invalid_parameter_error", "bad", type_="invalid_request"))
    status, _, text = await post(session, fake)
    assert status == 400
    body = json.loads(text)
    assert set(body) == {"error", "request_id"}
    assert body["error"] == {
        "message": "bad",
        "type": "invalid_request",
        "code": "invalid_parameter_error",
        "param": None,
    }


async def test_http_error_sse(fake: FakeDashScope, session: aiohttp.ClientSession) -> None:
    fake.play(http_error_sse())
    status, headers, text = await post(session, fake)
    assert status == 429
    assert headers["content-type"] == "text/event-stream;charset=UTF-8"
    lines = text.split("\n")
    assert lines[:2] == ["event:error", ":HTTP_STATUS/429"]
    assert lines[3:] == ["", ""]
    data = json.loads(lines[2].removeprefix("data:"))
    assert set(data) == {"request_id", "code", "message"}
    assert data["code"] == "Throttling.RateQuota"


def test_in_stream_failure_shapes() -> None:
    failed = payloads(response_failed("InvalidParameter", "cannot fetch", after_hits=True))[-1]
    assert failed["type"] == "response.failed"
    assert failed["response"]["status"] == "failed"
    assert failed["response"]["error"] == {"code": "InvalidParameter", "message": "cannot fetch"}
    assert failed["response"]["usage"]["x_tools"]["image_search"]["count"] == 1
    assert "image_search_call" not in json.dumps(payloads(response_failed(after_hits=False)))

    limited = payloads(rate_limited_in_stream())[-1]["response"]
    assert limited["error"] == {"code": "server_error", "message": RATE_LIMIT_MESSAGE}

    incomplete = payloads(response_incomplete())[-1]
    assert incomplete["type"] == "response.incomplete"
    assert incomplete["response"]["status"] == "incomplete"
    assert incomplete["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    partial = incomplete["response"]["output"][-1]["content"][0]["text"]
    assert partial and DEFAULT_ANSWER_TEXT.startswith(partial) and partial != DEFAULT_ANSWER_TEXT

    error = error_event("InternalError", "boom")
    assert error.events[-1].event_name == "error"
    last = error.events[-1].payload
    assert set(last) == {"type", "code", "message", "sequence_number"}
    assert last["type"] == "error"
    assert last["sequence_number"] > payloads(error)[-2]["sequence_number"]

    top = top_level_error()
    assert top.events[-1].event_name == "error"
    assert set(top.events[-1].payload) == {"error"}
    assert top.events[-1].payload["error"]["code"] == "data_inspection_failed"

    typeless = typeless_error("InternalError", "boom")
    assert typeless.events[-1].event_name == "error"
    assert set(typeless.events[-1].payload) == {"request_id", "code", "message"}


async def test_malformed_output_and_event(
    fake: FakeDashScope, session: aiohttp.ClientSession
) -> None:
    done = [
        p
        for p in payloads(malformed_output())
        if p["type"] == "response.output_item.done" and p["item"]["type"] == "image_search_call"
    ]
    with pytest.raises(ValueError):
        json.loads(done[0]["item"]["output"])

    fake.play(malformed_event_json())
    _, _, text = await post(session, fake)
    blocks = text[:-2].split("\n\n")
    bad = next(b for b in blocks if b.split("\n")[1] == "event:response.output_text.delta")
    assert bad.startswith("id:")
    with pytest.raises(ValueError):
        json.loads(bad.split("\n")[3].removeprefix("data:"))
    # The rest of the stream follows, well formed.
    assert '"type":"response.completed"' in blocks[-1]


@pytest.mark.parametrize("after", ["created", "hits", "text"])
async def test_ends_early_cleanly(
    fake: FakeDashScope, session: aiohttp.ClientSession, after: Any
) -> None:
    fake.play(ends_early(after))
    status, _, text = await post(session, fake)
    assert status == 200
    kinds = [e["payload"]["type"] for e in frames(text)]
    assert "response.completed" not in kinds
    assert (
        kinds[-1]
        == {
            "created": "response.created",
            "hits": "response.output_item.done",
            "text": "response.output_text.delta",
        }[after]
    )
    assert not fake.requests[0].disconnected


async def test_cut_is_abrupt_and_not_a_client_disconnect(
    fake: FakeDashScope, session: aiohttp.ClientSession
) -> None:
    fake.play(cut_mid_stream("hits"))
    received = b""
    async with session.post(f"{fake.base_url}/responses", json=REQUEST) as response:
        assert response.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            async for chunk in response.content.iter_any():
                received += chunk
    assert b'"image_search_call"' in received
    assert b"response.completed" not in received
    await asyncio.sleep(0.05)
    assert fake.requests[0].finished
    assert not fake.requests[0].disconnected
    assert not fake.disconnected.is_set()


async def test_openai_sdk_sees_cut_as_error(fake: FakeDashScope) -> None:
    fake.play(cut_mid_stream("text"))
    client = openai.AsyncOpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0)
    seen: list[str] = []
    create: Any = client.responses.create
    with pytest.raises(openai.APIConnectionError):
        stream = await create(
            model="qwen3.5-plus", input="x", tools=[{"type": "image_search"}], stream=True
        )
        async for event in stream:
            seen.append(event.type)
    assert "response.output_text.delta" in seen
    await client.close()


# ------------------------------------------------------------------------------ queue and records


async def test_queue_then_reuse_last(fake: FakeDashScope, session: aiohttp.ClientSession) -> None:
    fake.play(
        http_error_flat(503, "ModelServingError", "busy"),
        http_error_sse(),
        image_search(hits=2, name="two"),
    )
    statuses = [(await post(session, fake))[0] for _ in range(4)]
    assert statuses == [503, 429, 200, 200]
    assert [r.scenario for r in fake.requests] == [
        "http_503_ModelServingError",
        "http_429_Throttling.RateQuota_sse",
        "two",
        "two",
    ]


async def test_default_scenario_is_normal(
    fake: FakeDashScope, session: aiohttp.ClientSession
) -> None:
    _, _, text = await post(session, fake)
    assert fake.requests[0].scenario == "normal"
    assert frames(text)[-1]["payload"]["type"] == "response.completed"


async def test_requests_are_recorded(fake: FakeDashScope, session: aiohttp.ClientSession) -> None:
    headers = {"Authorization": "Bearer sk-test"}
    async with session.post(f"{fake.base_url}/responses", json=REQUEST, headers=headers) as r:
        await r.read()
    root = f"http://127.0.0.1:{fake.port}"
    async with session.post(f"{root}/compatible-mode/v1/responses", data=b"not json") as r:
        assert r.status == 200
        await r.read()
    async with session.get(f"{fake.base_url}/responses") as r:
        assert r.status == 404
    async with session.post(f"{fake.base_url}/chat/completions", json={}) as r:
        assert r.status == 404

    assert len(fake.requests) == 2
    first, second = fake.requests
    assert first.path == f"{API_PREFIX}/responses"
    assert first.method == "POST"
    assert first.headers["Authorization"] == "Bearer sk-test"
    assert first.json == REQUEST
    assert first.finished and not first.disconnected
    assert second.path == "/compatible-mode/v1/responses"
    assert second.json is None and second.body == b"not json"


async def test_time_scale_shrinks_sleeps(session: aiohttp.ClientSession) -> None:
    scenario = Scenario([Sleep(30.0), *image_search(hits=1).steps], name="sleepy")
    async with FakeDashScope(scenario, time_scale=0.001) as fake:
        status, _, _ = await asyncio.wait_for(post(session, fake), timeout=2)
    assert status == 200


def test_scenario_validation() -> None:
    with pytest.raises(ValueError):
        Scenario([*image_search().steps[:1], HttpError(500, "{}")])
    with pytest.raises(ValueError):
        Scenario([Cut(), Sleep(1)])
    with pytest.raises(ValueError):
        Event({"no": "type"})
    Scenario([Sleep(1), HttpError(500, "{}")])


def test_scenarios_from_names() -> None:
    queue = scenarios_from_names("http_503_unavailable, normal", delay=0.1)
    assert [s.name for s in queue] == ["http_503_unavailable", "normal"]
    assert Sleep(0.1) in queue[1].steps
    with pytest.raises(ValueError):
        scenarios_from_names("nope")


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_every_registered_scenario_plays(name: str, session: aiohttp.ClientSession) -> None:
    scenario = SCENARIOS[name]()
    assert isinstance(scenario, Scenario)
    assert scenario.name == name
    async with FakeDashScope(scenario, time_scale=0.0) as fake:
        async with session.post(f"{fake.base_url}/responses", json=REQUEST) as response:
            try:
                body = await response.text()
            except aiohttp.ClientPayloadError:
                assert isinstance(scenario.steps[-1], Cut)
                return
        if isinstance(scenario.steps[-1], HttpError):
            assert response.status == scenario.steps[-1].status
        else:
            assert response.status == 200
            assert body.startswith("id:1\nevent:response.created\n")
            assert "[DONE]" not in body
    assert fake.requests[0].finished and not fake.requests[0].disconnected


# ------------------------------------------------------------------------------ disconnects


@pytest.mark.parametrize("handler_cancellation", [True, False])
async def test_disconnect_during_long_sleep_is_detected(
    session: aiohttp.ClientSession, handler_cancellation: bool
) -> None:
    async with FakeDashScope(
        stall(after="hits", seconds=3600), handler_cancellation=handler_cancellation
    ) as fake:
        response = await session.post(f"{fake.base_url}/responses", json=REQUEST)
        received = b""
        while b'"status":"completed"' not in received:
            received += await asyncio.wait_for(response.content.readany(), timeout=2)
        assert not fake.disconnected.is_set()
        response.close()  # drops the connection, as a cancelled search does

        await asyncio.wait_for(fake.disconnected.wait(), timeout=2)
        assert fake.requests[0].disconnected
        for _ in range(100):
            if fake.requests[0].finished:
                break
            await asyncio.sleep(0.01)
        assert fake.requests[0].finished


async def test_disconnect_before_first_byte_is_detected(session: aiohttp.ClientSession) -> None:
    async with FakeDashScope(slow_first_byte(3600)) as fake:
        with pytest.raises(asyncio.TimeoutError):
            timeout = aiohttp.ClientTimeout(total=0.1)
            await session.post(f"{fake.base_url}/responses", json=REQUEST, timeout=timeout)
        await asyncio.wait_for(fake.disconnected.wait(), timeout=2)
        assert fake.requests[0].disconnected


async def test_openai_close_mid_stream_is_a_disconnect() -> None:
    async with FakeDashScope(stall(after="hits", seconds=3600)) as fake:
        client = openai.AsyncOpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0)
        create: Any = client.responses.create
        stream = await create(
            model="qwen3.5-plus", input="x", tools=[{"type": "image_search"}], stream=True
        )
        async for event in stream:
            if event.type == "response.output_item.done" and event.item.type == "image_search_call":
                break
        assert not fake.disconnected.is_set()
        await stream.close()
        await asyncio.wait_for(fake.disconnected.wait(), timeout=2)
        assert fake.requests[0].disconnected
        await client.close()


async def test_stop_with_a_stalled_client_is_quick(session: aiohttp.ClientSession) -> None:
    fake = FakeDashScope(stall(after="created", seconds=3600))
    await fake.start()
    response = await session.post(f"{fake.base_url}/responses", json=REQUEST)
    await asyncio.wait_for(response.content.readany(), timeout=2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await fake.stop()
    assert loop.time() - started < 1.5
    assert not fake.requests[0].disconnected  # stopping the server is not the client leaving
    response.close()


# ------------------------------------------------------------------------------ the real SDK


async def sdk_events(fake: FakeDashScope) -> list[Any]:
    """Stream one search through the real openai SDK, as the bot does."""
    client = openai.AsyncOpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0)
    try:
        create: Any = client.responses.create
        stream = await create(
            model="qwen3.5-plus",
            input=REQUEST["input"],
            tools=[{"type": "image_search"}],
            stream=True,
        )
        return [event async for event in stream]
    finally:
        await client.close()


async def test_openai_sdk_smoke(fake: FakeDashScope) -> None:
    events = await sdk_events(fake)

    assert events[0].type == "response.created"
    assert events[0].response.status == "queued"
    assert events[-1].type == "response.completed"
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == DEFAULT_ANSWER_TEXT
    search = next(
        e.item
        for e in events
        if e.type == "response.output_item.done" and e.item.type == "image_search_call"
    )
    # Parsed into another class of the union: the fields are only reachable as extras.
    output = getattr(search, "output", None) or (search.model_extra or {}).get("output")
    assert isinstance(output, str)
    assert [hit["index"] for hit in json.loads(output)] == [1, 2, 3, 4, 5]
    assert json.loads(search.arguments)["bbox"] == [0, 0, 1000, 1000]
    assert search.name == "image_search" and search.status == "completed"
    assert events[-1].response.usage.x_tools == {"image_search": {"count": 1}}
    assert fake.requests[0].headers["Authorization"] == "Bearer sk-test"
    assert fake.requests[0].json["tools"] == [{"type": "image_search"}]
    assert fake.requests[0].json["stream"] is True


async def test_openai_sdk_sees_the_documented_failure_shapes(fake: FakeDashScope) -> None:
    """The reference's "How the official SDK sees this" holds against the fake."""
    fake.play(response_failed(), error_event(), typeless_error(), top_level_error())
    assert (await sdk_events(fake))[-1].type == "response.failed"
    last = (await sdk_events(fake))[-1]
    assert (last.type, last.code) == ("error", "InternalError")
    last = (await sdk_events(fake))[-1]
    assert last.type is None
    assert (last.model_extra or {}).get("code") == "InternalError"
    with pytest.raises(openai.APIError) as raised:
        await sdk_events(fake)
    assert getattr(raised.value, "status_code", None) is None
    assert raised.value.code == "data_inspection_failed"


async def test_openai_sdk_maps_http_errors(fake: FakeDashScope) -> None:
    fake.play(http_error_flat(), http_error_openai())
    client = openai.AsyncOpenAI(base_url=fake.base_url, api_key="sk-test", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as auth:
        await client.responses.create(model="m", input="x", stream=True)
    assert auth.value.code == "InvalidApiKey"
    with pytest.raises(openai.NotFoundError) as missing:
        await client.responses.create(model="m", input="x", stream=True)
    assert missing.value.code == "model_not_found"
    await client.close()


# ------------------------------------------------------------------------------ command line


def test_cli_serves_and_stops_on_ctrl_c() -> None:
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.dashscope", "--port", "0", "--scenario", "normal"],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+\S+)", first)
        assert match and match.group(1).endswith(API_PREFIX)
        names = process.stdout.readline() + process.stdout.readline()
        assert "normal" in names and "cut_after_hits" in names
        request = urllib.request.Request(
            f"{match.group(1)}/responses", data=json.dumps(REQUEST).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert b"response.completed" in response.read()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
