"""Documentation cannot silently fall behind: every command and config option is documented."""

from pathlib import Path

from bot.config import SCHEMA
from bot.telegram.app import MEMBER_COMMANDS, ORGANIZER_COMMANDS

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_documents_every_bot_command():
    for name, _ in MEMBER_COMMANDS + ORGANIZER_COMMANDS:
        assert f"/{name}" in README, name


def test_readme_documents_every_config_section():
    for section in SCHEMA:
        assert f"[{section}]" in README or section in README, section


def test_docs_named_in_the_readme_exist():
    for name in ("architecture.md", "reliability.md", "content-format.md", "fakebotapi.md"):
        assert (ROOT / "docs" / name).exists(), name
        assert f"docs/{name}" in README, name


def test_every_cli_command_is_in_the_readme():
    for command in ("circle-bot run", "circle-bot content check", "circle-bot content preview"):
        assert command in README, command
