"""Catch-up in private: /catchup (in the group or privately, or its deep link) sends a member
the points they missed one at a time, rendered exactly as in the group (bot/render.py); a
reply there is their answer for that point (bot/catchup.py decides and stores)."""

from __future__ import annotations

import logging
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden

from bot import catchup, console
from bot.catchup import Missed
from bot.model import Refusal
from bot.render import render_point
from bot.telegram.answers import media_kind, message_text
from bot.telegram.console import chat_title
from bot.telegram.context import CircleContext, ask_for_private_chat, display_name, reply
from bot.telegram.language import private_language
from bot.text import console as text
from bot.text import speaking

log = logging.getLogger(__name__)


async def send_point(context: CircleContext, user_id: int, missed: Missed) -> None:
    """The point's messages (not its poll) to the member privately, each recorded; in the
    member's own language when the bot has it, else the circle's."""
    assert missed.point_index is not None
    data = context.bot_data
    store = data.store
    with speaking(private_language(data, user_id, missed.chat_id)):
        outgoings = render_point(missed.exchange, missed.point_index)
    for outgoing in outgoings:
        if outgoing.poll is not None:
            continue
        sent = await context.bot.send_message(user_id, outgoing.html)
        catchup.record_sent(store, user_id, sent.message_id, missed, context.now())


async def start_catchup(context: CircleContext, user_id: int, chat_id: int) -> str | None:
    """Send the first missed point privately; None when sent, else what to tell the member.
    Raises Forbidden when there is no private chat."""
    data = context.bot_data
    missed = catchup.next_missed(data.store, data.exchanges, chat_id, user_id)
    if isinstance(missed, Refusal):
        return escape(missed.message)
    if missed.point_index is None:
        return text.catchup_done()
    title = await chat_title(context, chat_id)
    with speaking(private_language(data, user_id, chat_id)):
        heading = text.catchup_heading(missed.count, title)
    await context.bot.send_message(user_id, heading)
    await send_point(context, user_id, missed)
    console.open_private(data.store, user_id, context.now())
    return None


async def catchup_command(update: Update, context: CircleContext) -> None:
    """/catchup: in the group, the missed points go privately; in private, for your circle."""
    message = update.effective_message
    user = message.from_user
    if user is None or message.sender_chat is not None:
        return
    if message.chat.type == message.chat.PRIVATE:
        chats = console.member_chats(context.bot_data.store, user.id)
        if not chats:
            await reply(message, text.catchup_where())
            return
        if len(chats) > 1:  # which circle: the member chooses, as organizers do in the console
            buttons = [
                [
                    InlineKeyboardButton(
                        await chat_title(context, chat), callback_data=f"catchup:{chat}"
                    )
                ]
                for chat in chats
            ]
            await reply(message, text.catchup_which(), reply_markup=InlineKeyboardMarkup(buttons))
            return
        said = await start_catchup(context, user.id, chats[0])
        if said is not None:
            await reply(message, said)
        return
    try:
        said = await start_catchup(context, user.id, message.chat_id)
    except Forbidden:
        await ask_for_private_chat(message, context, "catchup", message.chat_id)
        return
    await reply(message, said if said is not None else text.catchup_sent())


async def catchup_button(update: Update, context: CircleContext) -> None:
    """The circle chosen for a private /catchup: its missed points, here, one at a time."""
    query = update.callback_query
    chat = (query.data or "").removeprefix("catchup:")
    user_id = query.from_user.id
    chats = console.member_chats(context.bot_data.store, user_id)
    if not chat.lstrip("-").isdigit() or int(chat) not in chats:
        await query.answer(text.catchup_not_yours(), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(text.catchup_for(await chat_title(context, int(chat))))
    said = await start_catchup(context, user_id, int(chat))
    if said is not None:
        await context.bot.send_message(user_id, said)


async def on_private_reply(update: Update, context: CircleContext) -> bool:
    """A reply in a private chat: if it answers a catch-up message, store it and send the next
    missed point. Returns False when it was not a catch-up answer."""
    message = update.effective_message
    replied = message.reply_to_message
    if replied is None or message.from_user is None:
        return False
    data, user_id = context.bot_data, message.from_user.id
    stored = catchup.record_private_answer(
        data.store,
        user_id,
        message.message_id,
        display_name(message),
        replied.message_id,
        context.now(),
        written_at=message.date,
        text=message_text(message),
        media_kind=media_kind(message),
    )
    if stored is None:
        return False
    chat_id, answer = stored
    if answer.duplicate:
        return True
    log.info(
        "chat=%s private answer to point %s from user=%s", chat_id, answer.point_number, user_id
    )
    following = catchup.next_missed(
        data.store, data.exchanges, chat_id, user_id, answer.point_index
    )
    with speaking(private_language(data, user_id, chat_id)):
        done, following_text = text.catchup_done(), text.catchup_next()
    if isinstance(following, Refusal) or following.point_index is None:
        await reply(message, done)
        return True
    await reply(message, following_text)
    await send_point(context, user_id, following)
    return True
