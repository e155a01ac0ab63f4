"""A fair, visible limit on searches running at once in this process.

Waiters are served first come, first served, and each is told how many are ahead of it whenever
that changes, so the person sees "queued — 2 ahead" count down. A waiter that is cancelled (the
Cancel button) leaves the line without taking a place.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Waiter:
    ready: asyncio.Future[None]
    moved: Callable[[int], None]  # told how many are ahead


class SearchQueue:
    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the concurrency limit must be at least 1")
        self.limit = limit
        self.running = 0
        self._line: collections.deque[_Waiter] = collections.deque()

    @property
    def waiting(self) -> int:
        return len(self._line)

    async def acquire(self, moved: Callable[[int], None]) -> None:
        """Wait for a slot; `moved(ahead)` is called while waiting, as the line moves."""
        if self.running < self.limit and not self._line:
            self.running += 1
            return
        waiter = _Waiter(asyncio.get_running_loop().create_future(), moved)
        self._line.append(waiter)
        moved(len(self._line) - 1)
        try:
            await waiter.ready
        except asyncio.CancelledError:
            if waiter.ready.done() and not waiter.ready.cancelled():
                self.release()  # the slot was handed over just as we were cancelled
            elif waiter in self._line:
                self._line.remove(waiter)
                self._tell_positions()
            raise

    def release(self) -> None:
        """Give the slot to the first waiter, or free it."""
        while self._line:
            waiter = self._line.popleft()
            if not waiter.ready.done():
                waiter.ready.set_result(None)  # the slot passes on: `running` is unchanged
                self._tell_positions()
                return
        self.running -= 1

    def _tell_positions(self) -> None:
        for ahead, waiter in enumerate(self._line):
            waiter.moved(ahead)
