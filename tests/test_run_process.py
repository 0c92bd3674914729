"""`circle-bot run` as a real process, against the fake Bot API: the command a host types."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.fakebotapi import FakeBotAPI
from tests.bot_harness import ADMIN, GROUP, make_world

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
    assert "10 points" in api.sent_messages(GROUP)[0]["text"]
    assert api.token not in output  # the token never reaches the log
    assert (tmp_path / "circle.db").exists()
