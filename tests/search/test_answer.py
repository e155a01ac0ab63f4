"""The accumulator: events in, the Answer out; what arrived before a failure is kept."""

from bot.search.answer import Answer, Status
from bot.search.errors import ErrorCode, SearchError
from bot.search.events import (
    Completed,
    Failed,
    Hit,
    Hits,
    MessageStarted,
    ReasoningDelta,
    SearchCallStarted,
    Started,
    TextDelta,
    Usage,
)

HIT = Hit(1, "A cat", "https://example.com/cat.jpg", "example.com")


def fold(*events):
    answer = Answer()
    for event in events:
        answer.apply(event)
    return answer


def test_status_follows_the_stream():
    answer = Answer()
    assert answer.status is Status.PENDING
    answer.apply(Started("resp_1"))
    assert answer.status is Status.THINKING and answer.response_id == "resp_1"
    answer.apply(SearchCallStarted("msg_a", 0, (0, 0, 1000, 1000)))
    assert answer.status is Status.SEARCHING
    answer.apply(Hits("msg_a", (HIT,)))
    assert answer.status is Status.THINKING
    answer.apply(TextDelta("Hello"))
    assert answer.status is Status.ANSWERING
    answer.apply(Completed(Usage(total_tokens=5, tool_calls={"image_search": 1}), 2.5))
    assert answer.status is Status.COMPLETED and answer.elapsed == 2.5
    assert answer.usage is not None and answer.usage.image_searches == 1


def test_hits_are_grouped_per_call_and_reasoning_kept_apart():
    other = Hit(1, "Dog", "https://b.example/dog.png", "b.example")
    answer = fold(
        Started("r"),
        ReasoningDelta("thinking "),
        SearchCallStarted("msg_a", 0, None),
        Hits("msg_a", (HIT,)),
        SearchCallStarted("msg_b", 0, (10, 10, 500, 500)),
        Hits("msg_b", (other,)),
        MessageStarted("msg_m"),
        TextDelta("The answer"),
    )
    assert [c.hits for c in answer.calls] == [(HIT,), (other,)]
    assert answer.calls[1].bbox == (10, 10, 500, 500)
    assert answer.hits == [HIT, other]
    assert answer.reasoning == "thinking "
    assert answer.text == "The answer"


def test_the_answer_is_the_last_message():
    answer = fold(
        MessageStarted("m1"),
        TextDelta("Let me search."),
        MessageStarted("m2"),
        TextDelta("Found "),
        TextDelta("it."),
    )
    assert answer.messages == ["Let me search.", "Found it."]
    assert answer.text == "Found it."


def test_failure_keeps_hits_and_text():
    error = SearchError(ErrorCode.INTERRUPTED, "cut")
    answer = fold(
        Started("r"),
        SearchCallStarted("c", 0, None),
        Hits("c", (HIT,)),
        TextDelta("Part"),
        Failed(error, 3.0),
    )
    assert answer.status is Status.FAILED
    assert answer.error == error
    assert answer.hits == [HIT]
    assert answer.text == "Part"
    # Nothing after the end changes the status back.
    answer.apply(TextDelta("late"))
    assert answer.status is Status.FAILED


def test_final_text_from_the_completed_response_wins():
    answer = fold(TextDelta("Partial"), Completed(Usage(), 1.0, final_text="Partial and whole"))
    assert answer.text == "Partial and whole"


def test_to_dict_is_json_ready():
    import json

    answer = fold(Started("r"), SearchCallStarted("c", 0, None), Hits("c", (HIT,)))
    data = json.loads(json.dumps(answer.to_dict()))
    assert data["calls"][0]["hits"][0] == {
        "index": 1,
        "title": "A cat",
        "url": "https://example.com/cat.jpg",
        "host": "example.com",
    }
