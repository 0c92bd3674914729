"""Member commands: /points, /mine, /forgetme (with its confirmation button), private /start.
(/help is generated from the command table: bot/telegram/commands.py.)"""

from __future__ import annotations

import logging
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden

from bot import answers, reads
from bot.model import Refusal
from bot.reads import MemberAnswer
from bot.render import split_text, utf16_len
from bot.telegram.context import CircleContext, ask_for_private_chat, reply
from bot.telegram.language import member_language
from bot.text import current, speaking
from bot.text import members as text

log = logging.getLogger(__name__)

MINE_LIMIT = 3500  # keep /mine replies comfortably under Telegram's 4096 characters


async def note_member(update: Update, context: CircleContext) -> None:
    """Remember a member who spoke to the bot, so /status can list who has not answered."""
    message = update.effective_message
    user = message.from_user if message else None
    if user is None or user.is_bot or message.sender_chat is not None:
        return
    answers.see_member(
        context.bot_data.store, message.chat_id, user.id, user.full_name, context.now()
    )


async def group_only(update: Update, context: CircleContext) -> None:
    """A group command sent in a private chat: say where it works."""
    await reply(update.effective_message, text.group_only())


async def private_start(update: Update, context: CircleContext) -> None:
    """Greeting in a private chat; also where the /mine and /export deep links land."""
    if context.args == ["export"]:
        await reply(update.effective_message, text.start_export())
        return
    await reply(update.effective_message, text.start_greeting())


async def points(update: Update, context: CircleContext) -> None:
    """The exchange's points, ✓ for those already discussed, ▶ for the current one."""
    message = update.effective_message
    data = context.bot_data
    result = reads.points_overview(data.store, data.exchanges, message.chat_id)
    if isinstance(result, Refusal):
        await reply(message, escape(result.message))
        return
    lines = []
    for line in result:
        mark = "▶" if line.current else ("✓" if line.discussed else "·")
        lines.append(f"{mark} {line.number}. {escape(line.title)}")
    await reply(message, text.points_heading() + "\n" + "\n".join(lines))


def _format_answers(chat_title: str, given: list[MemberAnswer]) -> list[str]:
    blocks = [text.mine_heading(chat_title)]
    if not given:
        blocks.append(text.mine_none())
    for item in given:
        body = item.text or ""
        if item.media_kind:
            body = f"[{item.media_kind}] {body}".strip()
        heading = text.mine_answer_heading(
            item.point_number,
            item.point_title,
            item.run_number,
            f"{item.created_at:%Y-%m-%d %H:%M}",
            item.edited_at is not None,
        )
        # A long answer is split like an excerpt, never cut short or inside an HTML entity.
        pieces = split_text(body, MINE_LIMIT - utf16_len(heading) - 20) if body else [""]
        blocks.append(f"{heading}\n{pieces[0]}")
        blocks += [f"{text.continued()}\n{piece}" for piece in pieces[1:]]
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


async def mine(update: Update, context: CircleContext) -> None:
    """The member's own answers in this group, sent to them in a private chat."""
    message = update.effective_message
    user = message.from_user
    if message.chat.type == message.chat.PRIVATE or user is None:
        await reply(message, text.mine_in_group())
        return
    if message.sender_chat is not None:
        await reply(message, text.anonymous())
        return
    given = reads.member_answers(context.bot_data.store, message.chat_id, user.id)
    try:
        # A private message: in the member's own language when the bot has it.
        with speaking(member_language(user, current())):
            chunks = _chunks(_format_answers(message.chat.title or text.this_group(), given))
        for chunk in chunks:
            await context.bot.send_message(user.id, chunk)
    except Forbidden:
        await ask_for_private_chat(message, context, "mine")
        return
    await reply(message, text.mine_sent(user.first_name))


async def forgetme(update: Update, context: CircleContext) -> None:
    """Ask the member to confirm deleting their answers and profile in this group."""
    message = update.effective_message
    user = message.from_user
    if user is None or message.chat.type == message.chat.PRIVATE:
        await reply(message, text.forget_in_group())
        return
    if message.sender_chat is not None:
        await reply(message, text.anonymous())
        return
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(text.forget_yes(), callback_data=f"forget:{user.id}"),
                InlineKeyboardButton(text.forget_cancel(), callback_data=f"keep:{user.id}"),
            ]
        ]
    )
    await reply(message, text.forget_confirm(user.first_name), reply_markup=buttons)


async def forget_button(update: Update, context: CircleContext) -> None:
    """The /forgetme confirmation: only the member who asked can press it."""
    query = update.callback_query
    action, _, owner = (query.data or "").partition(":")
    if not owner.isdigit() or query.from_user.id != int(owner):
        await query.answer(text.forget_not_yours(), show_alert=True)
        return
    await query.answer()
    if action == "keep":
        await query.edit_message_text(text.forget_kept())
        return
    chat_id = query.message.chat.id
    deleted = answers.forget_member(
        context.bot_data.store, chat_id, query.from_user.id, context.now()
    )
    log.info("chat=%s user=%s forgot themselves (%s answers)", chat_id, query.from_user.id, deleted)
    await query.edit_message_text(text.forget_done(deleted))
