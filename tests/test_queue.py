import asyncio

import pytest

from bot.queue import SearchQueue


async def test_waiters_are_served_in_order_and_told_their_place():
    queue = SearchQueue(1)
    await queue.acquire(lambda _: None)
    places: dict[str, list[int]] = {"a": [], "b": []}
    order: list[str] = []

    async def wait(name):
        await queue.acquire(places[name].append)
        order.append(name)

    a = asyncio.create_task(wait("a"))
    await asyncio.sleep(0)
    b = asyncio.create_task(wait("b"))
    await asyncio.sleep(0)
    assert places == {"a": [0], "b": [1]}
    queue.release()
    await a
    assert places["b"] == [1, 0]
    queue.release()
    await b
    assert order == ["a", "b"]
    queue.release()
    assert queue.running == 0


async def test_a_cancelled_waiter_leaves_the_line_and_the_rest_move_up():
    queue = SearchQueue(1)
    await queue.acquire(lambda _: None)
    b_places: list[int] = []
    a = asyncio.create_task(queue.acquire(lambda _: None))
    await asyncio.sleep(0)
    b = asyncio.create_task(queue.acquire(b_places.append))
    await asyncio.sleep(0)
    a.cancel()
    with pytest.raises(asyncio.CancelledError):
        await a
    assert b_places == [1, 0]
    queue.release()
    await b
    assert queue.running == 1 and queue.waiting == 0


async def test_concurrency_never_exceeds_the_limit():
    queue = SearchQueue(3)
    busy = peak = 0

    async def job():
        nonlocal busy, peak
        await queue.acquire(lambda _: None)
        busy += 1
        peak = max(peak, busy)
        await asyncio.sleep(0.001)
        busy -= 1
        queue.release()

    await asyncio.gather(*(job() for _ in range(20)))
    assert peak == 3 and queue.running == 0
