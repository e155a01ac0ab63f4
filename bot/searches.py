"""Runs searches for Discord and remembers them: quota -> queue -> image -> engine -> relay.

Entry points (cogs) describe a search as a `SearchJob` and give a sink; everything after that is
here, the same for every entry point:
- the quota is reserved in the store first (a refusal costs nothing and shows nothing public),
- the search waits for a free slot under the process-wide limit, showing its place in line,
- its outcome is recorded in the store, so its buttons (pages, export, follow-up, report) keep
  working after a restart.
Live searches can be cancelled by id (the Cancel button, also while queued) and are all
finished with a clear state when the bot shuts down.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar

import aiohttp

from bot.images import FetchLimits, load_image
from bot.present.messages import text
from bot.present.render import MessagePayload, RenderOptions, render_search
from bot.queue import SearchQueue
from bot.relay import InteractionSink, Relay, Sink, WriteBudget
from bot.search.answer import Answer
from bot.search.errors import ErrorCode, SearchError
from bot.search.events import (
    Completed,
    Failed,
    Hits,
    SearchCallStarted,
    Started,
    TextDelta,
    Usage,
)
from bot.search.request import Mode, SearchRequest
from bot.search.stream import SearchEngine
from bot.store import (
    UNLIMITED,
    NewSearch,
    QuotaLimits,
    Refused,
    SearchRecord,
    SearchStatus,
    Store,
    outcome_of,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

KEEP_FINISHED = 500


@dataclass(frozen=True, slots=True)
class SearchJob:
    image_url: str  # "" for a follow-up, which continues `previous_response_id`
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
    hits_per_page: int = 5
    source_message_url: str | None = None
    previous_response_id: str | None = None
    quota: QuotaLimits = UNLIMITED
    exempt: bool = False  # a moderator the server exempts from quotas


@dataclass(slots=True)
class LiveSearch:
    """A search the bot can still show: running, or finished (kept for its buttons)."""

    search_id: str
    job: SearchJob
    options: RenderOptions
    relay: Relay | None  # None: restored from the store, nothing streams any more
    restored: Answer | None = None
    page: int = 0
    queued_ahead: int | None = None  # waiting for a slot: how many are ahead
    task: asyncio.Task[Answer] | None = None
    record: SearchRecord | None = None  # as the store last saw it

    @property
    def answer(self) -> Answer:
        if self.relay is not None:
            return self.relay.answer
        assert self.restored is not None
        return self.restored

    def render(self) -> list[MessagePayload]:
        options = self.options
        if self.queued_ahead is not None:
            queued = text("status.queued", options.lang, ahead=self.queued_ahead)
            options = replace(options, note="\n".join(filter(None, [queued, options.note])))
        return render_search(self.answer, self.page, options)


@dataclass(frozen=True, slots=True)
class SearchLimits:
    edit_interval: float = 1.0
    price_per_1000: float = 48.0
    max_concurrent: int = 4


class Searches:
    def __init__(
        self,
        engine: SearchEngine,
        image_limits: FetchLimits,
        image_session: aiohttp.ClientSession,
        store: Store,
        *,
        limits: SearchLimits = SearchLimits(),
        budget: WriteBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        instance: str = "",
    ) -> None:
        self.engine = engine
        self.image_limits = image_limits
        self.image_session = image_session
        self.store = store
        self.limits = limits
        self.budget = budget or WriteBudget(clock)
        self.queue = SearchQueue(limits.max_concurrent)
        self.clock = clock
        self.now = now
        self.instance = instance
        self.live: dict[str, LiveSearch] = {}
        self.finished: collections.OrderedDict[str, LiveSearch] = collections.OrderedDict()
        self._writes: set[asyncio.Task[bool | None]] = set()

    def get(self, search_id: str) -> LiveSearch | None:
        return self.live.get(search_id) or self.finished.get(search_id)

    async def find(self, search_id: str) -> LiveSearch | None:
        """A live or recent search, else a finished one rebuilt from the store (buttons of
        messages older than this process)."""
        found = self.get(search_id)
        if found is not None:
            return found
        record = await self.store.get_search(search_id)
        if record is None or record.status is SearchStatus.RUNNING:
            return None
        job = SearchJob(
            image_url="",
            requester_id=record.user_id,
            channel_id=record.channel_id,
            guild_id=record.guild_id,
            mode=next((m for m in Mode if m.value == record.mode), Mode.SOURCE),
            question=record.question,
            locale=record.language or "en-US",
            private=record.private,
            entry_point=record.entry_point,
        )
        live = LiveSearch(
            search_id, job, self._options(search_id, job), None, answer_of(record), record=record
        )
        self._keep(live)
        return live

    async def start(self, job: SearchJob, sink: Sink) -> LiveSearch | Refused:
        """Reserve the quota, show the status at once and run the search in the background.

        Refused: nothing was shown or spent; the entry point tells the person when to retry."""
        search_id = secrets.token_hex(6)
        new = NewSearch(
            search_id=search_id,
            guild_id=job.guild_id,
            channel_id=job.channel_id,
            user_id=job.requester_id,
            entry_point=job.entry_point,
            mode=job.mode.value,
            question=job.question,
            language=job.locale,
            source_message_url=job.source_message_url,
            private=job.private,
            instance=self.instance,
        )
        error: SearchError | None = None
        record: SearchRecord | None = None
        try:
            reservation = await self.store.reserve(
                new, job.quota, now=self.now(), exempt=job.exempt
            )
        except Exception:  # quotas cannot be checked: do not spend money blindly
            log.exception("the store could not reserve search %s", search_id)
            error = SearchError(ErrorCode.STORAGE, "the database did not answer", retryable=True)
        else:
            if isinstance(reservation, Refused):
                return reservation
            record = reservation.record
        relay = Relay(
            sink,
            lambda _answer: live.render(),
            self.budget,
            interval=self.limits.edit_interval,
            clock=self.clock,
            on_shown=lambda where: self._remember_message(search_id, where),
        )
        live = LiveSearch(search_id, job, self._options(search_id, job), relay, record=record)
        self.live[search_id] = live
        relay.start()
        live.task = asyncio.create_task(self._run(live, sink, error), name=f"search-{search_id}")
        return live

    def _options(self, search_id: str, job: SearchJob) -> RenderOptions:
        return RenderOptions(
            search_id=search_id,
            lang=job.locale,
            hits_per_page=job.hits_per_page,
            show_pictures=job.show_pictures,
            price_per_1000=self.limits.price_per_1000,
            note=job.note,
            follow_up=True,
        )

    async def _run(self, live: LiveSearch, sink: Sink, error: SearchError | None) -> Answer:
        relay = live.relay
        assert relay is not None
        try:
            if error is not None:
                return await relay.fail(error)
            try:
                request = await self._prepare(live)
                await self.queue.acquire(lambda ahead: self._queued(live, ahead))
            except SearchError as failure:
                return await relay.fail(failure)
            except asyncio.CancelledError:
                if relay.stop_error is None:
                    raise
                asyncio.current_task().uncancel()  # type: ignore[union-attr]
                return await relay.fail(relay.stop_error)
            try:
                self._queued(live, None)
                time_limit = None
                if isinstance(sink, InteractionSink) and sink.ephemeral:
                    # A private reply cannot move elsewhere: end before its token expires.
                    time_limit = sink.deadline - self.clock() - 5
                return await relay.run(self.engine.run(request, time_limit=time_limit))
            finally:
                self.queue.release()
        finally:
            await self._record(live)
            self._retire(live)

    async def _prepare(self, live: LiveSearch) -> SearchRequest:
        job = live.job
        if job.previous_response_id:  # a follow-up: DashScope keeps the image
            return SearchRequest("", job.mode, job.question, job.locale, job.previous_response_id)
        if not job.image_url.lower().startswith(("http://", "https://")):
            # Text from Discord is never a local path or another scheme.
            raise SearchError(ErrorCode.BAD_LINK, "not an http(s) link")
        image = await load_image(job.image_url, self.image_limits, self.image_session)
        await self._store_quietly(self.store.set_image(live.search_id, image.sha256))
        return SearchRequest(image.data_url, job.mode, job.question, job.locale)

    def _queued(self, live: LiveSearch, ahead: int | None) -> None:
        live.queued_ahead = ahead
        if live.relay is not None:
            live.relay.refresh()

    async def _record(self, live: LiveSearch) -> None:
        if live.record is None:  # never reserved (the store was down)
            return
        outcome = outcome_of(live.answer, self.limits.price_per_1000)
        saved = await self._store_quietly(
            self.store.finish_search(live.search_id, outcome, now=self.now())
        )
        if saved is not None:
            live.record = saved

    def _remember_message(self, search_id: str, where: tuple[int, int]) -> None:
        channel_id, message_id = where
        task = asyncio.create_task(
            self._store_quietly(self.store.set_message(search_id, channel_id, message_id))
        )
        self._writes.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._writes.discard)

    async def _store_quietly(self, write: Awaitable[T]) -> T | None:
        """History is worth keeping, not worth failing a search over."""
        try:
            return await write
        except Exception:
            log.exception("could not write the search history")
            return None

    def cancel(self, search_id: str, error: SearchError | None = None) -> bool:
        live = self.live.get(search_id)
        if live is None or live.relay is None:
            return False
        live.relay.stop(error or SearchError(ErrorCode.CANCELLED, "cancelled by a person"))
        preparing = not live.relay.running and not live.answer.status.finished
        if live.task is not None and preparing:
            live.task.cancel()  # still preparing the image or queued: stop that too
        return True

    async def shutdown(self) -> None:
        """Finish every live search with a clear 'interrupted' state before the bot exits."""
        error = SearchError(ErrorCode.BOT_STOPPED, "the bot is shutting down", retryable=True)
        tasks = [live.task for live in self.live.values() if live.task is not None]
        for search_id in list(self.live):
            self.cancel(search_id, error)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _retire(self, live: LiveSearch) -> None:
        self.live.pop(live.search_id, None)
        self._keep(live)
        if live.relay is not None:
            key, _, _ = live.relay.sink.bucket
            self.budget.forget(key)

    def _keep(self, live: LiveSearch) -> None:
        self.finished[live.search_id] = live
        self.finished.move_to_end(live.search_id)
        while len(self.finished) > KEEP_FINISHED:
            self.finished.popitem(last=False)


async def mark_interrupted(
    store: Store, instance: str, now: datetime, show: Callable[[SearchRecord], Awaitable[None]]
) -> int:
    """At start: searches this process left running (a crash, a kill) are marked interrupted
    in the history, and `show` puts that state on their messages. Returns how many."""
    records = await store.interrupt_running(now=now, instance=instance)
    for record in records:
        if record.reply_channel_id is None or record.reply_message_id is None:
            continue  # private, or never shown
        try:
            await show(record)
        except Exception as exc:  # one message that cannot be edited must not stop the start
            log.info("could not mark search %s interrupted on Discord: %s", record.search_id, exc)
    return len(records)


def answer_of(record: SearchRecord) -> Answer:
    """The `Answer` a stored search ended with, rebuilt from its record (pure)."""
    answer = Answer()
    answer.apply(Started(record.response_id or ""))
    if record.hits:
        answer.apply(SearchCallStarted("stored", None, None))
        answer.apply(Hits("stored", record.hits))
    if record.answer:
        answer.apply(TextDelta(record.answer))
    if record.status is SearchStatus.DONE:
        answer.apply(Completed(_usage_of(record), 0.0))
    else:
        code = ErrorCode(record.error_code) if record.error_code else ErrorCode.INTERRUPTED
        answer.apply(Failed(SearchError(code, ""), 0.0))
        answer.usage = _usage_of(record)
    return answer


def _usage_of(record: SearchRecord) -> Usage:
    return Usage(
        input_tokens=record.input_tokens,
        output_tokens=record.output_tokens,
        total_tokens=record.tokens,
        tool_calls={"image_search": record.image_searches},
    )
