"""The relay: coalesced, throttled writes; a final write with everything; fair channel budget."""

import asyncio
import time

import discord
import pytest

from bot.present.render import MessagePayload, RenderOptions, render_search
from bot.relay import MessageGone, Relay, WriteBudget
from bot.search.errors import ErrorCode, SearchError
from bot.search.events import Completed, Started, TextDelta, Usage

INTERVAL = 0.05


class RecordingSink:
    """Stands in for a Discord message; records (time, index, description) of each write."""

    def __init__(self, bucket="channel:1", fail=None):
        self.writes = []
        self._bucket = bucket
        self.fail = fail

    @property
    def bucket(self):
        return self._bucket, 5, 5.0

    @property
    def first_message(self):
        return (1, 100) if any(index == 0 for _, index, _ in self.writes) else None

    async def write(self, index: int, payload: MessagePayload) -> None:
        if self.fail:
            raise self.fail
        self.writes.append((time.monotonic(), index, payload.embeds[-1].description))


def relay_for(sink, budget=None, interval=INTERVAL):
    options = RenderOptions(search_id="s")
    return Relay(
        sink,
        lambda answer: render_search(answer, 0, options),
        budget or WriteBudget(),
        interval=interval,
    )


async def deltas(words, pause=0.0, end=True):
    yield Started("r")
    for word in words:
        await asyncio.sleep(pause)
        yield TextDelta(word)
    if end:
        yield Completed(Usage(), 1.0)


async def test_deltas_are_coalesced_and_the_final_write_has_everything():
    sink = RecordingSink()
    words = [f"w{i} " for i in range(200)]
    answer = await relay_for(sink).run(deltas(words, pause=0.001))
    assert answer.text == "".join(words)
    assert len(sink.writes) < 40  # 200 deltas, far fewer writes
    assert sink.writes[-1][2].startswith("".join(words).rstrip())
    gaps = [b[0] - a[0] for a, b in zip(sink.writes, sink.writes[1:], strict=False)]
    assert all(gap >= INTERVAL * 0.95 for gap in gaps)


async def test_no_unchanged_writes():
    sink = RecordingSink()
    await relay_for(sink).run(deltas(["same"] * 1))
    descriptions = [w[2] for w in sink.writes]
    assert len(descriptions) == len(set(descriptions))


async def test_stop_keeps_what_arrived_and_closes_the_stream():
    sink = RecordingSink()
    relay = relay_for(sink)
    closed = asyncio.Event()

    async def endless():
        try:
            yield Started("r")
            yield TextDelta("kept text")
            await asyncio.sleep(3600)
        finally:
            closed.set()

    task = asyncio.create_task(relay.run(endless()))
    await asyncio.sleep(0.2)
    relay.stop(SearchError(ErrorCode.CANCELLED, "by test"))
    answer = await task
    assert closed.is_set()
    assert answer.error is not None and answer.error.code is ErrorCode.CANCELLED
    assert "kept text" in sink.writes[-1][2]
    assert "cancelled" in sink.writes[-1][2].lower()


async def test_deleted_message_stops_the_search():
    sink = RecordingSink(fail=MessageGone("10008"))
    answer = await relay_for(sink).run(deltas(["a"] * 50, pause=0.01, end=False))
    assert answer.error is not None and answer.error.code is ErrorCode.CANCELLED


async def test_write_errors_do_not_end_the_search():
    class Flaky(RecordingSink):
        calls = 0

        async def write(self, index, payload):
            self.calls += 1
            if self.calls == 1:
                raise discord.DiscordServerError(
                    type("R", (), {"status": 500, "reason": "x"})(), "boom"
                )
            await super().write(index, payload)

    sink = Flaky()
    answer = await relay_for(sink).run(deltas(["x", "y"], pause=0.01))
    assert answer.text == "xy"
    assert sink.writes and "xy" in sink.writes[-1][2]


async def test_budget_serves_waiters_in_order_within_the_window():
    budget = WriteBudget()
    requests, grants = [], []

    async def writer(name):
        for i in range(4):
            requests.append((name, i))
            await budget.acquire("channel:9", 2, 0.2)
            grants.append((time.monotonic(), name, i))
            await asyncio.sleep(0)

    await asyncio.gather(writer("a"), writer("b"))
    stamps = [t for t, _, _ in grants]
    # never more than 2 writes in any 0.2 s window
    for i in range(len(stamps) - 2):
        assert stamps[i + 2] - stamps[i] >= 0.2 * 0.95
    # first come, first served: nobody overtakes a writer that asked earlier
    assert [(n, i) for _, n, i in grants] == requests
    # and both writers got turns before either finished
    names = [n for _, n, _ in grants]
    assert names.index("b") < len(names) - names[::-1].index("a") - 1


@pytest.mark.parametrize("pause", [0.0])
async def test_three_relays_in_one_channel_share_the_budget(pause):
    budget = WriteBudget()
    sinks = [RecordingSink("channel:7") for _ in range(3)]
    relays = [relay_for(s, budget, interval=0.01) for s in sinks]
    await asyncio.gather(*(r.run(deltas([f"{i}"] * 30, pause=0.005)) for i, r in enumerate(relays)))
    every = sorted(t for s in sinks for t, _, _ in s.writes)
    for i in range(len(every) - 5):
        assert every[i + 5] - every[i] >= 5.0 * 0.95
    for sink in sinks:
        assert "Answer" not in sink.writes[-1][2]  # final text written for each
