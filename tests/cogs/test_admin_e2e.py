"""End to end, /imagesearch: a moderator reads and changes the settings, reviews the history
of a real search (open, export), reads the usage; a member deletes their own searches; and
members without the permissions are refused with nothing changed."""

import asyncio
from dataclasses import replace

from bot.store import DEFAULT_GUILD_SETTINGS, SearchStatus
from cogs.admin import SettingsOptions, settings_changes
from tests.cogs.stack import (
    assert_no_mentions_anywhere,
    button_ids,
    final_title,
    png_bytes,
    running_stack,
)
from tests.fakes import dashscope_scenarios as sc
from tests.fakes.discord_interactions import OptionRef
from tests.fakes.discord_models import PERMISSIONS


def add_moderator(discord, guild):
    role = discord.add_role(
        guild, "Moderators", PERMISSIONS["manage_guild"] | PERMISSIONS["manage_messages"]
    )
    moderator = discord.add_user("mod")
    discord.add_member(guild, moderator, roles=(role,))
    return moderator, role


async def run(discord, path, options=None, *, guild, channel, user, locale="en-US"):
    """Run `/path` and return the interaction once the bot answered it."""
    interaction = discord.inject_subcommand(
        path, options, guild_id=guild, channel_id=channel, user_id=user, locale=locale
    )
    await interaction.wait_responded(within=3.0)
    return interaction


async def click(discord, message, custom_id, *, user, values=None):
    component_type = 2 if values is None else 3
    interaction = discord.inject_component(
        int(message["id"]), custom_id, component_type, values, user_id=user
    )
    await interaction.wait_responded(within=3.0)
    return interaction


def fields(embed):
    return {f["name"]: f["value"] for f in embed.get("fields") or []}


def reply_of(discord, interaction):
    return discord.original_message(interaction)


async def search_once(discord, dashscope, bot, guild, channel, user):
    dashscope.play(sc.image_search(hits=sc.make_hits(6, hostile=True)))
    attachment = discord.add_attachment("cat.png", png_bytes(), "image/png", channel_id=channel)
    interaction = discord.inject_slash(
        "search", {"image": attachment}, guild_id=guild, channel_id=channel, user_id=user
    )
    await discord.wait_until(final_title(discord, interaction, "✅ Answer"), within=20)
    await finished_in_store(bot, guild)


async def finished_in_store(bot, guild, within=10.0):
    """The answer is shown a moment before the store records how the search ended."""
    for _ in range(int(within / 0.02)):
        records = (await bot.store.history(guild, limit=500)).records
        if all(r.status is not SearchStatus.RUNNING for r in records):
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("a search stayed running in the store")


async def test_a_moderator_reads_and_changes_the_settings(stack):
    discord, _dashscope, bot, guild, channel, _user = stack
    moderator, role = add_moderator(discord, guild)
    where = {"guild": guild, "channel": channel, "user": moderator}

    shown = await run(discord, "imagesearch settings", **where)
    assert shown.ephemeral
    (embed,) = reply_of(discord, shown)["embeds"]
    assert embed["title"] == "⚙️ Image search settings"
    assert fields(embed)["Hits per page"] == "5"
    assert fields(embed)["Who may search by reacting"] == "Everyone"
    assert fields(embed)["Reaction emoji"] == "🔍 (the bot's default)"

    changed = await run(
        discord,
        "imagesearch settings",
        {
            "hits_per_page": 3,
            "reaction_role_add": OptionRef("role", role),
            "channel_add": OptionRef("channel", channel),
            "member_daily_quota": 0,
            "language": "zh-CN",
        },
        **where,
    )
    saved = await bot.store.get_guild_settings(guild)
    assert saved.hits_per_page == 3
    assert saved.reaction_role_ids == (role,)
    assert saved.channel_ids == (channel,)
    assert saved.member_daily_quota is None  # 0 in the option: unlimited
    assert saved.language == "zh-CN"
    (embed,) = reply_of(discord, changed)["embeds"]
    assert embed["description"].startswith("✅ Saved: ")
    assert "Hits per page" in embed["description"]
    assert fields(embed)["Who may search by reacting"] == f"<@&{role}>"
    assert fields(embed)["Channels where the bot answers"] == f"<#{channel}>"
    assert fields(embed)["Searches per member per day"] == "Unlimited"

    refused = await run(
        discord, "imagesearch settings", {"reaction_emoji": "hello", "hits_per_page": 7}, **where
    )
    content = (refused.response_data or {}).get("content", "")
    assert content == "Nothing was saved: the reaction must be one emoji."
    assert refused.ephemeral
    assert (await bot.store.get_guild_settings(guild)).hits_per_page == 3

    cleared = await run(
        discord, "imagesearch settings", {"reaction_everyone": True, "channels_all": True}, **where
    )
    assert fields(reply_of(discord, cleared)["embeds"][0])["Channels where the bot answers"] == (
        "All channels"
    )
    saved = await bot.store.get_guild_settings(guild)
    assert saved.reaction_role_ids == () and saved.channel_ids == ()
    assert_no_mentions_anywhere(discord)


async def test_the_settings_speak_chinese_to_a_chinese_discord(stack):
    discord, _dashscope, _bot, guild, channel, _user = stack
    moderator, _role = add_moderator(discord, guild)
    shown = await run(
        discord,
        "imagesearch settings",
        guild=guild,
        channel=channel,
        user=moderator,
        locale="zh-CN",
    )
    (embed,) = reply_of(discord, shown)["embeds"]
    assert embed["title"] == "⚙️ 图片搜索设置"
    assert fields(embed)["每页结果数"] == "5"


async def test_members_without_the_permissions_are_refused_and_nothing_changes(stack):
    discord, _dashscope, bot, guild, channel, user = stack
    where = {"guild": guild, "channel": channel, "user": user}

    refused = await run(discord, "imagesearch settings", {"hits_per_page": 2}, **where)
    assert refused.ephemeral
    assert "Manage Server" in refused.response_data["content"]
    assert (await bot.store.get_guild_settings(guild)).hits_per_page == 5

    for path, permission in (
        ("imagesearch usage", "Manage Server"),
        ("imagesearch history", "Manage Messages"),
    ):
        refused = await run(discord, path, **where)
        assert refused.ephemeral
        assert permission in refused.response_data["content"]
        assert "embeds" not in refused.response_data or not refused.response_data["embeds"]


async def test_history_lists_a_real_search_opens_it_and_exports_it(stack):
    discord, dashscope, bot, guild, channel, user = stack
    moderator, _role = add_moderator(discord, guild)
    await search_once(discord, dashscope, bot, guild, channel, user)
    (record,) = (await bot.store.history(guild)).records

    listed = await run(
        discord,
        "imagesearch history",
        {"member": OptionRef("user", user), "days": 1},
        guild=guild,
        channel=channel,
        user=moderator,
    )
    assert listed.ephemeral
    message = reply_of(discord, listed)
    (embed,) = message["embeds"]
    assert embed["title"] == "🕘 Search history"
    line = embed["description"].splitlines()[-1]
    assert f"<@{user}>" in line and "/search" in line and "6 hits" in line and "done" in line
    assert embed["description"].startswith(f"1 search · by <@{user}> · in the last 1 days")

    (menu,) = button_ids(message, "iadmin:open:")
    opened = await click(discord, message, menu, user=moderator, values=[record.search_id])
    assert opened.ephemeral
    details, answer = reply_of(discord, opened)["embeds"]
    assert details["title"] == f"Search {record.search_id}"
    assert "@everyone" not in details["description"]  # hostile titles are made inert
    assert "@\u200beveryone" in details["description"]
    assert answer["description"] == sc.DEFAULT_ANSWER_TEXT

    (export,) = button_ids(message, "iadmin:export:")
    exported = await click(discord, message, export, user=moderator)
    assert exported.ephemeral
    upload = await discord.wait_for_call(predicate=lambda c: bool(c.files), within=5)
    (data,) = upload.files.values()
    rows = data.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("started_at,search_id,user_id")
    assert len(rows) == 2 and record.search_id in rows[1] and str(user) in rows[1]

    stranger = await click(discord, message, export, user=user)  # no Manage Messages
    assert "Manage Messages" in stranger.response_data["content"]
    assert_no_mentions_anywhere(discord)


async def test_history_pages_with_previous_and_next(stack):
    discord, dashscope, bot, guild, channel, user = stack
    moderator, _role = add_moderator(discord, guild)
    for _ in range(11):
        await search_once(discord, dashscope, bot, guild, channel, user)
    listed = await run(discord, "imagesearch history", guild=guild, channel=channel, user=moderator)
    message = reply_of(discord, listed)
    assert message["embeds"][0]["footer"]["text"] == "Page 1/2"
    following = button_ids(message, "iadmin:page:")[-1]
    await click(discord, message, following, user=moderator)
    message = discord.messages[int(message["id"])]
    assert message["embeds"][0]["footer"]["text"] == "Page 2/2"
    assert message["embeds"][0]["description"].splitlines()[-1].startswith("`11.`")


async def test_usage_counts_the_search_its_tokens_and_cost(stack):
    discord, dashscope, bot, guild, channel, user = stack
    moderator, _role = add_moderator(discord, guild)
    await search_once(discord, dashscope, bot, guild, channel, user)
    (record,) = (await bot.store.history(guild)).records
    assert record.tokens > 0

    shown = await run(
        discord, "imagesearch usage", {"days": 7}, guild=guild, channel=channel, user=moderator
    )
    assert shown.ephemeral
    (embed,) = reply_of(discord, shown)["embeds"]
    assert embed["title"] == "📊 Usage in the last 7 days"
    assert fields(embed) == {
        "Searches": "1",
        "Image searches": "1",
        "Tokens": f"{record.tokens:,}",
        "Estimated cost": "¥0.048",  # 1 image search at the default ¥48 per 1,000
    }
    assert f"<@{user}> · 1 search · 1 image search · " in embed["description"]


async def test_forget_me_deletes_the_callers_searches_after_confirming(stack):
    discord, dashscope, bot, guild, channel, user = stack
    moderator, _role = add_moderator(discord, guild)
    await search_once(discord, dashscope, bot, guild, channel, user)

    asked = await run(discord, "imagesearch forget-me", guild=guild, channel=channel, user=user)
    assert asked.ephemeral
    message = reply_of(discord, asked)
    assert "1 search" in message["embeds"][0]["description"]
    forget, keep = button_ids(message, "iadmin:")
    assert forget.startswith("iadmin:forget:") and keep.startswith("iadmin:keep:")

    someone_else = await click(discord, message, forget, user=moderator)
    assert someone_else.response_data["content"] == "This button is for the person who asked."
    assert (await bot.store.history(guild)).total == 1

    await click(discord, message, forget, user=user)
    message = discord.messages[int(message["id"])]
    assert message["embeds"][0]["description"] == (
        "Deleted 1 search of yours from this server's history."
    )
    assert not message.get("components")
    assert (await bot.store.history(guild)).total == 0

    again = await run(discord, "imagesearch forget-me", guild=guild, channel=channel, user=user)
    assert "no searches of yours" in reply_of(discord, again)["embeds"][0]["description"]


async def test_the_admin_commands_register_within_discords_limits(tmp_path):
    async with running_stack(tmp_path) as parts:
        discord = parts.discord
        (group,) = [c for c in discord.commands[None] if c["name"] == "imagesearch"]
        names = {o["name"]: o for o in group["options"]}
        assert set(names) == {"settings", "history", "usage", "forget-me"}
        assert len(names["settings"]["options"]) <= 25
        for sub in group["options"]:
            assert 1 <= len(sub["description"]) <= 100
            for option in sub.get("options") or []:
                assert 1 <= len(option["description"]) <= 100


def test_settings_options_become_store_changes():
    current = DEFAULT_GUILD_SETTINGS
    current = replace(current, reaction_role_ids=(1, 2), channel_ids=(5,))
    assert settings_changes(current, SettingsOptions()) == {}
    assert settings_changes(
        current,
        SettingsOptions(
            reaction_role_add=3,
            reaction_role_remove=1,
            channels_all=True,
            channel_add=6,
            member_daily_quota=0,
            server_daily_quota=50,
            cooldown_seconds=0,
            mod_log_off=True,
        ),
    ) == {
        "reaction_role_ids": (2, 3),
        "channel_ids": (6,),
        "member_daily_quota": None,
        "guild_daily_quota": 50,
        "member_cooldown_seconds": 0,
        "mod_log_channel_id": None,
    }
    # Adding a listed role keeps the list as it is; a named log channel wins over "off".
    assert settings_changes(current, SettingsOptions(reaction_role_add=2)) == {
        "reaction_role_ids": (1, 2)
    }
    assert settings_changes(current, SettingsOptions(mod_log_channel=9, mod_log_off=True)) == {
        "mod_log_channel_id": 9
    }
