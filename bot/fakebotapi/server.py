"""HTTP plumbing: a ``ThreadingHTTPServer`` on 127.0.0.1 serving ``/bot<token>/<method>``.

Per request: optional latency, token check, parameter decoding, call recording, fault
injection (error reply, dropped connection, delayed reply), then the method itself under
the state lock.  Replies are Telegram's JSON envelopes with the matching HTTP status.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from . import web
from .control import ControlAPI
from .methods_chat import BY_LOWER_NAME
from .params import ParamError, decode_body, normalize
from .state import APIError, State

log = logging.getLogger(__name__)
PATH_RE = re.compile(r"/bot([^/]+)/([A-Za-z0-9_]+)/?")


class _Drop(Exception):
    """Close the connection without sending any response."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("fakebotapi: " + format, *args)

    def setup(self) -> None:
        super().setup()
        with self.server.conn_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.conn_lock:
                self.server.connections.discard(self.connection)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if not self.path.startswith("/bot") and self.server.control is not None:
            try:
                web.serve(self, self.server.control, body)
            except Exception:
                log.exception("fakebotapi: internal error serving %s", self.path)
                self.server.state.internal_errors.append(f"{self.path}: {traceback.format_exc()}")
                self.close_connection = True
            return
        try:
            status, payload = self._process(body)
        except _Drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._reply(status, payload)

    def _process(self, body: bytes) -> tuple[int, dict[str, Any]]:
        state = self.server.state
        split = urlsplit(self.path)
        match = PATH_RE.fullmatch(split.path)
        if not match:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, method = match.groups()
        if state.latency:
            time.sleep(state.latency)
        if token != state.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        known = BY_LOWER_NAME.get(method.lower())
        name = known[0] if known else method
        try:
            params = normalize(decode_body(split.query, body, self.headers.get("Content-Type", "")))
        except ParamError as exc:
            call = state.record(name, {})
            state.finish(call, "error", code=400)
            return 400, APIError(400, str(exc)).payload()
        call = state.record(name, params)
        fault = state.take_fault(name, params)
        if fault and fault.kind == "error" and fault.error:
            state.finish(call, "error", code=fault.error.code)
            return fault.error.code, fault.error.payload()
        if fault and fault.kind == "drop" and not fault.after_processing:
            state.finish(call, "dropped")
            raise _Drop
        if state.flood is not None:
            with state.lock:
                refused = state.flood.check(name, params, time.monotonic())
            if refused is not None:
                state.finish(call, "error", code=429)
                return 429, refused.payload()
        if known is None:
            state.finish(call, "error", code=404)
            return 404, {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        try:
            with state.lock:
                result = known[1](state, params)
        except APIError as exc:
            state.finish(call, "error", code=exc.code)
            return exc.code, exc.payload()
        except Exception as exc:
            log.exception("fakebotapi: internal error in %s", name)
            state.internal_errors.append(f"{name}: {traceback.format_exc()}")
            state.finish(call, "error", code=500)
            return 500, {"ok": False, "error_code": 500, "description": f"Internal: {exc!r}"}
        if fault and fault.kind == "drop":
            state.finish(call, "dropped", result)
            raise _Drop
        state.finish(call, "ok", result)
        if fault and fault.kind == "delay":
            time.sleep(fault.delay)
        return 200, {"ok": True, "result": result}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: State, host: str, port: int, control: ControlAPI | None = None):
        self.state = state
        self.control = control
        self.connections: set[socket.socket] = set()
        self.conn_lock = threading.Lock()
        super().__init__((host, port), Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients vanishing mid-request (cancelled long polls, stop()) are normal here.
        log.debug("fakebotapi: connection error from %s", client_address, exc_info=True)

    def close_connections(self) -> None:
        with self.conn_lock:
            conns = list(self.connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
