"""Documentation cannot silently fall behind: every command and config option is documented."""

import re
from pathlib import Path

from bot.config import SCHEMA
from bot.telegram.commands import COMMANDS, help_text

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_documents_every_bot_command():
    for command in COMMANDS:
        assert f"/{command.name}" in README, command.name


def test_help_lists_every_command():
    text = help_text()
    for command in COMMANDS:
        assert f"/{command.name} " in text, command.name


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


def named_tests(text: str) -> set[str]:
    return set(re.findall(r"\btest_[a-z0-9_]+", text))


def missing_tests(text: str) -> set[str]:
    """Test functions or modules named in a document that no test file defines."""
    sources = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "tests").glob("*.py"))
    modules = {path.stem for path in (ROOT / "tests").glob("test_*.py")}
    return {
        name
        for name in named_tests(text)
        if name not in modules and not re.search(rf"def {name}\b", sources)
    }


def test_every_test_named_in_reliability_md_exists():
    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert named_tests(text)
    assert missing_tests(text) == set()


def test_a_renamed_test_would_be_caught():
    assert missing_tests("see test_that_nobody_ever_wrote") == {"test_that_nobody_ever_wrote"}
