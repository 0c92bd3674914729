"""What members read: help, points, their own answers, forgetting, private chats. HTML."""

from __future__ import annotations

from html import escape

from bot.text import _, ngettext


def not_organizer() -> str:
    return _(
        "Only this group's administrators can steer the circle. "
        "Members can use /help, /points, /mine and /forgetme."
    )


def open_private_chat() -> str:
    return _("Open private chat")


def press_start(command: str) -> str:
    return _(
        "I can't message you yet: open a private chat with me and press <b>Start</b>; "
        "I will answer your /{command} there."
    ).format(command=command)


def anonymous_admin() -> str:
    return _("Anonymous admin")


def someone() -> str:
    return _("Someone")


def anonymous() -> str:
    # Anonymous admins all share one placeholder account, so "your" answers can't be told apart.
    return _("You are posting anonymously, as the group: send this from your own account.")


def help_intro() -> str:
    return _(
        "📖 <b>Discussion circle</b>\n"
        "This group reads an exchange — a letter and the reply to it — one point at a time. For "
        "each point I post the letter's excerpt, the reply's excerpt and a few questions.\n\n"
        "<b>To answer, reply to any of my messages of that point</b> (swipe left on it, or tap "
        "Reply). Text, voice, photos and documents all count, and editing your message updates "
        "your answer. I mark each answer I keep with a 👍."
    )


def help_organizers() -> str:
    return _("Organizers (group admins):")


def group_only() -> str:
    return _(
        "That command works in the group where the circle runs. Here I can send you /help; "
        "/mine in the group sends your answers here."
    )


def start_export() -> str:
    return _("Thank you! Now send /export in your group again and I will send the minutes here.")


def start_greeting() -> str:
    return _(
        "Hello! I run discussion circles in groups. Send /mine in your group and I will send "
        "your answers here. /help in the group explains how to take part."
    )


def points_heading() -> str:
    return _("<b>Points</b>")


def mine_heading(chat_title: str) -> str:
    return _("<b>Your answers in {chat}</b>").format(chat=escape(chat_title))


def mine_none() -> str:
    return _("You have no answers here yet.")


def mine_answer_heading(
    point_number: int, point_title: str, run_number: int, when: str, edited: bool
) -> str:
    text = _("<b>Point {number}: {title}</b> · run {run}, {when}").format(
        number=point_number, title=escape(point_title), run=run_number, when=when
    )
    return text + (_(" (edited)") if edited else "")


def this_group() -> str:
    return _("this group")


def continued() -> str:
    return _("<i>(continued)</i>")


def mine_in_group() -> str:
    return _("Send /mine in your group, and I will send your answers here.")


def mine_sent(first_name: str) -> str:
    return _("{name}, I sent your answers to you privately.").format(name=escape(first_name))


def forget_in_group() -> str:
    return _("Send /forgetme in the group whose answers you want deleted.")


def forget_confirm(first_name: str) -> str:
    return _(
        "{name}, delete all your answers in this group and what I know about you here? "
        "This cannot be undone."
    ).format(name=escape(first_name))


def forget_yes() -> str:
    return _("Yes, delete my answers")


def forget_cancel() -> str:
    return _("Cancel")


def forget_not_yours() -> str:
    return _("This button is for the member who asked.")


def forget_kept() -> str:
    return _("Nothing was deleted.")


def forget_done(deleted: int) -> str:
    return ngettext(
        "Done: deleted {count} answer and your profile here.",
        "Done: deleted {count} answers and your profile here.",
        deleted,
    ).format(count=deleted)


def takes_no_argument(command: str, hint: str = "") -> str:
    return _("/{command} takes no argument{hint}.").format(command=command, hint=hint)


def sorry() -> str:
    return _("Sorry, something went wrong on my side; please try again in a minute.")


def search_here() -> str:
    return _("Send <code>/search words</code> here and I will search this group's answers.")


def too_fast() -> str:
    return _("Too many commands at once: I will answer again in a moment.")
