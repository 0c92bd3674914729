"""The circle engine: one circle per chat, walked through an exchange one point at a time.

Plain values in, plain values out: no `telegram` import, the time always passed in as `now`
(an aware UTC datetime), and a refused request is a returned `Refusal` with a message for
the person who asked. Every use-case runs in one transaction of the store.

Use-cases are split by theme: lifecycle here; the posting protocol and session flow in
bot/posting.py; answers and members in bot/answers.py; /status and other reads in
bot/overview.py; settings in bot/circle_settings.py; the timetable's bookkeeping in
bot/timekeeping.py; the digest of a closed point in bot/digest.py. `CircleService` combines
them, so the bot needs only this module.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.answers import AnswerUseCases
from bot.circle_settings import SettingsUseCases
from bot.circle_types import (
    ACTIVE,
    COMMANDS,
    FINISHED,
    PAUSED,
    RUNNING,
    STOPPED,
    Answer,
    CircleInfo,
    MemberAnswer,
    PendingPost,
    PointLine,
    Refusal,
    Session,
    Status,
)
from bot.digest import DigestUseCases
from bot.overview import OverviewUseCases
from bot.posting import PostingUseCases
from bot.store import iso
from bot.timekeeping import TimekeepingUseCases

__all__ = [
    "Answer",
    "CircleInfo",
    "CircleService",
    "MemberAnswer",
    "PendingPost",
    "PointLine",
    "Refusal",
    "Session",
    "Status",
]

Result = CircleInfo | Refusal


class CircleService(
    PostingUseCases,
    AnswerUseCases,
    OverviewUseCases,
    SettingsUseCases,
    TimekeepingUseCases,
    DigestUseCases,
):
    """`CircleService(store, exchanges)`; `exchanges` maps exchange id to Exchange."""

    # Lifecycle -----------------------------------------------------------------------------

    def start(
        self,
        chat_id: int,
        exchange_id: str,
        now: datetime,
        actor_id: int | None,
        thread_id: int | None = None,
        timezone: str | None = None,
    ) -> Result:
        """Start a circle in this chat (run 1), or a new run of a finished or stopped one.

        `timezone` None keeps the circle's current one ('UTC' for a new circle).
        """
        if exchange_id not in self.exchanges:
            return self._unknown_exchange(exchange_id)
        with self.store.transaction():
            row = self._row(chat_id)
            if row is not None and row["state"] in ACTIVE:
                paused = " (paused)" if row["state"] == PAUSED else ""
                return Refusal(
                    f"A circle is already running here{paused}: "
                    f"use {COMMANDS['restart']} for a new run."
                )
            if row is None:
                circle_id = self.store.insert(
                    "circles",
                    {
                        "chat_id": chat_id,
                        "thread_id": thread_id,
                        "exchange_id": exchange_id,
                        "state": RUNNING,
                        "timezone": timezone or "UTC",
                        "created_at": iso(now),
                        "updated_at": iso(now),
                    },
                )
                row = {"id": circle_id, "cursor": 0, "run_id": None}
            else:
                fields: dict[str, Any] = {"thread_id": thread_id}
                if timezone:
                    fields["timezone"] = timezone
                self._update(row["id"], now, **fields)
            self._new_run(row, exchange_id, now)
            self.store.audit(
                chat_id=chat_id,
                circle_id=row["id"],
                actor_id=actor_id,
                action="start",
                detail=exchange_id,
                now=now,
            )
            return self._info(chat_id)

    def restart(
        self, chat_id: int, now: datetime, actor_id: int | None, exchange_id: str | None = None
    ) -> Result:
        """A new run from point 1 (optionally of another exchange); old answers keep their run."""
        if exchange_id is not None and exchange_id not in self.exchanges:
            return self._unknown_exchange(exchange_id)
        with self.store.transaction():
            row = self._row(chat_id)
            if row is None:
                return self._no_circle()
            exchange_id = exchange_id or row["exchange_id"]
            if exchange_id not in self.exchanges:
                return self._unknown_exchange(exchange_id)
            self._new_run(row, exchange_id, now)
            self._audit(row, actor_id, "restart", now, exchange_id)
            return self._info(chat_id)

    def pause(self, chat_id: int, now: datetime, actor_id: int | None) -> Result:
        return self._change_state(chat_id, now, actor_id, "pause", (RUNNING,), PAUSED)

    def resume(self, chat_id: int, now: datetime, actor_id: int | None) -> Result:
        """Running again; the sessions of the pause are not owed (docs/scheduling.md)."""
        with self.store.transaction():
            result = self._change_state(chat_id, now, actor_id, "resume", (PAUSED,), RUNNING)
            if isinstance(result, CircleInfo):
                self.mark_slot(chat_id, now)
                result = self._info(chat_id)
            return result

    def open_scheduled_session(
        self, chat_id: int, slot: datetime, now: datetime
    ) -> Session | Refusal:
        """`open_session` for the scheduled session of `slot`, its bookkeeping in the same
        transaction, before anything is sent: the slot is dealt with and, unless it only
        completes a point a scheduled session already began (a paced point still going when
        the next session came), the session begins the current posting slot at `now`
        (`Session.session_began`: pacing counts from `now`). So a crash while the closed
        point's digest is sent leaves a point that start-up sees as begun and posts.
        """
        with self.store.transaction():
            marks = self.marks(chat_id)
            session = self.open_session(chat_id, now)
            if isinstance(session, Refusal):
                return session
            self.mark_slot(chat_id, slot)
            if session.finished:
                return session
            cursor = session.circle.cursor
            paced_before = marks is not None and marks.session_cursor == cursor
            if session.closed_point is not None or not paced_before:
                self.mark_session(chat_id, slot, now, cursor)
                session = replace(session, session_began=True)
            return session

    def stop(self, chat_id: int, now: datetime, actor_id: int | None) -> Result:
        """End the run early; the circle keeps its answers and can be started again."""
        return self._change_state(chat_id, now, actor_id, "stop", ACTIVE, STOPPED)

    def skip(self, chat_id: int, now: datetime, actor_id: int | None) -> Result:
        """Move on to the next point without posting the rest; past the last point, finish."""
        with self.store.transaction():
            loaded = self._active(chat_id)
            if isinstance(loaded, Refusal):
                return loaded
            row, count = loaded
            if row["current_point"] + 1 >= count:
                self._finish(row, now, FINISHED)
            else:
                self._move(row, row["current_point"] + 1, now)
            self._audit(row, actor_id, "skip", now, f"from point {row['current_point'] + 1}")
            return self._info(chat_id)

    def goto(self, chat_id: int, number: int, now: datetime, actor_id: int | None) -> Result:
        """Make point `number` (1-based) current; it is posted afresh, even if posted before."""
        with self.store.transaction():
            loaded = self._active(chat_id)
            if isinstance(loaded, Refusal):
                return loaded
            row, count = loaded
            if not 1 <= number <= count:
                return Refusal(f"There are {count} points: choose 1–{count}.")
            self._move(row, number - 1, now)
            self._audit(row, actor_id, "goto", now, f"point {number}")
            return self._info(chat_id)

    # Chat changes ---------------------------------------------------------------------------

    def migrate_chat(self, old_chat_id: int, new_chat_id: int, now: datetime) -> bool:
        """The group became a supergroup: move its circle and members to the new chat id.

        Posts and answers keep the chat they were written in (message ids are per chat), and
        stay reachable through the circle's runs. False if there was nothing to move or the
        new chat already has a circle.
        """
        with self.store.transaction():
            row = self._row(old_chat_id)
            if row is None or self._row(new_chat_id) is not None:
                return False
            self._update(row["id"], now, chat_id=new_chat_id)
            self.store.execute(
                "UPDATE OR IGNORE members SET chat_id = ? WHERE chat_id = ?",
                [new_chat_id, old_chat_id],
            )
            self.store.execute("DELETE FROM members WHERE chat_id = ?", [old_chat_id])
            self.store.audit(
                chat_id=new_chat_id,
                circle_id=row["id"],
                action="migrate_chat",
                detail=f"from chat {old_chat_id}",
                now=now,
            )
            return True

    # Helpers ------------------------------------------------------------------------------

    def _unknown_exchange(self, exchange_id: str) -> Refusal:
        known = ", ".join(sorted(self.exchanges)) or "none (the content folder is empty)"
        return Refusal(f"Unknown exchange {exchange_id!r}. Known exchanges: {known}.")

    def _active(self, chat_id: int) -> tuple[dict[str, Any], int] | Refusal:
        loaded = self._load(chat_id)
        if isinstance(loaded, Refusal):
            return loaded
        row, exchange = loaded
        if row["state"] not in ACTIVE:
            return Refusal(
                f"The circle has {row['state']}: use {COMMANDS['restart']} for a new run."
            )
        return row, len(exchange.points)

    def _change_state(
        self,
        chat_id: int,
        now: datetime,
        actor_id: int | None,
        action: str,
        allowed: tuple[str, ...],
        target: str,
    ) -> Result:
        with self.store.transaction():
            row = self._row(chat_id)
            if row is None:
                return self._no_circle()
            if row["state"] not in allowed:
                return Refusal(_WRONG_STATE[action].get(row["state"], _WRONG_STATE[action][""]))
            if target == STOPPED:
                self._finish(row, now, STOPPED)
            else:
                self._update(row["id"], now, state=target)
            self._audit(row, actor_id, action, now)
            return self._info(chat_id)

    def _new_run(self, row: dict[str, Any], exchange_id: str, now: datetime) -> None:
        if row["run_id"] is not None:
            self.store.execute(
                "UPDATE runs SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
                [iso(now), row["run_id"]],
            )
        number = self.store.scalar(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM runs WHERE circle_id = ?", [row["id"]]
        )
        run_id = self.store.insert(
            "runs",
            {
                "circle_id": row["id"],
                "number": number,
                "exchange_id": exchange_id,
                "started_at": iso(now),
            },
        )
        self._update(
            row["id"],
            now,
            run_id=run_id,
            exchange_id=exchange_id,
            state=RUNNING,
            current_point=0,
            cursor=row["cursor"] + 1,
            # The timetable starts afresh: no session before the new run is owed, and no
            # session of the old run is being paced (docs/scheduling.md, "Bookkeeping").
            last_slot_at=iso(now),
            session_started_at=None,
            session_cursor=None,
        )

    def _move(self, row: dict[str, Any], index: int, now: datetime) -> None:
        """Make point `index` current in a fresh posting slot."""
        self._update(row["id"], now, current_point=index, cursor=row["cursor"] + 1)


_WRONG_STATE = {
    "pause": {
        PAUSED: "The circle is already paused.",
        "": "The circle is not running, so there is nothing to pause.",
    },
    "resume": {"": "The circle is not paused."},
    "stop": {"": "The circle is not running, so there is nothing to stop."},
}
