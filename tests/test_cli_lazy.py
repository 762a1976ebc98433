"""The lazy command table in cli.py: it must say what the commands themselves say, and load nothing early."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from trilingo.cli import COMMANDS, cli, load


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_table_names_each_command_and_its_help(name: str) -> None:
    command = load(COMMANDS[name][0])
    assert command.name == name
    assert not command.hidden
    stand_in = click.Command(name, help=COMMANDS[name][1])
    for limit in (20, 45, 60, 80, 200):
        assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit)


def test_help_lists_every_command_as_the_loaded_commands_would() -> None:
    lazy = CliRunner().invoke(cli, ["--help"], terminal_width=80)
    eager = click.Group("trilingo", commands={name: load(where) for name, (where, _) in COMMANDS.items()})
    with click.Context(eager, info_name="trilingo", terminal_width=80) as ctx:
        formatter = ctx.make_formatter()
        eager.format_commands(ctx, formatter)
    assert lazy.exit_code == 0
    assert formatter.getvalue() in lazy.output


def test_the_commands_mapping_loads_only_what_is_looked_up() -> None:
    assert "review" in cli.commands and "nope" not in cli.commands
    assert list(cli.commands) == sorted(COMMANDS)
    assert cli.commands.get("nope") is None
    assert cli.commands["review"].name == "review"


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["nope"])
    assert result.exit_code == 2
    assert "No such command 'nope'" in result.output


PROBE = """
import sys
from click.testing import CliRunner
from trilingo.cli import cli
result = CliRunner().invoke(cli, {args!r})
assert result.exit_code == 0, result.output
print(sorted(m for m in sys.modules if m.startswith("trilingo.commands.")))
"""


@pytest.mark.parametrize(
    ("args", "loaded"),
    [
        (["--help"], ["trilingo.commands.common"]),
        (
            ["status", "--help"],
            ["trilingo.commands.common", "trilingo.commands.labels", "trilingo.commands.ops"],
        ),
        (
            ["review", "--help"],
            [
                "trilingo.commands.common",
                "trilingo.commands.document_view",
                "trilingo.commands.editing",
                "trilingo.commands.labels",
                "trilingo.commands.review",
            ],
        ),
        (
            ["whoami", "--help"],
            [
                "trilingo.commands.common",
                "trilingo.commands.document_view",
                "trilingo.commands.labels",
                "trilingo.commands.people",
            ],
        ),
    ],
)
def test_only_the_command_invoked_is_imported(args: list[str], loaded: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert out.stdout.strip() == repr(loaded)
