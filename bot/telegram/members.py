"""Member commands: /help, /points, /mine, /forgetme (with its confirmation button), /start."""

from __future__ import annotations

import logging
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden

from bot.circle import MemberAnswer, Refusal
from bot.render import split_text, utf16_len
from bot.telegram.context import Context, answer, ask_for_private_chat, now, service

log = logging.getLogger(__name__)

HELP = (
    "📖 <b>Discussion circle</b>\n"
    "This group reads an exchange — a letter and the reply to it — one point at a time. For each "
    "point I post the letter's excerpt, the reply's excerpt and a few questions.\n\n"
    "<b>To answer, reply to any of my messages of that point</b> (swipe left on it, or tap "
    "Reply). Text, voice, photos and documents all count, and editing your message updates "
    "your answer. I mark each answer I keep with a 👍.\n\n"
    "/points — the points, ✓ for those already discussed\n"
    "/mine — your own answers, sent to you privately\n"
    "/forgetme — delete your answers in this group\n\n"
    "Organizers (group admins): /circle_start, /next, /pause, /resume, /skip, /goto N, "
    "/status, /restart, /circle_stop; the timetable: /schedule, /pace, /holiday, /remind."
)
MINE_LIMIT = 3500  # keep /mine replies comfortably under Telegram's 4096 characters
# Anonymous admins all share one placeholder account, so "your" answers cannot be told apart.
ANONYMOUS = "You are posting anonymously, as the group: send this from your own account."


async def help_command(update: Update, context: Context) -> None:
    """What the circle is and how to answer."""
    await answer(update.effective_message, HELP)


async def note_member(update: Update, context: Context) -> None:
    """Remember a member who spoke to the bot, so /status can list who has not answered."""
    message = update.effective_message
    user = message.from_user if message else None
    if user is None or user.is_bot or message.sender_chat is not None:
        return
    service(context).see_member(message.chat_id, user.id, user.full_name, now(context))


async def group_only(update: Update, context: Context) -> None:
    """A group command sent in a private chat: say where it works."""
    await answer(
        update.effective_message,
        "That command works in the group where the circle runs. Here I can send you /help; "
        "/mine in the group sends your answers here.",
    )


async def private_start(update: Update, context: Context) -> None:
    """Greeting in a private chat; also where the /mine and /export deep links land."""
    if context.args == ["export"]:
        await answer(
            update.effective_message,
            "Thank you! Now send /export in your group again and I will send the minutes here.",
        )
        return
    await answer(
        update.effective_message,
        "Hello! I run discussion circles in groups. Send /mine in your group and I will send "
        "your answers here. /help in the group explains how to take part.",
    )


async def points(update: Update, context: Context) -> None:
    """The exchange's points, ✓ for those already discussed, ▶ for the current one."""
    message = update.effective_message
    result = service(context).points_overview(message.chat_id)
    if isinstance(result, Refusal):
        await answer(message, escape(result.message))
        return
    lines = []
    for line in result:
        mark = "▶" if line.current else ("✓" if line.discussed else "·")
        lines.append(f"{mark} {line.number}. {escape(line.title)}")
    await answer(message, "<b>Points</b>\n" + "\n".join(lines))


def _format_answers(chat_title: str, answers: list[MemberAnswer]) -> list[str]:
    blocks = [f"<b>Your answers in {escape(chat_title)}</b>"]
    if not answers:
        blocks.append("You have no answers here yet.")
    for item in answers:
        text = item.text or ""
        if item.media_kind:
            text = f"[{item.media_kind}] {text}".strip()
        edited = " (edited)" if item.edited_at else ""
        heading = (
            f"<b>Point {item.point_number}: {escape(item.point_title)}</b> · run "
            f"{item.run_number}, {item.created_at:%Y-%m-%d %H:%M} UTC{edited}"
        )
        # A long answer is split like an excerpt, never cut short or inside an HTML entity.
        pieces = split_text(text, MINE_LIMIT - utf16_len(heading) - 20) if text else [""]
        blocks.append(f"{heading}\n{pieces[0]}")
        blocks += [f"<i>(continued)</i>\n{piece}" for piece in pieces[1:]]
    return blocks


def _chunks(blocks: list[str]) -> list[str]:
    messages, current = [], ""
    for block in blocks:
        if current and utf16_len(current) + utf16_len(block) + 2 > MINE_LIMIT:
            messages.append(current)
            current = block
        else:
            current = f"{current}\n\n{block}" if current else block
    return [*messages, current]


async def mine(update: Update, context: Context) -> None:
    """The member's own answers in this group, sent to them in a private chat."""
    message = update.effective_message
    user = message.from_user
    if message.chat.type == message.chat.PRIVATE or user is None:
        await answer(message, "Send /mine in your group, and I will send your answers here.")
        return
    if message.sender_chat is not None:
        await answer(message, ANONYMOUS)
        return
    answers = service(context).member_answers(message.chat_id, user.id)
    try:
        for text in _chunks(_format_answers(message.chat.title or "this group", answers)):
            await context.bot.send_message(user.id, text, parse_mode=ParseMode.HTML)
    except Forbidden:
        await ask_for_private_chat(message, context, "mine")
        return
    await answer(message, f"{escape(user.first_name)}, I sent your answers to you privately.")


async def forgetme(update: Update, context: Context) -> None:
    """Ask the member to confirm deleting their answers and profile in this group."""
    message = update.effective_message
    user = message.from_user
    if user is None or message.chat.type == message.chat.PRIVATE:
        await answer(message, "Send /forgetme in the group whose answers you want deleted.")
        return
    if message.sender_chat is not None:
        await answer(message, ANONYMOUS)
        return
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes, delete my answers", callback_data=f"forget:{user.id}"),
                InlineKeyboardButton("Cancel", callback_data=f"keep:{user.id}"),
            ]
        ]
    )
    await message.reply_text(
        f"{escape(user.first_name)}, delete all your answers in this group and what I know "
        "about you here? This cannot be undone.",
        parse_mode=ParseMode.HTML,
        reply_markup=buttons,
        do_quote=False,
    )


async def forget_button(update: Update, context: Context) -> None:
    """The /forgetme confirmation: only the member who asked can press it."""
    query = update.callback_query
    action, _, owner = (query.data or "").partition(":")
    if not owner.isdigit() or query.from_user.id != int(owner):
        await query.answer("This button is for the member who asked.", show_alert=True)
        return
    await query.answer()
    if action == "keep":
        await query.edit_message_text("Nothing was deleted.")
        return
    chat_id = query.message.chat.id
    deleted = service(context).forget_member(chat_id, query.from_user.id, now(context))
    log.info("chat=%s user=%s forgot themselves (%s answers)", chat_id, query.from_user.id, deleted)
    await query.edit_message_text(
        f"Done: deleted {deleted} answer{'s' if deleted != 1 else ''} and your profile here."
    )
