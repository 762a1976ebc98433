"""The CLI in its user's language: gettext catalogs of the domain `trilingo-cli`.

The catalogs sit beside the site's (catalogs/<lang>/LC_MESSAGES/trilingo-cli.po, template
catalogs/trilingo-cli.pot) and hold three kinds of string: what the code marks with `_()`, `N_()` and
`ngettext()`; the commands' help, found on the Click objects themselves; and Click's own strings
("Usage:", "Missing argument"), which Click marks for gettext and which `install_click` routes here.

The language is, in order: `--ui-lang`, then TRILINGO_UI_LANG, then LC_ALL, LC_MESSAGES and LANG as
gettext reads them, then English, the language the strings are written in. `--json` output, exit
codes, audit codes and server log lines stay English: they are for machines and developers.

English loads nothing. Another language compiles its PO file with polib the first time and keeps the
compiled catalog in the user's cache folder, keyed by the PO file's size and time; later commands read
that MO file (about a millisecond). Fuzzy entries are used, as the site's are: an unconfirmed Lao
label serves a Lao reviewer better than English, and `catalogs ui-status` lists them.
"""

from __future__ import annotations

import gettext as _gettext
import inspect
import io
import os
import sys
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click

DOMAIN = "trilingo-cli"
ENGLISH = "en"
# The interface languages with a catalog, by the folder name under catalogs/.
UI_LANGUAGES = ("vi", "lo", "zh")
ALIASES = {"zh_cn": "zh", "zh_hans": "zh", "zh-hans": "zh", "zh-cn": "zh", "vi_vn": "vi", "lo_la": "lo"}

_state: dict[str, Any] = {"lang": None, "translations": None}


def normalise(value: str | None) -> str | None:
    """`vi_VN.UTF-8` → vi, `zh-Hans` → zh, `en_US` → en, `C` or an unknown language → None."""
    if not value:
        return None
    code = value.split(".")[0].split("@")[0].strip().lower()
    code = ALIASES.get(code, code)
    base = code.replace("-", "_").split("_")[0]
    if base == ENGLISH or code in ("c", "posix"):
        return ENGLISH if base == ENGLISH else None
    return base if base in UI_LANGUAGES else None


def _from_argv(argv: Iterable[str]) -> str | None:
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg.startswith("--ui-lang="):
            return arg.split("=", 1)[1]
        if arg == "--ui-lang" and i + 1 < len(args):
            return args[i + 1]
    return None


def choose(argv: Iterable[str] = (), environ: dict[str, str] | None = None) -> str:
    """The interface language for this command line and environment."""
    env = os.environ if environ is None else environ
    for given in (_from_argv(argv), env.get("TRILINGO_UI_LANG")):
        lang = normalise(given)
        if lang:
            return lang
    # gettext's own order: LANGUAGE (a list), LC_ALL, LC_MESSAGES, LANG; the first one set decides.
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            for part in value.split(":"):
                lang = normalise(part)
                if lang:
                    return lang
            return ENGLISH
    return ENGLISH


def current() -> str:
    if _state["lang"] is None:
        use(choose(sys.argv[1:]))
    return str(_state["lang"])


def use(lang: str) -> None:
    """Speak `lang` from now on (the catalog is loaded at the first string)."""
    chosen = normalise(lang) or ENGLISH
    if chosen != _state["lang"]:
        _state["lang"] = chosen
        _state["translations"] = None


def po_path(lang: str) -> Path:
    return Path(str(resources.files("trilingo.catalogs"))) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "trilingo"


def _compile(po: Path) -> bytes:
    import polib

    catalog = polib.pofile(str(po))
    for entry in catalog:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    return bytes(catalog.to_binary())


def load(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of `lang`, from the cache when the PO file has not changed."""
    po = po_path(lang)
    if lang == ENGLISH or not po.is_file():
        return _gettext.NullTranslations()
    stat = po.stat()
    cached = _cache_dir() / f"{DOMAIN}-{lang}-{stat.st_size}-{stat.st_mtime_ns}.mo"
    try:
        with cached.open("rb") as fh:
            return _gettext.GNUTranslations(fh)
    except Exception:  # not compiled yet, or a damaged cache file: compile again
        pass
    data = _compile(po)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f"{cached.name}.{os.getpid()}")
        partial.write_bytes(data)
        os.replace(partial, cached)
    except OSError:
        pass  # a read-only home: compile in memory every time
    return _gettext.GNUTranslations(io.BytesIO(data))


def translations() -> _gettext.NullTranslations:
    found = _state["translations"]
    if found is None:
        found = _state["translations"] = load(current())
    return found  # type: ignore[no-any-return]


def _(message: str) -> str:
    """`message` in the user's language (English when it has no translation)."""
    if _state["lang"] == ENGLISH:
        return message
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if _state["lang"] == ENGLISH:
        return singular if n == 1 else plural
    return translations().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a string for the catalog without translating it here (it is translated where it is shown)."""
    return message


def help_text(text: str | None) -> str | None:
    """A command's or option's help in the user's language: the msgid is its cleaned English text."""
    if not text:
        return text
    cleaned = inspect.cleandoc(text)
    return _(cleaned)


# Click marks its own strings with `from gettext import gettext as _` in these modules.
CLICK_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.termui",
    "click.types",
    "click.utils",
    "click.shell_completion",
    "click._termui_impl",
)


def install_click() -> None:
    """Route Click's own strings through this catalog."""
    import importlib

    for name in CLICK_MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


def localize(command: click.Command) -> click.Command:
    """Put `command`'s help, and its options' and subcommands', into the user's language.

    The English text is kept on the object, so a second language (a test, `--ui-lang` after the
    command was loaded) translates from the source again."""
    import click

    source: dict[str, Any] = command.__dict__.setdefault("_trilingo_source", {})
    for attr in ("help", "short_help", "epilog"):
        source.setdefault(attr, getattr(command, attr, None))
        setattr(command, attr, help_text(source[attr]))
    for param in command.params:
        if isinstance(param, click.Option):
            kept: dict[str, Any] = param.__dict__.setdefault("_trilingo_source", {})
            kept.setdefault("help", param.help)
            param.help = help_text(kept["help"])
    if isinstance(command, click.Group):
        for sub in _plain_commands(command):
            localize(sub)
    return command


def _plain_commands(group: click.Group) -> list[click.Command]:
    # A group whose commands are lazy keeps the loaded ones apart; a plain group holds them all.
    commands = group.commands
    loaded = getattr(commands, "loaded", None)
    return list(loaded.values()) if loaded is not None else list(commands.values())
