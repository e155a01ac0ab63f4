"""The request: prompt per mode and language, image part, tool, follow-ups."""

import pytest

from bot.search.errors import ErrorCode, SearchError
from bot.search.request import MAX_QUESTION_CHARS, Mode, SearchRequest, build_params

DATA_URL = "data:image/png;base64,AAAA"


def test_request_shape():
    params = build_params(SearchRequest(DATA_URL), model="qwen3.5-plus", thinking=True)
    assert params["model"] == "qwen3.5-plus"
    assert params["tools"] == [{"type": "image_search"}]
    assert params["stream"] is True
    assert params["extra_body"] == {"enable_thinking": True}
    (message,) = params["input"]
    assert message["role"] == "user"
    kinds = [part["type"] for part in message["content"]]
    assert kinds == ["input_text", "input_image"]
    assert message["content"][1]["image_url"] == DATA_URL
    assert "previous_response_id" not in params


@pytest.mark.parametrize(
    ("mode", "word"),
    [(Mode.SOURCE, "first appeared"), (Mode.SIMILAR, "style"), (Mode.PRODUCT, "sold")],
)
def test_each_mode_asks_for_the_search_and_its_goal(mode, word):
    prompt = build_params(SearchRequest(DATA_URL, mode), model="m", thinking=False)["input"][0][
        "content"
    ][0]["text"]
    assert "image_search" in prompt and word in prompt
    assert "Answer in English." in prompt


def test_chinese_prompt_and_question():
    params = build_params(
        SearchRequest(DATA_URL, Mode.SOURCE, "这是谁画的？", "zh-CN"), model="m", thinking=True
    )
    prompt = params["input"][0]["content"][0]["text"]
    assert "请使用 image_search 工具" in prompt
    assert "这是谁画的？" in prompt
    assert "请用简体中文回答。" in prompt


def test_other_languages_are_named():
    params = build_params(SearchRequest(DATA_URL, language="ja"), model="m", thinking=True)
    assert "Answer in 日本語." in params["input"][0]["content"][0]["text"]


def test_question_is_cleaned_and_bounded():
    params = build_params(
        SearchRequest(DATA_URL, question="who\u200b made\x07 this?"), model="m", thinking=True
    )
    assert "who made this?" in params["input"][0]["content"][0]["text"]
    with pytest.raises(SearchError) as caught:
        build_params(
            SearchRequest(DATA_URL, question="x" * (MAX_QUESTION_CHARS + 1)),
            model="m",
            thinking=True,
        )
    assert caught.value.code is ErrorCode.QUESTION_TOO_LONG


def test_follow_up_sends_only_the_question():
    params = build_params(
        SearchRequest("", question="And the artist?", previous_response_id="resp_9"),
        model="m",
        thinking=True,
    )
    assert params["previous_response_id"] == "resp_9"
    assert params["input"][0]["content"] == [{"type": "input_text", "text": "And the artist?"}]
