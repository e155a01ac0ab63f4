"""End to end: the real bot (discord.py) against the fake Discord and the fake DashScope."""

import asyncio
import urllib.parse

from tests.cogs.stack import (
    assert_no_mentions_anywhere,
    button_ids,
    final_title,
    png_bytes,
    running_stack,
)
from tests.fakes import dashscope_scenarios as sc


async def test_slash_search_streams_results_and_the_full_answer(stack):
    discord, dashscope, _bot, guild, channel, user = stack
    hits = sc.make_hits(7, hostile=True)
    dashscope.play(sc.image_search(hits=hits, delay=0.01, text_chunks=30))
    attachment = discord.add_attachment("cat.png", png_bytes(), "image/png", channel_id=channel)
    interaction = discord.inject_slash(
        "search", {"image": attachment}, guild_id=guild, channel_id=channel, user_id=user
    )
    await interaction.wait_responded(within=3.0)
    await discord.wait_until(final_title(discord, interaction, "✅ Answer"), within=20)
    message = discord.original_message(interaction)
    results, reply = message["embeds"]
    assert results["title"] == "🔎 Found 7 matching images"
    shown_titles = [h["title"] for h in hits[:5]]
    assert any("@everyone" in t for t in shown_titles)  # the fake's hostile titles are on page 1
    assert "@everyone" not in results["description"]
    assert "@\u200beveryone" in results["description"]
    assert reply["description"] == sc.DEFAULT_ANSWER_TEXT
    # the image was sent as a data URL
    assert (
        dashscope.requests[0]
        .json["input"][0]["content"][1]["image_url"]
        .startswith("data:image/png;base64,")
    )
    assert_no_mentions_anywhere(discord)
    assert discord.responses_429 == 0


async def test_failure_half_way_keeps_hits_and_says_why(stack):
    discord, dashscope, _bot, guild, channel, user = stack
    dashscope.play(sc.cut_mid_stream("text"))
    attachment = discord.add_attachment("cat.png", png_bytes(), "image/png", channel_id=channel)
    interaction = discord.inject_slash(
        "search", {"image": attachment}, guild_id=guild, channel_id=channel, user_id=user
    )
    await discord.wait_until(final_title(discord, interaction, "⚠️ Answer cut off"), within=20)
    results, reply = discord.original_message(interaction)["embeds"]
    assert results["title"] == "🔎 Found 5 matching images"
    assert "broke before the answer was complete" in reply["description"]
    assert len(dashscope.requests) == 1


async def test_no_image_and_no_link_gets_a_clear_answer_and_no_api_call(stack):
    discord, dashscope, _bot, guild, channel, user = stack
    interaction = discord.inject_slash(
        "search", {}, guild_id=guild, channel_id=channel, user_id=user
    )
    await interaction.wait_responded(within=3.0)
    assert interaction.ephemeral
    assert "Attach an image" in (interaction.response_data or {}).get("content", "")
    assert dashscope.requests == []


async def test_cancel_stops_the_stream_and_says_so(stack):
    discord, dashscope, _bot, guild, channel, user = stack
    dashscope.play(sc.stall("hits", seconds=60))
    attachment = discord.add_attachment("cat.png", png_bytes(), "image/png", channel_id=channel)
    interaction = discord.inject_slash(
        "search", {"image": attachment}, guild_id=guild, channel_id=channel, user_id=user
    )

    def has_hits():
        message = discord.original_message(interaction)
        return bool(message) and len(message.get("embeds") or []) == 2

    await discord.wait_until(has_hits, within=20)
    message = discord.original_message(interaction)
    cancel = next(
        c["custom_id"]
        for row in message["components"]
        for c in row["components"]
        if c.get("custom_id", "").startswith("isearch:cancel:")
    )
    discord.inject_component(int(message["id"]), cancel, user_id=user)
    await asyncio.wait_for(dashscope.disconnected.wait(), 10)
    await discord.wait_until(final_title(discord, interaction, "⏹️ Cancelled"), within=10)
    assert "cancelled" in discord.original_message(interaction)["embeds"][-1]["description"]


async def test_reaction_replies_to_the_message_with_the_search(stack):
    discord, dashscope, _bot, _guild, channel, user = stack
    dashscope.play(sc.image_search(hits=3))
    posted = discord.post_user_message(
        channel, user, attachments=[("cat.png", png_bytes(), "image/png")]
    )
    discord.add_reaction(channel, int(posted["id"]), user, "🔍")

    def replied_done():
        return any(
            (m.get("embeds") or [{}])[-1].get("title") == "✅ Answer"
            for m in discord.bot_messages(channel)
        )

    await discord.wait_until(replied_done, within=20)
    reply = next(m for m in discord.bot_messages(channel) if m.get("embeds"))
    assert reply["message_reference"]["message_id"] == posted["id"]
    assert reply["embeds"][-1]["description"] == sc.DEFAULT_ANSWER_TEXT

    def marked(emoji):
        return lambda: any(
            emoji in urllib.parse.unquote(c.path)
            for c in discord.calls
            if "/reactions/" in c.path and c.method == "PUT"
        )

    assert marked("⏳")()
    await discord.wait_until(marked("✅"), within=10)


async def test_pagination_and_export(stack):
    discord, dashscope, _bot, guild, channel, user = stack
    hits = sc.make_hits(12)
    dashscope.play(sc.image_search(hits=hits))
    attachment = discord.add_attachment("cat.png", png_bytes(), "image/png", channel_id=channel)
    interaction = discord.inject_slash(
        "search", {"image": attachment}, guild_id=guild, channel_id=channel, user_id=user
    )
    await discord.wait_until(final_title(discord, interaction, "✅ Answer"), within=20)
    message = discord.original_message(interaction)
    assert hits[5]["url"] not in message["embeds"][0]["description"]
    next_page = button_ids(message, "isearch:page:")[-1]
    click = discord.inject_component(int(message["id"]), next_page, user_id=user)
    await click.wait_responded(within=3.0)

    def on_page_two():
        embeds = discord.original_message(interaction)["embeds"]
        return hits[5]["url"] in embeds[0]["description"]

    await discord.wait_until(on_page_two, within=5)
    assert "Page 2/3" in discord.original_message(interaction)["embeds"][0]["footer"]["text"]

    export = button_ids(message, "isearch:export:")[0]
    click = discord.inject_component(int(message["id"]), export, user_id=user)
    await click.wait_responded(within=3.0)
    assert click.ephemeral
    upload = next(c for c in reversed(discord.calls) if c.files)
    (data,) = upload.files.values()
    csv_text = data.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "search,index,title,url,host"
    assert len(csv_text.strip().splitlines()) == 13
    assert all(hit["url"] in csv_text for hit in hits)


async def test_reaction_without_the_message_content_intent_says_what_to_enable(tmp_path):
    async with running_stack(tmp_path, message_content=False) as parts:
        discord, dashscope, _bot, _guild, channel, user = parts
        posted = discord.post_user_message(
            channel, user, attachments=[("cat.png", png_bytes(), "image/png")]
        )
        discord.add_reaction(channel, int(posted["id"]), user, "🔍")

        def explained():
            return any(
                "Message Content" in (m.get("content") or "") for m in discord.bot_messages(channel)
            )

        await discord.wait_until(explained, within=10)
        assert dashscope.requests == []
