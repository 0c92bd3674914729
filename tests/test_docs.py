"""Documentation cannot silently fall behind the code.

The lists come from the code, never from this file: the click command tree (`bot.cli.cli`), the
config schema (`bot.config.SCHEMA`) and the bot's one command table
(`bot.telegram.commands.COMMANDS`). A new command or option without docs fails here, as in
sqlite-utils' own `tests/test_docs.py`. Each check is a helper that returns what is missing,
and the last tests feed each helper a document that lacks something, so none of these checks
can pass by default.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import click
import pytest

from bot.cli import cli
from bot.config import SCHEMA, load_config
from bot.telegram.commands import COMMANDS, help_text

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIG_EXAMPLE = ROOT / "config.example.toml"
SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
(PROGRAM,) = [name for name, target in SCRIPTS.items() if target == "bot.cli:cli"]  # circle-bot
BOT_COMMANDS = [command.name for command in COMMANDS]
HELP = help_text()


# -- the checks ---------------------------------------------------------------------------


def cli_paths(command: click.Command = cli, prefix: str = PROGRAM) -> list[str]:
    """Every command path, groups included: `circle-bot`, `circle-bot content check`, …"""
    paths = [prefix]
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            if not sub.hidden:
                paths += cli_paths(sub, f"{prefix} {name}")
    return paths


def undocumented_cli_commands(text: str, paths: list[str]) -> list[str]:
    return [path for path in paths if not re.search(rf"(?<![\w-]){re.escape(path)}(?![\w-])", text)]


def unknown_cli_commands(text: str) -> list[str]:
    """`circle-bot …` in a document that names no command of the CLI (a typo, a removed one)."""
    unknown = []
    for match in re.finditer(rf"(?<![\w-]){re.escape(PROGRAM)}((?: [a-z][a-z-]*)+)", text):
        command: click.Command = cli
        path = PROGRAM
        for word in match.group(1).split():
            if not isinstance(command, click.Group):
                break  # an argument of a leaf command, e.g. `content check PATH`
            sub = command.commands.get(word)
            if sub is None:
                unknown.append(f"{path} {word}")
                break
            command, path = sub, f"{path} {word}"
    return unknown


def mentions_command(text: str, name: str) -> bool:
    """`/name` as a command: not `/name_more`, not part of a path or URL like `a/name`."""
    return re.search(rf"(?<![\w/]){re.escape('/' + name)}(?![\w])", text) is not None


def undocumented_bot_commands(text: str, names: list[str]) -> list[str]:
    return [name for name in names if not mentions_command(text, name)]


def table_commands(text: str) -> set[str]:
    """The commands in the first cell of Markdown table rows (README's command tables); a
    cell may hold escaped pipes, as in `/export [run] [md\\|csv\\|json]`."""
    cells = re.findall(r"^\| ((?:[^|\\]|\\.)*) \|", text, flags=re.MULTILINE)
    return {word for cell in cells for word in re.findall(r"`/(\w+)", cell)}


def undocumented_config_keys(example: str) -> list[str]:
    data = tomllib.loads(example)
    return [
        f"{section}.{key}"
        for section, keys in SCHEMA.items()
        for key in keys
        if key not in data.get(section, {})
    ]


def unexplained_config_keys(example: str) -> list[str]:
    """Keys with no comment right above them: README promises every option is explained."""
    unexplained, section, previous = [], "", ""
    for line in example.splitlines():
        stripped = line.strip()
        if header := re.fullmatch(r"\[(\w+)\]", stripped):
            section = header.group(1)
        elif (key := re.match(r"(\w+)\s*=", stripped)) and not previous.startswith("#"):
            unexplained.append(f"{section}.{key.group(1)}")
        if stripped:
            previous = stripped
    return unexplained


def undocumented_config_sections(text: str) -> list[str]:
    return [section for section in SCHEMA if f"`[{section}]`" not in text]


def docs_out_of_step(text: str, docs: Path) -> list[str]:
    """docs/*.md named in the README but missing, and present but not named."""
    named = set(re.findall(r"docs/([\w-]+\.md)", text))
    present = {path.name for path in docs.glob("*.md")}
    return sorted(f"missing: docs/{n}" for n in named - present) + sorted(
        f"not in the README: docs/{n}" for n in present - named
    )


# -- the documents ------------------------------------------------------------------------


@pytest.mark.parametrize("path", cli_paths())
def test_readme_documents_every_cli_command(path):
    assert undocumented_cli_commands(README, [path]) == []


def test_the_readme_names_no_cli_command_that_does_not_exist():
    assert unknown_cli_commands(README) == []


@pytest.mark.parametrize("name", BOT_COMMANDS)
def test_readme_documents_every_bot_command(name):
    assert undocumented_bot_commands(README, [name]) == []


def test_the_readme_command_tables_list_exactly_the_commands_the_bot_has():
    assert table_commands(README) == set(BOT_COMMANDS)  # none missing, none removed or renamed


# The /help text is what /help answers: it need not name itself.
@pytest.mark.parametrize("name", [name for name in BOT_COMMANDS if name != "help"])
def test_help_names_every_bot_command(name):
    assert undocumented_bot_commands(HELP, [name]) == []


def test_every_config_key_is_in_the_example_config_with_a_comment():
    example = CONFIG_EXAMPLE.read_text(encoding="utf-8")
    assert undocumented_config_keys(example) == []
    assert unexplained_config_keys(example) == []


def test_the_example_config_loads_as_it_is():
    config = load_config(CONFIG_EXAMPLE, environ={}, require_token=False)
    assert config.default_exchange == SCHEMA["content"]["default_exchange"][1]


def test_readme_documents_every_config_section():
    assert undocumented_config_sections(README) == []


def test_docs_named_in_the_readme_exist_and_every_doc_is_named():
    assert docs_out_of_step(README, ROOT / "docs") == []


# -- each check can fail ------------------------------------------------------------------


def test_a_readme_missing_a_cli_command_is_caught():
    paths = cli_paths()
    assert f"{PROGRAM} content preview" in paths
    text = "\n".join(f"`{path} …`" for path in paths if path != f"{PROGRAM} content preview")
    assert undocumented_cli_commands(text, paths) == [f"{PROGRAM} content preview"]
    # Another program whose name starts the same documents none of ours.
    assert undocumented_cli_commands(text.replace(PROGRAM, f"{PROGRAM}-extra"), paths) == paths


def test_a_cli_command_that_does_not_exist_is_caught():
    text = f"Run `{PROGRAM} contnet check FILE` and `{PROGRAM} content chekc FILE`."
    assert unknown_cli_commands(text) == [f"{PROGRAM} contnet", f"{PROGRAM} content chekc"]
    assert unknown_cli_commands(f"`{PROGRAM} content check PATH [--source FILE]`") == []


def test_a_bot_command_is_only_found_as_a_command():
    text = "Use /next and /pause_all, see docs/skip and https://t.me/circle_start."
    names = ["next", "pause", "skip", "circle_start"]
    assert undocumented_bot_commands(text, names) == ["pause", "skip", "circle_start"]
    assert undocumented_bot_commands("Add the suffix (/next@yourbot).", ["next"]) == []


def test_a_command_table_row_for_a_command_the_bot_lacks_is_caught():
    text = (
        "| `/next` | posts |\n| `/pause`, `/frobnicate` | stops |\n"
        "| `/export [md\\|csv]` | files |\nSee `/elsewhere`.\n"
    )
    assert table_commands(text) == {"next", "pause", "frobnicate", "export"}
    assert table_commands(text) != {"next", "pause", "export"}


def test_a_help_text_missing_a_command_is_caught():
    assert undocumented_bot_commands(HELP.replace("/mine", "mine"), ["mine"]) == ["mine"]


def test_a_config_key_missing_from_the_example_or_unexplained_is_caught():
    example = CONFIG_EXAMPLE.read_text(encoding="utf-8")
    without = re.sub(r"(?m)^level = .*$", "", example)
    assert undocumented_config_keys(without) == ["logging.level"]
    assert unexplained_config_keys(
        "[circle]\n# Explained.\nschedule = ''\n\ntimezone = 'UTC'\n"
    ) == ["circle.timezone"]


def test_a_readme_missing_a_config_section_is_caught():
    assert undocumented_config_sections(README.replace("`[logging]`", "logging")) == ["logging"]


def test_a_doc_missing_or_unnamed_is_caught(tmp_path):
    (tmp_path / "present.md").write_text("", encoding="utf-8")
    (tmp_path / "unnamed.md").write_text("", encoding="utf-8")
    text = "See docs/present.md and docs/gone.md."
    assert docs_out_of_step(text, tmp_path) == [
        "missing: docs/gone.md",
        "not in the README: docs/unnamed.md",
    ]


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
