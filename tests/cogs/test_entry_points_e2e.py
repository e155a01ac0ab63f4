"""End to end, every way to start a search: the message menus, the avatar menu, the text
command (prefix, mention, reply), the multi-image picker; and how the replies are paced."""

import base64
import itertools

from bot.search.request import Mode, build_prompt
from tests.cogs.stack import (
    assert_no_mentions_anywhere,
    bot_reply_titled,
    channel_posts,
    final_title,
    last_embed_title,
    png_bytes,
    running_stack,
    visible_to_all,
)
from tests.fakes import dashscope_scenarios as sc

RED = png_bytes((64, 48), (200, 40, 40))
BLUE = png_bytes((80, 60), (20, 40, 220))


def sent_image(dashscope, index=0):
    """The bytes of the image the bot sent to DashScope in request `index`."""
    url = dashscope.requests[index].json["input"][0]["content"][1]["image_url"]
    header, data = url.split(",", 1)
    assert header == "data:image/png;base64"
    return base64.b64decode(data)


def prompt_of(dashscope, index=0):
    return dashscope.requests[index].json["input"][0]["content"][0]["text"]


async def test_search_image_menu_answers_publicly(stack):
    discord, dashscope, _bot, _guild, channel, user = stack
    dashscope.play(sc.image_search(hits=3))
    posted = discord.post_user_message(channel, user, attachments=[("cat.png", RED, "image/png")])
    interaction = discord.inject_message_command("Search image", int(posted["id"]), user_id=user)
    await interaction.wait_responded(within=3.0)
    await discord.wait_until(final_title(discord, interaction, "✅ Answer"), within=20)
    assert not interaction.ephemeral
    results, reply = discord.original_message(interaction)["embeds"]
    assert results["title"] == "🔎 Found 3 matching images"
    assert reply["description"] == sc.DEFAULT_ANSWER_TEXT
    assert sent_image(dashscope) == RED
    assert_no_mentions_anywhere(discord)


async def test_trace_origin_is_private_and_works_without_message_content(tmp_path):
    async with running_stack(tmp_path, message_content=False) as parts:
        discord, dashscope, _bot, _guild, channel, user = parts
        dashscope.play(sc.image_search(hits=2))
        posted = discord.post_user_message(
            channel, user, "look", attachments=[("cat.png", RED, "image/png")]
        )
        interaction = discord.inject_message_command(
            "Trace origin (private)", int(posted["id"]), user_id=user
        )
        await interaction.wait_responded(within=3.0)
        await discord.wait_until(final_title(discord, interaction, "✅ Answer"), within=20)
        assert interaction.ephemeral
        assert sent_image(dashscope) == RED
        assert prompt_of(dashscope) == build_prompt(Mode.SOURCE, "", "en-US")
        assert visible_to_all(discord, channel) == []


async def test_search_avatar_checks_the_members_avatar_privately(tmp_path):
    async with running_stack(tmp_path) as parts:
        discord, dashscope, _bot, guild, channel, user = parts
        suspect = discord.add_user("impostor", avatar=BLUE)
        discord.add_member(guild, suspect)
        dashscope.play(sc.image_search(hits=4))
        interaction = discord.inject_user_command(
            "Search avatar", suspect, guild_id=guild, channel_id=channel, user_id=user
        )
        await interaction.wait_responded(within=3.0)
        await discord.wait_until(final_title(discord, interaction, "✅ Answer"), within=20)
        assert interaction.ephemeral
        assert sent_image(dashscope) == BLUE
        assert any(f"/avatars/{suspect}/" in path for path, _ in discord.cdn_requests)


async def test_text_command_with_an_attachment_replies_in_the_channel(stack):
    discord, dashscope, _bot, _guild, channel, user = stack
    dashscope.play(sc.image_search(hits=3))
    posted = discord.post_user_message(
        channel, user, "!search similar", attachments=[("cat.png", RED, "image/png")]
    )
    await discord.wait_until(bot_reply_titled(discord, channel, "✅ Answer"), within=20)
    (reply,) = discord.bot_messages(channel)
    assert reply["message_reference"]["message_id"] == posted["id"]
    assert reply["embeds"][-1]["description"] == sc.DEFAULT_ANSWER_TEXT
    assert sent_image(dashscope) == RED
    assert prompt_of(dashscope) == build_prompt(Mode.SIMILAR, "", "en-US")
    assert_no_mentions_anywhere(discord)


async def test_text_command_by_mention_as_a_reply_to_an_image(stack):
    discord, dashscope, bot, _guild, channel, user = stack
    dashscope.play(sc.image_search(hits=2))
    other = discord.add_user("bob")
    image = discord.post_user_message(channel, other, attachments=[("x.png", BLUE, "image/png")])
    discord.post_user_message(
        channel, user, f"<@{bot.user.id}> search", referenced_message_id=int(image["id"])
    )
    await discord.wait_until(bot_reply_titled(discord, channel, "✅ Answer"), within=20)
    assert sent_image(dashscope) == BLUE


async def test_text_command_without_an_image_explains_and_costs_nothing(stack):
    discord, dashscope, _bot, _guild, channel, user = stack
    discord.post_user_message(channel, user, "!search")

    def answered():
        return any("!search" in (m.get("content") or "") for m in discord.bot_messages(channel))

    await discord.wait_until(answered, within=10)
    assert dashscope.requests == []


async def test_several_images_offer_a_choice_and_search_the_one_picked(stack):
    discord, dashscope, _bot, _guild, channel, user = stack
    dashscope.play(sc.image_search(hits=2))
    posted = discord.post_user_message(
        channel,
        user,
        attachments=[("red.png", RED, "image/png"), ("blue.png", BLUE, "image/png")],
    )
    interaction = discord.inject_message_command("Search image", int(posted["id"]), user_id=user)
    await interaction.wait_responded(within=3.0)
    assert interaction.ephemeral
    picker = discord.original_message(interaction)
    (select,) = [c for row in picker["components"] for c in row["components"]]
    assert [o["label"] for o in select["options"]] == ["red.png", "blue.png"]
    assert dashscope.requests == []  # nothing is spent before the choice

    click = discord.inject_component(
        int(picker["id"]), select["custom_id"], component_type=3, values=["1"], user_id=user
    )
    await click.wait_responded(within=3.0)
    await discord.wait_until(final_title(discord, click, "✅ Answer"), within=20)
    assert sent_image(dashscope) == BLUE


async def test_edits_of_one_message_respect_the_interval_and_the_last_is_complete(stack):
    discord, dashscope, _bot, guild, channel, user = stack
    dashscope.play(sc.image_search(hits=3, delay=0.02, text_chunks=60))
    attachment = discord.add_attachment("cat.png", RED, "image/png", channel_id=channel)
    interaction = discord.inject_slash(
        "search", {"image": attachment}, guild_id=guild, channel_id=channel, user_id=user
    )
    await discord.wait_until(final_title(discord, interaction, "✅ Answer"), within=20)
    edits = [c for c in discord.calls if c.method == "PATCH" and "@original" in c.path]
    assert len(edits) >= 3  # the answer really streamed in several edits
    gaps = [b.at - a.at for a, b in itertools.pairwise(edits)]
    assert min(gaps) >= 0.2 - 0.02  # EDIT_INTERVAL_SECONDS, less the loopback jitter
    bodies = [e.json["embeds"][-1]["description"] for e in edits if e.json.get("embeds")]
    assert len(set(bodies)) == len(bodies)  # never an unchanged edit of the answer
    assert bodies[-1] == sc.DEFAULT_ANSWER_TEXT


async def test_three_searches_streaming_in_one_channel_never_meet_a_429(stack):
    discord, dashscope, _bot, _guild, channel, user = stack
    for _ in range(3):
        dashscope.play(sc.image_search(hits=3, delay=0.01, text_chunks=40))
    posted = [
        discord.post_user_message(channel, user, attachments=[(f"{i}.png", RED, "image/png")])
        for i in range(3)
    ]
    for message in posted:
        discord.add_reaction(channel, int(message["id"]), user, "🔍")

    def all_done():
        replies = [m for m in discord.bot_messages(channel) if m.get("embeds")]
        return len(replies) == 3 and all(last_embed_title(m) == "✅ Answer" for m in replies)

    await discord.wait_until(all_done, within=60)
    for reply in discord.bot_messages(channel):
        assert reply["embeds"][-1]["description"] == sc.DEFAULT_ANSWER_TEXT
    assert discord.responses_429 == 0
    assert len(dashscope.requests) == 3


async def test_a_long_answer_moves_to_the_channel_before_the_token_expires(tmp_path):
    # The fake's tokens live 4 s; the bot hands over 60 s before its (61.5 s) lifetime ends.
    async with running_stack(
        tmp_path,
        fake_options={"token_lifetime": 4.0},
        bot_options={"interaction_token_seconds": 61.5},
    ) as parts:
        discord, dashscope, _bot, guild, channel, user = parts
        dashscope.play(sc.image_search(hits=3, delay=0.1, text_chunks=40))  # about 4 s
        attachment = discord.add_attachment("cat.png", RED, "image/png", channel_id=channel)
        interaction = discord.inject_slash(
            "search", {"image": attachment}, guild_id=guild, channel_id=channel, user_id=user
        )
        await discord.wait_until(bot_reply_titled(discord, channel, "✅ Answer"), within=30)
        (moved,) = channel_posts(discord, channel)
        assert moved["embeds"][-1]["description"] == sc.DEFAULT_ANSWER_TEXT
        assert [c for c in discord.calls if c.status == 401] == []  # never used an old token
        (pointer,) = discord.original_message(interaction)["embeds"]
        assert pointer["title"] == "⏩ Continued in the channel"
        assert f"/channels/{guild}/{channel}/{moved['id']}" in pointer["description"]


async def test_reaction_takes_the_first_image_says_how_many_more_and_runs_once(stack):
    discord, dashscope, _bot, guild, channel, user = stack
    dashscope.play(sc.image_search(hits=2, delay=0.05))
    posted = discord.post_user_message(
        channel,
        user,
        attachments=[("red.png", RED, "image/png"), ("blue.png", BLUE, "image/png")],
    )
    other = discord.add_user("bob")
    discord.add_member(guild, other)
    robot = discord.add_user("otherbot", bot=True)
    discord.add_member(guild, robot)
    bait = discord.post_user_message(channel, other, attachments=[("b.png", BLUE, "image/png")])
    discord.add_reaction(channel, int(bait["id"]), robot, "🔍")  # reactions of bots: ignored
    discord.add_reaction(channel, int(posted["id"]), user, "🔍")
    discord.add_reaction(channel, int(posted["id"]), other, "🔍")  # already running: no second
    await discord.wait_until(bot_reply_titled(discord, channel, "✅ Answer"), within=20)
    (reply,) = channel_posts(discord, channel)
    assert "1 more in that message" in str(reply["embeds"])
    assert sent_image(dashscope) == RED
    assert len(dashscope.requests) == 1
    assert not [c for c in discord.calls if c.path.endswith(f"/messages/{bait['id']}")]
