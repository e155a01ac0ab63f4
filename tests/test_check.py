"""`python -m bot check`: the checks in-process against the fakes, and the command itself in a
few subprocess runs (exit status, report lines, no secret in the output)."""

import argparse
import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.check import (
    GATEWAY_MESSAGE_CONTENT,
    GATEWAY_MESSAGE_CONTENT_LIMITED,
    Finding,
    Level,
    check_dashscope,
    check_data_dir,
    check_database,
    check_discord,
    exit_status,
    format_report,
    intent_finding,
    run_check,
)
from bot.config import load_settings
from bot.store import Store
from tests.fakes import dashscope_scenarios as sc
from tests.fakes.dashscope import FakeDashScope
from tests.fakes.discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "MTIzNDU2Nzg5.fake-bot-token.check-secret-0123456789"
KEY = "sk-check-secret-key-0123456789"


def env_for(discord=None, dashscope=None, **extra):
    env = {"DISCORD_TOKEN": TOKEN, "DASHSCOPE_API_KEY": KEY}
    if discord is not None:
        env["DISCORD_API_URL"] = discord.api_url
    if dashscope is not None:
        env["DASHSCOPE_BASE_URL"] = dashscope.base_url
    env.update(extra)
    return env


def settings_for(discord=None, dashscope=None, **extra):
    return load_settings(env_for(discord, dashscope, **extra), dotenv_path=None)


def by_name(findings):
    return {f.name: f for f in findings}


# ------------------------------------------------------------------ Discord


async def test_discord_token_application_and_intent():
    async with FakeDiscord(token=TOKEN, bot_name="Lens") as fake:
        findings = by_name(await check_discord(settings_for(fake)))
        calls = [(c.method, c.path) for c in fake.calls]
    assert calls == [("GET", "/users/@me"), ("GET", "/applications/@me")]
    token = findings["Discord token"]
    assert token.level is Level.OK
    assert "Lens" in token.found and str(fake.bot_user_id) in token.found
    app = findings["Discord application"]
    assert app.level is Level.OK and f"application id {fake.application_id}" in app.found
    assert findings["Message Content"].level is Level.OK


async def test_refused_token_fails_with_portal_advice_and_skips_the_rest():
    async with FakeDiscord(token=TOKEN) as fake:
        findings = await check_discord(settings_for(fake, DISCORD_TOKEN="not-the-token-0123"))
        assert len(fake.calls) == 1 and fake.calls[0].status == 401
    token, app, intent = findings
    assert token.level is Level.FAIL
    assert "the token was refused: reset it in the developer portal → Bot" in token.fix
    assert app.level is Level.SKIP and intent.level is Level.SKIP


async def test_missing_message_content_intent_is_a_warning_with_where_to_switch_it_on():
    async with FakeDiscord(token=TOKEN, message_content_granted=False) as fake:
        findings = by_name(await check_discord(settings_for(fake)))
    intent = findings["Message Content"]
    assert intent.level is Level.WARN
    assert "/search" in intent.found
    assert f"applications/{fake.application_id}/bot" in intent.fix
    assert "Message Content Intent" in intent.fix


@pytest.mark.parametrize(
    ("flags", "level"),
    [
        (GATEWAY_MESSAGE_CONTENT, Level.OK),
        (GATEWAY_MESSAGE_CONTENT_LIMITED, Level.OK),
        (GATEWAY_MESSAGE_CONTENT | GATEWAY_MESSAGE_CONTENT_LIMITED, Level.OK),
        (0, Level.WARN),
        (1 << 23 | 1 << 15, Level.WARN),  # other flags (commands badge, members) do not count
    ],
)
def test_intent_flags(flags, level):
    assert intent_finding(flags, "42").level is level


async def test_unreachable_discord_fails_naming_the_host():
    async with FakeDiscord(token=TOKEN) as fake:
        url = fake.api_url
    findings = await check_discord(settings_for(DISCORD_API_URL=url))
    assert findings[0].level is Level.FAIL
    assert "could not reach 127.0.0.1" in findings[0].found
    assert "DISCORD_API_URL" in findings[0].fix


async def test_discord_server_error_is_a_failure():
    async with FakeDiscord(token=TOKEN) as fake:
        fake.fail_next("GET", "/applications/@me", 500, {"message": "boom", "code": 0})
        findings = by_name(await check_discord(settings_for(fake)))
    assert findings["Discord token"].level is Level.OK
    assert findings["Discord application"].level is Level.FAIL
    assert "HTTP 500" in findings["Discord application"].found
    assert findings["Message Content"].level is Level.SKIP


# ------------------------------------------------------------------ DashScope


async def test_dashscope_cheapest_request_through_the_sdk():
    async with FakeDashScope(sc.plain_response()) as fake:
        finding = await check_dashscope(settings_for(dashscope=fake, DASHSCOPE_MODEL="qwen-x"))
        sent = fake.requests[0]
    assert finding.level is Level.OK
    assert "key accepted" in finding.found and "127.0.0.1" in finding.found
    assert sent.path.endswith("/compatible-mode/v1/responses")
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    body = sent.json
    assert body["model"] == "qwen-x"
    assert "tools" not in body and not body.get("stream")
    assert body["max_output_tokens"] <= 16
    assert body["enable_thinking"] is False


@pytest.mark.parametrize(
    ("scenario", "level", "words"),
    [
        (sc.http_error_flat(), Level.FAIL, ["refused", "DASHSCOPE_API_KEY"]),
        (sc.http_error_openai(), Level.FAIL, ["not found", "DASHSCOPE_MODEL"]),
        (sc.SCENARIOS["http_400_arrearage"](), Level.FAIL, ["arrears", "console"]),
        (sc.SCENARIOS["http_403_access_denied"](), Level.FAIL, ["may not use", "workspace"]),
        (sc.SCENARIOS["http_429_throttling"](), Level.WARN, ["throttling", "again"]),
        (sc.SCENARIOS["http_503_unavailable"](), Level.FAIL, ["no answer", "try later"]),
        (
            sc.plain_response(
                status="failed", error={"code": "server_error", "message": sc.RATE_LIMIT_MESSAGE}
            ),
            Level.WARN,
            ["throttling"],
        ),
        # An SSE stream where a plain answer was expected: not a Responses API endpoint.
        (sc.image_search(), Level.FAIL, ["not a Responses API result", "DASHSCOPE_BASE_URL"]),
    ],
    ids=lambda v: getattr(v, "name", None) or str(v),
)
async def test_dashscope_failures_give_advice(scenario, level, words):
    async with FakeDashScope(scenario) as fake:
        finding = await check_dashscope(settings_for(dashscope=fake))
        assert len(fake.requests) == 1  # no retry: a check must not pay twice
    assert finding.level is level
    text = f"{finding.found} {finding.fix}"
    for word in words:
        assert word in text
    assert KEY not in text


async def test_unreachable_dashscope_fails():
    async with FakeDashScope() as fake:
        url = fake.base_url
    finding = await check_dashscope(settings_for(DASHSCOPE_BASE_URL=url))
    assert finding.level is Level.FAIL and "no answer from 127.0.0.1" in finding.found


# ------------------------------------------------------------------ database and files


async def test_sqlite_database_in_a_missing_but_creatable_directory(tmp_path):
    url = f"sqlite:///{tmp_path}/new/dir/bot.sqlite3"  # sqlite:////abs/path
    finding = await check_database(settings_for(DATABASE_URL=url))
    assert finding.level is Level.OK
    assert "created on first start" in finding.found  # says what was not checked
    assert not (tmp_path / "new").exists()  # a check creates nothing


async def test_an_existing_sqlite_database_is_opened(tmp_path):
    url = f"sqlite:///{tmp_path}/bot.sqlite3"
    await (await Store.open(url)).close()
    finding = await check_database(settings_for(DATABASE_URL=url))
    assert finding.level is Level.OK and "opened, schema up to date" in finding.found


async def test_a_sqlite_file_that_is_no_database_fails(tmp_path):
    (tmp_path / "bot.sqlite3").write_text("this is not a database " * 100)
    finding = await check_database(settings_for(DATABASE_URL=f"sqlite:///{tmp_path}/bot.sqlite3"))
    assert finding.level is Level.FAIL and "opening it failed" in finding.found


async def test_sqlite_database_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert (await check_database(settings_for())).level is Level.OK  # default sqlite:///data/...


async def test_sqlite_database_under_a_file_fails(tmp_path):
    (tmp_path / "plain").write_text("x")
    url = f"sqlite:///{tmp_path}/plain/bot.sqlite3"
    finding = await check_database(settings_for(DATABASE_URL=url))
    assert finding.level is Level.FAIL and "not a directory" in finding.found


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
async def test_sqlite_database_in_a_read_only_directory_fails(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    finding = await check_database(settings_for(DATABASE_URL=f"sqlite:///{locked}/bot.sqlite3"))
    assert finding.level is Level.FAIL and "not writable" in finding.found


async def test_unreachable_postgresql_fails_and_its_password_is_never_shown():
    url = "postgresql://bot:hunter2-secret@127.0.0.1:1/images"  # nothing listens on port 1
    finding = await check_database(settings_for(DATABASE_URL=url))
    assert finding.level is Level.FAIL
    assert "images on 127.0.0.1" in finding.found and "opening it failed" in finding.found
    assert "hunter2" not in finding.found + finding.fix


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL not set")
async def test_a_reachable_postgresql_is_opened():
    finding = await check_database(settings_for(DATABASE_URL=os.environ["TEST_DATABASE_URL"]))
    assert finding.level is Level.OK and "opened, schema up to date" in finding.found


@pytest.mark.parametrize(
    "url",
    ["mysql://x/y", "sqlite://relative.db", "postgres:/x", "sqlite:///:memory:", "postgresql://"],
)
async def test_unusable_database_url_fails(url):
    finding = await check_database(settings_for(DATABASE_URL=url))
    assert finding.level is Level.FAIL and "sqlite:///" in finding.fix


def test_data_dir(tmp_path):
    assert check_data_dir(settings_for(DATA_DIR=str(tmp_path / "d"))).level is Level.OK
    (tmp_path / "f").write_text("x")
    assert check_data_dir(settings_for(DATA_DIR=str(tmp_path / "f"))).level is Level.FAIL


# ------------------------------------------------------------------ report and exit status


def test_report_masks_secrets_and_shows_fixes():
    findings = [
        Finding("Discord token", Level.FAIL, f"echoed {TOKEN}", "reset it"),
        Finding("DashScope", Level.WARN, f"echoed {KEY}"),
        Finding("Database", Level.OK, "fine"),
    ]
    report = format_report(findings, [TOKEN, KEY])
    assert TOKEN not in report and KEY not in report
    lines = report.splitlines()
    assert lines[0].startswith("✗ Discord token") and lines[1].strip() == "→ reset it"
    assert lines[2].startswith("⚠ DashScope") and lines[3].startswith("✓ Database")
    assert "1 check(s) failed" in report
    assert exit_status(findings) == 1
    assert exit_status(findings[1:]) == 0


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DISCORD_TOKEN": TOKEN}, "DASHSCOPE_API_KEY is not set"),
        ({"DASHSCOPE_API_KEY": KEY}, "DISCORD_TOKEN is not set"),
        (
            {"DISCORD_TOKEN": TOKEN, "DASHSCOPE_API_KEY": KEY, "EDIT_INTERVAL_SECONDS": "fast"},
            "EDIT_INTERVAL_SECONDS must be a number",
        ),
    ],
)
def test_unusable_settings_exit_2_naming_the_variable(capsys, env, named):
    code = run_check(argparse.Namespace(), load=lambda: load_settings(env, dotenv_path=None))
    out = capsys.readouterr().out
    assert code == 2
    assert out.startswith("✗ Settings") and named in out


# ------------------------------------------------------------------ the command


async def run_command(tmp_path, *args, env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DASHSCOPE_", "DISCORD_"))}
    environ.update(env)
    environ["PYTHONPATH"] = str(ROOT)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


async def test_command_all_good(tmp_path):
    async with FakeDiscord(token=TOKEN) as discord, FakeDashScope(sc.plain_response()) as ds:
        code, out, err = await run_command(tmp_path, "check", env=env_for(discord, ds))
    assert code == 0, out + err
    names = ["Settings", "Discord token", "Discord application", "Message Content", "DashScope"]
    for name in [*names, "Database", "Data directory"]:
        assert any(line.startswith(f"✓ {name}") for line in out.splitlines()), (name, out)
    assert "Ready: every check passed." in out
    assert TOKEN not in out + err and KEY not in out + err


async def test_command_failures_exit_1(tmp_path):
    refusing = FakeDiscord(token="another-token-0123456789")
    async with refusing as discord, FakeDashScope(sc.http_error_flat()) as ds:
        code, out, err = await run_command(tmp_path, "check", env=env_for(discord, ds))
    assert code == 1
    assert "✗ Discord token" in out and "reset it in the developer portal → Bot" in out
    assert "✗ DashScope" in out and "DASHSCOPE_API_KEY" in out
    assert TOKEN not in out + err and KEY not in out + err


async def test_command_missing_key_exits_2(tmp_path):
    code, out, err = await run_command(tmp_path, "check", env={"DISCORD_TOKEN": TOKEN})
    assert code == 2
    assert "DASHSCOPE_API_KEY" in out
    assert TOKEN not in out + err
