"""A database of many circles for the benchmarks: a few made by the engine, then copied.

Each template is a real circle, made through the use-cases a bot would run (start, schedule,
pacing, reminder, pause, stop, a point posted), so start-up meets what it meets in practice:
running, paused, finished and stopped circles with every kind of schedule. Copies differ only
in their ids and chat ids; they are written with plain INSERTs, which takes seconds for 100k.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from bot.circles import Circles
from bot.content import load_library
from bot.posting import begin_post, record_post
from bot.schedule.language import parse_pace, parse_reminder
from bot.schedule.spec import parse_schedule
from bot.sessions import open_session
from bot.store import connect, open_store

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "tests" / "content"
EXCHANGE = "tiny"
TZ = "Europe/Berlin"
# (schedule, pacing, reminder, what happens after point 1 is posted)
TEMPLATES = [
    ("tue,thu 19:00", None, None, "running"),
    ("daily 08:00", "reply +1h prompt +2h", None, "running"),
    ("every 3 days 20:00", None, "2h", "running"),
    ("0 19 * * 2", None, None, "running"),
    ("{once}", None, None, "running"),
    ("", None, None, "running"),
    ("tue,thu 19:00", None, "1h", "paused"),
    ("daily 19:00", None, None, "finished"),
    ("weekends 10:00", None, None, "stopped"),
    ("mon 18:30", "reply +1d", "30m", "running"),
]


def templates(path: Path, now: datetime, kinds=TEMPLATES, post: bool = True) -> None:
    """One circle per template, made through the engine, point 1 posted (with `post`)."""
    store = open_store(path)
    library = load_library(CONTENT)
    circles = Circles(store, library)
    once = (now + timedelta(days=30)).strftime("%Y-%m-%d 19:00")
    for n, (spec, pacing, remind, state) in enumerate(kinds):
        chat_id = -(10**9) - n
        circles.start(chat_id, EXCHANGE, now, actor_id=1)
        schedule = parse_schedule(spec.format(once=once), TZ, now) if spec else None
        if schedule is not None:
            circles.set_schedule(chat_id, schedule, now, actor_id=1)
        if pacing:
            circles.set_pacing(chat_id, parse_pace(pacing), now, 1)
        if remind:
            circles.set_reminder(chat_id, parse_reminder(remind), now, 1)
        if not post:
            continue
        plan = open_session(store, library, chat_id, now, timedelta(0)).delivery
        for number, outgoing in enumerate(plan.messages, start=1):
            begin_post(store, plan, outgoing, now)
            record_post(store, plan, outgoing, number, now)
        if state == "paused":
            circles.pause(chat_id, now, 1)
        elif state == "stopped":
            circles.stop(chat_id, now, 1)
        elif state == "finished":
            circles.stop(chat_id, now, 1)
            store.execute("UPDATE circles SET state = 'finished' WHERE chat_id = ?", [chat_id])
    store.close()


def build(path: Path, count: int, now: datetime, kinds=TEMPLATES, post: bool = True) -> list[int]:
    """A database at `path` with `count` circles copied from the templates; their chat ids."""
    first_chat = -(10**12)
    templates(path, now, kinds, post)
    db = connect(path)
    conn = db.conn
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = OFF")  # the copies keep the templates' references
    rows = {
        table: [dict(zip([c[0] for c in cur.description], r, strict=True)) for r in cur]
        for table in ("circles", "runs", "posts")
        for cur in [conn.execute(f"SELECT * FROM {table} ORDER BY id")]
    }
    conn.execute("BEGIN")
    for table in ("posts", "runs", "circles", "audit_log"):
        conn.execute(f"DELETE FROM {table}")
    chats, post_id = [], 0
    out: dict[str, list[dict]] = {"circles": [], "runs": [], "posts": []}
    for n in range(count):
        circle = dict(rows["circles"][n % len(rows["circles"])])
        old_id = circle["id"]
        circle["id"] = circle["run_id"] = n + 1
        circle["chat_id"] = first_chat - n
        chats.append(circle["chat_id"])
        out["circles"].append(circle)
        for run in rows["runs"]:
            if run["circle_id"] == old_id:
                out["runs"].append({**run, "id": n + 1, "circle_id": n + 1})
                for post in rows["posts"]:
                    if post["run_id"] == run["id"]:
                        post_id += 1
                        out["posts"].append(
                            {**post, "id": post_id, "circle_id": n + 1, "run_id": n + 1,
                             "chat_id": circle["chat_id"]}
                        )  # fmt: skip
    for table, items in out.items():
        if not items:
            continue
        columns = list(items[0])
        conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [tuple(item[c] for c in columns) for item in items],
        )
    conn.execute("COMMIT")
    db.close()
    return chats
