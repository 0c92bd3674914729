"""The control API: what people do, over HTTP (JSON in, JSON out), under ``/_control/``.

A thin layer over the Python helpers of :class:`~bot.fakebotapi.FakeBotAPI` (``send_text``,
``edit_text``, ``press_button``, ``answer_poll``, ``user``, ``set_member``, ``private_chat``)
and the :class:`~.changes.ChangeLog`.  Every reply is ``{"ok": true, "result": ...}`` or
``{"ok": false, "error": "..."}`` with a 4xx/5xx status.  The clock endpoints call the hooks
the embedding program registered with ``api.set_rehearsal_hooks(...)``; they run on the HTTP
server's thread, never with the fake's lock held.  The streaming and file endpoints live in
:mod:`.web`.  See docs/fakebotapi.md for every endpoint with an example.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from . import views
from .changes import ChangeLog
from .state import State

log = logging.getLogger(__name__)
JSON = dict[str, Any]
JUMPS = ("next", "hour", "day")


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Hooks:
    """Clock control supplied by the program embedding the fake (``circle-bot rehearse``)."""

    advance: Callable[[str], JSON] | None = None
    agenda: Callable[[], list[str]] | None = None


def need(body: JSON, key: str, kind: type = int) -> Any:
    value = body.get(key)
    if value is None:
        raise ControlError(400, f"missing {key!r}")
    if kind is int and isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ControlError(400, f"{key!r} must be {'an integer' if kind is int else 'a string'}")
    return value


def optional_int(body: JSON, key: str) -> int | None:
    return None if body.get(key) in (None, "") else need(body, key)


class People(Protocol):
    """What the control API asks of the fake (`FakeBotAPI`'s Python helpers). A protocol, not
    an import: api.py builds the control API, so importing it back would make a cycle."""

    _state: State

    def send_text(self, chat_id: int, user_id: int, text: str, **fields: Any) -> JSON: ...
    def edit_text(self, chat_id: int, message_id: int, new_text: str) -> JSON: ...
    def press_button(self, chat_id: int, message_id: int, user_id: int, data: str) -> JSON: ...
    def answer_poll(self, poll_id: str, user_id: int, option_ids: Any) -> JSON: ...
    def message(self, chat_id: int, message_id: int) -> JSON | None: ...
    def private_chat(self, user: Any) -> JSON: ...
    def set_member(self, chat_id: int, user_id: int, status: str) -> None: ...
    def user(self, user_id: int, first_name: str, **fields: Any) -> JSON: ...


class ControlAPI:
    def __init__(self, api: People, changes: ChangeLog):
        self.api = api
        self.changes = changes
        self.hooks = Hooks()
        self.get_routes: dict[str, Callable[[dict[str, str]], Any]] = {
            "world": lambda q: self.world(),
            "users": lambda q: self.changes.world()["users"],
            "chats": lambda q: self.changes.world()["chats"],
            "messages": self.messages,
            "events": self.events,
            "agenda": lambda q: self.agenda(),
        }
        self.post_routes: dict[str, Callable[[JSON], Any]] = {
            "users": self.add_user,
            "members": self.set_member,
            "start": self.start,
            "send": self.send,
            "edit": self.edit,
            "vote": self.vote,
            "press": self.press,
            "clock": self.clock,
        }

    def handle(self, method: str, name: str, query: dict[str, str], body: JSON) -> tuple[int, JSON]:
        routes: dict[str, Any] = self.get_routes if method == "GET" else self.post_routes
        other = self.post_routes if method == "GET" else self.get_routes
        try:
            if name not in routes:
                if name in other:
                    verb = "POST" if method == "GET" else "GET"
                    raise ControlError(405, f"use {verb} for {name}")
                raise ControlError(404, f"no control endpoint {name!r}")
            result = routes[name](query if method == "GET" else body)
        except ControlError as exc:
            return exc.status, {"ok": False, "error": str(exc)}
        except ValueError as exc:  # the Python helpers' "you can't do that"
            return 400, {"ok": False, "error": str(exc)}
        self.api._state.notify()
        return 200, {"ok": True, "result": result}

    # -- reading -------------------------------------------------------------------------
    def world(self) -> JSON:
        hooks = {"clock": self.hooks.advance is not None, "agenda": self.hooks.agenda is not None}
        return {**self.changes.world(), "hooks": hooks}

    def messages(self, q: dict[str, str]) -> list[JSON]:
        chat_id = optional_int(q, "chat_id")
        after = optional_int(q, "after") or 0
        return [
            m
            for m in self.changes.world()["messages"]
            if (chat_id is None or m["chat_id"] == chat_id) and m["message_id"] > after
        ]

    def events(self, q: dict[str, str]) -> JSON:
        since = optional_int(q, "since") or 0
        timeout = min(max(float(q.get("timeout") or 0), 0.0), 60.0)
        events = self.changes.wait(since, timeout)
        return {"seq": events[-1]["seq"] if events else since, "events": events}

    # -- people --------------------------------------------------------------------------
    def add_user(self, body: JSON) -> JSON:
        first_name = need(body, "first_name", str).strip()
        if not first_name:
            raise ControlError(400, "'first_name' is empty")
        state = self.api._state
        with state.lock:
            user_id = optional_int(body, "id") or max([100, *state.users]) + 1
            user = self.api.user(
                user_id,
                first_name,
                username=body.get("username") or None,
                last_name=body.get("last_name") or None,
            )
            chat_id = optional_int(body, "chat_id")
            if chat_id is not None:
                self.api.set_member(chat_id, user_id, body.get("status") or "member")
        return views.user_view(user)

    def set_member(self, body: JSON) -> JSON:
        chat_id, user_id = need(body, "chat_id"), need(body, "user_id")
        status = body.get("status") or "member"
        self.api.set_member(chat_id, user_id, status)
        return {"chat_id": chat_id, "user_id": user_id, "status": status}

    def start(self, body: JSON) -> JSON:
        """The user opens their private chat with the bot and presses Start ("/start")."""
        user_id = need(body, "user_id")
        chat = self.api.private_chat(user_id)
        if body.get("send_start", True):
            return {"chat": chat, "message": self.api.send_text(user_id, user_id, "/start")}
        return {"chat": chat}

    # -- messages ------------------------------------------------------------------------
    def send(self, body: JSON) -> JSON:
        text = need(body, "text", str)
        if not text.strip():
            raise ControlError(400, "'text' is empty")
        return self.api.send_text(
            need(body, "chat_id"),
            need(body, "user_id"),
            text,
            reply_to=optional_int(body, "reply_to"),
            thread_id=optional_int(body, "thread_id"),
        )

    def edit(self, body: JSON) -> JSON:
        chat_id, message_id = need(body, "chat_id"), need(body, "message_id")
        text = need(body, "text", str)
        if not text.strip():
            raise ControlError(400, "'text' is empty")
        user_id = optional_int(body, "user_id")
        if user_id is not None:
            msg = self.api.message(chat_id, message_id) or {}
            if msg.get("from", {}).get("id") != user_id:
                raise ControlError(403, f"user {user_id} did not write message {message_id}")
        return self.api.edit_text(chat_id, message_id, text)

    def vote(self, body: JSON) -> JSON:
        poll_id = body.get("poll_id")
        if poll_id is None:
            msg = self.api.message(need(body, "chat_id"), need(body, "message_id")) or {}
            if "poll" not in msg:
                raise ControlError(404, "no poll in that message")
            poll_id = msg["poll"]["id"]
        options = body.get("option_ids")
        if not isinstance(options, list) or not all(type(i) is int for i in options):
            raise ControlError(400, "'option_ids' must be a list of integers ([] retracts)")
        return self.api.answer_poll(str(poll_id), need(body, "user_id"), options)

    def press(self, body: JSON) -> JSON:
        return self.api.press_button(
            need(body, "chat_id"),
            need(body, "user_id"),
            need(body, "message_id"),
            need(body, "data", str),
        )

    # -- the clock (hooks) ---------------------------------------------------------------
    def set_hooks(
        self, advance: Callable[[str], JSON] | None, agenda: Callable[[], list[str]] | None
    ) -> None:
        self.hooks = Hooks(advance, agenda)
        self.changes.append("hooks", {"clock": advance is not None, "agenda": agenda is not None})

    def clock(self, body: JSON) -> JSON:
        jump = body.get("jump")
        if jump not in JUMPS:
            raise ControlError(400, f"'jump' must be one of {', '.join(JUMPS)}")
        if self.hooks.advance is None:
            raise ControlError(409, NO_HOOK.format(what="clock"))
        result = self._call("clock", self.hooks.advance, jump)
        self.changes.append("clock", {"jump": jump, "result": result})
        return result

    def agenda(self) -> JSON:
        if self.hooks.agenda is None:
            raise ControlError(409, NO_HOOK.format(what="agenda"))
        return {"sessions": [str(s) for s in self._call("agenda", self.hooks.agenda)]}

    def _call(self, what: str, hook: Callable[..., Any], *args: Any) -> Any:
        try:
            return hook(*args)
        except Exception as exc:
            log.exception("fakebotapi: %s hook failed", what)
            raise ControlError(500, f"{what} hook failed: {exc!r}") from exc


NO_HOOK = (
    "no {what} hook registered: the standalone fake has no bot clock; "
    "a program that runs the bot registers one with api.set_rehearsal_hooks()"
)
