"""`python -m bot invite`: the link, its permissions integer, and where the client id comes from."""

import argparse
import io
from urllib.parse import parse_qs, urlsplit

import discord
import pytest

from bot.__main__ import main
from bot.invite import fetch_application_id, invite_url, run_invite
from bot.permissions import NEEDED, permissions_value
from tests.fakes.discord import FakeDiscord
from tests.test_check import TOKEN, run_command, settings_for

# View Channels, Send Messages, Send Messages in Threads, Embed Links, Read Message History,
# Create Public Threads (for follow-ups),
# Add Reactions (written out, so a change to the list is a deliberate change to this test).
EXPECTED = 1024 + 2048 + 274877906944 + 16384 + 65536 + 64 + 34359738368


def test_permissions_value_is_the_or_of_the_listed_flags():
    assert permissions_value() == EXPECTED
    by_name = discord.Permissions(**{p.name: True for p in NEEDED})
    assert by_name.value == EXPECTED
    for p in NEEDED:  # each bit is discord.py's bit of that name
        assert discord.Permissions(**{p.name: True}).value == p.bit
    assert len({p.bit for p in NEEDED}) == len(NEEDED)


def test_nothing_the_bot_does_not_use():
    names = {p.name for p in NEEDED}
    assert not names & {"administrator", "manage_messages", "mention_everyone", "manage_guild"}


def test_invite_url():
    url = invite_url(123456789012345678, EXPECTED)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://discord.com/oauth2/authorize"
    assert "scope=bot+applications.commands" in url
    query = parse_qs(parts.query)
    assert query == {
        "client_id": ["123456789012345678"],
        "scope": ["bot applications.commands"],
        "permissions": [str(EXPECTED)],
    }


def test_client_id_needs_no_token_or_network(capsys, monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["invite", "--client-id", "123456789012345678"]) == 0
    out = capsys.readouterr().out
    assert "client_id=123456789012345678&" in out
    assert f"permissions={EXPECTED}" in out
    for p in NEEDED:
        assert p.label in out


def test_bad_client_id_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["invite", "--client-id", "my-bot"])
    assert exited.value.code == 2
    assert "not an application id" in capsys.readouterr().err


async def test_application_id_from_discord():
    async with FakeDiscord(token=TOKEN, bot_name="Lens") as fake:
        assert await fetch_application_id(settings_for(fake)) == (fake.application_id, "Lens")


async def test_refused_token_or_no_answer():
    async with FakeDiscord(token="another-token-0123456789") as fake:
        settings = settings_for(fake)
    # the fake is closed: the same call now cannot connect
    client_id, problem = await fetch_application_id(settings)
    assert client_id is None and "could not reach" in problem
    async with FakeDiscord(token="another-token-0123456789") as fake:
        client_id, problem = await fetch_application_id(settings_for(fake))
    assert client_id is None and "reset it in the developer portal" in problem


def test_missing_token_without_client_id_exits_2(monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir("/")  # no .env here
    err = io.StringIO()
    assert run_invite(argparse.Namespace(client_id=None), io.StringIO(), err) == 2
    assert "DISCORD_TOKEN is not set" in err.getvalue() and "--client-id" in err.getvalue()


async def test_command_reads_the_client_id_from_discord(tmp_path):
    async with FakeDiscord(token=TOKEN) as fake:
        env = {"DISCORD_TOKEN": TOKEN, "DISCORD_API_URL": fake.api_url}
        code, out, err = await run_command(tmp_path, "invite", env=env)
    assert code == 0, err
    assert f"client_id={fake.application_id}&scope=bot+applications.commands" in out
    assert f"permissions={EXPECTED}" in out
    assert TOKEN not in out + err
