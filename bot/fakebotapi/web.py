"""Everything the fake serves besides the Bot API: the rehearsal page, the control API,
uploaded files and the live event stream (Server-Sent Events).

``/`` redirects to ``/rehearsal/`` (the page: static files shipped in ``static/``);
``/_control/stream`` is the SSE stream, ``/_control/file/<file_id>`` a file the bot uploaded,
and every other ``/_control/<name>`` goes to :class:`~.control.ControlAPI`.

Two guards keep other web pages out of this local server: the ``Host`` header must name a
loopback address (DNS rebinding), and a POST must be ``application/json`` (a cross-site form
or ``fetch`` can't send that without a CORS preflight, which is never granted).
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import re
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from .control import ControlAPI
from .views import FILE_PATH

STATIC = Path(__file__).parent / "static"
PAGE = "/rehearsal/"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
ASSET_RE = re.compile(r"[a-z0-9_-]+\.(?:html|js|css|svg|png)")
JSON = dict[str, Any]


def send_bytes(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Cache-Control", "no-store")
    handler.send_header("X-Content-Type-Options", "nosniff")
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def send_json(handler: BaseHTTPRequestHandler, status: int, payload: JSON) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    send_bytes(handler, status, body, "application/json; charset=utf-8")


def error(handler: BaseHTTPRequestHandler, status: int, message: str) -> None:
    send_json(handler, status, {"ok": False, "error": message})


def serve(handler: BaseHTTPRequestHandler, control: ControlAPI, body: bytes) -> None:
    """Answer one request whose path doesn't start with ``/bot``."""
    split = urlsplit(handler.path)
    path, query = split.path, dict(parse_qsl(split.query, keep_blank_values=True))
    host = (handler.headers.get("Host") or "").rsplit(":", 1)[0]
    if host not in LOCAL_HOSTS:
        return error(handler, 403, "only 127.0.0.1/localhost may be used as the Host")
    if path in ("/", PAGE.rstrip("/")):
        handler.send_response(302)
        handler.send_header("Location", PAGE)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return None
    if path.startswith(PAGE):
        return static(handler, path[len(PAGE) :] or "index.html")
    if not path.startswith("/_control/"):
        return error(handler, 404, "not found: the page is at /rehearsal/, the API at /_control/")
    name = path[len("/_control/") :].strip("/")
    if path.startswith(FILE_PATH) and handler.command in ("GET", "HEAD"):
        return file(handler, control, path[len(FILE_PATH) :], query)
    if name == "stream" and handler.command == "GET":
        return stream(handler, control, query)
    if handler.command == "POST":
        if not (handler.headers.get("Content-Type") or "").startswith("application/json"):
            return error(handler, 415, "send a JSON body with Content-Type: application/json")
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return error(handler, 400, "the body is not valid JSON")
        if not isinstance(payload, dict):
            return error(handler, 400, "the body must be a JSON object")
    else:
        payload = {}
    status, reply = control.handle(handler.command, name, query, payload)
    return send_json(handler, status, reply)


def static(handler: BaseHTTPRequestHandler, name: str) -> None:
    if not ASSET_RE.fullmatch(name) or not (STATIC / name).is_file():
        return error(handler, 404, f"no such page asset: {name}")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or name.endswith(".js"):
        content_type += "; charset=utf-8"
    csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'"
    send_bytes(
        handler,
        200,
        (STATIC / name).read_bytes(),
        content_type,
        {"Content-Security-Policy": csp, "Referrer-Policy": "no-referrer"},
    )
    return None


def file(handler: BaseHTTPRequestHandler, control: ControlAPI, file_id: str, query: dict) -> None:
    state = control.api._state
    with state.lock:
        stored = state.files.get(file_id)
    if stored is None:
        return error(handler, 404, f"no bytes stored for file_id {file_id!r}")
    name, content_type, data = stored
    inline = content_type.startswith("image/") and "download" not in query
    disposition = "inline" if inline else "attachment"
    headers = {"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}"}
    send_bytes(handler, 200, data, content_type or "application/octet-stream", headers)
    return None


def stream(handler: BaseHTTPRequestHandler, control: ControlAPI, query: dict[str, str]) -> None:
    """Server-Sent Events: ``id: <seq>`` / ``data: <event JSON>`` until the client leaves."""
    last = handler.headers.get("Last-Event-ID") or query.get("since") or "0"
    seq = int(last) if last.isdigit() else 0
    handler.close_connection = True
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
    handler.send_header("Cache-Control", "no-store")
    handler.send_header("Connection", "close")
    handler.end_headers()
    state = control.api._state
    with contextlib.suppress(OSError):
        handler.wfile.write(b"retry: 1000\n\n")
        handler.wfile.flush()
        while not state.stopping:
            events = control.changes.wait(seq, 15.0)
            chunks = [
                f"id: {e['seq']}\ndata: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events
            ]
            handler.wfile.write("".join(chunks).encode("utf-8") or b": keep-alive\n\n")
            handler.wfile.flush()
            if events:
                seq = events[-1]["seq"]
