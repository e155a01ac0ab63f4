"""`python -m bot` as a person runs it: a process reading `.env`, against both fakes."""

import asyncio
import os
import signal
import sys

from tests.cogs.stack import final_title, png_bytes
from tests.fakes import dashscope_scenarios as sc
from tests.fakes.dashscope import FakeDashScope
from tests.fakes.discord import FakeDiscord

API_KEY = "sk-process-test-4242"


def write_dotenv(tmp_path, discord, dashscope):
    (tmp_path / ".env").write_text(
        f"DISCORD_TOKEN={discord.token}\n"
        f"DISCORD_API_URL={discord.api_url}\n"
        f"DISCORD_GATEWAY_URL={discord.gateway_url}\n"
        f"DISCORD_CDN_URL={discord.cdn_url}\n"
        f"DASHSCOPE_API_KEY={API_KEY}\n"
        f"DASHSCOPE_BASE_URL={dashscope.base_url}\n"
        "IMAGE_FETCH_ALLOWED_HOSTS=127.0.0.1\n"
        f"DATA_DIR={tmp_path / 'data'}\n"
        f"DATABASE_URL=sqlite:///{tmp_path / 'data' / 'bot.sqlite3'}\n"
    )


async def start_bot(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DASHSCOPE_"))}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def test_python_m_bot_with_dotenv_serves_a_search_and_stops_cleanly(tmp_path):
    async with FakeDashScope() as dashscope, FakeDiscord() as discord:
        guild = discord.add_guild("Server")
        channel = discord.add_channel(guild, "general")
        user = discord.add_user("alice")
        discord.add_member(guild, user)
        write_dotenv(tmp_path, discord, dashscope)
        process = await start_bot(tmp_path)
        try:
            await discord.wait_until_ready(within=30)
            dashscope.play(sc.image_search(hits=3))
            image = discord.add_attachment("cat.png", png_bytes(), "image/png", channel_id=channel)
            interaction = discord.inject_slash(
                "search", {"image": image}, guild_id=guild, channel_id=channel, user_id=user
            )
            await discord.wait_until(final_title(discord, interaction, "✅ Answer"), within=30)
            answer = discord.original_message(interaction)["embeds"][-1]["description"]
            assert answer == sc.DEFAULT_ANSWER_TEXT
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(process.communicate(), 30)
        log = output.decode()
        assert process.returncode == 0, log
        assert API_KEY not in log and discord.token not in log
        assert (tmp_path / "data").is_dir()  # the command-sync marker lives in DATA_DIR


async def test_a_search_killed_with_the_process_is_marked_interrupted_at_the_next_start(
    tmp_path,
):
    async with FakeDashScope() as dashscope, FakeDiscord() as discord:
        guild = discord.add_guild("Server")
        channel = discord.add_channel(guild, "general")
        user = discord.add_user("alice")
        discord.add_member(guild, user)
        write_dotenv(tmp_path, discord, dashscope)
        process = await start_bot(tmp_path)
        try:
            await discord.wait_until_ready(within=30)
            dashscope.play(sc.stall("hits", seconds=60))
            image = discord.add_attachment("cat.png", png_bytes(), "image/png", channel_id=channel)
            interaction = discord.inject_slash(
                "search", {"image": image}, guild_id=guild, channel_id=channel, user_id=user
            )

            def hits_shown():
                return len((discord.original_message(interaction) or {}).get("embeds") or []) == 2

            await discord.wait_until(hits_shown, within=30)
            await asyncio.sleep(0.5)  # the message's place is written to the history
        finally:
            process.kill()  # no shutdown handler runs: the search stays "running" in the store
            await process.communicate()
        assert "writing" in discord.original_message(interaction)["embeds"][-1]["title"]

        restarted = await start_bot(tmp_path)
        try:
            title = "⚠️ Answer cut off"
            await discord.wait_until(final_title(discord, interaction, title), within=30)
            results = discord.original_message(interaction)["embeds"][0]
            assert results["title"] == "🔎 Found 5 matching images"  # what was found stays
        finally:
            restarted.send_signal(signal.SIGTERM)
            await asyncio.wait_for(restarted.communicate(), 30)


async def test_sigterm_during_a_search_finishes_its_message_before_exit(tmp_path):
    async with FakeDashScope() as dashscope, FakeDiscord() as discord:
        guild = discord.add_guild("Server")
        channel = discord.add_channel(guild, "general")
        user = discord.add_user("alice")
        discord.add_member(guild, user)
        write_dotenv(tmp_path, discord, dashscope)
        process = await start_bot(tmp_path)
        await discord.wait_until_ready(within=30)
        dashscope.play(sc.stall("hits", seconds=60))
        image = discord.add_attachment("cat.png", png_bytes(), "image/png", channel_id=channel)
        interaction = discord.inject_slash(
            "search", {"image": image}, guild_id=guild, channel_id=channel, user_id=user
        )

        def hits_shown():
            return len((discord.original_message(interaction) or {}).get("embeds") or []) == 2

        await discord.wait_until(hits_shown, within=30)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0
        results, answer = discord.original_message(interaction)["embeds"]
        assert results["title"] == "🔎 Found 5 matching images"
        assert answer["title"] == "⚠️ Answer cut off"
        assert "stopped or restarted" in answer["description"]
        assert dashscope.disconnected.is_set()  # the API call was closed, not left running
