"""Nudges that don't shame: members opt in (/nudgeme, or the button under a point's prompt) to
one private reminder before the point closes if they have not answered; an organizer's /nudge
sends one more. The group never sees a name (its reminder, /remind, is a count)."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReactionTypeEmoji, Update
from telegram.error import TelegramError

from bot import participation, reads
from bot.model import Refusal, load_circle
from bot.telegram.console import ACK, chat_title
from bot.telegram.context import CircleContext, ask_for_private_chat
from bot.telegram.language import private_language
from bot.text import console as text
from bot.text import speaking

log = logging.getLogger(__name__)

AUTO, ORGANIZER = "auto", "organizer"
BUTTON = "nudgeme"


def nudge_button() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text.nudgeme_button(), callback_data=BUTTON)]]
    )


async def send_nudges(context: CircleContext, chat_id: int, kind: str) -> int:
    """Nudge opted-in non-answerers of the point out now, once per kind; returns how many."""
    data = context.bot_data
    result = reads.status(data.store, data.exchanges, chat_id, data.now())
    if isinstance(result, Refusal) or not result.point_posted or result.state != "running":
        return 0
    organizers = set(data.config.organizer_ids)
    number, users = participation.claim_nudges(data.store, chat_id, organizers, kind, data.now())
    title = await chat_title(context, chat_id)
    sent = 0
    for user_id in users:
        # A private message: the member's own language when the bot has it, else the circle's.
        with speaking(private_language(data, user_id, chat_id)):
            nudge = text.nudge(number, title)
        try:
            await context.bot.send_message(user_id, nudge)
            sent += 1
        except TelegramError as error:  # a blocked member must not stop the others' reminders
            log.info("chat=%s no nudge for user=%s: %s", chat_id, user_id, error)
    return sent


async def nudgeme(update: Update, context: CircleContext) -> None:
    """/nudgeme in the group: turn the private reminder on (or off again)."""
    message = update.effective_message
    user = message.from_user
    if user is None or message.sender_chat is not None:
        return
    store, chat_id = context.bot_data.store, message.chat_id
    on = not participation.wants_nudge(store, chat_id, user.id)
    await _set(update, context, chat_id, on)


async def nudgeme_button(update: Update, context: CircleContext) -> None:
    """The button under a point's prompt: opt in (pressing again keeps it on)."""
    query = update.callback_query
    # Only the member who pressed sees the answer: in their own language when the bot has it.
    with speaking(private_language(context.bot_data, query.from_user.id, query.message.chat.id)):
        said = text.nudgeme_on(query.message.chat.title or "")
    await query.answer(said, show_alert=False)
    await _set(update, context, query.message.chat.id, True, quiet=True)


async def _set(
    update: Update, context: CircleContext, chat_id: int, on: bool, quiet: bool = False
) -> None:
    user = update.effective_user
    store, now = context.bot_data.store, context.now()
    participation.set_nudge(store, chat_id, user.id, user.full_name, on, now)
    await rearm_nudge(context, chat_id)
    if quiet:
        return
    message = update.effective_message
    title = message.chat.title or ""
    with speaking(private_language(context.bot_data, user.id, chat_id)):  # a private message
        confirmation = text.nudgeme_on(title) if on else text.nudgeme_off()
    try:
        await context.bot.send_message(user.id, confirmation)
    except TelegramError:
        # The reminder needs a private chat: say so in one line, with the button to open it.
        await ask_for_private_chat(message, context, "nudgeme", chat_id)
        return
    try:
        await message.set_reaction(ReactionTypeEmoji(ACK))
    except TelegramError as error:
        log.info("chat=%s no reaction possible: %s", chat_id, error)


async def rearm_nudge(context: CircleContext, chat_id: int) -> None:
    """The circle's nudge job follows who asked for nudges (armed for the first, dropped after
    the last)."""
    circle = load_circle(context.bot_data.store, chat_id)
    table = context.bot_data.timetable
    if circle is not None and circle.active and table is not None:
        table.arm_nudge(circle, context.now())
