"""Search records: start, reply location, finish, read back, history pages, restart recovery,
and the cache lookup."""

from datetime import timedelta, timezone

import pytest

from bot.search.answer import Answer
from bot.search.errors import ErrorCode, SearchError
from bot.search.events import (
    Completed,
    Failed,
    Hit,
    Hits,
    SearchCallStarted,
    Started,
    TextDelta,
    Usage,
)
from bot.store import SearchOutcome, SearchStatus, outcome_of

from .conftest import GUILD, OTHER_GUILD, T0, new_search

HITS = (
    Hit(1, "A cat", "https://example.com/cat.jpg", "example.com"),
    Hit(2, "猫", "https://例え.jp/neko.png", "例え.jp"),
)
DONE = SearchOutcome(
    status=SearchStatus.DONE,
    hits=HITS,
    answer="It is a cat.",
    input_tokens=1200,
    output_tokens=300,
    image_searches=1,
    estimated_cost=0.048,
    response_id="resp_1",
)


async def _status(store, search_id):
    record = await store.get_search(search_id)
    return None if record is None else record.status


async def test_a_search_is_recorded_from_start_to_finish(store):
    started = await store.start_search(
        new_search(7, search_id="abc", question="who drew it?", image_sha256="f" * 64), now=T0
    )
    assert started.status is SearchStatus.RUNNING
    assert started.started_at == T0 and started.finished_at is None
    assert started.hits == () and started.answer == "" and started.reply_message_id is None
    assert await store.get_search("abc") == started

    assert await store.set_message("abc", 600, 700) is True
    assert await store.set_message("nope", 600, 700) is False

    finished = await store.finish_search("abc", DONE, now=T0 + timedelta(seconds=42))
    assert finished is not None
    assert finished == await store.get_search("abc")
    assert finished.status is SearchStatus.DONE
    assert finished.finished_at == T0 + timedelta(seconds=42)
    assert (finished.reply_channel_id, finished.reply_message_id) == (600, 700)
    assert finished.hits == HITS
    assert finished.answer == "It is a cat."
    assert (finished.input_tokens, finished.output_tokens, finished.tokens) == (1200, 300, 1500)
    assert finished.image_searches == 1
    assert finished.estimated_cost == pytest.approx(0.048)
    assert finished.response_id == "resp_1"
    assert (finished.question, finished.image_sha256, finished.user_id) == (
        "who drew it?",
        "f" * 64,
        7,
    )


async def test_the_image_hash_can_be_added_after_the_reservation(store):
    await store.start_search(new_search(search_id="late"), now=T0)
    assert await store.set_image("late", "c" * 64) is True
    assert await store.set_image("nope", "c" * 64) is False
    await store.finish_search("late", DONE, now=T0)
    found = await store.find_cached("c" * 64, "source", "", "en-US", newer_than=T0)
    assert found is not None and found.search_id == "late"


async def test_unknown_ids(store):
    assert await store.get_search("missing") is None
    assert await store.finish_search("missing", DONE, now=T0) is None


async def test_times_come_back_in_utc_whatever_zone_went_in(store):
    tokyo = T0.astimezone(timezone(timedelta(hours=9)))
    record = await store.start_search(new_search(search_id="tz"), now=tokyo)
    stored = await store.get_search("tz")
    assert stored is not None
    assert stored.started_at == T0 and stored.started_at.utcoffset() == timedelta(0)
    assert record.started_at == stored.started_at


async def test_naive_datetimes_are_refused(store):
    with pytest.raises(Exception, match="time-zone-aware"):
        await store.start_search(new_search(), now=T0.replace(tzinfo=None))


async def test_direct_message_searches_have_no_guild(store):
    await store.start_search(new_search(5, guild_id=None, search_id="dm"), now=T0)
    page = await store.history(None)
    assert [r.search_id for r in page.records] == ["dm"] and page.total == 1
    assert (await store.history(GUILD)).total == 0


async def test_history_filters_and_pages_newest_first(store):
    for minute in range(12):
        user = 1 if minute % 3 else 2
        await store.start_search(
            new_search(user, search_id=f"g{minute:02d}"), now=T0 + timedelta(minutes=minute)
        )
    await store.start_search(new_search(1, OTHER_GUILD, search_id="elsewhere"), now=T0)

    first = await store.history(GUILD, limit=5)
    assert first.total == 12
    assert [r.search_id for r in first.records] == ["g11", "g10", "g09", "g08", "g07"]
    last = await store.history(GUILD, limit=5, offset=10)
    assert [r.search_id for r in last.records] == ["g01", "g00"]
    assert (await store.history(GUILD, limit=5, offset=15)).records == ()

    member = await store.history(GUILD, member_id=2)
    assert [r.search_id for r in member.records] == ["g09", "g06", "g03", "g00"]
    assert member.total == 4

    recent = await store.history(GUILD, member_id=1, since=T0 + timedelta(minutes=8), limit=2)
    assert [r.search_id for r in recent.records] == ["g11", "g10"]
    assert recent.total == 3  # g08, g10, g11


async def test_history_rejects_silly_pages(store):
    with pytest.raises(ValueError):
        await store.history(GUILD, limit=0)
    with pytest.raises(ValueError):
        await store.history(GUILD, offset=-1)


async def test_interrupt_running_marks_and_returns_only_running_searches(store):
    for name in ("r1", "r2", "finished"):
        await store.start_search(new_search(search_id=name), now=T0)
    await store.start_search(new_search(search_id="other-process", instance="shard-1"), now=T0)
    await store.set_message("r2", 600, 701)
    await store.finish_search("finished", DONE, now=T0)

    later = T0 + timedelta(minutes=5)
    interrupted = await store.interrupt_running(now=later)
    assert [r.search_id for r in interrupted] == ["r1", "r2"]
    assert all(r.status is SearchStatus.INTERRUPTED for r in interrupted)
    assert all(r.error_code == "interrupted" and r.finished_at == later for r in interrupted)
    assert interrupted[1].reply_message_id == 701  # so its message can be edited
    assert await _status(store, "finished") is SearchStatus.DONE
    assert await _status(store, "other-process") is SearchStatus.RUNNING
    assert await store.interrupt_running(now=later) == []
    assert [r.search_id for r in await store.interrupt_running(now=later, instance="shard-1")] == [
        "other-process"
    ]


async def test_find_cached_returns_the_latest_matching_completed_search(store):
    sha = "a" * 64

    async def finished(search_id, at, status=SearchStatus.DONE, **fields):
        await store.start_search(
            new_search(search_id=search_id, image_sha256=sha, **fields), now=at
        )
        await store.finish_search(search_id, SearchOutcome(status=status), now=at)

    await finished("old", T0)
    await finished("new", T0 + timedelta(hours=1))
    await finished("failed", T0 + timedelta(hours=2), SearchStatus.FAILED)
    await finished("other-mode", T0 + timedelta(hours=2), mode="product")
    await finished("other-question", T0 + timedelta(hours=2), question="price?")
    await finished("other-language", T0 + timedelta(hours=2), language="zh-CN")
    await store.start_search(new_search(search_id="running", image_sha256=sha), now=T0)

    found = await store.find_cached(sha, "source", "", "en-US", newer_than=T0)
    assert found is not None and found.search_id == "new"
    assert (
        await store.find_cached(sha, "source", "", "en-US", newer_than=T0 + timedelta(hours=3))
        is None
    )
    assert await store.find_cached("b" * 64, "source", "", "en-US", newer_than=T0) is None
    hit = await store.find_cached(sha, "source", "price?", "en-US", newer_than=T0)
    assert hit is not None and hit.search_id == "other-question"


def test_outcome_of_a_completed_answer():
    answer = Answer()
    for event in (
        Started("resp_9"),
        SearchCallStarted("c1", 0, None),
        Hits("c1", HITS),
        TextDelta("A cat."),
        Completed(Usage(10, 5, 15, tool_calls={"image_search": 2}), elapsed=3.0),
    ):
        answer.apply(event)
    outcome = outcome_of(answer, price_per_1000_searches=48)
    assert outcome == SearchOutcome(
        status=SearchStatus.DONE,
        hits=HITS,
        answer="A cat.",
        input_tokens=10,
        output_tokens=5,
        image_searches=2,
        estimated_cost=pytest.approx(0.096),
        response_id="resp_9",
    )


@pytest.mark.parametrize(
    ("code", "status"),
    [(ErrorCode.CANCELLED, SearchStatus.CANCELLED), (ErrorCode.TIMEOUT, SearchStatus.FAILED)],
)
def test_outcome_of_a_broken_answer_keeps_hits_and_counts_the_finished_call(code, status):
    answer = Answer()
    for event in (
        Started("resp_9"),
        SearchCallStarted("c1", 0, None),
        Hits("c1", HITS),
        Failed(SearchError(code), elapsed=3.0),
    ):
        answer.apply(event)
    outcome = outcome_of(answer, price_per_1000_searches=48)
    assert outcome.status is status
    assert outcome.error_code == code.value
    assert outcome.hits == HITS
    assert outcome.image_searches == 1
    assert outcome.estimated_cost == pytest.approx(0.048)
