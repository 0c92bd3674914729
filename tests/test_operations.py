"""Operations: webhook mode, `circle-bot db backup`, `circle-bot doctor`, deploy files."""

from __future__ import annotations

import asyncio
import configparser
import json
import socket
import sqlite3
import threading
import urllib.error
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from bot.store import open_store
from bot.telegram.app import build_application
from bot.telegram.polling import Poller
from bot.telegram.runner import Webhook, serve
from tests.bot_harness import ADMIN, GROUP, make_config
from tests.test_durability_process import write_config

ROOT = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def post(url: str, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


async def test_webhook_mode_takes_updates_only_with_the_secret_telegram_was_given(api, tmp_path):
    port = free_port()
    app = build_application(make_config(api, tmp_path))
    poller = Poller(app)
    url = f"http://127.0.0.1:{port}/circle-hook"
    serving = asyncio.create_task(serve(app, Webhook(url, f"127.0.0.1:{port}"), poller=poller))
    (call,) = await api.await_calls("setWebhook", timeout=20)
    secret = call.params["secret_token"]
    assert call.params["url"] == url and len(secret) >= 32
    await api.await_for(lambda: listening(port), timeout=10)
    message = api.send_text(GROUP, ADMIN, "/circle_start")  # Telegram would post this
    api.discard_pending_updates()
    update = {"update_id": 900, "message": message}
    assert await asyncio.to_thread(post, url, update, None) == 403
    assert await asyncio.to_thread(post, url, update, "wrong") == 403
    assert api.sent_messages(GROUP) == []
    assert await asyncio.to_thread(post, url, update, secret) == 200
    await api.await_for(lambda: api.sent_messages(GROUP), timeout=10)
    poller.stop()
    assert await serving == 0
    kept = open_store(tmp_path / "circle.db")
    assert kept.scalar("SELECT 1 FROM update_handled WHERE update_id = 900")
    kept.close()


def test_a_backup_taken_while_the_bot_writes_is_consistent(tmp_path):
    store = open_store(tmp_path / "circle.db")
    store.execute("CREATE TABLE busy (n INTEGER)")
    done = threading.Event()

    def write() -> None:
        writer = sqlite3.connect(tmp_path / "circle.db", isolation_level=None)
        n = 0
        while not done.is_set():
            writer.execute("INSERT INTO busy VALUES (?)", [n])
            n += 1
        writer.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        config = tmp_path / "config.toml"
        config.write_text(f'[storage]\ndatabase = "{tmp_path / "circle.db"}"\n', encoding="utf-8")
        results = [
            CliRunner().invoke(
                cli, ["db", "backup", "--config", str(config), str(tmp_path / f"b{i}.db")]
            )
            for i in range(3)
        ]
    finally:
        done.set()
        writer.join()
        store.close()
    for i, result in enumerate(results):
        assert result.exit_code == 0, result.output
        copy = sqlite3.connect(tmp_path / f"b{i}.db")
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = copy.execute("SELECT count(*), max(n) FROM busy").fetchone()
        assert rows[0] == 0 or rows[1] == rows[0] - 1  # a prefix of the writes, never a gap
        copy.close()


def test_doctor_gives_one_verdict_per_check_and_exit_0_when_all_is_well(api, tmp_path, monkeypatch):
    config = write_config(tmp_path, api)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
    result = CliRunner().invoke(cli, ["doctor", "--config", str(config)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "ok  config",
        "ok  content",
        "ok  database",
        "ok  token",
        "ok  bot api",
        "ok  privacy",
    ]


def test_doctor_names_a_refused_token_and_exits_1(api, tmp_path, monkeypatch):
    config = write_config(tmp_path, api)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:WRONG")
    result = CliRunner().invoke(cli, ["doctor", "--config", str(config)])
    assert result.exit_code == 1
    assert "BAD token: Telegram refused the token in TELEGRAM_BOT_TOKEN" in result.output
    assert "1:WRONG" not in result.output


def test_the_systemd_unit_runs_unprivileged_restarts_on_failure_and_keeps_data_apart():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment]
    unit.read(ROOT / "deploy" / "discussion-circle.service")
    service = unit["Service"]
    assert service["User"] not in ("", "root")
    assert service["Restart"] == "on-failure"
    assert "circle-bot run" in service["ExecStart"]
    assert service["StateDirectory"]
    assert int(service["TimeoutStopSec"]) >= 5


def test_the_dockerfile_runs_as_a_user_with_a_data_volume():
    lines = (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    instructions = [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]
    assert instructions[0] == "FROM"
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any(line.startswith("VOLUME") and "/data" in line for line in lines)
    assert any(line.startswith("STOPSIGNAL SIGTERM") for line in lines)
    assert 'CMD ["circle-bot", "run"' in "\n".join(lines)
