"""The one command table: it registers the handlers, publishes the command menus
(`setMyCommands` per scope) and writes /help; tests check the README against it.

Adding a member command: its handler in a handler module, its text in bot/text/, one row here.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    Update,
)

from bot.model import load_circle
from bot.telegram import export_command, language, members, organizer, schedule_commands
from bot.telegram.context import CircleContext, Handler, reply
from bot.text import CODES, speaking
from bot.text import members as member_text
from bot.text import points as point_text
from bot.text.commands import DESCRIPTIONS, private_help

MEMBERS, ORGANIZERS = "members", "organizers"


@dataclass(frozen=True)
class Command:
    name: str
    callback: Handler
    audience: str  # MEMBERS or ORGANIZERS (checked by the handler's @organizers_only)
    anywhere: bool = False  # also in private chats; otherwise the group only

    def description(self) -> str:
        return DESCRIPTIONS[self.name]()


async def help_command(update: Update, context: CircleContext) -> None:
    """What the circle is, how to answer, every command from this table, and where this
    group's exchange comes from."""
    message = update.effective_message
    circle = load_circle(context.bot_data.store, message.chat_id)
    exchange = context.bot_data.exchanges.get(circle.exchange_id) if circle else None
    sources = point_text.sources(exchange) if exchange else ""
    await reply(message, help_text() + (f"\n\n{sources}" if sources else ""))


# In the order /help and the command menus list them.
COMMANDS: tuple[Command, ...] = (
    Command("help", help_command, MEMBERS, anywhere=True),
    Command("points", members.points, MEMBERS),
    Command("mine", members.mine, MEMBERS, anywhere=True),
    Command("forgetme", members.forgetme, MEMBERS),
    Command("circle_start", organizer.circle_start, ORGANIZERS),
    Command("next", organizer.next_point, ORGANIZERS),
    Command("status", organizer.status, ORGANIZERS),
    Command("pause", organizer.pause, ORGANIZERS),
    Command("resume", organizer.resume, ORGANIZERS),
    Command("skip", organizer.skip, ORGANIZERS),
    Command("goto", organizer.goto, ORGANIZERS),
    Command("restart", organizer.restart, ORGANIZERS),
    Command("circle_stop", organizer.circle_stop, ORGANIZERS),
    Command("schedule", schedule_commands.schedule, ORGANIZERS),
    Command("pace", schedule_commands.pace, ORGANIZERS),
    Command("holiday", schedule_commands.holiday, ORGANIZERS),
    Command("remind", schedule_commands.remind, ORGANIZERS),
    Command("export", export_command.export, ORGANIZERS),
    Command("language", language.language, ORGANIZERS),
)


def help_text() -> str:
    def lines(audience: str) -> list[str]:
        return [f"/{c.name} — {c.description()}" for c in COMMANDS if c.audience == audience]

    return "\n\n".join(
        [
            member_text.help_intro(),
            "\n".join(lines(MEMBERS)),
            member_text.help_organizers() + "\n" + "\n".join(lines(ORGANIZERS)),
        ]
    )


async def publish(bot: Bot) -> None:
    """Member commands for every group, all of them for administrators, /help in private: in
    English for everyone, and translated for each `language_code` the bot has a catalog for.
    Command names are the same in every language."""
    for locale, code in CODES.items():
        with speaking(locale):
            await _publish(bot, "" if code == "en" else code)


async def _publish(bot: Bot, code: str) -> None:
    language_code = code or None
    member_menu = [BotCommand(c.name, c.description()) for c in COMMANDS if c.audience == MEMBERS]
    organizer_menu = [
        BotCommand(c.name, c.description()) for c in COMMANDS if c.audience == ORGANIZERS
    ]
    await bot.set_my_commands(
        member_menu, scope=BotCommandScopeAllGroupChats(), language_code=language_code
    )
    await bot.set_my_commands([BotCommand("help", private_help())], language_code=language_code)
    await bot.set_my_commands(
        organizer_menu + member_menu,
        scope=BotCommandScopeAllChatAdministrators(),
        language_code=language_code,
    )
