"""`python -m bot` as a person runs it: a process reading `.env`, against both fakes."""

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import dataclass

from tests.cogs.stack import final_title, png_bytes
from tests.fakes import dashscope_scenarios as sc
from tests.fakes.dashscope import FakeDashScope
from tests.fakes.discord import FakeDiscord

API_KEY = "sk-process-test-4242"


@dataclass
class Fakes:
    discord: FakeDiscord
    dashscope: FakeDashScope
    guild: int
    channel: int
    user: int

    def search(self, scenario):
        """Alice runs /search on a picture; DashScope answers with `scenario`."""
        self.dashscope.play(scenario)
        image = self.discord.add_attachment(
            "cat.png", png_bytes(), "image/png", channel_id=self.channel
        )
        return self.discord.inject_slash(
            "search",
            {"image": image},
            guild_id=self.guild,
            channel_id=self.channel,
            user_id=self.user,
        )

    def embeds(self, interaction):
        return (self.discord.original_message(interaction) or {}).get("embeds") or []


@contextlib.asynccontextmanager
async def fakes_with_dotenv(tmp_path):
    """Both fakes, one server with alice in it, and a `.env` in `tmp_path` pointing at them."""
    async with FakeDashScope() as dashscope, FakeDiscord() as discord:
        guild = discord.add_guild("Server")
        channel = discord.add_channel(guild, "general")
        user = discord.add_user("alice")
        discord.add_member(guild, user)
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
        yield Fakes(discord, dashscope, guild, channel, user)


async def start_bot(tmp_path, fakes):
    """`python -m bot` in `tmp_path` (so it reads that `.env`), connected to the fake."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DASHSCOPE_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    await fakes.discord.wait_until_ready(within=30)
    return process


async def stop(process, signum=signal.SIGTERM):
    if process.returncode is None:
        process.send_signal(signum)
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    return output.decode()


async def test_python_m_bot_with_dotenv_serves_a_search_and_stops_cleanly(tmp_path):
    async with fakes_with_dotenv(tmp_path) as fakes:
        discord = fakes.discord
        process = await start_bot(tmp_path, fakes)
        try:
            interaction = fakes.search(sc.image_search(hits=3))
            await discord.wait_until(final_title(discord, interaction, "✅ Answer"), within=30)
            assert fakes.embeds(interaction)[-1]["description"] == sc.DEFAULT_ANSWER_TEXT
        finally:
            log = await stop(process)
        assert process.returncode == 0, log
        assert API_KEY not in log and discord.token not in log
        assert (tmp_path / "data").is_dir()  # the command-sync marker lives in DATA_DIR


async def test_a_search_killed_with_the_process_is_marked_interrupted_at_the_next_start(
    tmp_path,
):
    async with fakes_with_dotenv(tmp_path) as fakes:
        discord = fakes.discord
        process = await start_bot(tmp_path, fakes)
        try:
            interaction = fakes.search(sc.stall("hits", seconds=60))
            await discord.wait_until(lambda: len(fakes.embeds(interaction)) == 2, within=30)
            await asyncio.sleep(0.5)  # the message's place is written to the history
        finally:
            await stop(process, signal.SIGKILL)  # no handler: the search stays "running"
        assert "writing" in fakes.embeds(interaction)[-1]["title"]

        restarted = await start_bot(tmp_path, fakes)
        try:
            title = "⚠️ Answer cut off"
            await discord.wait_until(final_title(discord, interaction, title), within=30)
            results = fakes.embeds(interaction)[0]
            assert results["title"] == "🔎 Found 5 matching images"  # what was found stays
        finally:
            await stop(restarted)


async def test_sigterm_during_a_search_finishes_its_message_before_exit(tmp_path):
    async with fakes_with_dotenv(tmp_path) as fakes:
        process = await start_bot(tmp_path, fakes)
        try:
            interaction = fakes.search(sc.stall("hits", seconds=60))
            await fakes.discord.wait_until(lambda: len(fakes.embeds(interaction)) == 2, within=30)
        finally:
            await stop(process)
        assert process.returncode == 0
        results, answer = fakes.embeds(interaction)
        assert results["title"] == "🔎 Found 5 matching images"
        assert answer["title"] == "⚠️ Answer cut off"
        assert "stopped or restarted" in answer["description"]
        assert fakes.dashscope.disconnected.is_set()  # the API call was closed, not left running
