"""In-memory world of the fake Bot API: users, chats, messages, the update queue, recorded
calls and armed faults.  Everything is guarded by one re-entrant lock; ``cond`` (built on it)
is notified on every change so long-polls and test waiters wake up promptly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import shapes

JSON = dict[str, Any]


class APIError(Exception):
    """A Bot API error reply: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        data: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            data["parameters"] = self.parameters
        return data


class Call:
    """One recorded request.  Unpacks as ``method, params, time``.

    ``status`` is ``"pending"`` while being processed, then ``"ok"``, ``"error"`` (see
    ``error_code``) or ``"dropped"`` (connection closed without a response).
    """

    __slots__ = ("error_code", "method", "params", "result", "status", "time")

    def __init__(self, method: str, params: JSON, at: float):
        self.method, self.params, self.time = method, params, at
        self.status = "pending"
        self.result: Any = None
        self.error_code: int | None = None

    def __iter__(self):
        return iter((self.method, self.params, self.time))

    def __getitem__(self, index: int) -> Any:
        return (self.method, self.params, self.time)[index]

    def __repr__(self) -> str:
        return f"Call({self.method!r}, {self.params!r}, status={self.status!r})"


@dataclass
class Fault:
    """An armed fault for the next ``times`` calls of ``method`` (``"*"`` = any method)."""

    method: str
    times: int
    kind: str  # "error" | "drop" | "delay"
    error: APIError | None = None
    after_processing: bool = False
    delay: float = 0.0
    chat_id: int | str | None = None

    def matches(self, method: str, params: JSON) -> bool:
        if self.method not in ("*", method.lower()):
            return False
        return self.chat_id is None or params.get("chat_id") == self.chat_id


@dataclass
class ChatInfo:
    chat: JSON  # compact Chat object as embedded in messages
    creator: int | None = None
    admins: set[int] = field(default_factory=set)
    members: set[int] = field(default_factory=set)
    left: set[int] = field(default_factory=set)
    kicked: set[int] = field(default_factory=set)
    bot_status: str = "administrator"
    topics: set[int] = field(default_factory=set)
    next_message_id: int = 1
    pinned: list[int] = field(default_factory=list)

    @property
    def forum(self) -> bool:
        return bool(self.chat.get("is_forum"))

    def status_of(self, user_id: int) -> str:
        if user_id == self.creator:
            return "creator"
        if user_id in self.kicked:
            return "kicked"
        if user_id in self.admins:
            return "administrator"
        if user_id in self.members:
            return "member"
        return "left"


class State:
    def __init__(self, bot_token: str, bot_username: str, bot_first_name: str):
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.token = bot_token
        bot_id = int(bot_token.split(":", 1)[0]) if bot_token.split(":")[0].isdigit() else 1
        self.bot = shapes.bot_user(bot_id, bot_first_name, bot_username)
        # how the bot appears in Message.from (getMe adds the capability flags)
        self.bot_from = {k: self.bot[k] for k in ("id", "is_bot", "first_name", "username")}
        self.users: dict[int, JSON] = {}
        self.chats: dict[int, ChatInfo] = {}
        self.started_private: set[int] = set()
        self.blocked: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.messages: dict[tuple[int, int], JSON] = {}
        self.bot_messages: list[tuple[int, int]] = []
        self.deleted: set[tuple[int, int]] = set()
        self.reactions: dict[tuple[int, int], list[JSON]] = {}
        self.polls: dict[str, JSON] = {}  # poll_id -> {"chat_id", "message_id", "votes"}
        self.callback_queries: dict[str, JSON] = {}
        # file_id -> (file_name, mime_type, bytes) of files the bot uploaded (served to the page)
        self.files: dict[str, tuple[str, str, bytes]] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.updates: list[JSON] = []
        self.next_update_id = 1000
        self.poll_generation = 0
        self.allowed_updates: list[str] = []
        self.webhook_url = ""
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.latency = 0.0
        self.flood: Any = None  # a flood.FloodLimits while Telegram's limits are enforced
        self.internal_errors: list[str] = []
        self.stopping = False
        self._counter = 0
        # What a message's `date` says; a rehearsal lends its jumped-ahead clock here.
        self.clock: Callable[[], float] = time.time

    # -- small helpers -------------------------------------------------------------------
    def now(self) -> int:
        return int(self.clock())

    def next_id(self, prefix: str) -> str:
        with self.lock:
            self._counter += 1
            return f"{prefix}{self._counter}"

    def notify(self) -> None:
        with self.cond:
            self.cond.notify_all()

    def find_user(self, user_id: int) -> JSON:
        if user_id == self.bot["id"]:
            return self.bot
        try:
            return self.users[user_id]
        except KeyError:
            raise ValueError(f"unknown user {user_id}; create it with api.user(...)") from None

    def chat_info(self, chat_id: int | str) -> ChatInfo | None:
        if isinstance(chat_id, str):
            return next(
                (c for c in self.chats.values() if c.chat.get("username") == chat_id[1:]), None
            )
        return self.chats.get(chat_id)

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        if (chat_id, message_id) in self.deleted:
            return None
        return self.messages.get((chat_id, message_id))

    # -- messages & updates --------------------------------------------------------------
    def new_message(
        self,
        info: ChatInfo,
        sender: JSON,
        *,
        thread_id: int | None = None,
        reply_to: JSON | None = None,
        sender_chat: JSON | None = None,
        fields: JSON | None = None,
    ) -> JSON:
        """Create, store and return a message in ``info``'s chat (caller holds the lock)."""
        chat_id = info.chat["id"]
        msg: JSON = {
            "message_id": info.next_message_id,
            "from": self.bot_from if sender is self.bot else sender,
            "date": self.now(),
            "chat": dict(info.chat),
        }
        info.next_message_id += 1
        if sender_chat:
            msg["sender_chat"] = sender_chat
        if info.forum and reply_to is not None and thread_id is None:
            thread_id = reply_to.get("message_thread_id")
        if thread_id is not None:
            msg["message_thread_id"] = thread_id
            if info.forum:
                msg["is_topic_message"] = True
        if reply_to is not None:
            msg["reply_to_message"] = shapes.strip_reply(reply_to)
        msg.update(fields or {})
        self.messages[(chat_id, msg["message_id"])] = msg
        if sender is self.bot:
            self.bot_messages.append((chat_id, msg["message_id"]))
        return msg

    def push_update(self, kind: str, payload: JSON) -> JSON:
        with self.cond:
            update = {"update_id": self.next_update_id, kind: payload}
            self.next_update_id += 1
            self.updates.append(update)
            self.cond.notify_all()
            return update

    # -- calls & faults ------------------------------------------------------------------
    def record(self, method: str, params: JSON) -> Call:
        with self.lock:
            call = Call(method, params, time.time())
            self.calls.append(call)
            return call

    def finish(self, call: Call, status: str, result: Any = None, code: int | None = None) -> None:
        with self.cond:
            call.status, call.result, call.error_code = status, result, code
            self.cond.notify_all()

    def take_fault(self, method: str, params: JSON) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, params):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
            return None

    def completed_calls(self, method: str | None) -> list[Call]:
        with self.lock:
            return [
                c
                for c in self.calls
                if c.status != "pending" and (method is None or c.method.lower() == method.lower())
            ]
