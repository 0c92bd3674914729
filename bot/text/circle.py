"""What the engine says when it refuses: plain text, escaped by whoever sends it."""

from __future__ import annotations

from bot.text import _


def no_circle() -> str:
    return _("There is no circle in this chat: start one with /circle_start [exchange].")


def unknown_exchange(exchange_id: str, known: list[str]) -> str:
    names = ", ".join(known) or _("none (the content folder is empty)")
    return _("Unknown exchange {id!r}. Known exchanges: {names}.").format(
        id=exchange_id, names=names
    )


def exchange_gone(exchange_id: str) -> str:
    return _("This circle's exchange {id!r} is no longer in the library.").format(id=exchange_id)


def already_running(paused: bool) -> str:
    if paused:
        return _("A circle is already running here (paused): use /restart for a new run.")
    return _("A circle is already running here: use /restart for a new run.")


def has_ended(state: str) -> str:
    if state == "finished":
        return _("The circle has finished: use /restart for a new run.")
    return _("The circle has stopped: use /restart for a new run.")


def paused_resume_first() -> str:
    return _("The circle is paused: /resume it first.")


def already_paused() -> str:
    return _("The circle is already paused.")


def nothing_to_pause() -> str:
    return _("The circle is not running, so there is nothing to pause.")


def not_paused() -> str:
    return _("The circle is not paused.")


def nothing_to_stop() -> str:
    return _("The circle is not running, so there is nothing to stop.")


def point_range(count: int) -> str:
    return _("There are {count} points: choose 1–{count}.").format(count=count)


def no_minutes() -> str:
    return _(
        "There is no circle in this chat, so there are no minutes: "
        "start one with /circle_start [exchange]."
    )


def no_such_run(number: int, count: int) -> str:
    runs = _("run 1 only") if count == 1 else _("runs 1–{count}").format(count=count)
    return _("There is no run {number} in this circle: it has {runs}.").format(
        number=number, runs=runs
    )
