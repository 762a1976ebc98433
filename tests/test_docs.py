"""The README and the CLI agree: every command has help, and every command the README shows exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from trilingo.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    for name, command in group.commands.items():
        out.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            out.extend(_commands(command, (*prefix, name)))
    return out


@pytest.mark.parametrize(
    ("path", "command"), _commands(cli), ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_every_command_has_help(path: tuple[str, ...], command: click.Command) -> None:
    assert (command.help or "").strip(), f"trilingo {' '.join(path)} has no help text"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0 and "Usage: " in result.output


def _readme_invocations() -> list[list[str]]:
    lines = re.findall(r"^uv run trilingo ([^\n#]+)", README, flags=re.M)
    return [shlex.split(line.replace("|", " ").replace("…", ""))[:3] for line in lines]


def test_readme_opens_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    assert first_block.split() == ["uv", "run", "trilingo", "demo", "uv", "run", "pytest"]


@pytest.mark.parametrize("words", _readme_invocations(), ids=" ".join)
def test_readme_commands_exist(words: list[str]) -> None:
    command = cli.commands.get(words[0])
    assert command is not None, f"the README shows `trilingo {words[0]}`, which is no command"
    if isinstance(command, click.Group):
        assert words[1] in command.commands, (
            f"the README shows `trilingo {' '.join(words[:2])}`, which is no command"
        )
