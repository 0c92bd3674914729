"""One line per command: Telegram's command menu (`setMyCommands`) and /help show these."""

from __future__ import annotations

from bot.text import _

DESCRIPTIONS = {
    "help": lambda: _("How the circle works and how to answer"),
    "points": lambda: _("The points, ✓ for those discussed"),
    "mine": lambda: _("Your own answers, sent privately"),
    "catchup": lambda: _("The points you missed, sent privately one at a time"),
    "nudgeme": lambda: _("A private reminder before a point closes (on/off)"),
    "forgetme": lambda: _("Delete your answers in this group"),
    "circle_start": lambda: _("Start a circle: /circle_start [exchange]"),
    "next": lambda: _("Post the current point now"),
    "status": lambda: _("Point, state, next post, who answered (privately)"),
    "nudge": lambda: _("Remind privately who asked for it and has not answered"),
    "pause": lambda: _("Pause posting"),
    "resume": lambda: _("Resume posting"),
    "skip": lambda: _("Skip the current point"),
    "goto": lambda: _("Make point N current: /goto N"),
    "restart": lambda: _("New run from point 1 (answers kept)"),
    "circle_stop": lambda: _("Stop the circle"),
    "schedule": lambda: _("When the circle meets: /schedule tue,thu 19:00"),
    "pace": lambda: _("Space letter, reply, prompt: /pace reply +10m prompt +20m"),
    "holiday": lambda: _("Skip sessions: /holiday 2026-12-21..2027-01-04"),
    "remind": lambda: _("Reminder before each session: /remind 2h"),
    "export": lambda: _("Send the minutes to you privately: /export [run] [md|html|csv|json]"),
    "console": lambda: _("Choose the group your private commands steer"),
    "stats": lambda: _("Answers per point and member, with a chart, sent privately"),
    "search": lambda: _("Search the answers, results sent privately: /search words"),
    "language": lambda: _("The circle's language: /language de"),
}


def private_help() -> str:
    return _("How discussion circles work")
