import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import SCHEMA, ConfigError, load_config

ROOT = Path(__file__).parent.parent
ENV = {"TELEGRAM_BOT_TOKEN": "123:ABC"}


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str, environ=ENV) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, text), environ)
    return str(caught.value)


def test_example_config_loads_with_token_from_environment():
    config = load_config(ROOT / "config.example.toml", ENV)
    assert config.token == "123:ABC"
    assert config.api_base_url == "https://api.telegram.org/bot"
    assert config.timezone == "Europe/Berlin"
    assert config.database == ROOT / "data" / "circle.db"
    assert config.content_dir == ROOT / "content"
    assert config.late_grace_minutes == 60
    assert config.organizer_ids == frozenset()


def test_empty_file_gets_every_default(tmp_path):
    config = load_config(write_config(tmp_path, ""), ENV)
    assert config.default_exchange == "icl-tiananmen-2025"
    assert config.timezone == "UTC"
    assert config.log_level == "INFO"


def test_config_is_immutable(tmp_path):
    config = load_config(write_config(tmp_path, ""), ENV)
    with pytest.raises(AttributeError):
        config.token = "other"  # type: ignore[misc]


def test_local_fake_api_and_organizers_are_read(tmp_path):
    text = '[telegram]\napi_base_url = "http://127.0.0.1:8081/bot"\n[organizers]\nuser_ids = [42]\n'
    config = load_config(write_config(tmp_path, text), ENV)
    assert config.api_base_url == "http://127.0.0.1:8081/bot"
    assert config.api_file_url == "http://127.0.0.1:8081/file/bot"
    assert config.organizer_ids == frozenset({42})


def test_missing_file_says_how_to_create_it(tmp_path):
    with pytest.raises(ConfigError, match=r"copy config\.example\.toml"):
        load_config(tmp_path / "nope.toml", ENV)


def test_unknown_key_names_the_key_and_the_accepted_ones(tmp_path):
    message = error_of(tmp_path, '[circle]\ntimezon = "UTC"\n')
    assert (
        "unknown key circle.timezon (accepted: timezone, schedule, late_grace_minutes)" in message
    )


def test_unknown_section_is_refused(tmp_path):
    assert "unknown section [bot]" in error_of(tmp_path, "[bot]\nx = 1\n")


def test_wrong_type_names_key_and_expected_type(tmp_path):
    message = error_of(tmp_path, '[circle]\nlate_grace_minutes = "an hour"\n')
    assert "circle.late_grace_minutes must be a whole number, got 'an hour'" in message


def test_unknown_timezone_is_refused_with_examples(tmp_path):
    message = error_of(tmp_path, '[circle]\ntimezone = "Mars/Olympus"\n')
    assert "'Mars/Olympus' is not an IANA time zone (for example Europe/Berlin" in message


def test_bad_default_schedule_is_refused(tmp_path):
    assert "circle.schedule" in error_of(tmp_path, '[circle]\nschedule = "whenever"\n')


def test_organizer_ids_must_be_numbers(tmp_path):
    message = error_of(tmp_path, '[organizers]\nuser_ids = ["@alice"]\n')
    assert "organizers.user_ids must be a list of numeric Telegram user ids" in message


def test_missing_token_explains_botfather(tmp_path):
    message = error_of(tmp_path, "", environ={})
    assert message.startswith("TELEGRAM_BOT_TOKEN is not set.")
    assert "@BotFather" in message


def test_token_variable_name_is_configurable(tmp_path):
    text = '[telegram]\ntoken_env = "CIRCLE_TOKEN"\n'
    config = load_config(write_config(tmp_path, text), {"CIRCLE_TOKEN": "9:X"})
    assert config.token == "9:X"


@pytest.mark.parametrize(
    "text",
    ["[circle]\ntimezone = 3\n", "not toml = = 1", '[logging]\nlevel = "LOUD"\n'],
)
def test_run_with_bad_config_prints_one_line_and_exits_2(tmp_path, text, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:ABC")
    result = CliRunner().invoke(cli, ["run", "--config", str(write_config(tmp_path, text))])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ")
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_run_without_token_says_how_to_get_one_and_exits_2(tmp_path, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["run", "--config", str(write_config(tmp_path, ""))])
    assert result.exit_code == 2
    assert "@BotFather" in result.output


def test_every_config_key_is_documented_in_the_example():
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for section, keys in SCHEMA.items():
        assert f"[{section}]" in example
        for key in keys:
            assert re.search(rf"^{key} = ", example, re.M), key


def test_a_one_off_default_schedule_that_has_passed_still_loads(tmp_path):
    config = load_config(write_config(tmp_path, '[circle]\nschedule = "2020-01-01 10:00"\n'), ENV)
    assert config.schedule == "2020-01-01 10:00"


@pytest.mark.parametrize(
    "spec", ["every 2 days 20:00", "tue,thu 19:00 Europe/Berlin", "0 19 * * 2", "off"]
)
def test_default_schedules_of_every_form_load(tmp_path, spec):
    assert load_config(write_config(tmp_path, f'[circle]\nschedule = "{spec}"\n'), ENV).schedule


@pytest.mark.parametrize("spec", ["* * * * *", "0 19 30 2 *", "tue 25:00", "daily 19:00 Mars/X"])
def test_a_default_schedule_is_still_checked_without_a_clock(tmp_path, spec):
    assert "circle.schedule" in error_of(tmp_path, f'[circle]\nschedule = "{spec}"\n')


def test_an_empty_token_variable_name_is_refused(tmp_path):
    message = error_of(tmp_path, '[telegram]\ntoken_env = ""\n')
    assert (
        "telegram.token_env must be an environment variable name, like TELEGRAM_BOT_TOKEN"
        in message
    )
