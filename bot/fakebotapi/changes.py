"""The live event stream: every change to the world as a numbered event.

Rather than instrumenting every place that mutates the world, :class:`ChangeLog` compares
views (see :mod:`.views`) with the ones it saw last and turns each difference into an event
``{"seq": N, "type": "user"|"chat"|"message"|"callback", "data": view}``.  Events that are
not world state (``"clock"``, after a clock hook ran) are appended directly.  Readers ask for
the events after the last ``seq`` they saw and may wait for more; a reader that fell behind
the retained window gets a single ``"reset"`` event carrying the whole world instead.
"""

from __future__ import annotations

import json
import time
from collections import deque
from typing import Any

from . import views
from .state import State

JSON = dict[str, Any]


class ChangeLog:
    def __init__(self, state: State, keep: int = 5000):
        self._state = state
        self._seen: dict[tuple[str, str], str] = {}
        self._events: deque[JSON] = deque(maxlen=keep)
        self.seq = 0

    def refresh(self) -> None:
        """Turn every view that changed since the last refresh into an event."""
        with self._state.lock:
            for key, view in views.snapshot(self._state).items():
                encoded = json.dumps(view, sort_keys=True, ensure_ascii=False)
                if self._seen.get(key) != encoded:
                    self._seen[key] = encoded
                    self._add(key[0], view)

    def append(self, kind: str, data: JSON) -> JSON:
        """Add an event that is not world state (e.g. ``"clock"``) and wake the readers."""
        with self._state.cond:
            self.refresh()
            event = self._add(kind, data)
            self._state.cond.notify_all()
            return event

    def world(self) -> JSON:
        """The whole world plus the ``seq`` it corresponds to (stream from there)."""
        with self._state.lock:
            self.refresh()
            return {**views.world(self._state), "seq": self.seq}

    def since(self, seq: int) -> list[JSON]:
        """Events after ``seq``; one ``reset`` event if ``seq`` is outside the window."""
        with self._state.lock:
            self.refresh()
            oldest = self._events[0]["seq"] if self._events else self.seq + 1
            if seq > self.seq or seq < oldest - 1:
                return [{"seq": self.seq, "type": "reset", "data": self.world()}]
            return [e for e in self._events if e["seq"] > seq]

    def wait(self, seq: int, timeout: float) -> list[JSON]:
        """Like :meth:`since`, but wait up to ``timeout`` seconds for at least one event."""
        deadline = time.monotonic() + timeout
        with self._state.cond:
            while True:
                events = self.since(seq)
                remaining = deadline - time.monotonic()
                if events or remaining <= 0 or self._state.stopping:
                    return events
                # World helpers called from Python don't all notify: look again twice a second.
                self._state.cond.wait(min(remaining, 0.5))

    def _add(self, kind: str, data: JSON) -> JSON:
        self.seq += 1
        event = {"seq": self.seq, "type": kind, "data": data}
        self._events.append(event)
        return event
