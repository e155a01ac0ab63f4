"""The fake Discord against the real, unmodified discord.py 2.7.1 client."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakes.discord import FakeDiscord, point_discord_py_at

MESSAGE_CONTENT = 1 << 15
AnyBot = commands.Bot | commands.AutoShardedBot


@dataclass
class World:
    guild: int
    channel: int
    user: int


@pytest.fixture
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    """A running fake; rate-limit windows shrunk 10x unless a test passes its own options
    (`@pytest.mark.parametrize("fake", [{...}], indirect=True)`)."""
    options = getattr(request, "param", {"rate_limit_window_scale": 0.1})
    async with FakeDiscord(**options) as server:
        yield server


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    guild = fake.add_guild("Test guild")
    channel = fake.add_channel(guild, "general")
    user = fake.add_user("alice")
    fake.add_member(guild, user)
    return World(guild, channel, user)


@pytest.fixture
def pointed(fake: FakeDiscord) -> Iterator[FakeDiscord]:
    """discord.py's REST base and gateway URL aimed at the fake, restored afterwards."""
    before = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    with point_discord_py_at(fake):
        yield fake
    after = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    assert after == before


def make_bot(
    *,
    message_content: bool = True,
    sharded: bool = False,
    allowed_mentions: discord.AllowedMentions | None = None,
) -> AnyBot:
    intents = discord.Intents.default()
    intents.message_content = message_content
    if sharded:
        return commands.AutoShardedBot(
            command_prefix="!", intents=intents, guild_ready_timeout=0.05
        )
    return commands.Bot(
        command_prefix="!",
        intents=intents,
        guild_ready_timeout=0.05,
        allowed_mentions=allowed_mentions,
    )


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, bot: AnyBot) -> AsyncIterator[AnyBot]:
    """Run the bot against the fake until on_ready; close it afterwards."""
    task = asyncio.create_task(bot.start(fake.token))
    try:
        async with asyncio.timeout(10):
            while not bot.is_ready():
                if task.done():
                    task.result()  # raise the start-up error
                await asyncio.sleep(0.01)
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)


async def test_login_and_ready(pointed: FakeDiscord, world: World) -> None:
    fake = pointed
    async with running(fake, make_bot()) as bot:
        assert bot.user is not None and bot.user.id == fake.bot_user_id
        assert bot.application_id == fake.application_id
        guild = bot.get_guild(world.guild)
        assert guild is not None and guild.name == "Test guild"
        channel = guild.get_channel(world.channel)
        assert isinstance(channel, discord.TextChannel) and channel.name == "general"
        assert guild.me is not None and guild.me.id == fake.bot_user_id
    routes = [call.route for call in fake.calls]
    assert routes[:2] == ["GET /users/@me", "GET /oauth2/applications/@me"]
    identify = fake.identifies[0].data
    assert identify["token"] == fake.token
    assert identify["intents"] & MESSAGE_CONTENT


async def test_slash_command_defer_followup_and_edit(pointed: FakeDiscord, world: World) -> None:
    fake = pointed
    bot = make_bot()
    done = asyncio.Event()

    @bot.tree.command(name="search", description="Reverse image search")
    async def search(interaction: discord.Interaction, query: str) -> None:
        await interaction.response.defer(thinking=True)
        partial = await interaction.followup.send(f"partial for {query}", wait=True)
        await interaction.edit_original_response(content=f"results for {query}")
        await partial.edit(content="partial, edited")
        extra = await interaction.followup.send("to delete", wait=True)
        await extra.delete()
        done.set()

    async with running(fake, bot):
        interaction = fake.inject_slash(
            "search",
            {"query": "cats"},
            guild_id=world.guild,
            channel_id=world.channel,
            user_id=world.user,
        )
        await asyncio.wait_for(done.wait(), 5)

    callback = fake.calls_to("POST", "/interactions/")[0]
    assert callback.status == 200 and callback.json == {"type": 5}
    assert callback.query == {"with_response": "1"}
    followup = fake.calls_to("POST", "/webhooks/{webhook_id}/{webhook_token}")[0]
    assert followup.status == 200 and followup.json["content"] == "partial for cats"
    edit = fake.calls_to("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original")[0]
    assert edit.status == 200
    original = fake.original_message(interaction)
    assert original is not None
    assert original["content"] == "results for cats" and original["type"] == 20
    assert original["interaction_metadata"]["user"]["id"] == str(world.user)
    assert interaction.response_type == 5 and not interaction.ephemeral
    assert [m["content"] for m in fake.bot_messages(world.channel)] == [
        "results for cats",
        "partial, edited",
    ]
    followup_routes = [c.route for c in fake.calls_to("*", "/webhooks/")]
    assert followup_routes == [
        "POST /webhooks/{webhook_id}/{webhook_token}",
        "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original",
        "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        "POST /webhooks/{webhook_id}/{webhook_token}",
        "DELETE /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
    ]
    assert {c.status for c in fake.calls_to("*", "/webhooks/")} == {200, 204}


async def test_limits_raise_http_exceptions(pointed: FakeDiscord, world: World) -> None:
    fake = pointed
    async with running(fake, make_bot()) as bot:
        channel = bot.get_channel(world.channel)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)
        assert too_long.value.status == 400 and too_long.value.code == 50035
        assert "content" in too_long.value.text
        embeds = [discord.Embed(title="t", description="d" * 4000) for _ in range(2)]
        with pytest.raises(discord.HTTPException) as too_big:
            await channel.send(embeds=embeds)
        assert too_big.value.code == 50035 and "6000" in too_big.value.text
        row = {
            "type": 1,
            "components": [
                {"type": 2, "style": 1, "label": str(i), "custom_id": f"b{i}"} for i in range(6)
            ],
        }
        route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=channel.id)
        with pytest.raises(discord.HTTPException) as too_wide:
            await bot.http.request(route, json={"content": "x", "components": [row]})
        assert too_wide.value.code == 50035
        with pytest.raises(discord.HTTPException) as empty:
            await channel.send(embeds=[])
        assert empty.value.code == 50006
        big = discord.File(io.BytesIO(b"\0" * (10 * 1024 * 1024 + 1)), "big.bin")
        with pytest.raises(discord.HTTPException) as too_large:
            await channel.send(file=big)
        assert too_large.value.status == 413 and too_large.value.code == 40005
        sent = await channel.send("fine")
        assert sent.content == "fine"
    assert [call.status for call in fake.calls_to("POST", "/channels/")] == [
        400,
        400,
        400,
        400,
        413,
        200,
    ]


async def test_quick_edits_get_one_429_then_land(pointed: FakeDiscord, world: World) -> None:
    """discord.py paces each bucket it knows by the headers (it even sleeps inside the call
    that spent a bucket), so a 429 needs a bucket shared behind its back: on Discord sends
    and edits in one channel share one bucket. Five sends spend it; six quick edits follow."""
    fake = pointed
    async with running(fake, make_bot()) as bot:
        channel = bot.get_channel(world.channel)
        assert isinstance(channel, discord.TextChannel)
        sent = [await channel.send(f"message {i}") for i in range(4)]
        fifth = asyncio.create_task(channel.send("message 4"))  # spends the bucket, then sleeps
        await fake.wait_until(lambda: len(fake.calls_to("POST", "/channels/")) == 5)
        assert fake.responses_429 == 0
        started = asyncio.get_running_loop().time()
        await asyncio.gather(*(sent[0].edit(content=f"edit {i}") for i in range(6)))
        elapsed = asyncio.get_running_loop().time() - started
        await fifth
    edits = fake.calls_to("PATCH", "/channels/{channel_id}/messages/{message_id}")
    assert fake.responses_429 == 1
    assert [call.status for call in edits] == [429] + [200] * 6
    assert edits[0].response["retry_after"] > 0
    assert fake.messages[sent[0].id]["content"].startswith("edit ")
    assert fake.messages[sent[0].id]["edited_timestamp"] is not None
    assert elapsed >= 0.8  # waited out the spent (scaled, 0.5 s) window, then one more


async def test_edits_spaced_by_the_headers_get_no_429(pointed: FakeDiscord, world: World) -> None:
    fake = pointed
    async with running(fake, make_bot()) as bot:
        channel = bot.get_channel(world.channel)
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send("start")
        for i in range(12):
            await message.edit(content=f"edit {i}")
    assert fake.responses_429 == 0
    assert fake.messages[message.id]["content"] == "edit 11"
    limits = {call.status for call in fake.calls_to("PATCH", "/channels/")}
    assert limits == {200}


@pytest.mark.parametrize("fake", [{}], indirect=True)
async def test_rate_limit_headers_and_429_body_raw(fake: FakeDiscord, world: World) -> None:
    """The real windows (5 per 5 s per channel) as a plain HTTP client sees them."""
    auth = {"Authorization": f"Bot {fake.token}"}
    url = f"{fake.api_url}/channels/{world.channel}/messages"
    answers = []
    async with aiohttp.ClientSession() as session:
        for i in range(6):
            async with session.post(url, json={"content": str(i)}, headers=auth) as response:
                answers.append((response.status, dict(response.headers), await response.json()))
        async with session.get(f"{fake.api_url}/nope", headers=auth) as response:
            assert response.status == 404
            assert response.headers["Content-Type"] == "application/json"
    statuses = [status for status, _, _ in answers]
    assert statuses == [200, 200, 200, 200, 200, 429]
    first, last = answers[0][1], answers[5]
    assert first["Content-Type"] == "application/json"
    assert first["X-RateLimit-Limit"] == "5" and first["X-RateLimit-Remaining"] == "4"
    assert 4.9 <= float(first["X-RateLimit-Reset-After"]) <= 5.0
    assert answers[4][1]["X-RateLimit-Remaining"] == "0"
    assert last[1]["Via"] == "1.1 google" and last[1]["X-RateLimit-Remaining"] == "0"
    assert last[2]["message"] == "You are being rate limited." and last[2]["global"] is False
    assert 4.5 < last[2]["retry_after"] <= 5.0
    assert fake.responses_429 == 1


async def test_injected_faults_global_429_and_500(pointed: FakeDiscord, world: World) -> None:
    fake = pointed
    async with running(fake, make_bot()) as bot:
        channel = bot.get_channel(world.channel)
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send("start")
        fake.fail_next(
            "PATCH",
            "/channels/{channel_id}/messages",
            429,
            body={"message": "You are being rate limited.", "retry_after": 0.2, "global": True},
        )
        await message.edit(content="after global 429")
        fake.fail_next("POST", "/channels/", 503, body="<html>upstream</html>")
        with pytest.raises(discord.DiscordServerError):
            await channel.send("x")  # 503 is not retried by discord.py
    assert fake.responses_429 == 1
    assert fake.messages[message.id]["content"] == "after global 429"
    statuses = [call.status for call in fake.calls_to("*", "/channels/")]
    assert statuses == [200, 429, 200, 503]


async def test_message_create_with_the_content_intent(pointed: FakeDiscord, world: World) -> None:
    fake = pointed
    png = fake.add_attachment("cat.png", b"\x89PNG fake", "image/png")
    async with running(fake, make_bot(message_content=True)) as bot:
        waiter = asyncio.ensure_future(bot.wait_for("message", timeout=5))
        posted = fake.post_user_message(world.channel, world.user, "look", attachments=[png])
        message = await waiter
        assert message.id == int(posted["id"])
        assert message.content == "look"
        assert [a.filename for a in message.attachments] == ["cat.png"]
        assert isinstance(message.author, discord.Member) and message.author.id == world.user
        fetched = await message.channel.fetch_message(message.id)
        assert fetched.content == "look"
        assert await fetched.attachments[0].read() == b"\x89PNG fake"
        fake.advance_time(25 * 3600)  # attachment URLs expire after about a day
        with pytest.raises(discord.NotFound):
            await message.attachments[0].read()
        refetched = await message.channel.fetch_message(message.id)
        assert await refetched.attachments[0].read() == b"\x89PNG fake"  # freshly signed


@pytest.mark.parametrize("fake", [{"message_content_granted": False}], indirect=True)
async def test_message_create_without_the_content_intent(
    pointed: FakeDiscord, world: World
) -> None:
    fake = pointed
    png = fake.add_attachment("cat.png", b"\x89PNG fake", "image/png")
    async with running(fake, make_bot(message_content=False)) as bot:
        waiter = asyncio.ensure_future(bot.wait_for("message", timeout=5))
        posted = fake.post_user_message(world.channel, world.user, "look", attachments=[png])
        blank = await waiter
        assert blank.content == "" and blank.attachments == [] and blank.embeds == []
        fetched = await blank.channel.fetch_message(blank.id)
        assert fetched.content == "" and fetched.attachments == []
        assert fake.messages[int(posted["id"])]["content"] == "look"  # stored intact

        waiter = asyncio.ensure_future(bot.wait_for("message", timeout=5))
        fake.post_user_message(world.channel, world.user, f"<@{fake.bot_user_id}> look")
        mention = await waiter
        assert mention.content == f"<@{fake.bot_user_id}> look"  # mentions keep content

        own = await blank.channel.send("mine")
        refetched = await blank.channel.fetch_message(own.id)
        assert refetched.content == "mine"  # the bot's own messages keep content
    assert not fake.identifies[0].data["intents"] & MESSAGE_CONTENT


@pytest.mark.parametrize("fake", [{"message_content_granted": False}], indirect=True)
async def test_privileged_intent_not_granted_closes_4014(
    pointed: FakeDiscord, world: World
) -> None:
    bot = make_bot(message_content=True)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with asyncio.timeout(10):
            await bot.start(pointed.token)
    await bot.close()


async def test_wrong_token_fails_login(pointed: FakeDiscord, world: World) -> None:
    bot = make_bot()
    with pytest.raises(discord.LoginFailure):
        await bot.login("not-the-token")
    await bot.close()
    assert pointed.calls[0].status == 401


async def test_context_menu_resolves_the_message_without_the_intent(
    pointed: FakeDiscord, world: World
) -> None:
    fake = pointed
    bot = make_bot(message_content=False)
    seen: dict[str, object] = {}

    @bot.tree.context_menu(name="Search image")
    async def search_image(interaction: discord.Interaction, message: discord.Message) -> None:
        seen["content"] = message.content
        seen["attachments"] = [await a.read() for a in message.attachments]
        await interaction.response.send_message("searching", ephemeral=True)

    png = fake.add_attachment("dog.png", b"dog bytes", "image/png")
    target = fake.post_user_message(world.channel, world.user, "a dog", attachments=[png])
    async with running(fake, bot):
        interaction = fake.inject_message_command(
            "Search image", int(target["id"]), user_id=world.user
        )
        await interaction.wait_responded()
    assert seen == {"content": "a dog", "attachments": [b"dog bytes"]}
    data = interaction.payload["data"]
    assert data["type"] == 3 and data["target_id"] == target["id"]
    reply = fake.original_message(interaction)
    assert reply is not None and reply["flags"] & 64 and reply["type"] == 23
    assert interaction.ephemeral


async def test_command_sync_echoes_commands(pointed: FakeDiscord, world: World) -> None:
    fake = pointed
    bot = make_bot()

    @bot.tree.command(name="search", description="Search an image")
    @app_commands.describe(image="The image")
    async def search(interaction: discord.Interaction, image: discord.Attachment) -> None:
        await interaction.response.send_message(f"{image.filename} {len(await image.read())}")

    @bot.tree.context_menu(name="Search image")
    async def search_image(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message("ok")

    async with running(fake, bot):
        synced = await bot.tree.sync()
        assert sorted(c.name for c in synced) == ["Search image", "search"]
        assert {c.description for c in synced if c.type is discord.AppCommandType.message} == {""}
        fetched = await bot.tree.fetch_commands()
        assert {c.id for c in fetched} == {c.id for c in synced}
        assert [c.id for c in await bot.tree.sync()] == [c.id for c in synced]  # ids are stable
        guild = discord.Object(world.guild)
        bot.tree.copy_global_to(guild=guild)
        in_guild = await bot.tree.sync(guild=guild)
        assert {c.guild_id for c in in_guild} == {world.guild}
        image = fake.add_attachment("moon.jpg", b"moon", "image/jpeg")
        interaction = fake.inject_slash(
            "search",
            {"image": image},
            guild_id=world.guild,
            channel_id=world.channel,
            user_id=world.user,
        )
        await interaction.wait_responded()
    guild_search = next(c for c in in_guild if c.name == "search")
    assert interaction.payload["data"]["id"] == str(guild_search.id)  # the guild's copy
    assert (
        interaction.payload["data"]["resolved"]["attachments"][image["id"]]["filename"]
        == "moon.jpg"
    )
    reply = fake.original_message(interaction)
    assert reply is not None and reply["content"] == "moon.jpg 4"


async def test_reaction_reaches_on_raw_reaction_add(pointed: FakeDiscord, world: World) -> None:
    fake = pointed
    target = fake.post_user_message(world.channel, world.user, "react to me")
    async with running(fake, make_bot()) as bot:
        waiter = asyncio.ensure_future(bot.wait_for("raw_reaction_add", timeout=5))
        fake.add_reaction(world.channel, int(target["id"]), world.user, "🔎")
        event = await waiter
        assert event.message_id == int(target["id"]) and event.user_id == world.user
        assert str(event.emoji) == "🔎" and event.guild_id == world.guild
        assert event.member is not None and event.member.id == world.user
        assert event.type is discord.ReactionType.normal and not event.burst
        channel = bot.get_channel(world.channel)
        assert isinstance(channel, discord.TextChannel)
        message = await channel.fetch_message(int(target["id"]))
        await message.add_reaction("⏳")
        await message.remove_reaction("⏳", bot.user)  # type: ignore[arg-type]
        with pytest.raises(discord.HTTPException) as bad:
            await message.add_reaction("not-an-emoji")
        assert bad.value.code == 10014
        assert [
            (r.emoji, r.count) for r in (await channel.fetch_message(message.id)).reactions
        ] == [("🔎", 1)]
    routes = [c.route for c in fake.calls_to("*", "/channels/{channel_id}/messages/{message_id}/")]
    assert routes[:2] == [
        "PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
        "DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
    ]


async def test_cdn_urls_are_signed_and_expire(fake: FakeDiscord) -> None:
    url = fake.add_cdn_file("clip.mp4", b"video bytes", "video/mp4", still_frame=b"jpeg frame")
    attachment = fake.add_attachment("photo.png", b"png bytes", "image/png")
    async with aiohttp.ClientSession() as session:

        async def get(target: str) -> tuple[int, bytes, str]:
            async with session.get(target) as response:
                return response.status, await response.read(), response.content_type

        assert await get(url) == (200, b"video bytes", "video/mp4")
        assert (await get(url.split("?")[0]))[0] == 404  # unsigned
        assert (await get(url.replace("hm=", "hm=0")))[0] == 404  # tampered
        proxy = attachment["proxy_url"]
        assert (await get(proxy + "format=jpeg"))[:2] == (200, b"png bytes")
        video_proxy = fake.refresh_url(url).replace(fake.cdn_url, fake.media_url)
        assert await get(video_proxy + "format=jpeg") == (200, b"jpeg frame", "image/jpeg")
        fake.advance_time(25 * 3600)
        assert (await get(url))[0] == 404  # expired after 24 h
        assert (await get(fake.refresh_url(url)))[:2] == (200, b"video bytes")
    assert [status for _, status in fake.cdn_requests] == [200, 404, 404, 200, 200, 404, 200]


async def test_late_and_double_callbacks_and_expired_tokens(
    pointed: FakeDiscord, world: World
) -> None:
    fake = pointed
    bot = make_bot()
    proceed = asyncio.Event()
    errors: list[discord.HTTPException] = []
    finished = asyncio.Event()

    @bot.tree.command(name="slow", description="Answers too late")
    async def slow(interaction: discord.Interaction) -> None:
        await proceed.wait()
        try:
            await interaction.response.send_message("late")
        except discord.HTTPException as error:
            errors.append(error)
        finished.set()

    @bot.tree.command(name="long", description="Outlives its token")
    async def long(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await proceed.wait()
        try:
            await interaction.followup.send("too late")
        except discord.HTTPException as error:
            errors.append(error)
        finished.set()

    async with running(fake, bot):
        late = fake.inject_slash(
            "slow", guild_id=world.guild, channel_id=world.channel, user_id=world.user
        )
        await asyncio.sleep(0.05)
        fake.advance_time(3.5)  # past the 3 s deadline
        proceed.set()
        await asyncio.wait_for(finished.wait(), 5)
        assert isinstance(errors[0], discord.NotFound) and errors[0].code == 10062
        assert not late.responded

        proceed.clear()
        finished.clear()
        expiring = fake.inject_slash(
            "long", guild_id=world.guild, channel_id=world.channel, user_id=world.user
        )
        await expiring.wait_responded()
        fake.advance_time(901)  # past the 15 min token lifetime
        proceed.set()
        await asyncio.wait_for(finished.wait(), 5)
        assert errors[1].status == 401 and errors[1].code == 50027

        async with aiohttp.ClientSession() as session:
            again = f"{fake.api_url}/interactions/{expiring.id}/{expiring.token}/callback"
            async with session.post(again, json={"type": 4, "data": {"content": "x"}}) as response:
                assert response.status == 400
                assert (await response.json())["code"] == 40060


async def test_drop_gateway_resumes_and_replays(pointed: FakeDiscord, world: World) -> None:
    fake = pointed
    async with running(fake, make_bot()) as bot:
        resumed = asyncio.ensure_future(bot.wait_for("resumed", timeout=5))
        session_id = fake.sessions[0].session_id
        assert await fake.drop_gateway() == 1
        missed = fake.post_user_message(world.channel, world.user, "sent while away")
        first = asyncio.ensure_future(bot.wait_for("message", timeout=5))
        await resumed
        assert (await first).id == int(missed["id"])  # replayed after RESUME
        resume = fake.resumes[0].data
        assert resume["session_id"] == session_id and resume["token"] == fake.token
        assert len(fake.identifies) == 1
        waiter = asyncio.ensure_future(bot.wait_for("message", timeout=5))
        after = fake.post_user_message(world.channel, world.user, "after resume")
        assert (await waiter).content == "after resume" and int(after["id"]) > int(missed["id"])


def _sharded_world(fake: FakeDiscord) -> tuple[int, int]:
    guild_a = fake.add_guild("shard zero", shard=(0, 2))
    guild_b = fake.add_guild("shard one", shard=(1, 2))
    fake.add_channel(guild_a, "a")
    fake.add_channel(guild_b, "b")
    return guild_a, guild_b


@pytest.mark.parametrize("fake", [{"recommended_shards": 2}], indirect=True)
async def test_auto_sharded_bot_gets_each_guild_on_its_shard(pointed: FakeDiscord) -> None:
    fake = pointed
    guild_a, guild_b = _sharded_world(fake)
    bot = make_bot(sharded=True)

    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py sleeps 5 s before every IDENTIFY but the first

    bot.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
    async with running(fake, bot):
        assert bot.shard_count == 2
        guild = bot.get_guild(guild_a)
        other = bot.get_guild(guild_b)
        assert guild is not None and other is not None
        assert (guild.shard_id, other.shard_id) == (0, 1)
        assert sorted(s.shard for s in fake.sessions if s.shard) == [(0, 2), (1, 2)]
        by_shard = {}
        for session in fake.sessions:
            creates = [f for _, f in session.sent if '"t": "GUILD_CREATE"' in f]
            by_shard[session.shard_id] = [
                g for g in (guild_a, guild_b) if any(str(g) in f for f in creates)
            ]
        assert by_shard == {0: [guild_a], 1: [guild_b]}
    assert [call.route for call in fake.calls].count("GET /gateway/bot") == 1
    assert sorted(tuple(f.data["shard"]) for f in fake.identifies) == [(0, 2), (1, 2)]


async def test_buttons_reach_their_view_and_update_the_message(
    pointed: FakeDiscord, world: World
) -> None:
    fake = pointed
    clicked = asyncio.Event()

    class Pager(discord.ui.View):
        @discord.ui.button(label="Next", custom_id="pager:next")
        async def next_page(
            self, interaction: discord.Interaction, button: discord.ui.Button[Pager]
        ) -> None:
            await interaction.response.edit_message(content="page 2")
            clicked.set()

    async with running(fake, make_bot()) as bot:
        channel = bot.get_channel(world.channel)
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send("page 1", view=Pager())
        stored = fake.messages[message.id]
        assert stored["components"][0]["components"][0]["custom_id"] == "pager:next"
        click = fake.inject_component(message.id, "pager:next", user_id=world.user)
        await asyncio.wait_for(clicked.wait(), 5)
    assert click.response_type == 7
    assert fake.messages[message.id]["content"] == "page 2"
    assert click.payload["message"]["id"] == str(message.id)
    assert click.payload["data"] == {"custom_id": "pager:next", "component_type": 2}


async def test_permissions_files_replies_and_deleted_messages(
    pointed: FakeDiscord, world: World
) -> None:
    fake = pointed
    async with running(fake, make_bot(allowed_mentions=discord.AllowedMentions.none())) as bot:
        channel = bot.get_channel(world.channel)
        assert isinstance(channel, discord.TextChannel)
        question = fake.post_user_message(world.channel, world.user, "find <@123456789012345678>")
        user_message = await channel.fetch_message(int(question["id"]))
        reply = await user_message.reply(
            f"<@{world.user}> here", file=discord.File(io.BytesIO(b"result"), "result.png")
        )
        stored = fake.messages[reply.id]
        assert stored["type"] == 19 and stored["mentions"] == []  # AllowedMentions.none()
        assert stored["message_reference"]["message_id"] == question["id"]
        post = fake.calls_to("POST", "/channels/")[-1]
        assert post.files == {"result.png": b"result"}
        assert post.json["allowed_mentions"] == {"parse": []}  # so no reply ping either
        assert await reply.attachments[0].read() == b"result"

        fake.deny(world.channel, "embed_links")
        await asyncio.sleep(0.05)  # CHANNEL_UPDATE reaches the client
        assert not channel.permissions_for(channel.guild.me).embed_links
        with pytest.raises(discord.Forbidden) as forbidden:
            await channel.send(embed=discord.Embed(title="no"))
        assert forbidden.value.code == 50013
        await channel.send("text still works")

        fake.delete_message(world.channel, reply.id)
        with pytest.raises(discord.NotFound) as gone:
            await reply.edit(content="edited")
        assert gone.value.code == 10008
        fake.delete_message(world.channel, int(question["id"]))
        with pytest.raises(discord.HTTPException) as unknown_reference:
            await user_message.reply("too late")
        assert unknown_reference.value.code == 50035
        await channel.typing()
        assert (await bot.fetch_channel(world.channel)).id == world.channel
        member = await channel.guild.fetch_member(world.user)
        assert member.id == world.user and member.joined_at is not None
        thread_parent = await channel.send("thread parent")
        thread = await thread_parent.create_thread(name="results")
        await thread.send("in thread")
        assert fake.channels[thread.id].parent_id == world.channel


async def test_ephemeral_replies_are_not_dispatched_or_fetchable(
    pointed: FakeDiscord, world: World
) -> None:
    fake = pointed
    bot = make_bot()
    created: list[int] = []

    @bot.event
    async def on_message(message: discord.Message) -> None:
        created.append(message.id)

    @bot.tree.command(name="secret", description="Ephemeral answer")
    async def secret(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        await interaction.edit_original_response(content="only you")

    async with running(fake, bot) as running_bot:
        interaction = fake.inject_slash(
            "secret", guild_id=world.guild, channel_id=world.channel, user_id=world.user
        )
        await fake.wait_for_call("PATCH", "/webhooks/")
        original = fake.original_message(interaction)
        assert original is not None and original["content"] == "only you"
        assert original["flags"] == 64  # loading flag cleared, ephemeral kept
        channel = running_bot.get_channel(world.channel)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.NotFound):
            await channel.fetch_message(int(original["id"]))
        await channel.send("public")
        await fake.wait_until(lambda: len(created) == 1)
    assert int(original["id"]) not in created


@pytest.mark.parametrize("fake", [{"message_content_granted": False}], indirect=True)
async def test_direct_messages_keep_content_and_closed_dms_refuse(
    pointed: FakeDiscord, world: World
) -> None:
    fake = pointed
    dm_channel = fake.dm_channel_for(world.user)
    async with running(fake, make_bot(message_content=False)) as bot:
        waiter = asyncio.ensure_future(bot.wait_for("message", timeout=5))
        fake.post_user_message(dm_channel, world.user, "in private")
        dm = await waiter
        assert dm.guild is None and dm.content == "in private"  # DMs are exempt from the intent
        await dm.channel.send("got it")
        user = await bot.fetch_user(world.user)
        await user.send("direct")
        stranger = fake.add_user("stranger")
        fake.close_dms(stranger)
        with pytest.raises(discord.Forbidden) as refused:
            await (await bot.fetch_user(stranger)).send("hello?")
        assert refused.value.code == 50007
    assert [m["content"] for m in fake.bot_messages(dm_channel)] == ["got it", "direct"]


async def test_user_command_and_history(pointed: FakeDiscord, world: World) -> None:
    fake = pointed
    bot = make_bot()
    targets: list[discord.Member | discord.User] = []

    @bot.tree.context_menu(name="Avatar search")
    async def avatar_search(interaction: discord.Interaction, user: discord.Member) -> None:
        targets.append(user)
        await interaction.response.send_message(user.display_avatar.url)

    avatar_owner = fake.add_user("bob", avatar=b"avatar png bytes")
    fake.add_member(world.guild, avatar_owner)
    for i in range(3):
        fake.post_user_message(world.channel, world.user, f"old {i}")
    async with running(fake, bot) as running_bot:
        interaction = fake.inject_user_command(
            "Avatar search",
            avatar_owner,
            guild_id=world.guild,
            channel_id=world.channel,
            user_id=world.user,
        )
        await interaction.wait_responded()
        assert isinstance(targets[0], discord.Member) and targets[0].id == avatar_owner
        assert await targets[0].display_avatar.read() == b"avatar png bytes"
        channel = running_bot.get_channel(world.channel)
        assert isinstance(channel, discord.TextChannel)
        history = [m.content async for m in channel.history(limit=10)]
    assert history[-3:] == ["old 2", "old 1", "old 0"]
    assert history[0].startswith(f"{fake.cdn_url}/avatars/{avatar_owner}/")  # the reply


async def test_members_intent_chunks_guilds(pointed: FakeDiscord, world: World) -> None:
    fake = pointed
    intents = discord.Intents.default()
    intents.members = True
    bot = commands.Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.05)
    async with running(fake, bot):
        await fake.wait_until_ready()
        guild = bot.get_guild(world.guild)
        assert guild is not None and guild.chunked
        assert {m.id for m in guild.members} == {fake.bot_user_id, fake.owner_user_id, world.user}
    assert fake.frames(8)  # REQUEST_GUILD_MEMBERS was answered
