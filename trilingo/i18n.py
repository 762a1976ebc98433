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
import re
import string
import sys
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click

DOMAIN = "trilingo-cli"
ENGLISH = "en"  # the language the strings are written in: no catalog


def _registry() -> Any:
    # The languages' registry is read only when a language other than English is asked for.
    from trilingo import languages

    return languages


def ui_languages() -> tuple[str, ...]:
    """The registry's languages that have a CLI catalog, in its order."""
    return tuple(code for code in _registry().ALL if po_path(code).is_file())


def _codes() -> dict[str, str]:
    """Every way a locale or a person may write a language (vi_VN, zh-Hans, zh_CN) → its code."""
    found = _state.get("codes")
    if found is None:
        found = {}
        for lang in _registry().LANGUAGES.values():
            for variant in (lang.code, lang.bcp47, lang.po, lang.tmx, *lang.aliases):
                found[variant.lower().replace("-", "_")] = lang.code
        _state["codes"] = found
    return found  # type: ignore[no-any-return]


_state: dict[str, Any] = {"lang": None, "translations": None, "source": None, "codes": None}


def normalise(value: str | None) -> str | None:
    """`vi_VN.UTF-8` → vi, `zh-Hans` → zh, `en_US` → en, `C` or a language without a catalog → None."""
    if not value:
        return None
    code = value.split(".")[0].split("@")[0].strip().lower().replace("-", "_")
    base = code.split("_")[0]
    if base == ENGLISH:
        return ENGLISH
    if not base or code in ("c", "posix"):
        return None
    codes = _codes()
    lang = codes.get(code) or codes.get(base)
    return lang if lang in ui_languages() else None


# The root command's options that take a value: `--ui-lang` is looked for among the root's options only,
# so `users set --ui-lang lo` (a person's setting) does not change the language of the command itself.
ROOT_VALUES = ("--home", "--database-url", "--ui-lang")


def _from_argv(argv: Iterable[str]) -> str | None:
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--" or not arg.startswith("-"):
            break  # the subcommand's name: the root's options are behind
        if arg.startswith("--ui-lang="):
            return arg.split("=", 1)[1]
        if arg == "--ui-lang":
            return args[i + 1] if i + 1 < len(args) else None
        i += 2 if arg in ROOT_VALUES else 1
    return None


# Where the language came from. A person's own setting (`users set --ui-lang`) overrides the locale,
# and is overridden by the flag and the variable.
FLAG, VARIABLE, PERSON, LOCALE, DEFAULT = "flag", "variable", "person", "locale", "default"


def decide(argv: Iterable[str] = (), environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The interface language for this command line and environment, and where it came from."""
    env = os.environ if environ is None else environ
    for given, source in ((_from_argv(argv), FLAG), (env.get("TRILINGO_UI_LANG"), VARIABLE)):
        lang = normalise(given)
        if lang:
            return lang, source
    # gettext's own order: LANGUAGE (a list), LC_ALL, LC_MESSAGES, LANG; the first one set decides.
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            for part in value.split(":"):
                lang = normalise(part)
                if lang:
                    return lang, LOCALE
            return ENGLISH, LOCALE
    return ENGLISH, DEFAULT


def choose(argv: Iterable[str] = (), environ: Mapping[str, str] | None = None) -> str:
    return decide(argv, environ)[0]


def current() -> str:
    if _state["lang"] is None:
        use(*decide(sys.argv[1:]))
    return str(_state["lang"])


def use(lang: str, source: str = FLAG) -> None:
    """Speak `lang` from now on (the catalog is loaded at the first string)."""
    chosen = normalise(lang) or ENGLISH
    _state["source"] = source
    if chosen != _state["lang"]:
        _state["lang"] = chosen
        _state["translations"] = None
        _state["templates"] = None


def person_may_decide() -> bool:
    """Whether a person's own setting would change the language (not when a flag or variable chose)."""
    return _state.get("source") in (None, LOCALE, DEFAULT, PERSON)


def prefer(person_lang: str | None) -> bool:
    """The acting person's own setting: it wins over the locale, not over the flag or the variable."""
    if person_lang and normalise(person_lang) and person_may_decide():
        use(person_lang, PERSON)
        return True
    return False


def catalogs_dir() -> Path:
    return Path(str(resources.files("trilingo.catalogs")))


def po_path(lang: str) -> Path:
    return catalogs_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


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


def language_name(lang: str) -> str:
    """An interface language by its own name, as a person looks for it in a list."""
    if lang == ENGLISH:
        return "English"
    found = _registry().LANGUAGES.get(lang)
    return str(found.native) if found else lang


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


# Times: shown to a person in the gates' zone, as people there write them; JSON keeps ISO 8601 UTC.
GATES_ZONE = "Asia/Ho_Chi_Minh"


def date_format() -> str:
    """How the person's language writes a date: the registry's `date_format` (English: ISO 8601)."""
    lang = current()
    if lang == ENGLISH:
        return "%Y-%m-%d"
    return str(_registry().LANGUAGES[lang].date_format)


def zone_name() -> str:
    """The zone times are shown in: $TRILINGO_TIMEZONE (an IANA name), else the workspace's [site]
    timezone (set_zone), else the gates' own."""
    configured = _state.get("zone")
    if callable(configured):  # read when a time is first shown: most commands show none
        configured = _state["zone"] = configured()
    return os.environ.get("TRILINGO_TIMEZONE") or configured or GATES_ZONE


def set_zone(name: str | Callable[[], str] | None) -> None:
    """The workspace's zone, or a function that reads it (its settings are parsed only if needed)."""
    _state["zone"] = name


def zone() -> Any:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(zone_name())
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(GATES_ZONE)


def zone_label() -> str:
    """How the zone is named next to a time: "Vietnam time" in the user's language, or its IANA name."""
    name = getattr(zone(), "key", GATES_ZONE)
    return _("Vietnam time") if name == GATES_ZONE else str(name)


def zone_offset() -> str:
    """The zone's offset from UTC now, as a short label for a column: "UTC+7"."""
    from datetime import UTC, datetime

    offset = datetime.now(UTC).astimezone(zone()).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def when(value: Any, date: bool = True, seconds: bool = False) -> str:
    """A time (ISO 8601 text or an aware datetime; naive means UTC) in the gates' zone, or "-"."""
    from datetime import UTC, datetime

    if not value:
        return "-"
    at = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    local = at.astimezone(zone())
    fmt = (date_format() + " " if date else "") + "%H:%M"
    fmt += ":%S" if seconds else ""
    return local.strftime(fmt)


# Messages made in the core (errors, check findings, notes) are English text built from a template the
# core marks with N_(). They reach the CLI as text: from this process, from the Trilingo server's JSON,
# or from the database, where check findings are stored. `retranslate` finds the template a message was
# made from, takes the values back out of it, and puts them into the template's translation, so the
# JSON contracts, the audit log and the stored findings stay English and the person reads their own
# language. A message that matches no template is shown as it is.


def _literal_length(template: str) -> int:
    return sum(len(literal) for literal, *_ in string.Formatter().parse(template))


def _pattern(template: str) -> tuple[re.Pattern[str], list[str]] | None:
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return None
    names = [name for _, name, _, _ in parts if name is not None]
    if not names or any(not name or not name.isidentifier() for name in names):
        return None
    regex = "".join(
        re.escape(literal) + ("(.*?)" if name is not None else "") for literal, name, _, _ in parts
    )
    return re.compile(regex + r"\Z", re.DOTALL), names


def _templates() -> list[tuple[re.Pattern[str], list[str], str]]:
    """The catalog's templates with fields, most specific (longest literal text) first."""
    cached = _state.get("templates")
    if cached is None:
        catalog: dict[Any, str] = getattr(translations(), "_catalog", {})
        found = []
        for msgid, msgstr in catalog.items():
            if not isinstance(msgid, str) or not msgid or not msgstr or _literal_length(msgid) < 8:
                continue
            compiled = _pattern(msgid)
            if compiled is not None:
                found.append((_literal_length(msgid), compiled[0], compiled[1], msgstr))
        found.sort(key=lambda item: -item[0])
        cached = _state["templates"] = [(regex, names, msgstr) for _, regex, names, msgstr in found]
    return cached  # type: ignore[no-any-return]


def _fill(template: str, values: dict[str, str]) -> str:
    out = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(values[name])
    return "".join(out)


# How many templates that match one message are weighed against each other (see retranslate).
CANDIDATES = 4


def _value(value: str, depth: int) -> tuple[str, bool]:
    """A value taken out of a message, in the person's language; and whether it stayed English words
    that should not have (a sentence that no template made)."""
    if _(value) != value:  # a word of the interface (a state, a role: commands.labels) or a whole msgid
        return _(value), False
    name = _language_name(value)
    if name is not None:
        return name, False
    if " " not in value:  # a name, a number, a code, a path: data
        return value, False
    shown = retranslate(value, depth + 1)
    return shown, shown == value


def _language_name(value: str) -> str | None:
    """A language's English name (from the registry) in the person's language."""
    if not value[:1].isupper() or len(value) > 40:
        return None
    for lang in _registry().LANGUAGES.values():
        if lang.name == value:
            return str(lang.name_in(current()))
    return None


def retranslate(message: str, depth: int = 0) -> str:
    """`message`, made in English from a marked template, in the person's language.

    Of the templates that match (the most specific first), the one whose values are all translated, or
    data, wins: "segment {n}: {message}" over "segment {n}: {error}: {reason}" when the rest is a check's
    own message."""
    if _state["lang"] == ENGLISH or not message or depth > 3:
        return message
    core = message.strip()
    if core != message:  # an indented report line: the indent stays, the words are translated
        start = message.index(core[0]) if core else 0
        return message[:start] + retranslate(core, depth) + message[start + len(core) :]
    direct = _(message)
    if direct != message:
        return direct
    best: tuple[int, str] | None = None
    tried = 0
    for regex, names, msgstr in _templates():
        found = regex.match(message)
        if found is None:
            continue
        values: dict[str, str] = {}
        for name, value in zip(names, found.groups(), strict=True):
            if values.setdefault(name, value) != value:
                break  # a field used twice must have the same value both times
        else:
            shown = {k: _value(v, depth) for k, v in values.items()}
            try:
                filled = _fill(msgstr, {k: text for k, (text, _english) in shown.items()})
            except (KeyError, ValueError):
                continue
            left_english = sum(english for _text, english in shown.values())
            if best is None or left_english < best[0]:
                best = (left_english, filled)
            tried += 1
            if left_english == 0 or tried >= CANDIDATES:
                break
    if best is not None and best[0] == 0:
        return best[1]
    # "{path}: {message}" and "{engine}: {problem}" have no words of their own to match on: a message
    # after a name and a colon is tried by itself.
    start = 0
    for _attempt in range(3):
        cut = message.find(": ", start)
        if cut < 0:
            break
        tail = message[cut + 2 :]
        said = retranslate(tail, depth + 1)
        if said != tail:
            return message[: cut + 2] + said
        start = cut + 2
    # A list of messages joined by "; " or ", " (what a leaflet waits for): each part by itself, when
    # every part is a message the catalog knows, or data.
    for joiner in ("; ", ", "):
        parts = message.split(joiner)
        if len(parts) > 1:
            each = [retranslate(part, depth + 1) for part in parts]
            if all(t != p or " " not in p for t, p in zip(each, parts, strict=True)) and each != parts:
                return joiner.join(each)
    return best[1] if best is not None else message


def number(value: int | float) -> str:
    """A number as the person's language writes it, from CLDR's data (Babel): 12.345 in Vietnamese,
    12,345 in English and Chinese."""
    if _state["lang"] == ENGLISH or (isinstance(value, int) and -1000 < value < 1000):
        return str(value)  # nothing to group: Babel is not loaded
    from babel.numbers import format_decimal

    lang = current()
    bcp47 = ENGLISH if lang == ENGLISH else str(_registry().LANGUAGES[lang].bcp47)
    try:
        return str(format_decimal(value, locale=bcp47.replace("-", "_")))
    except Exception:  # a locale CLDR does not know: as Python writes it
        return f"{value:,}"
