"""Rendering: what a person sees, and that every message fits Discord's limits."""

import pytest

from bot.present.render import (
    FIRST_CHUNK,
    Action,
    RenderOptions,
    custom_id,
    parse_custom_id,
    render_search,
)
from bot.present.text import inert, safe_link, split_text
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

OPTIONS = RenderOptions(search_id="abc123", show_pictures=True)


def embed_chars(embed: dict) -> int:
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", ""))
    total += len(embed.get("author", {}).get("name", ""))
    for f in embed.get("fields", []):
        total += len(f["name"]) + len(f["value"])
    return total


def assert_fits(payloads):
    for payload in payloads:
        embeds = [e.to_dict() for e in payload.embeds]
        assert len(embeds) <= 10
        assert sum(embed_chars(e) for e in embeds) <= 6000
        for e in embeds:
            assert len(e.get("description", "")) <= 4096
            assert len(e.get("title", "")) <= 256
        assert len(payload.buttons) <= 5
        assert all(1 <= len(b.custom_id) <= 100 for b in payload.buttons)


def hits(n, title="Title", url="https://example.com/{i}.jpg"):
    return tuple(Hit(i, f"{title} {i}", url.format(i=i), "example.com") for i in range(1, n + 1))


def answer_with(*events):
    answer = Answer()
    for e in events:
        answer.apply(e)
    return answer


def test_status_first_then_results_and_answer():
    answer = answer_with(Started("r"))
    (first,) = render_search(answer, 0, OPTIONS)
    assert len(first.embeds) == 1
    assert "Looking at the image" in first.embeds[0].description
    assert [b.label for b in first.buttons] == ["Cancel"]

    answer.apply(SearchCallStarted("c", 0, None))
    answer.apply(Hits("c", hits(12)))
    answer.apply(TextDelta("It is a **cat**."))
    (first,) = render_search(answer, 0, OPTIONS)
    results, reply = first.embeds
    assert results.title == "🔎 Found 12 matching images"
    assert "[Title 1](https://example.com/1.jpg) · example.com" in results.description
    assert "Title 6" not in results.description  # 5 per page
    assert results.image.url == "https://example.com/1.jpg"
    assert reply.description.startswith("It is a **cat**.")
    labels = [b.label for b in first.buttons]
    assert labels == ["Previous", "1/3", "Next", "All hits (CSV)", "Cancel"]
    assert_fits([first])


def test_pages_step_through_every_call():
    answer = answer_with(
        Started("r"),
        SearchCallStarted("a", 0, None),
        Hits("a", hits(7)),
        SearchCallStarted("b", 0, (0, 0, 500, 500)),
        Hits("b", hits(2, title="Other")),
    )
    (page3,) = render_search(answer, 2, OPTIONS)
    results = page3.embeds[0]
    assert results.title.startswith("🔎 Search 2 of 2")
    assert "Other 1" in results.description
    assert "searched region 0,0–500,500" in results.footer.text
    nxt = next(b for b in page3.buttons if b.label == "Next")
    assert nxt.disabled
    prev = next(b for b in page3.buttons if b.label == "Previous")
    assert parse_custom_id(prev.custom_id) == (Action.PAGE, "abc123", ["1"])


def test_hostile_titles_are_inert():
    evil = Hit(
        1,
        "@everyone **bold** [x](http://evil.example) <@123>\u200b\u202e",
        "javascript:alert(1)",
        "",
    )
    answer = answer_with(Started("r"), SearchCallStarted("c", 0, None), Hits("c", (evil,)))
    results = render_search(answer, 0, OPTIONS)[0].embeds[0]
    line = results.description
    assert "@\u200beveryone" in line  # escaped mention
    assert "\\*\\*bold\\*\\*" in line
    assert "\\[x\\]" in line
    assert "javascript:" not in line
    assert "\u202e" not in line
    assert results.image.url is None  # never a picture from a non-http url


def test_pictures_hidden_unless_allowed():
    answer = answer_with(Started("r"), SearchCallStarted("c", 0, None), Hits("c", hits(1)))
    options = RenderOptions(search_id="x", show_pictures=False)
    assert render_search(answer, 0, options)[0].embeds[0].image.url is None


def test_long_answer_continues_in_new_messages_and_everything_fits():
    long_text = ("A sentence of the answer. " * 40 + "\n\n") * 30  # ~31,000 characters
    answer = answer_with(
        Started("r"),
        SearchCallStarted("c", 0, None),
        Hits("c", hits(100, title="T" * 300, url="https://example.com/" + "p" * 250 + "/{i}.jpg")),
        TextDelta(long_text),
        Completed(Usage(100, 50, 150, tool_calls={"image_search": 1}), 12.0),
    )
    payloads = render_search(answer, 0, OPTIONS)
    assert len(payloads) > 5
    assert_fits(payloads)
    shown = "".join(p.embeds[-1].description for p in payloads)
    assert shown.replace("\n", "").replace(" ", "") == long_text.replace("\n", "").replace(" ", "")
    footer = payloads[-1].embeds[-1].footer.text
    assert "150 tokens" in footer and "1 image search " in footer and "¥0.048" in footer
    assert all(not p.buttons for p in payloads[1:])


def test_failure_keeps_hits_and_text_and_says_why():
    answer = answer_with(
        Started("r"),
        SearchCallStarted("c", 0, None),
        Hits("c", hits(3)),
        TextDelta("Partial answer"),
        Failed(SearchError(ErrorCode.INTERRUPTED, "cut"), 5.0),
    )
    (first,) = render_search(answer, 0, OPTIONS)
    results, reply = first.embeds
    assert "Title 3" in results.description
    assert reply.title == "⚠️ Answer cut off"
    assert "Partial answer" in reply.description
    assert "broke before the answer was complete" in reply.description
    assert "Cancel" not in [b.label for b in first.buttons]


def test_chinese_rendering():
    answer = answer_with(Started("r"), SearchCallStarted("c", 0, None), Hits("c", hits(2)))
    options = RenderOptions(search_id="x", lang="zh-CN")
    (first,) = render_search(answer, 0, options)
    assert first.embeds[0].title == "🔎 找到 2 张匹配的图片"
    assert [b.label for b in first.buttons] == ["全部结果（CSV）", "取消"]


def test_split_text_is_stable_as_text_grows():
    text = "word " * 2000
    before = split_text(text[:7000], FIRST_CHUNK, 3900)
    after = split_text(text, FIRST_CHUNK, 3900)
    assert after[0] == before[0]
    assert all(len(c) <= 3900 for c in after)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/a(1).jpg", True),
        ("javascript:alert(1)", False),
        ("ftp://example.com/a.jpg", False),
        ("https:///nohost", False),
    ],
)
def test_safe_link(url, ok):
    link = safe_link(url)
    assert (link is not None) is ok
    if link:
        assert ")" not in link and "(" not in link


def test_inert_trims_and_escapes():
    assert inert("x" * 500, 90).endswith("…")
    assert len(inert("x" * 500, 90)) == 90
    assert custom_id(Action.EXPORT, "s1") == "isearch:export:s1"
