"""Drives one search's `Answer` into Discord messages: throttled, coalesced, never stuck.

Three pieces:
- `WriteBudget`: at most N writes per window per rate-limit bucket (a channel, or an
  interaction's webhook), shared by every search writing there, first come first served, so the
  bot never provokes a 429 by itself and no search starves another.
- sinks (`InteractionSink`, `ChannelSink`): where message number i of a search is created or
  edited; the interaction sink moves to an ordinary channel message before its token expires.
- `Relay`: folds events into the `Answer`, and a single writer task re-renders and writes only
  what changed, at most once per interval per message, always ending with a final write.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

import discord

from bot.present.render import MessagePayload
from bot.search.answer import Answer
from bot.search.errors import ErrorCode, SearchError
from bot.search.events import Event, Failed

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
INTERACTION_TOKEN_SECONDS = 15 * 60
MAX_WRITE_ATTEMPTS = 3


class WriteBudget:
    """At most `limit` writes in any `window` seconds per bucket; waiters are served in order."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._stamps: dict[str, collections.deque[float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, bucket: str, limit: int, window: float) -> None:
        lock = self._locks.setdefault(bucket, asyncio.Lock())  # asyncio.Lock is FIFO-fair
        async with lock:
            stamps = self._stamps.setdefault(bucket, collections.deque())
            while True:
                now = self.clock()
                while stamps and now - stamps[0] >= window:
                    stamps.popleft()
                if len(stamps) < limit:
                    stamps.append(now)
                    return
                await asyncio.sleep(stamps[0] + window - now)

    def forget(self, bucket: str) -> None:
        """Drop an idle bucket (a finished interaction) so the table does not grow forever."""
        lock = self._locks.get(bucket)
        if lock is None or not lock.locked():
            self._locks.pop(bucket, None)
            self._stamps.pop(bucket, None)


class StaticView(discord.ui.View):
    """Buttons whose clicks are handled by custom_id in a listener, so discord.py need not keep
    a view per message in memory (and the buttons keep working after a restart)."""

    def is_dispatchable(self) -> bool:
        return False


def view_of(payload: MessagePayload) -> discord.ui.View:
    view = StaticView(timeout=None)
    for spec in payload.buttons:
        view.add_item(
            discord.ui.Button(
                label=spec.label,
                custom_id=spec.custom_id,
                style=spec.style,
                disabled=spec.disabled,
                emoji=spec.emoji,
            )
        )
    return view


class MessageGone(Exception):
    """The message a sink writes to was deleted, or may no longer be written."""


class Sink(Protocol):
    @property
    def bucket(self) -> tuple[str, int, float]:
        """(bucket key, writes allowed, per seconds)"""
        ...

    async def write(self, index: int, payload: MessagePayload) -> None: ...

    @property
    def first_message(self) -> tuple[int, int] | None:
        """(channel id, message id) of message 0 once written, if others can see it."""
        ...


class ChannelSink:
    """Messages sent with the bot token in a channel, the first one replying to `reference`."""

    def __init__(
        self, channel: discord.abc.Messageable, channel_id: int, reference: discord.Message | None
    ) -> None:
        self.channel = channel
        self.channel_id = channel_id
        self.reference = reference
        self.messages: dict[int, discord.Message] = {}

    @property
    def bucket(self) -> tuple[str, int, float]:
        return f"channel:{self.channel_id}", 5, 5.0

    @property
    def first_message(self) -> tuple[int, int] | None:
        first = self.messages.get(0)
        return None if first is None else (self.channel_id, first.id)

    async def write(self, index: int, payload: MessagePayload) -> None:
        message = self.messages.get(index)
        try:
            if message is not None:
                self.messages[index] = await message.edit(
                    embeds=payload.embeds, view=view_of(payload), allowed_mentions=NO_MENTIONS
                )
                return
            previous = self.messages.get(index - 1) if index else self.reference
            reference = previous.to_reference(fail_if_not_exists=False) if previous else None
            self.messages[index] = await self.channel.send(
                embeds=payload.embeds,
                view=view_of(payload),
                reference=reference,  # type: ignore[arg-type]
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
            )
        except discord.NotFound as exc:
            raise MessageGone(str(exc.code)) from exc


class InteractionSink:
    """The interaction's own reply (and follow-ups) through its 15-minute webhook token.

    Before the token expires, writing moves to `fallback` (a channel message, for public
    replies); private replies have nowhere to move, so their searches must end in time.
    """

    def __init__(
        self,
        interaction: discord.Interaction[Any],
        *,
        ephemeral: bool,
        fallback: Callable[[], ChannelSink] | None,
        moved_notice: Callable[[str], MessagePayload] | None = None,
        clock: Callable[[], float] = time.monotonic,
        lifetime: float = INTERACTION_TOKEN_SECONDS,
        margin: float = 60.0,
    ) -> None:
        self.interaction = interaction
        self.ephemeral = ephemeral
        self.clock = clock
        self.expires_at = clock() + lifetime - margin
        self._fallback = fallback
        self._moved_notice = moved_notice
        self._moved: ChannelSink | None = None
        self._followups: dict[int, discord.WebhookMessage] = {}
        self._written: dict[int, MessagePayload] = {}  # what each token message shows
        self._original_id: int | None = None

    @property
    def bucket(self) -> tuple[str, int, float]:
        if self._moved is not None:
            return self._moved.bucket
        return f"webhook:{self.interaction.id}", 5, 2.0

    @property
    def first_message(self) -> tuple[int, int] | None:
        if self._moved is not None:
            return self._moved.first_message
        if self.ephemeral or self._original_id is None or self.interaction.channel_id is None:
            return None
        return self.interaction.channel_id, self._original_id

    @property
    def deadline(self) -> float:
        """When writing through the token must stop (the search should be over by then)."""
        return self.expires_at

    async def write(self, index: int, payload: MessagePayload) -> None:
        if self._moved is not None:
            return await self._moved.write(index, payload)
        if self.clock() >= self.expires_at:
            if self._fallback is None:
                raise MessageGone("interaction token expired")
            return await self._hand_over(index, payload)
        try:
            await self._write(index, payload)
        except discord.NotFound as exc:
            raise MessageGone(str(exc.code)) from exc
        self._written[index] = payload

    async def _hand_over(self, index: int, payload: MessagePayload) -> None:
        """Repost the search in the channel, then (while the token still works) turn the
        token's messages into a pointer to it, so nothing is left looking alive."""
        assert self._fallback is not None
        log.info(
            "interaction %s: token about to expire, moving to the channel", self.interaction.id
        )
        moved = self._fallback()
        for earlier in sorted(i for i in self._written if i < index):
            await moved.write(earlier, self._written[earlier])
        await moved.write(index, payload)
        self._moved = moved
        first = moved.messages.get(0)
        if self._moved_notice is None or first is None:
            return
        notice = self._moved_notice(first.jump_url)
        for written in sorted(self._written):
            try:
                await self._write(written, notice)
            except discord.HTTPException as exc:  # the channel copy is complete anyway
                log.info("could not point message %d to its move (%s)", written, exc.status)

    async def _write(self, index: int, payload: MessagePayload) -> None:
        response = self.interaction.response
        if index == 0 and not response.is_done():
            callback = await response.send_message(
                embeds=payload.embeds,
                view=view_of(payload),
                ephemeral=self.ephemeral,
                allowed_mentions=NO_MENTIONS,
            )
            self._original_id = callback.message_id
        elif index == 0:
            message = await self.interaction.edit_original_response(
                embeds=payload.embeds, view=view_of(payload), allowed_mentions=NO_MENTIONS
            )
            self._original_id = message.id
        elif index in self._followups:
            await self._followups[index].edit(
                embeds=payload.embeds, view=view_of(payload), allowed_mentions=NO_MENTIONS
            )
        else:
            self._followups[index] = await self.interaction.followup.send(
                embeds=payload.embeds,
                view=view_of(payload),
                ephemeral=self.ephemeral,
                allowed_mentions=NO_MENTIONS,
                wait=True,
            )


class Relay:
    """One search shown in Discord while it streams. `render` turns the Answer into messages."""

    def __init__(
        self,
        sink: Sink,
        render: Callable[[Answer], list[MessagePayload]],
        budget: WriteBudget,
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        on_shown: Callable[[tuple[int, int]], None] | None = None,
    ) -> None:
        self.sink = sink
        self.on_shown = on_shown  # told (channel id, message id) of the first message
        self._reported: tuple[int, int] | None = None
        self.render = render
        self.budget = budget
        self.interval = interval
        self.clock = clock
        self.answer = Answer()
        self.gone = False  # our message was deleted: nothing more to show
        self._started = clock()
        self._sent: dict[int, Any] = {}
        self._last_write: dict[int, float] = {}
        self._failures: dict[int, int] = {}
        self._dirty = asyncio.Event()
        self._finished = False
        self._stop_error: SearchError | None = None
        self._consumer: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Show the first state (the status) at once, before any slow work."""
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_loop())
            self._dirty.set()

    def refresh(self) -> None:
        """Something outside the stream changed what is shown (a page button): re-render."""
        self._dirty.set()

    def shown(self, index: int, payload: MessagePayload) -> None:
        """Message `index` was updated outside the relay (a button's own response)."""
        self._sent[index] = payload.signature()
        self._last_write[index] = self.clock()

    def stop(self, error: SearchError) -> None:
        """End the search now (Cancel, shutdown, message deleted); what arrived is kept."""
        if self._stop_error is None:
            self._stop_error = error
        if self._consumer is not None and not self._consumer.done():
            self._consumer.cancel()

    @property
    def stop_error(self) -> SearchError | None:
        return self._stop_error

    @property
    def running(self) -> bool:
        """The event stream is being consumed (so `stop` ends it)."""
        return self._consumer is not None and not self._consumer.done()

    async def run(self, events: AsyncIterator[Event]) -> Answer:
        """Consume the events to the end (or until `stop`), then write the final state."""
        self.start()
        if self._stop_error is None:
            self._consumer = asyncio.create_task(self._consume(events))
            try:
                await self._consumer
            except asyncio.CancelledError:
                if self._stop_error is None or not self._consumer.cancelled():
                    if self._writer is not None:
                        self._writer.cancel()
                    raise
        if self._stop_error is not None and not self.answer.status.finished:
            self.answer.apply(Failed(self._stop_error, self.clock() - self._started))
        await self.finish()
        return self.answer

    async def fail(self, error: SearchError) -> Answer:
        """The search ended before any stream (bad image, quota, ...): show why."""
        self.answer.apply(Failed(error, self.clock() - self._started))
        await self.finish()
        return self.answer

    async def finish(self) -> None:
        self.start()
        self._finished = True
        self._dirty.set()
        assert self._writer is not None
        await asyncio.shield(self._writer)

    async def _consume(self, events: AsyncIterator[Event]) -> None:
        async for event in events:
            self.answer.apply(event)
            self._dirty.set()

    async def _write_loop(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            finished = self._finished
            wait = await self._flush()
            if wait is not None:
                await asyncio.sleep(wait)
                self._dirty.set()
            elif finished or self.gone:
                return

    async def _flush(self) -> float | None:
        """Write every message whose content changed and whose interval has passed.

        Returns how long to wait before messages that changed too soon can be written."""
        wait: float | None = None
        index = 0
        while not self.gone:
            payloads = self.render(self.answer)
            if index >= len(payloads):
                break
            signature = payloads[index].signature()
            if self._sent.get(index) != signature:
                ready_in = self._last_write.get(index, -1e9) + self.interval - self.clock()
                if ready_in > 0:
                    wait = ready_in if wait is None else min(wait, ready_in)
                else:
                    await self._write(index)
            index += 1
        return wait

    async def _write(self, index: int) -> None:
        key, limit, window = self.sink.bucket
        await self.budget.acquire(key, limit, window)
        payloads = self.render(self.answer)  # the newest state, after waiting for the budget
        if index >= len(payloads):
            return
        payload = payloads[index]
        self._last_write[index] = self.clock()
        try:
            await self.sink.write(index, payload)
        except MessageGone as exc:
            log.info("search message %d is gone (%s): stopping", index, exc)
            self.gone = True
            self.stop(SearchError(ErrorCode.CANCELLED, "the bot's message was deleted"))
            return
        except Exception as exc:  # one failed write must not end the search
            failures = self._failures[index] = self._failures.get(index, 0) + 1
            status = exc.status if isinstance(exc, discord.HTTPException) else type(exc).__name__
            log.warning(
                "writing search message %d failed (%s), attempt %d", index, status, failures
            )
            if failures >= MAX_WRITE_ATTEMPTS:  # give up on this state; a later change retries
                self._sent[index] = payload.signature()
            return
        self._failures.pop(index, None)
        self._sent[index] = payload.signature()
        if index == 0 and self.on_shown is not None:
            where = self.sink.first_message
            if where is not None and where != self._reported:
                self._reported = where
                self.on_shown(where)
