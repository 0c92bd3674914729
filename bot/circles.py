"""The write side of the engine: a circle's lifecycle and settings, one use-case per method.

Plain values in, plain values out: no `telegram` import, the time passed in as `now` (aware
UTC), a refused request returned as a `Refusal` with a message for the person who asked. Each
use-case loads the circle once and runs in one transaction of the store. Sessions (what is
posted when) are bot/sessions.py; reads are bot/reads.py; answers bot/answers.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.answers import mark_digested
from bot.exchange import Exchange
from bot.model import (
    FINISHED,
    PAUSED,
    RUNNING,
    STOPPED,
    Circle,
    Refusal,
    load_circle,
    load_with_exchange,
    wrong_state,
)
from bot.posting import point_posted, visit_posts
from bot.reads import Digest, point_digest
from bot.render import render_point
from bot.schedule.language import Pacing, ScheduleError
from bot.schedule.spec import Schedule, parse_schedule
from bot.settings import Holiday, Settings, to_json
from bot.store import Store, iso
from bot.text import circle as text

Result = Circle | Refusal


@dataclass(frozen=True)
class Skipped:
    """A /skip: the circle after it, and the digest of the point it closed if that point was
    fully out (a skip closes a posted point as a session does)."""

    circle: Circle
    closed: Digest | None

    @property
    def finished(self) -> bool:
        return self.circle.state == FINISHED


class Circles:
    """`Circles(store, exchanges)`; `exchanges` maps exchange id to Exchange."""

    def __init__(self, store: Store, exchanges: Mapping[str, Exchange]):
        self.store = store
        self.exchanges = exchanges

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
            circle = load_circle(self.store, chat_id)
            if circle is not None and circle.active:
                return Refusal(text.already_running(circle.state == PAUSED))
            if circle is None:
                circle_id = self.store.insert(
                    "circles",
                    {
                        "chat_id": chat_id,
                        "thread_id": thread_id,
                        "exchange_id": exchange_id,
                        "state": RUNNING,
                        "timezone": timezone or "UTC",
                        "settings": to_json(Settings()),
                        "created_at": iso(now),
                        "updated_at": iso(now),
                    },
                )
                visit, run_id = 0, None
            else:
                circle_id, visit, run_id = circle.id, circle.visit, circle.run_id
                fields: dict[str, Any] = {"thread_id": thread_id}
                if timezone:
                    fields["timezone"] = timezone
                self._update(circle_id, now, **fields)
            self._new_run(circle_id, visit, run_id, exchange_id, now)
            self._audit(chat_id, circle_id, actor_id, "start", now, exchange_id)
            return self._reload(chat_id)

    def restart(
        self, chat_id: int, now: datetime, actor_id: int | None, exchange_id: str | None = None
    ) -> Result:
        """A new run from point 1 (optionally of another exchange); old answers keep their run."""
        with self.store.transaction():
            circle = load_circle(self.store, chat_id)
            if circle is None:
                return Refusal(text.no_circle())
            exchange_id = exchange_id or circle.exchange_id
            if exchange_id not in self.exchanges:
                return self._unknown_exchange(exchange_id)
            self._new_run(circle.id, circle.visit, circle.run_id, exchange_id, now)
            self._audit(chat_id, circle.id, actor_id, "restart", now, exchange_id)
            return self._reload(chat_id)

    def pause(self, chat_id: int, now: datetime, actor_id: int | None) -> Result:
        return self._change_state(chat_id, now, actor_id, "pause")

    def resume(self, chat_id: int, now: datetime, actor_id: int | None) -> Result:
        """Running again; the sessions of the pause are not owed (docs/scheduling.md)."""
        return self._change_state(chat_id, now, actor_id, "resume")

    def stop(self, chat_id: int, now: datetime, actor_id: int | None) -> Result:
        """End the run early; the circle keeps its answers and can be started again."""
        return self._change_state(chat_id, now, actor_id, "stop")

    def skip(self, chat_id: int, now: datetime, actor_id: int | None) -> Skipped | Refusal:
        """Move on to the next point without posting the rest; past the last point, finish."""
        with self.store.transaction():
            loaded = self._active(chat_id)
            if isinstance(loaded, Refusal):
                return loaded
            circle, exchange = loaded
            index, count = circle.point_index, len(exchange.points)
            closed = None
            if index < count:
                posts = visit_posts(self.store, circle.run_id, circle.visit)
                if point_posted(posts, render_point(exchange, index), True):
                    title = exchange.points[index].title
                    closed = point_digest(self.store, circle.run_id, index, title)
                    mark_digested(self.store, circle.run_id, now)
            if index + 1 >= count:
                self._finish(circle, now, FINISHED)
            else:
                self._move(circle, index + 1, now)
            self._audit(chat_id, circle.id, actor_id, "skip", now, f"from point {index + 1}")
            return Skipped(self._reload(chat_id), closed)

    def goto(self, chat_id: int, number: int, now: datetime, actor_id: int | None) -> Result:
        """Make point `number` (1-based) current; it is posted afresh, even if posted before."""
        with self.store.transaction():
            loaded = self._active(chat_id)
            if isinstance(loaded, Refusal):
                return loaded
            circle, exchange = loaded
            if not 1 <= number <= len(exchange.points):
                return Refusal(text.point_range(len(exchange.points)))
            self._move(circle, number - 1, now)
            self._audit(chat_id, circle.id, actor_id, "goto", now, f"point {number}")
            return self._reload(chat_id)

    def migrate_chat(self, old_chat_id: int, new_chat_id: int, now: datetime) -> bool:
        """The group became a supergroup: move its circle and members to the new chat id.

        Posts and answers keep the chat they were written in (message ids are per chat), and
        stay reachable through the circle's runs. False if there was nothing to move or the
        new chat already has a circle.
        """
        with self.store.transaction():
            circle = load_circle(self.store, old_chat_id)
            if circle is None or load_circle(self.store, new_chat_id) is not None:
                return False
            self._update(circle.id, now, chat_id=new_chat_id)
            self.store.execute(
                "UPDATE OR IGNORE members SET chat_id = ? WHERE chat_id = ?",
                [new_chat_id, old_chat_id],
            )
            self.store.execute("DELETE FROM members WHERE chat_id = ?", [old_chat_id])
            detail = f"from chat {old_chat_id}"
            self._audit(new_chat_id, circle.id, None, "migrate_chat", now, detail)
            return True

    # Settings: one write path each; the commands parse, these store typed values ------------

    def set_schedule(
        self, chat_id: int, schedule: Schedule | None, now: datetime, actor_id: int | None
    ) -> Result:
        """Store a schedule (its time zone becomes the circle's) or clear it with None.

        Slots of the new schedule before `now` are not owed: nothing is caught up for them.
        """
        return self._set(
            chat_id, now, actor_id, ("set_schedule", schedule.spec if schedule else "(none)"),
            lambda s: s.set(schedule=schedule, schedule_chosen=True),
            handled_until=now,
            timezone=schedule.timezone if schedule else None,
        )  # fmt: skip

    def apply_default_schedule(self, chat_id: int, spec: str, now: datetime) -> Circle | None:
        """Give the config's schedule to a circle whose organizers never set or cleared one.

        None when nothing changed (no default, a schedule was set or cleared before, or the
        default no longer parses, e.g. a one-off in the past).
        """
        circle = load_circle(self.store, chat_id) if spec else None
        if circle is None or circle.settings.schedule or circle.settings.schedule_chosen:
            return None
        try:
            schedule = parse_schedule(spec, circle.timezone, now)
        except ScheduleError:
            return None
        if schedule is None:
            return None
        result = self._set(
            chat_id, now, None, ("default_schedule", schedule.spec),
            lambda s: s if s.schedule or s.schedule_chosen else s.set(schedule=schedule),
            handled_until=now,
            timezone=schedule.timezone,
        )  # fmt: skip
        return result if isinstance(result, Circle) else None

    def set_pacing(self, chat_id: int, pacing: Pacing, now: datetime, actor: int | None) -> Result:
        action = ("set_pacing", pacing.spec)
        return self._set(chat_id, now, actor, action, lambda s: s.set(pacing=pacing))

    def add_holiday(
        self, chat_id: int, holiday: Holiday, now: datetime, actor: int | None
    ) -> Result:
        """Add a break to the circle's holidays (kept sorted, duplicates dropped)."""
        action = ("add_holiday", f"{holiday[0]}..{holiday[1]}")
        return self._set(chat_id, now, actor, action, lambda s: s.with_holiday(holiday))

    def clear_holidays(self, chat_id: int, now: datetime, actor: int | None) -> Result:
        action = ("clear_holidays", "")
        return self._set(chat_id, now, actor, action, lambda s: s.set(holidays=()))

    def set_reminder(
        self, chat_id: int, before: timedelta | None, now: datetime, actor: int | None
    ) -> Result:
        minutes = "off" if before is None else f"{int(before.total_seconds() // 60)} minutes"
        action = ("set_reminder", minutes)
        return self._set(chat_id, now, actor, action, lambda s: s.set(remind_before=before))

    def set_language(self, chat_id: int, language: str, now: datetime, actor: int | None) -> Result:
        """Speak `language` (a catalog locale of bot/text) in this circle from now on."""
        action = ("set_language", language)
        return self._set(chat_id, now, actor, action, lambda s: s.set(language=language))

    # Helpers ------------------------------------------------------------------------------

    def _set(
        self,
        chat_id: int,
        now: datetime,
        actor_id: int | None,
        action: tuple[str, str],
        change: Callable[[Settings], Settings],
        handled_until: datetime | None = None,
        timezone: str | None = None,
    ) -> Result:
        """One settings use-case: change the stored settings, audit it (action, detail)."""
        with self.store.transaction():
            circle = load_circle(self.store, chat_id)
            if circle is None:
                return Refusal(text.no_circle())
            fields = {"settings": to_json(change(circle.settings))}
            self._update(circle.id, now, **fields, **({"timezone": timezone} if timezone else {}))
            if handled_until is not None:
                self._handled_until(circle.id, handled_until)
            self._audit(chat_id, circle.id, actor_id, action[0], now, action[1])
            return self._reload(chat_id)

    def _handled_until(self, circle_id: int, moment: datetime) -> None:
        """Every slot up to `moment` is dealt with (never backwards: a claimed slot stays)."""
        self.store.execute(
            "UPDATE circles SET last_slot_at = ? WHERE id = ?"
            " AND (last_slot_at IS NULL OR last_slot_at < ?)",
            [iso(moment), circle_id, iso(moment)],
        )

    def _unknown_exchange(self, exchange_id: str) -> Refusal:
        return Refusal(text.unknown_exchange(exchange_id, sorted(self.exchanges)))

    def _active(self, chat_id: int) -> tuple[Circle, Exchange] | Refusal:
        loaded = load_with_exchange(self.store, self.exchanges, chat_id)
        if isinstance(loaded, Refusal):
            return loaded
        circle, exchange = loaded
        if not circle.active:
            return Refusal(text.has_ended(circle.state))
        return circle, exchange

    def _change_state(
        self, chat_id: int, now: datetime, actor_id: int | None, action: str
    ) -> Result:
        with self.store.transaction():
            circle = load_circle(self.store, chat_id)
            if circle is None:
                return Refusal(text.no_circle())
            refusal = wrong_state(action, circle.state)
            if refusal is not None:
                return Refusal(refusal)
            if action == "stop":
                self._finish(circle, now, STOPPED)
            elif action == "pause":
                self._update(circle.id, now, state=PAUSED)
            else:  # resume (a pause or a stop): the slots in between are dealt with, not owed
                self._update(circle.id, now, state=RUNNING)
                self._handled_until(circle.id, now)
                self.store.execute(
                    "UPDATE runs SET finished_at = NULL WHERE id = ?", [circle.run_id]
                )
            self._audit(chat_id, circle.id, actor_id, action, now)
            return self._reload(chat_id)

    def _new_run(
        self, circle_id: int, visit: int, run_id: int | None, exchange_id: str, now: datetime
    ) -> None:
        if run_id is not None:
            # A run still going is abandoned where it stands (a finished or stopped one keeps
            # how it ended).
            self.store.execute(
                "UPDATE runs SET finished_at = ?, ended = 'restarted', ended_point_index ="
                " (SELECT point_index FROM circles WHERE id = ?)"
                " WHERE id = ? AND finished_at IS NULL",
                [iso(now), circle_id, run_id],
            )
        number = self.store.scalar(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM runs WHERE circle_id = ?", [circle_id]
        )
        new_run = self.store.insert(
            "runs",
            {
                "circle_id": circle_id,
                "number": number,
                "exchange_id": exchange_id,
                "started_at": iso(now),
            },
        )
        self._update(
            circle_id,
            now,
            run_id=new_run,
            exchange_id=exchange_id,
            state=RUNNING,
            point_index=0,
            visit=visit + 1,
            # The timetable starts afresh: no slot before the new run is owed, and no session
            # of the old run is being paced (docs/scheduling.md, "Bookkeeping").
            last_slot_at=iso(now),
            session_started_at=None,
            session_visit=None,
        )

    def _move(self, circle: Circle, index: int, now: datetime) -> None:
        """Make point `index` current in a fresh visit."""
        self._update(circle.id, now, point_index=index, visit=circle.visit + 1)

    def _finish(self, circle: Circle, now: datetime, state: str) -> None:
        self._update(circle.id, now, state=state)
        self.store.execute(
            "UPDATE runs SET finished_at = ?, ended = ?, ended_point_index = ?"
            " WHERE id = ? AND finished_at IS NULL",
            [iso(now), state, circle.point_index, circle.run_id],
        )

    def _update(self, circle_id: int, now: datetime, **fields: Any) -> None:
        fields["updated_at"] = iso(now)
        assignments = ", ".join(f"[{name}] = ?" for name in fields)
        self.store.execute(
            f"UPDATE circles SET {assignments} WHERE id = ?", [*fields.values(), circle_id]
        )

    def _reload(self, chat_id: int) -> Circle:
        circle = load_circle(self.store, chat_id)
        assert circle is not None
        return circle

    def _audit(
        self, chat_id: int, circle_id: int, actor: int | None, action: str, now: datetime, detail=""
    ) -> None:
        self.store.audit(
            chat_id=chat_id,
            circle_id=circle_id,
            actor_id=actor,
            action=action,
            detail=detail,
            now=now,
        )
