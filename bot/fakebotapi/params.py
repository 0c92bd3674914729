"""Decoding of Bot API request parameters.

Clients may send parameters as a GET query string, ``application/x-www-form-urlencoded``
(what python-telegram-bot does: each value ``json.dumps``-ed unless already a string),
``multipart/form-data`` (same, plus file parts) or a JSON object body.  :func:`decode_body`
turns any of them into a flat ``dict`` and :func:`normalize` converts well-known keys to
their natural Python types (ints, bools, decoded JSON objects), so recorded calls are easy
to assert on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl


class ParamError(ValueError):
    """A parameter could not be decoded; message is Telegram's description."""


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"Upload({self.filename!r}, {self.content_type!r}, {len(self.data)} bytes)"


JSON_KEYS = {
    "reply_markup",
    "reply_parameters",
    "entities",
    "caption_entities",
    "commands",
    "scope",
    "reaction",
    "options",
    "allowed_updates",
    "link_preview_options",
    "question_entities",
    "explanation_entities",
    "media",
    "permissions",
}
INT_KEYS = {
    "message_id",
    "message_thread_id",
    "reply_to_message_id",
    "from_chat_id",
    "user_id",
    "offset",
    "limit",
    "open_period",
    "close_date",
    "cache_time",
    "correct_option_id",
    "max_connections",
}
FLOAT_KEYS = {"timeout"}
BOOL_KEYS = {
    "disable_notification",
    "protect_content",
    "allow_sending_without_reply",
    "disable_web_page_preview",
    "is_anonymous",
    "allows_multiple_answers",
    "is_closed",
    "show_alert",
    "is_big",
    "drop_pending_updates",
    "only_if_banned",
    "allow_paid_broadcast",
}


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ParamError("Bad Request: multipart boundary not found")
    boundary = b"--" + match.group(1).encode("latin-1")
    result: dict[str, Any] = {}
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = re.search(r'\bname="([^"]*)"', disposition)
        if not name:
            continue
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        if filename:
            ctype = headers.get("content-type", "application/octet-stream")
            result[name.group(1)] = Upload(filename.group(1), ctype, data)
        else:
            result[name.group(1)] = data.decode("utf-8", "replace")
    return result


def decode_body(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Merge query-string and body parameters into one dict (body wins)."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    ctype = content_type.lower()
    if not body:
        return params
    if ctype.startswith("multipart/form-data"):
        params.update(_parse_multipart(body, content_type))
    elif ctype.startswith("application/json"):
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError as exc:
            raise ParamError("Bad Request: can't parse JSON request body") from exc
        if not isinstance(data, dict):
            raise ParamError("Bad Request: JSON request body must be an object")
        params.update(data)
    else:
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def _as_int(key: str, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return value
    try:
        return int(value)
    except ValueError:
        if key == "chat_id":
            return value  # "@username"
        raise ParamError(f"Bad Request: invalid {key} specified") from None


def normalize(params: dict[str, Any]) -> dict[str, Any]:
    """Convert string-encoded values of well-known keys to ints, bools and JSON objects."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str) and key in JSON_KEYS:
            try:
                value = json.loads(value)
            except ValueError:
                raise ParamError(f"Bad Request: can't parse {key} JSON object") from None
        elif key in INT_KEYS or key == "chat_id":
            value = _as_int(key, value)
        elif key in FLOAT_KEYS and isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ParamError(f"Bad Request: invalid {key} specified") from None
        elif key in BOOL_KEYS and isinstance(value, str):
            value = value.strip().lower() in ("true", "1", "yes", "on")
        out[key] = value
    return out
