"""Settings: defaults, validation that names every bad variable, secrets never shown."""

import pytest

from bot.config import DEFAULT_DASHSCOPE_BASE_URL, SettingsError, load_settings


def test_defaults_without_any_variable():
    settings = load_settings({}, dotenv_path=None)
    assert settings.dashscope_base_url == DEFAULT_DASHSCOPE_BASE_URL
    assert settings.dashscope_model == "qwen3.5-plus"
    assert settings.discord_api_url == "https://discord.com/api/v10"
    assert settings.discord_gateway_url == "wss://gateway.discord.gg"
    assert settings.command_prefix == "!"
    assert settings.search_reaction == "🔍"
    assert settings.edit_interval_seconds == 1.0
    assert settings.dashscope_api_key is None
    assert settings.image_fetch_allowed_hosts == ()


def test_every_bad_variable_is_named_in_one_error():
    env = {
        "EDIT_INTERVAL_SECONDS": "fast",
        "DASHSCOPE_BASE_URL": "ftp://example.com",
        "DASHSCOPE_THINKING": "perhaps",
        "LOG_LEVEL": "LOUD",
        "IMAGE_MAX_REDIRECTS": "99",
    }
    with pytest.raises(SettingsError) as caught:
        load_settings(env, dotenv_path=None)
    message = str(caught.value)
    for name in env:
        assert name in message
    assert len(caught.value.problems) == len(env)


def test_missing_api_key_says_which_variable_to_set():
    settings = load_settings({}, dotenv_path=None)
    with pytest.raises(SettingsError, match="DASHSCOPE_API_KEY is not set"):
        settings.require("DASHSCOPE_API_KEY")


def test_secrets_never_appear_in_repr_or_errors():
    settings = load_settings(
        {"DASHSCOPE_API_KEY": "sk-verysecret123", "DISCORD_TOKEN": "tok.en.secret"},
        dotenv_path=None,
    )
    shown = repr(settings) + str(settings)
    assert "sk-verysecret123" not in shown and "tok.en.secret" not in shown
    assert settings.dashscope_api_key is not None
    assert settings.dashscope_api_key.get() == "sk-verysecret123"


def test_dotenv_file_is_read_and_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("DASHSCOPE_MODEL=from-file\nCOMMAND_PREFIX=?\n")
    settings = load_settings({"COMMAND_PREFIX": "$"}, dotenv_path=dotenv)
    assert settings.dashscope_model == "from-file"
    assert settings.command_prefix == "$"


def test_allowed_hosts_are_a_comma_list():
    settings = load_settings({"IMAGE_FETCH_ALLOWED_HOSTS": "127.0.0.1, 10.0.0.0/8 ,"}, None)
    assert settings.image_fetch_allowed_hosts == ("127.0.0.1", "10.0.0.0/8")


def test_a_malformed_allowed_network_is_refused_by_name():
    with pytest.raises(SettingsError, match="IMAGE_FETCH_ALLOWED_HOSTS"):
        load_settings({"IMAGE_FETCH_ALLOWED_HOSTS": "10.0.0.0/33"}, dotenv_path=None)
