"""The :class:`FakeBotAPI` facade: lifecycle, recorded calls, fault injection and waiting."""

from __future__ import annotations

import asyncio
import copy
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from .changes import ChangeLog
from .control import ControlAPI
from .flood import FloodLimits
from .inject import InjectMixin
from .server import Server
from .state import APIError, Call, Fault, State

JSON = dict[str, Any]

DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected error",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: injected error",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class FakeBotAPI(InjectMixin):
    """A fake Telegram Bot API server on 127.0.0.1 (see the package docstring)."""

    def __init__(
        self,
        bot_token: str = "123:TEST",
        bot_username: str = "circle_test_bot",
        *,
        bot_first_name: str = "Circle Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self._state = State(bot_token, bot_username, bot_first_name)
        self._host, self._port = host, port
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._control = ControlAPI(self, ChangeLog(self._state))

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeBotAPI:
        if self._server is not None:
            return self
        self._state.stopping = False
        self._server = Server(self._state, self._host, self._port, self._control)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fakebotapi:{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._state.stopping = True
        self._state.notify()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses & identity ------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def base_url(self) -> str:
        """For ``Bot(token, base_url=api.base_url)``; PTB appends ``{token}/{method}``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def page_url(self) -> str:
        """The rehearsal page: a Telegram-like chat on this fake (see docs/fakebotapi.md)."""
        return f"{self.url}/rehearsal/"

    @property
    def control_url(self) -> str:
        """Base of the HTTP control API (``/_control/world``, ``/_control/send``, ...)."""
        return f"{self.url}/_control"

    def set_rehearsal_hooks(
        self,
        advance: Callable[[str], JSON] | None = None,
        agenda: Callable[[], list[str]] | None = None,
    ) -> None:
        """Let the page's clock bar drive the embedding program's clock.

        ``advance(kind)`` gets ``"next"`` (jump to the next session), ``"hour"`` or
        ``"day"`` and returns a JSON-able dict (shown on the page, e.g. ``{"now": ...}``);
        ``agenda()`` returns the circle's next sessions as display strings.  Both are called
        on the fake's HTTP server thread, without the fake's lock: the embedder makes them
        thread-safe (e.g. ``asyncio.run_coroutine_threadsafe(coro, loop).result(30)``).
        An exception becomes a 500 reply with its repr.  Pass ``None`` to remove a hook.
        """
        self._control.set_hooks(advance, agenda)

    @property
    def token(self) -> str:
        return self._state.token

    @property
    def bot(self) -> JSON:
        return dict(self._state.bot)

    @property
    def latency(self) -> float:
        return self._state.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self._state.latency = seconds

    def set_clock(self, clock: Callable[[], float] | None) -> None:
        """Stamp messages with ``clock()`` (epoch seconds) instead of real time; None resets."""
        self._state.clock = clock or time.time

    @property
    def started_private(self) -> set[int]:
        """User ids whose private chat the bot may write to (mutable, live set)."""
        return self._state.started_private

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs inside the fake (should stay empty)."""
        return list(self._state.internal_errors)

    # -- inspection ----------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self._state.lock:
            return list(self._state.calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def clear_calls(self) -> None:
        with self._state.lock:
            self._state.calls.clear()

    def sent_messages(self, chat_id: int | None = None, include_deleted: bool = True) -> list[JSON]:
        """Current state of the messages the bot created, in creation order."""
        state = self._state
        with state.lock:
            return [
                copy.deepcopy(state.messages[key])
                for key in state.bot_messages
                if (chat_id is None or key[0] == chat_id)
                and (include_deleted or key not in state.deleted)
            ]

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """A stored message (any sender) or None if missing/deleted."""
        with self._state.lock:
            return copy.deepcopy(self._state.message(chat_id, message_id))

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        with self._state.lock:
            return (chat_id, message_id) in self._state.deleted

    def pending_updates(self) -> list[JSON]:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        with self._state.lock:
            return copy.deepcopy(self._state.updates)

    def discard_pending_updates(self) -> int:
        """Lose every update not yet fetched, as if the bot had been away for too long."""
        with self._state.lock:
            lost = len(self._state.updates)
            self._state.updates.clear()
            return lost

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        with self._state.lock:
            return copy.deepcopy(self._state.commands.get(key, []))

    def reactions(self, chat_id: int, message_id: int) -> list[JSON]:
        with self._state.lock:
            return copy.deepcopy(self._state.reactions.get((chat_id, message_id), []))

    def callback_answer(self, query_id: str) -> JSON | None:
        """What the bot passed to answerCallbackQuery for ``query_id`` (None if unanswered)."""
        with self._state.lock:
            return copy.deepcopy(self._state.callback_queries.get(query_id, {}).get("answer"))

    def pinned(self, chat_id: int) -> list[int]:
        with self._state.lock:
            return list(self._state.chats[chat_id].pinned)

    # -- fault injection -----------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        migrate_to: int | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` ("*" = any) with an error reply."""
        parameters: JSON = {}
        if migrate_to is not None:
            error_code = 400
            description = description or "Bad Request: group chat was upgraded to a supergroup chat"
            parameters["migrate_to_chat_id"] = migrate_to
        if error_code == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        description = description or DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
        error = APIError(error_code, description, parameters or None)
        self._arm(Fault(method.lower(), times, "error", error=error, chat_id=chat_id))

    def drop_next(
        self,
        method: str,
        times: int = 1,
        after_processing: bool = False,
        chat_id: int | None = None,
    ) -> None:
        """Close the connection without a response.  With ``after_processing`` the method
        still takes effect first ("timed out but delivered")."""
        self._arm(
            Fault(method.lower(), times, "drop", after_processing=after_processing, chat_id=chat_id)
        )

    def delay_next(
        self, method: str, seconds: float, times: int = 1, chat_id: int | None = None
    ) -> None:
        """Process the call, then hold the response for ``seconds`` (trigger client timeouts)."""
        self._arm(Fault(method.lower(), times, "delay", delay=seconds, chat_id=chat_id))

    def enforce_flood_limits(
        self,
        per_second: int = 30,
        per_group: int = 20,
        second: float = 1.0,
        minute: float = 60.0,
    ) -> None:
        """Refuse with 429 what Telegram's limits would refuse, as a strict sliding window:
        `per_second` calls with a chat_id in any `second`, `per_group` messages to one group
        in any `minute` (bot/fakebotapi/flood.py). Off by default."""
        with self._state.lock:
            self._state.flood = FloodLimits(per_second, per_group, second, minute)

    def lift_flood_limits(self) -> None:
        with self._state.lock:
            self._state.flood = None

    @property
    def flood_refusals(self) -> int:
        """How many calls the flood limits refused with 429 since they were enforced."""
        flood = self._state.flood
        return flood.refused if flood is not None else 0

    def clear_faults(self) -> None:
        with self._state.lock:
            self._state.faults.clear()

    def _arm(self, fault: Fault) -> None:
        with self._state.lock:
            self._state.faults.append(fault)

    # -- waiting -------------------------------------------------------------------------
    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Block until ``predicate()`` is truthy (re-checked on every state change)."""
        deadline = time.monotonic() + timeout
        with self._state.cond:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout}s")
                self._state.cond.wait(min(remaining, 0.05))

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls of ``method`` completed; returns them all."""
        try:
            return self.wait_for(lambda: self._enough(method, count), timeout)
        except TimeoutError:
            seen = len(self._state.completed_calls(method))
            raise TimeoutError(f"expected {count} {method} call(s), saw {seen}") from None

    async def await_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Async variant of :meth:`wait_for_calls` (polls without blocking the loop)."""
        deadline = time.monotonic() + timeout
        while True:
            calls = self._enough(method, count)
            if calls:
                return calls
            if time.monotonic() >= deadline:
                seen = len(self._state.completed_calls(method))
                raise TimeoutError(f"expected {count} {method} call(s), saw {seen}")
            await asyncio.sleep(0.01)

    async def await_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Async variant of :meth:`wait_for`."""
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            await asyncio.sleep(0.01)
        return value

    def _enough(self, method: str, count: int) -> list[Call] | None:
        calls = self._state.completed_calls(method)
        return calls if len(calls) >= count else None
