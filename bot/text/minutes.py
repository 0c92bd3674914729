"""The words of the Markdown minutes (/export, `circle-bot export`), in the circle's language.
Markdown; CSV and JSON keep their English column names and keys, which programs read."""

from __future__ import annotations

from bot.text import _, ngettext


def title(exchange_title: str) -> str:
    return _("# Minutes: {title}").format(title=exchange_title)


def exchange(exchange_id: str) -> str:
    return _("- Exchange: {id}").format(id=exchange_id)


def run(number: int, count: int) -> str:
    return _("- Run: {number} of {count}").format(number=number, count=count)


def started(when: str) -> str:
    return _("- Started: {when}").format(when=when)


def finished(when: str | None) -> str:
    return _("- Finished: {when}").format(when=when or _("still going"))


def answers(count: int, authors: int) -> str:
    members = ngettext("{count} member", "{count} members", authors).format(count=authors)
    return ngettext(
        "- Answers: {count} from {members}", "- Answers: {count} from {members}", count
    ).format(count=count, members=members)


def timezone(zone: str) -> str:
    return _("- Times are in {zone}.").format(zone=zone)


def nothing_posted() -> str:
    return _("No point has been posted in this run yet.")


def point(number: int, point_title: str) -> str:
    return _("## Point {number}: {title}").format(number=number, title=point_title)


def prompts() -> str:
    return _("Prompts:")


def no_answers() -> str:
    return _("No answers.")


def edited() -> str:
    return _(" (edited)")


def no_text() -> str:
    return _("(no text)")


def unknown_format(name: str) -> str:
    return _("Unknown format {name!r}: use md, csv or json.").format(name=name)
