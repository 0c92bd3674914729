"""What the organizer console, participation, nudges, catch-up and onboarding say. HTML."""

from __future__ import annotations

from html import escape

from bot.text import _, ngettext


def choose_group() -> str:
    return _("Which group should this steer? I will remember your choice (/console changes it).")


def chosen(title: str) -> str:
    return _("🎛 Your commands here now steer <b>{title}</b>.").format(title=escape(title))


def organizes_nothing() -> str:
    return _(
        "You organize no circle I know of. Add me to your group, then send /circle_start there."
    )


def not_organizer_here() -> str:
    return _("Only this group's administrators can steer the circle; /help lists what you can do.")


def status_in_group(answered: int, known: int) -> str:
    return _(
        "{answered} of the {known} members I know of have answered this point. Names only go "
        "privately: open a private chat with me and press Start."
    ).format(answered=answered, known=known)


def members_known(known: int, source: str) -> str:
    if source == "chat_member":
        where = _("from the group's member updates")
    else:
        where = _("from who has written here; make me an admin to see silent members too")
    return ngettext(
        "Of the {count} member I know of ({where}):",
        "Of the {count} members I know of ({where}):",
        known,
    ).format(count=known, where=where)


def confirm_restart(run_number: int) -> str:
    return _("Begin run {run} from point 1? Answers stay with their run.").format(run=run_number)


def confirm_stop() -> str:
    return _("Stop the circle? Answers are kept, and /resume continues where it was.")


def confirm_yes() -> str:
    return _("Yes")


def confirm_no() -> str:
    return _("Cancel")


def confirm_not_yours() -> str:
    return _("Only the organizer who asked can confirm.")


def confirm_expired() -> str:
    return _("This question has expired: send the command again.")


def cancelled() -> str:
    return _("Nothing changed.")


def nudgeme_on(chat_title: str) -> str:
    return _(
        "🔔 I will remind you privately before a point of {chat} closes, if you have not "
        "answered. /nudgeme again turns it off."
    ).format(chat=escape(chat_title))


def nudgeme_off() -> str:
    return _("🔕 No more private reminders.")


def nudgeme_button() -> str:
    return _("🔔 Remind me privately")


def nudge(point_number: int, chat_title: str) -> str:
    return _(
        "🔔 Point {number} in {chat} closes soon and I have no answer from you yet. Reply to "
        "its messages in the group to answer."
    ).format(number=point_number, chat=escape(chat_title))


def nudged(count: int) -> str:
    return ngettext(
        "🔔 I reminded {count} member privately (those who asked for it).",
        "🔔 I reminded {count} members privately (those who asked for it).",
        count,
    ).format(count=count)


def points_link(title: str, url: str | None) -> str:
    title = escape(title)
    return f'<a href="{escape(url, quote=True)}">{title}</a>' if url else title


def catchup_heading(count: int, chat_title: str) -> str:
    return ngettext(
        "📚 You missed {count} point in {chat}. Here it is; reply to one of its messages to "
        "answer.",
        "📚 You missed {count} points in {chat}. Here is the first; reply to one of its "
        "messages to answer, and I will send the next.",
        count,
    ).format(count=count, chat=escape(chat_title))


def catchup_next() -> str:
    return _("Thank you, that is your answer to this point. The next one:")


def catchup_done() -> str:
    return _("✅ You are up to date. The point out now is answered in the group.")


def catchup_sent() -> str:
    return _("I sent you the points you missed, privately.")


def catchup_which() -> str:
    return _("Which circle do you want to catch up on?")


def catchup_for(chat_title: str) -> str:
    return _("Catching up on {chat}.").format(chat=escape(chat_title))


def catchup_not_yours() -> str:
    return _("That circle is not one of yours.")


def catchup_where() -> str:
    return _("Send /catchup in your group, or press its button there, and I will send them here.")


def introduction() -> str:
    return _(
        "👋 Hello! I walk this group through a written exchange, one point at a time: the "
        "letter's excerpt, the reply's and a few questions, on a schedule. Make me an admin, "
        "or keep privacy mode on — members answer by replying to my messages. An admin starts "
        "with /circle_start; /help explains."
    )


def private_hello(titles: list[str]) -> str:
    if not titles:
        return _(
            "Hello! I run discussion circles in groups. In your group, /help explains how to "
            "take part; /mine there sends your answers here."
        )
    listed = ", ".join(escape(title) for title in titles)
    return _(
        "Hello! Your circles: {list}. /mine sends your answers, /catchup the points you "
        "missed; answer a point by replying to its messages."
    ).format(list=listed)
