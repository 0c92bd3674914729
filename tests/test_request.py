"""Telegram's JSON read by orjson (bot/telegram/request.py), and what it leaves to PTB."""

import pytest
from telegram.error import TelegramError

from bot.telegram.request import Request


def test_telegrams_json_is_read_as_pythons_json_module_reads_it():
    payload = '{"ok":true,"result":[{"update_id":7,"message":{"text":"Привет 👍"}}]}'
    assert Request.parse_json_payload(payload.encode()) == {
        "ok": True,
        "result": [{"update_id": 7, "message": {"text": "Привет 👍"}}],
    }


def test_invalid_utf8_is_replaced_as_ptb_does_instead_of_refused():
    parsed = Request.parse_json_payload(b'{"ok":true,"result":"caf\xe9"}')
    assert parsed == {"ok": True, "result": "caf\ufffd"}


def test_a_response_that_is_no_json_is_ptbs_invalid_server_response():
    with pytest.raises(TelegramError, match="Invalid server response"):
        Request.parse_json_payload(b"<html>502 Bad Gateway</html>")
