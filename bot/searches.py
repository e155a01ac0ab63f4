"""Runs searches for Discord and remembers them: image -> engine -> relay, plus the live table.

Entry points (cogs) describe a search as a `SearchJob` and give a sink; everything after that is
here, the same for every entry point. Live searches can be cancelled by id (the Cancel button)
and are all finished with a clear state when the bot shuts down; finished ones are kept for a
while so their page and export buttons keep working.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from bot.images import FetchLimits, load_image
from bot.present.render import MessagePayload, RenderOptions, render_search
from bot.relay import InteractionSink, Relay, Sink, WriteBudget
from bot.search.answer import Answer
from bot.search.errors import ErrorCode, SearchError
from bot.search.request import Mode, SearchRequest
from bot.search.stream import SearchEngine

log = logging.getLogger(__name__)

KEEP_FINISHED = 500


@dataclass(frozen=True, slots=True)
class SearchJob:
    image_url: str
    requester_id: int
    channel_id: int
    guild_id: int | None = None
    mode: Mode = Mode.SOURCE
    question: str = ""
    locale: str = "en-US"
    private: bool = False
    show_pictures: bool = False
    entry_point: str = "slash"
    note: str = ""


@dataclass(slots=True)
class LiveSearch:
    search_id: str
    job: SearchJob
    relay: Relay
    options: RenderOptions
    page: int = 0
    task: asyncio.Task[Answer] | None = None

    @property
    def answer(self) -> Answer:
        return self.relay.answer

    def render(self) -> list[MessagePayload]:
        return render_search(self.answer, self.page, self.options)


@dataclass(frozen=True, slots=True)
class SearchLimits:
    edit_interval: float = 1.0
    hits_per_page: int = 5
    price_per_1000: float = 48.0


class Searches:
    def __init__(
        self,
        engine: SearchEngine,
        image_limits: FetchLimits,
        image_session: aiohttp.ClientSession,
        *,
        limits: SearchLimits = SearchLimits(),
        budget: WriteBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.image_limits = image_limits
        self.image_session = image_session
        self.limits = limits
        self.budget = budget or WriteBudget(clock)
        self.clock = clock
        self.live: dict[str, LiveSearch] = {}
        self.finished: collections.OrderedDict[str, LiveSearch] = collections.OrderedDict()

    def get(self, search_id: str) -> LiveSearch | None:
        return self.live.get(search_id) or self.finished.get(search_id)

    def start(self, job: SearchJob, sink: Sink) -> LiveSearch:
        """Show the status at once and run the search in the background."""
        search_id = secrets.token_hex(6)
        options = RenderOptions(
            search_id=search_id,
            lang=job.locale,
            hits_per_page=self.limits.hits_per_page,
            show_pictures=job.show_pictures,
            price_per_1000=self.limits.price_per_1000,
            note=job.note,
        )
        relay = Relay(
            sink,
            lambda _answer: live.render(),
            self.budget,
            interval=self.limits.edit_interval,
            clock=self.clock,
        )
        live = LiveSearch(search_id, job, relay, options)
        self.live[search_id] = live
        live.relay.start()
        live.task = asyncio.create_task(self._run(live, sink), name=f"search-{search_id}")
        return live

    async def _run(self, live: LiveSearch, sink: Sink) -> Answer:
        job, relay = live.job, live.relay
        try:
            try:
                if not job.image_url.lower().startswith(("http://", "https://")):
                    # Text from Discord is never a local path or another scheme.
                    raise SearchError(ErrorCode.BAD_LINK, "not an http(s) link")
                image = await load_image(job.image_url, self.image_limits, self.image_session)
                request = SearchRequest(image.data_url, job.mode, job.question, job.locale)
            except SearchError as error:
                return await relay.fail(error)
            except asyncio.CancelledError:
                if relay.stop_error is None:
                    raise
                asyncio.current_task().uncancel()  # type: ignore[union-attr]
                return await relay.fail(relay.stop_error)
            time_limit = None
            if isinstance(sink, InteractionSink) and sink.ephemeral:
                # A private reply cannot move elsewhere: end before its token expires.
                time_limit = sink.deadline - self.clock() - 5
            return await relay.run(self.engine.run(request, time_limit=time_limit))
        finally:
            self._retire(live)

    def cancel(self, search_id: str, error: SearchError | None = None) -> bool:
        live = self.live.get(search_id)
        if live is None:
            return False
        live.relay.stop(error or SearchError(ErrorCode.CANCELLED, "cancelled by a person"))
        if live.task is not None and not live.relay.running:
            live.task.cancel()  # still preparing the image: stop that too
        return True

    async def shutdown(self) -> None:
        """Finish every live search with a clear 'interrupted' state before the bot exits."""
        error = SearchError(ErrorCode.INTERRUPTED, "the bot is shutting down", retryable=True)
        tasks = [live.task for live in self.live.values() if live.task is not None]
        for search_id in list(self.live):
            self.cancel(search_id, error)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _retire(self, live: LiveSearch) -> None:
        self.live.pop(live.search_id, None)
        self.finished[live.search_id] = live
        while len(self.finished) > KEEP_FINISHED:
            self.finished.popitem(last=False)
        key, _, _ = live.relay.sink.bucket
        self.budget.forget(key)
