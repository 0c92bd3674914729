"""Meeting the bot: its introduction when added to a group, private /start with deep links that
finish the job (`?start=mine--100123`, bot/console.py), a short useful answer to any other
private message, and the member updates that tell who is in a group."""

from __future__ import annotations

import logging
from html import escape

from telegram import ChatMember, Update
from telegram.error import Forbidden

from bot import console, participation
from bot.model import Refusal
from bot.telegram import catchup, nudges
from bot.telegram.console import chat_title
from bot.telegram.context import CircleContext, reply
from bot.telegram.export_command import send_minutes
from bot.telegram.insight import send_stats
from bot.telegram.language import speak_about
from bot.telegram.members import send_mine
from bot.telegram.organizer import status_text
from bot.telegram.permissions import organizes
from bot.text import console as text
from bot.text import members as member_text

log = logging.getLogger(__name__)

ABSENT = (ChatMember.LEFT, ChatMember.BANNED)


async def on_my_chat_member(update: Update, context: CircleContext) -> None:
    """The bot's own membership changed: introduce itself once when added to a group; note a
    private chat blocked (or unblocked)."""
    change = update.my_chat_member
    old, new = change.old_chat_member.status, change.new_chat_member.status
    chat = change.chat
    if chat.type == chat.PRIVATE:
        if new in ABSENT:
            console.close_private(context.bot_data.store, chat.id)
        return
    if old in ABSENT and new not in ABSENT:
        log.info("chat=%s the bot was added by user=%s", chat.id, change.from_user.id)
        await context.bot.send_message(chat.id, text.introduction())


async def on_chat_member(update: Update, context: CircleContext) -> None:
    """A member joined, left or changed (sent to administrators only): who is in the group."""
    change = update.chat_member
    user = change.new_chat_member.user
    if user.is_bot:
        return
    participation.member_changed(
        context.bot_data.store,
        change.chat.id,
        user.id,
        user.full_name,
        change.new_chat_member.status,
        context.now(),
    )


async def private_start(update: Update, context: CircleContext) -> None:
    """/start in private: a deep link does what it was made for; a plain one says hello."""
    message, user = update.effective_message, update.effective_user
    store = context.bot_data.store
    console.open_private(store, user.id, context.now())
    link = console.parse_start(context.args or [])
    if link is None or link.chat_id is None:
        if link is not None and link.purpose == "export":
            await reply(message, member_text.start_export())
            return
        await private_hello(update, context)
        return
    chat_id, purpose = link.chat_id, link.purpose
    speak_about(context, chat_id, user)  # the member's own language, else that circle's
    if purpose == "mine":
        await send_mine(context, user.id, chat_id, await chat_title(context, chat_id))
    elif purpose == "catchup":
        said = await catchup.start_catchup(context, user.id, chat_id)
        if said is not None:
            await reply(message, said)
    elif purpose == "nudgeme":
        participation.set_nudge(store, chat_id, user.id, user.full_name, True, context.now())
        await nudges.rearm_nudge(context, chat_id)
        await reply(message, text.nudgeme_on(await chat_title(context, chat_id)))
    elif not await organizes(context.bot, chat_id, user.id, context.config.organizer_ids):
        await private_hello(update, context)
    elif purpose == "status":
        texts = await status_text(context, chat_id)
        await reply(message, texts if isinstance(texts, str) else texts[0])
    else:  # console, export, stats, search: the group is chosen for private commands
        console.choose(store, user.id, chat_id, context.now())
        if purpose == "export":  # what was asked for, right here
            sent = await send_minutes(context, user.id, chat_id, None, "markdown")
            if isinstance(sent, Refusal):
                await reply(message, escape(sent.message))
        elif purpose == "stats":
            sent = await send_stats(context, user.id, chat_id)
            if isinstance(sent, Refusal):
                await reply(message, escape(sent.message))
        elif purpose == "search":
            await reply(message, member_text.search_here())
        else:
            await reply(message, text.chosen(await chat_title(context, chat_id)))


async def private_hello(update: Update, context: CircleContext) -> None:
    """A short, useful answer: the member's circles and what to send."""
    user = update.effective_user
    chats = console.member_chats(context.bot_data.store, user.id)
    titles = [await chat_title(context, chat_id) for chat_id in chats]
    await reply(update.effective_message, text.private_hello(titles))


async def private_message(update: Update, context: CircleContext) -> None:
    """Any other private message: a catch-up answer, or a short useful answer."""
    user = update.effective_user
    if user is None:
        return
    console.open_private(context.bot_data.store, user.id, context.now())
    try:
        if await catchup.on_private_reply(update, context):
            return
    except Forbidden:
        return
    await private_hello(update, context)
