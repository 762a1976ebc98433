"""The CLI's message catalog: extraction into catalogs/trilingo-cli.pot, merging, and its status.

Three sources, in this order:
1. the commands' help, read from the Click objects themselves (the docstrings and `help=` texts as
   Click cleans them, which is the msgid `i18n.help_text` looks up);
2. the calls `_("…")`, `N_("…")` and `ngettext("…", "…", n)` in the project's Python sources;
3. Click's own marked strings, from the installed Click's sources.

Only the developers' tools read this module (`catalogs ui-extract`, `ui-status` and the tests); the CLI
itself needs only trilingo.i18n.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import polib

from trilingo import i18n
from trilingo.bytecode import package_folders
from trilingo.channels.ui import UIStatus, catalog_status, new_template

CALLS = {"_": 1, "N_": 1, "ngettext": 2}
# Vietnamese, Lao and Chinese have one form for every number.
PLURAL_FORMS = "nplurals=1; plural=0;"


@dataclass(frozen=True)
class Message:
    msgid: str
    plural: str | None
    where: str  # "path" of the source, or "command NAME" for help


def _calls(path: Path, label: str) -> Iterator[Message]:
    tree = ast.parse(path.read_bytes(), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in CALLS or len(node.args) < CALLS[name]:
            continue
        texts = [
            a.value
            for a in node.args[: CALLS[name]]
            if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        if len(texts) == CALLS[name]:
            yield Message(texts[0], texts[1] if len(texts) == 2 else None, label)


def _source_files() -> Iterator[tuple[Path, str]]:
    seen: set[Path] = set()
    for folder in package_folders():
        for path in sorted(folder.rglob("*.py")):
            real = path.resolve()
            if real in seen or "migrations" in path.parts:
                continue
            seen.add(real)
            yield path, f"{folder.name}/{path.relative_to(folder).as_posix()}"


def _help(command: click.Command, path: str) -> Iterator[Message]:
    for text in (command.help, command.short_help, command.epilog):
        if text:
            yield Message(inspect.cleandoc(text), None, f"command {path}")
    for param in command.params:
        if isinstance(param, click.Option) and param.help:
            yield Message(inspect.cleandoc(param.help), None, f"command {path}")
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from _help(command.commands[name], f"{path} {name}")


def _command_help() -> Iterator[Message]:
    from trilingo import cli

    source = cli.cli.__dict__.get("_trilingo_source", {})
    root = click.Group(
        "trilingo",
        help=source.get("help", cli.cli.help),
        params=[_english_option(p) for p in cli.cli.params],
    )
    yield from _help(root, "trilingo")
    for name, (where, short) in sorted(cli.COMMANDS.items()):
        yield Message(short, None, f"command trilingo {name}")
        module, attribute = where.split(":")
        command = getattr(importlib.import_module(module), attribute)
        yield from _help(_english(command), f"trilingo {name}")


def _english(command: click.Command) -> click.Command:
    """The command as written, whatever language it was localised to in this process."""
    kept = command.__dict__.get("_trilingo_source")
    if kept is None and not command.params and not isinstance(command, click.Group):
        return command
    copy = click.Group(command.name) if isinstance(command, click.Group) else click.Command(command.name)
    copy.help = (kept or {}).get("help", command.help)
    copy.short_help = (kept or {}).get("short_help", command.short_help)
    copy.epilog = (kept or {}).get("epilog", command.epilog)
    copy.params = [_english_option(p) for p in command.params]
    if isinstance(command, click.Group) and isinstance(copy, click.Group):
        for name in command.commands:
            copy.add_command(_english(command.commands[name]), name)
    return copy


def _english_option(param: click.Parameter) -> click.Parameter:
    if isinstance(param, click.Option):
        help_ = param.__dict__.get("_trilingo_source", {}).get("help", param.help)
        return click.Option(param.opts, help=help_, is_flag=param.is_flag)
    return param


# Click translates these through a variable (`_(extra["required"])`): no literal call finds them.
CLICK_DYNAMIC = ("required",)


def _click_strings() -> Iterator[Message]:
    spec = importlib.util.find_spec("click")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations)))
    for module in i18n.CLICK_MODULES:
        path = folder / (module.split(".", 1)[1] + ".py")
        yield from _calls(path, f"click/{path.name}")
    for msgid in CLICK_DYNAMIC:
        yield Message(msgid, None, "click/core.py")


def extract() -> list[Message]:
    """Every message the CLI can show, each once, in the order above."""
    found: dict[str, Message] = {}

    def add(messages: Iterator[Message]) -> None:
        for m in messages:
            found.setdefault(m.msgid, m)

    add(_command_help())
    for path, label in _source_files():
        add(_calls(path, label))
    add(_click_strings())
    return list(found.values())


def template() -> polib.POFile:
    pot = new_template("Trilingo CLI")
    for m in extract():
        entry = polib.POEntry(msgid=m.msgid, msgstr="", occurrences=[(m.where, "")])
        if m.plural is not None:
            entry.msgid_plural = m.plural
            entry.msgstr_plural = {0: ""}  # Vietnamese, Lao and Chinese: one form (PLURAL_FORMS)
        pot.append(entry)
    return pot


def pot_path() -> Path:
    return i18n.catalogs_dir() / f"{i18n.DOMAIN}.pot"


def merge(pot: polib.POFile) -> None:
    """Write the template, and add its new strings to each language's PO file (old ones go obsolete)."""
    pot.save(str(pot_path()))
    from trilingo.languages import ALL

    for lang in ALL:  # every language of the registry gets a catalog to translate
        path = i18n.po_path(lang)
        po = polib.pofile(str(path), wrapwidth=0) if path.is_file() else polib.POFile(wrapwidth=0)
        po.metadata = {
            **pot.metadata,
            "Language": lang,
            "Plural-Forms": PLURAL_FORMS,
            **{k: v for k, v in po.metadata.items() if k not in ("Project-Id-Version",)},
        }
        po.merge(pot)
        path.parent.mkdir(parents=True, exist_ok=True)
        po.save(str(path))


def status(messages: list[Message] | None = None) -> list[UIStatus]:
    wanted = [m.msgid for m in (messages if messages is not None else extract())]
    return catalog_status(wanted, i18n.po_path, i18n.ui_languages())
