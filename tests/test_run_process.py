"""`circle-bot run` as a real process, against the fake Bot API: the command a host types."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.fakebotapi import FakeBotAPI
from tests.bot_harness import ADMIN, GROUP, SEED, make_world, seed_exchange

ROOT = Path(__file__).parent.parent


def test_circle_bot_run_serves_a_group_and_stops_cleanly_on_interrupt(tmp_path):
    with FakeBotAPI() as api:
        make_world(api)
        config = tmp_path / "config.toml"
        config.write_text(
            f'[telegram]\napi_base_url = "{api.base_url}"\n'
            f'[storage]\ndatabase = "{tmp_path / "circle.db"}"\n'
            f'[content]\ndirectory = "{ROOT / "content"}"\n',
            encoding="utf-8",
        )
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token}
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            api.wait_for_calls("setMyCommands", count=2, timeout=20)
            api.send_text(GROUP, ADMIN, "/circle_start")
            api.wait_for(lambda: api.sent_messages(GROUP), timeout=20)
        finally:
            process.send_signal(signal.SIGINT)
            output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert f"{len(seed_exchange().points)} points" in api.sent_messages(GROUP)[0]["text"]
    assert api.token not in output  # the token never reaches the log
    assert (tmp_path / "circle.db").exists()


def run_process(config, token: str, timeout: float = 30) -> subprocess.CompletedProcess:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": token}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_config(tmp_path: Path, base_url: str, extra: str = "") -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\napi_base_url = "{base_url}"\n'
        f'[storage]\ndatabase = "{tmp_path / "circle.db"}"\n' + extra,
        encoding="utf-8",
    )
    return config


def test_a_token_telegram_refuses_is_one_line_and_exit_2(tmp_path):
    with FakeBotAPI() as api:
        config = write_config(
            tmp_path, api.base_url, f'[content]\ndirectory = "{ROOT / "content"}"\n'
        )
        result = run_process(config, "999:WRONG")
    assert result.returncode == 2
    assert "Telegram refused the token in TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert "999:WRONG" not in result.stderr + result.stdout


def test_an_unknown_default_exchange_stops_start_up_with_one_line(tmp_path):
    config = write_config(
        tmp_path,
        "http://127.0.0.1:9/bot",
        f'[content]\ndirectory = "{ROOT / "content"}"\ndefault_exchange = "nope"\n',
    )
    result = run_process(config, "1:X")
    assert result.returncode == 2
    assert "content.default_exchange 'nope' is not in" in result.stderr
    assert SEED["default_exchange"] in result.stderr  # the exchanges that are there
    assert "Traceback" not in result.stderr


def test_a_missing_content_directory_is_named_in_one_line_and_exit_2(tmp_path):
    missing = tmp_path / "no-such-content"
    config = write_config(
        tmp_path, "http://127.0.0.1:9/bot", f'[content]\ndirectory = "{missing}"\n'
    )
    result = run_process(config, "1:X")
    assert result.returncode == 2
    assert f"content.directory {missing} does not exist" in result.stderr
    assert "is not in" not in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_bot_api_is_one_line_and_exit_1(tmp_path):
    # Port 9 (discard) on 127.0.0.1: nothing listens there, the connection is refused.
    config = write_config(
        tmp_path, "http://127.0.0.1:9/bot", f'[content]\ndirectory = "{ROOT / "content"}"\n'
    )
    result = run_process(config, "1:X")
    assert result.returncode == 1
    assert "cannot reach the Bot API at http://127.0.0.1:9/bot" in result.stderr
    assert "Traceback" not in result.stderr
