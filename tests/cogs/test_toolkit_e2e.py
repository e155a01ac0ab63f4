"""End to end, the moderator toolkit around a search: quotas, the queue, follow-ups, reports,
buttons that outlive the process, and the server's settings applied to every entry point."""

import asyncio
import base64
import hashlib

from bot.app import ImageSearchBot
from tests.cogs.stack import (
    bot_reply_titled,
    button_ids,
    channel_posts,
    final_title,
    last_embed_title,
    png_bytes,
    running_stack,
)
from tests.fakes import dashscope_scenarios as sc
from tests.fakes.discord import point_discord_py_at

RED = png_bytes((64, 48), (200, 40, 40))


def slash(discord, guild, channel, user, **options):
    attachment = discord.add_attachment("cat.png", RED, "image/png", channel_id=channel)
    return discord.inject_slash(
        "search",
        {"image": attachment, **options},
        guild_id=guild,
        channel_id=channel,
        user_id=user,
    )


async def test_cooldown_refuses_privately_says_when_and_spends_nothing(stack):
    discord, dashscope, bot, guild, channel, user = stack
    await bot.store.update_guild_settings(guild, member_cooldown_seconds=600)
    dashscope.play(sc.image_search(hits=2))
    first = slash(discord, guild, channel, user)
    await discord.wait_until(final_title(discord, first, "✅ Answer"), within=20)
    second = slash(discord, guild, channel, user)
    await second.wait_responded(within=3.0)
    assert second.ephemeral
    content = second.response_data["content"]
    assert "search again <t:" in content and ":R>" in content
    assert len(dashscope.requests) == 1


async def test_queue_shows_the_place_in_line_and_cancel_works_while_queued(tmp_path):
    async with running_stack(tmp_path, environ={"MAX_CONCURRENT_SEARCHES": "1"}) as parts:
        discord, dashscope, _bot, guild, channel, user = parts
        dashscope.play(sc.stall("hits", seconds=30), sc.image_search(hits=1))
        running = slash(discord, guild, channel, user)
        await discord.wait_until(lambda: len(dashscope.requests) == 1, within=20)
        queued = slash(discord, guild, channel, user)

        def shows_queue():
            message = discord.original_message(queued) or {}
            return "Queued: 0 ahead" in str(message.get("embeds"))

        await discord.wait_until(shows_queue, within=10)
        message = discord.original_message(queued)
        (cancel,) = button_ids(message, "isearch:cancel:")
        discord.inject_component(int(message["id"]), cancel, user_id=user)
        await discord.wait_until(final_title(discord, queued, "⏹️ Cancelled"), within=10)
        assert len(dashscope.requests) == 1  # the queued search never reached DashScope
        (stop,) = button_ids(discord.original_message(running), "isearch:cancel:")
        discord.inject_component(int(discord.original_message(running)["id"]), stop, user_id=user)
        await discord.wait_until(final_title(discord, running, "⏹️ Cancelled"), within=10)


async def test_follow_up_continues_the_conversation_in_a_thread(stack):
    discord, dashscope, bot, guild, channel, user = stack
    dashscope.play(sc.image_search(hits=3), sc.image_search(hits=0, calls=0, text="Ansel."))
    first = slash(discord, guild, channel, user)
    await discord.wait_until(final_title(discord, first, "✅ Answer"), within=20)
    message = discord.original_message(first)
    (follow,) = button_ids(message, "isearch:followup:")
    click = discord.inject_component(int(message["id"]), follow, user_id=user)
    await click.wait_responded(within=3.0)
    assert click.response_type == 9  # a form
    form_id = click.response_data["custom_id"]
    submit = discord.inject_modal_submit(
        form_id,
        {"question": "Who took it?"},
        channel_id=channel,
        user_id=user,
        message_id=int(message["id"]),
    )
    await submit.wait_responded(within=3.0)
    assert submit.ephemeral and "continues in <#" in submit.response_data["content"]
    thread = int(message["id"])  # a thread started from a message takes the message's id
    await discord.wait_until(bot_reply_titled(discord, thread, "✅ Answer"), within=20)
    (answer,) = channel_posts(discord, thread)
    assert answer["embeds"][-1]["description"] == "Ansel."
    follow_up = dashscope.requests[1].json
    searches = (await bot.store.history(guild)).records
    first_id = next(r.response_id for r in searches if r.entry_point == "slash")
    assert first_id and follow_up["previous_response_id"] == first_id
    assert [c["type"] for c in follow_up["input"][0]["content"]] == ["input_text"]  # no image
    assert follow_up["input"][0]["content"][0]["text"] == "Who took it?"


async def test_report_is_a_markdown_file_with_the_image_hash(stack):
    discord, dashscope, _bot, guild, channel, user = stack
    hits = sc.make_hits(3)
    dashscope.play(sc.image_search(hits=hits))
    first = slash(discord, guild, channel, user)
    await discord.wait_until(final_title(discord, first, "✅ Answer"), within=20)
    message = discord.original_message(first)
    (report,) = button_ids(message, "isearch:report:")
    click = discord.inject_component(int(message["id"]), report, user_id=user)
    await click.wait_responded(within=3.0)
    assert click.ephemeral
    upload = next(c for c in reversed(discord.calls) if c.files)
    (data,) = upload.files.values()
    markdown = data.decode()
    assert markdown.startswith("# Image search ")
    sent = dashscope.requests[0].json["input"][0]["content"][1]["image_url"]
    assert hashlib.sha256(base64.b64decode(sent.split(",", 1)[1])).hexdigest() in markdown
    assert all(hit["url"] in markdown for hit in hits)
    assert sc.DEFAULT_ANSWER_TEXT.splitlines()[0] in markdown
    assert "Entry point: slash" in markdown


async def test_buttons_of_a_search_work_after_a_restart(tmp_path):
    async with running_stack(tmp_path) as parts:
        discord, dashscope, bot, guild, channel, user = parts
        hits = sc.make_hits(12)
        dashscope.play(sc.image_search(hits=hits))
        first = slash(discord, guild, channel, user)
        await discord.wait_until(final_title(discord, first, "✅ Answer"), within=20)
        message = discord.original_message(first)
        next_page = button_ids(message, "isearch:page:")[-1]
        settings = bot.settings
        await bot.close()
        with point_discord_py_at(discord):
            again = ImageSearchBot(settings)
            task = asyncio.create_task(again.start(discord.token))
            try:
                await asyncio.wait_for(again.wait_until_ready(), 15)
                click = discord.inject_component(int(message["id"]), next_page, user_id=user)
                await click.wait_responded(within=3.0)

                def results():
                    return discord.original_message(first)["embeds"][0]

                await discord.wait_until(lambda: hits[5]["url"] in results()["description"])
                assert "Page 2/3" in results()["footer"]["text"]
            finally:
                await again.close()
                await asyncio.gather(task, return_exceptions=True)


async def test_server_settings_shape_the_reaction_trigger(stack):
    discord, dashscope, bot, guild, channel, user = stack
    await bot.store.update_guild_settings(guild, reaction_emoji="👀")
    dashscope.play(sc.image_search(hits=1))
    posted = discord.post_user_message(channel, user, attachments=[("a.png", RED, "image/png")])
    discord.add_reaction(channel, int(posted["id"]), user, "🔍")  # no longer the trigger
    discord.add_reaction(channel, int(posted["id"]), user, "👀")
    await discord.wait_until(bot_reply_titled(discord, channel, "✅ Answer"), within=20)
    assert len(dashscope.requests) == 1


async def test_private_trace_is_copied_to_the_moderator_log(stack):
    discord, dashscope, bot, guild, channel, user = stack
    log_channel = discord.add_channel(guild, "mod-log")
    await bot.store.update_guild_settings(guild, mod_log_channel_id=log_channel)
    dashscope.play(sc.image_search(hits=2))
    posted = discord.post_user_message(channel, user, attachments=[("a.png", RED, "image/png")])
    trace = discord.inject_message_command(
        "Trace origin (private)", int(posted["id"]), user_id=user
    )
    await discord.wait_until(final_title(discord, trace, "✅ Answer"), within=20)
    await discord.wait_until(lambda: bool(channel_posts(discord, log_channel)), within=10)
    (copy,) = channel_posts(discord, log_channel)
    assert f"Private trace by <@{user}>" in str(copy["embeds"])
    assert last_embed_title(copy) == "✅ Answer"


async def test_a_channel_outside_the_servers_list_is_refused_privately(stack):
    discord, dashscope, bot, guild, channel, user = stack
    elsewhere = discord.add_channel(guild, "bot-corner")
    await bot.store.update_guild_settings(guild, channel_ids=(elsewhere,))
    refused = slash(discord, guild, channel, user)
    await refused.wait_responded(within=3.0)
    assert refused.ephemeral
    assert f"<#{elsewhere}>" in refused.response_data["content"]
    assert dashscope.requests == []
