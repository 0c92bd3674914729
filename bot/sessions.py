"""Sessions, decided in the engine: what a /next or a scheduled slot opens, closes and posts.

Each function loads the circle once, decides with the pure rules of bot/schedule/timetable.py,
writes the outcome and its bookkeeping in one transaction, and returns a complete plan — the
point opened, the digest of the point closed, the messages to post now (rendered once), the
slot a /next claimed — so the Telegram layer only sends, records and arms jobs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.answers import mark_digested
from bot.exchange import Exchange
from bot.model import (
    FINISHED,
    PAUSED,
    RUNNING,
    STOPPED,
    Circle,
    Refusal,
    load_active,
    load_circle,
    load_with_exchange,
)
from bot.posting import Delivery, delivery, point_posted, visit_posts
from bot.reads import Digest, point_digest
from bot.render import render_point
from bot.schedule.timetable import MISSED, NOTHING, RUN, Due, claimable_slot, due_session, upcoming
from bot.store import Store, iso
from bot.text import circle as text
from bot.text import circle_language, speaking

Exchanges = Mapping[str, Exchange]


@dataclass(frozen=True)
class SessionPlan:
    """What opening a session did and what the Telegram layer must do now."""

    circle: Circle  # after the session opened
    exchange_title: str
    closed: Digest | None  # the point this session closed: post its digest first
    finished: bool  # past the last point: announce the end, disarm
    delivery: Delivery | None  # the messages to post now
    claimed: datetime | None = None  # a /next counted as the session of this slot


@dataclass(frozen=True)
class DueOutcome:
    """What the timetable did at a slot: `due` is the decision, `plan` the session it ran."""

    circle: Circle
    due: Due
    plan: SessionPlan | None
    next_session: datetime | None  # after a missed slot: the one the group can expect


def open_session(
    store: Store, exchanges: Exchanges, chat_id: int, now: datetime, grace: timedelta
) -> SessionPlan | Refusal:
    """An organizer's /next: keep the current point if it is not fully out, otherwise close it
    and open the next (or finish). All of it is posted at once; shortly before (or after) a
    scheduled slot not yet dealt with, it counts as that slot's session (`claimed`)."""
    with store.transaction():
        loaded = _running(store, exchanges, chat_id)
        if isinstance(loaded, Refusal):
            return loaded
        circle, exchange = loaded
        plan = _open(store, circle, exchange, now, slot=None)
        settings = plan.circle.settings
        if plan.delivery is None or not plan.delivery.fresh:
            return plan
        slot = claimable_slot(
            settings.schedule, settings.holidays, plan.circle.marks.last_slot_at, now, grace
        )
        if slot is None:
            return plan
        _mark_slot(store, circle.id, slot)
        return SessionPlan(
            plan.circle, plan.exchange_title, plan.closed, False, plan.delivery, claimed=slot
        )


def run_due(
    store: Store,
    exchanges: Exchanges,
    chat_id: int,
    now: datetime,
    grace: timedelta,
    restarted: bool,
) -> DueOutcome | None:
    """The timetable at `now`: run the session due, skip or report a missed one; None when
    nothing is due (or there is no active circle with a schedule)."""
    with store.transaction():
        circle = load_circle(store, chat_id)
        exchange = exchanges.get(circle.exchange_id) if circle else None
        if circle is None or exchange is None or not circle.active:
            return None
        settings = circle.settings
        due = due_session(
            settings.schedule,
            settings.holidays,
            circle.state == PAUSED,
            circle.marks.last_slot_at,
            now,
            grace,
            restarted,
        )
        if due.action == NOTHING:
            return None
        plan = _open(store, circle, exchange, now, slot=due.slot) if due.action == RUN else None
        if due.handled_until is not None:
            _mark_slot(store, circle.id, due.handled_until)
        following = None
        if due.action == MISSED:
            runs = upcoming(settings.schedule, settings.holidays, now, due.handled_until, 1)
            following = runs[0] if runs else None
        return DueOutcome(plan.circle if plan else circle, due, plan, following)


def delivery_now(
    store: Store,
    exchanges: Exchanges,
    chat_id: int,
    now: datetime,
    *,
    visit: int | None = None,
    paced: bool = False,
    session_only: bool = False,
) -> Delivery | None:
    """What the circle's current visit has to post now (a retry, a pace job, a /pace change).

    `visit`: only while that visit is current. `session_only`: only in a visit a scheduled
    session began. `paced`: only the parts its pacing makes due.
    """
    with store.transaction(write=False):
        circle = load_circle(store, chat_id)
        exchange = exchanges.get(circle.exchange_id) if circle else None
        if circle is None or exchange is None:
            return None
        if visit is not None and circle.visit != visit:
            return None
        if session_only and circle.marks.session_visit != circle.visit:
            return None
        return delivery(store, circle, exchange, now, paced=paced)


def interrupted(store: Store, exchanges: Exchanges, now: datetime) -> list[Delivery]:
    """At start-up: the points a crash or outage left half-posted, with what is due of each.

    A visit whose first message was never attempted was not begun: it is left to /next or the
    schedule. Anything else was begun and is completed, not restarted; so is a scheduled
    session whose first message Telegram turned away (its slot is dealt with, so the timetable
    will not run it again).
    """
    found = []
    with store.transaction(write=False):
        for circle in load_active(store):
            exchange = exchanges.get(circle.exchange_id)
            if exchange is None or circle.state != RUNNING:
                continue
            began = circle.marks.session_visit == circle.visit
            # Rendered now, for each circle in its own language (at start-up, outside updates).
            with speaking(circle_language(circle.settings.language, exchange.language)):
                pending = delivery(store, circle, exchange, now, paced=True)
            if pending is not None and (not pending.fresh or began):
                found.append(pending)
    return found


def _running(store: Store, exchanges: Exchanges, chat_id: int) -> tuple[Circle, Exchange] | Refusal:
    loaded = load_with_exchange(store, exchanges, chat_id)
    if isinstance(loaded, Refusal):
        return loaded
    circle, exchange = loaded
    if circle.state == PAUSED:
        return Refusal(text.paused_resume_first())
    if circle.state in (FINISHED, STOPPED):
        return Refusal(text.has_ended(circle.state))
    return circle, exchange


def _open(
    store: Store, circle: Circle, exchange: Exchange, now: datetime, slot: datetime | None
) -> SessionPlan:
    """Keep an unfinished point, or close it and move on; for a slot, its bookkeeping.

    A slot's session begins the visit (its pacing counts from `now`) unless it only completes
    a point a scheduled session already began (a paced point still going when the next slot
    came): that point is posted whole, and the next point waits for the slot after.
    """
    index, count = circle.point_index, len(exchange.points)
    rendered = render_point(exchange, index) if index < count else []
    posts = visit_posts(store, circle.run_id, circle.visit)
    closed_index, finished, visit = None, False, circle.visit
    if index >= count or point_posted(posts, rendered, True):
        closed_index = index if index < count else None
        if index + 1 >= count:
            finished = True
            store.execute(
                "UPDATE circles SET state = ?, updated_at = ? WHERE id = ?",
                [FINISHED, iso(now), circle.id],
            )
            store.execute(
                "UPDATE runs SET finished_at = ?, ended = ?, ended_point_index = ?"
                " WHERE id = ? AND finished_at IS NULL",
                [iso(now), FINISHED, index, circle.run_id],
            )
        else:
            visit = circle.visit + 1
            rendered = render_point(exchange, index + 1)
            store.execute(
                "UPDATE circles SET point_index = ?, visit = ?, updated_at = ? WHERE id = ?",
                [index + 1, visit, iso(now), circle.id],
            )
    began = False
    if slot is not None and not finished:
        paced_before = circle.marks.session_visit == visit
        if closed_index is not None or not paced_before:
            store.execute(
                "UPDATE circles SET session_started_at = ?, session_visit = ? WHERE id = ?",
                [iso(now), visit, circle.id],
            )
            began = True
    if slot is not None:
        _mark_slot(store, circle.id, slot)
    closed = None
    if closed_index is not None:
        title = exchange.points[closed_index].title
        closed = point_digest(store, circle.run_id, closed_index, title)
        mark_digested(store, circle.run_id, now)
    opened = load_circle(store, circle.chat_id)
    assert opened is not None
    pending = (
        None if finished else delivery(store, opened, exchange, now, paced=began, rendered=rendered)
    )
    return SessionPlan(opened, exchange.title, closed, finished, pending)


def _mark_slot(store: Store, circle_id: int, slot: datetime) -> None:
    """Every slot up to `slot` has been dealt with (never moves backwards)."""
    store.execute(
        "UPDATE circles SET last_slot_at = ? WHERE id = ?"
        " AND (last_slot_at IS NULL OR last_slot_at < ?)",
        [iso(slot), circle_id, iso(slot)],
    )
