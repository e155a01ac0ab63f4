"""`python -m bot search`: the real command in a subprocess against the fake DashScope."""

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.fakes import dashscope_scenarios as sc
from tests.fakes.dashscope import FakeDashScope

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def png(tmp_path):
    path = tmp_path / "lake.png"
    Image.new("RGB", (64, 48), (30, 120, 200)).save(path)
    return path


async def run_cli(tmp_path, *args, env=None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DASHSCOPE_", "DISCORD_"))}
    environ.update(env or {})
    environ["PYTHONPATH"] = str(ROOT)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "search",
        *map(str, args),
        cwd=tmp_path,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


def fake_env(fake):
    return {"DASHSCOPE_API_KEY": "sk-cli-test-123456", "DASHSCOPE_BASE_URL": fake.base_url}


async def test_search_prints_hits_answer_and_usage(tmp_path, png):
    hits = sc.make_hits(3)
    async with FakeDashScope() as fake:
        fake.play(sc.image_search(hits=hits))
        code, out, err = await run_cli(tmp_path, png, "--mode", "similar", env=fake_env(fake))
        sent = fake.requests[0].json
    assert code == 0, err
    assert "Image search 1 (image 1, region 0,0–1000,1000): 3 hits" in out
    for hit in hits:
        assert f"{hit['index']:>4}. " in out and hit["url"] in out
    assert sc.DEFAULT_ANSWER_TEXT in out
    assert "1 image search," in out and "¥0.048" in out
    assert "Searching…" in err
    # the image went as a PNG data URL, with the similar-mode prompt
    content = sent["input"][0]["content"]
    assert content[1]["image_url"].startswith("data:image/png;base64,")
    assert "same in style" in content[0]["text"] or "style" in content[0]["text"]


async def test_json_output(tmp_path, png):
    async with FakeDashScope() as fake:
        fake.play(sc.image_search(hits=2))
        code, out, _ = await run_cli(tmp_path, png, "--json", env=fake_env(fake))
    assert code == 0
    data = json.loads(out)
    assert data["status"] == "completed"
    assert data["text"] == sc.DEFAULT_ANSWER_TEXT
    assert len(data["calls"][0]["hits"]) == 2


async def test_failure_exits_1_with_code_and_message(tmp_path, png):
    async with FakeDashScope() as fake:
        fake.play(sc.http_error_flat(401, "InvalidApiKey", "Invalid API-key provided."))
        code, out, err = await run_cli(tmp_path, png, env=fake_env(fake))
    assert code == 1
    assert "[auth]" in err and "DASHSCOPE_API_KEY" in err
    assert "sk-cli-test-123456" not in out + err


async def test_cut_stream_shows_hits_then_fails(tmp_path, png):
    async with FakeDashScope() as fake:
        fake.play(sc.cut_mid_stream("hits"))
        code, out, err = await run_cli(tmp_path, png, env=fake_env(fake))
    assert code == 1
    assert "5 hits" in out
    assert "[interrupted]" in err


async def test_missing_key_exits_2_naming_the_variable(tmp_path, png):
    code, _, err = await run_cli(tmp_path, png)
    assert code == 2
    assert "DASHSCOPE_API_KEY is not set" in err


async def test_not_an_image_exits_1(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    code, _, err = await run_cli(tmp_path, path, env={"DASHSCOPE_API_KEY": "sk-x-123456"})
    assert code == 1
    assert "[not_an_image]" in err


async def test_bad_usage_exits_2(tmp_path):
    code, _, err = await run_cli(tmp_path, "x.png", "--mode", "nonsense")
    assert code == 2
    assert "invalid choice" in err
