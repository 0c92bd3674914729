"""Plain-HTTP helpers for tests of the fake's control API and rehearsal page.

``control(api, name, body)`` calls ``/_control/<name>`` (POST with a JSON body, GET without);
``bot(api, method, **params)`` is the bot's side, a raw Bot API call; ``updates(api)`` reads
and confirms what ``getUpdates`` has.  No python-telegram-bot here on purpose: the page and
scripts only ever see this HTTP surface.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from bot.fakebotapi import FakeBotAPI

JSON = dict[str, Any]


def request(url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    head = {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(url, data=data, headers=head)
    try:
        with urllib.request.urlopen(req, timeout=30) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.load(exc)


def control(api: FakeBotAPI, name: str, body: JSON | None = None, status: int = 200) -> Any:
    """The control API's ``result`` (or, when ``status`` isn't 200, its error message)."""
    code, reply = request(f"{api.control_url}/{name}", body)
    assert code == status, reply
    return reply["result"] if status == 200 else reply["error"]


def bot(api: FakeBotAPI, method: str, **params: Any) -> Any:
    code, reply = request(f"{api.base_url}{api.token}/{method}", params)
    assert code == 200 and reply["ok"], reply
    return reply["result"]


def upload(api: FakeBotAPI, method: str, field: str, name: str, mime: str, data: bytes, **params):
    """A multipart Bot API call, as the bot sends a file."""
    boundary = "fakebotapi-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in params.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
        f"Content-Type: {mime}\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    req = urllib.request.Request(
        f"{api.base_url}{api.token}/{method}",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(req, timeout=30) as reply:
        return json.load(reply)["result"]


def updates(api: FakeBotAPI) -> list[JSON]:
    """Every pending update, confirmed so that the next call only sees new ones."""
    got = bot(api, "getUpdates", timeout=0)
    if got:
        bot(api, "getUpdates", offset=got[-1]["update_id"] + 1, timeout=0)
    return got


def kinds(got: list[JSON]) -> list[str]:
    return [next(k for k in u if k != "update_id") for u in got]
