"""Input faults not covered elsewhere: a very long question, and titles full of control and
zero-width characters arriving from DashScope and reaching what a person sees."""

import unicodedata

import openai
import pytest

from bot.present.render import RenderOptions, pages_of, render_search
from bot.search.answer import Answer
from bot.search.errors import ErrorCode
from bot.search.request import SearchRequest
from bot.search.stream import SearchEngine
from tests.fakes import dashscope_scenarios as sc
from tests.fakes.dashscope import FakeDashScope

DATA_URL = "data:image/png;base64,iVBORw0KGgo="
HIDDEN = {"Cc", "Cf", "Zl", "Zp"}  # control, zero-width / bidi, line and paragraph separators


@pytest.fixture
async def fake():
    async with FakeDashScope() as server:
        yield server


async def search(fake, request):
    client = openai.AsyncOpenAI(api_key="sk-test-key-123456", base_url=fake.base_url)
    engine = SearchEngine(client, model="qwen3.5-plus", stall_seconds=5, timeout_seconds=30)
    answer = Answer()
    async for event in engine.run(request):
        answer.apply(event)
    await client.close()
    return answer


async def test_a_ten_thousand_character_question_is_refused_before_any_paid_call(fake):
    answer = await search(fake, SearchRequest(DATA_URL, question="why? " * 2000))
    assert answer.error is not None and answer.error.code is ErrorCode.QUESTION_TOO_LONG
    assert not answer.error.retryable
    assert fake.requests == []  # nothing reached DashScope, nothing was billed


async def test_control_and_zero_width_characters_in_titles_never_reach_the_embeds(fake):
    hits = sc.make_hits(len(sc.HOSTILE_HITS), hostile=True)
    fake.play(sc.image_search(hits=hits))
    answer = await search(fake, SearchRequest(DATA_URL))
    # The data is kept as it came (history and exports hold the real titles)...
    assert [h.title for h in answer.hits] == [h["title"] for h in hits]
    # ...but no page of results shows a hidden or control character.
    options = RenderOptions(search_id="s1", show_pictures=True)
    shown = []
    pages = pages_of(answer, options.hits_per_page)
    assert len(pages) > 1  # every page is looked at, not only the first
    for page in range(len(pages)):
        for payload in render_search(answer, page, options):
            for embed in payload.embeds:
                data = embed.to_dict()
                shown.append(data.get("title", ""))
                shown.append(data.get("description", ""))
                shown.extend(f["name"] + f["value"] for f in data.get("fields", []))
    text = "".join(shown)
    assert "Bell" in text and "Zero" in text  # the hostile titles are there, cleaned
    allowed = {"\n", "\u200b"}  # line breaks of the layout; the mention-breaking space
    bad = {ch for ch in text if unicodedata.category(ch) in HIDDEN and ch not in allowed}
    assert bad == set(), sorted(f"U+{ord(ch):04X}" for ch in bad)
