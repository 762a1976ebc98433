"""The languages, as data: the one registry of everything that differs between them.

Read once per process from trilingo/data/languages.toml, or from the file TRILINGO_LANGUAGES names (an
office's own list, e.g. with Khmer or English added). Code asks a `Language` for its codes in each
format and engine, its script, whether it spaces its words, how it folds, its fonts and its names; it
never compares a language's code to a literal. `SOURCE`, `TARGETS` and `ALL` are the codes, in order.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from trilingo.errors import ConfigError, InputError
from trilingo.i18n import N_

ENV = "TRILINGO_LANGUAGES"


@dataclass(frozen=True)
class Script:
    """A writing system, as the Unicode ranges of its letters."""

    name: str
    ranges: tuple[tuple[int, int], ...]

    def has(self, ch: str) -> bool:
        cp = ord(ch)
        return any(low <= cp <= high for low, high in self.ranges)

    def share(self, letters: list[str]) -> float:
        """The share of `letters` in this script (1.0 for none)."""
        return sum(1 for ch in letters if self.has(ch)) / len(letters) if letters else 1.0

    @property
    def pattern(self) -> str:
        """The ranges as the inside of a regular-expression character class."""
        return "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in self.ranges)


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in English
    native: str  # its name for itself
    bcp47: str  # HTML lang and hreflang
    tmx: str
    tbx: str
    po: str
    script: Script
    names: Mapping[str, str] = field(default_factory=dict)  # its name in each interface language
    aliases: tuple[str, ...] = ()  # other codes files use for it, lower-case
    engines: Mapping[str, str] = field(default_factory=dict)  # MT engine → its code there
    confusable: tuple[Script, ...] = ()  # scripts none of whose letters may appear in its text
    min_script_share: float = 0.8
    # The code of a too-low script share among review checks: `script` blocks an approval; `han` (for
    # Chinese, whose notices carry Latin names and numbers) only warns.
    script_finding: str = "script"
    word_spaces: bool = True
    sentence_joiner: str = " "
    sentence_ends: str = ".!?"
    folds: tuple[str, ...] = ()  # text.keys folding rules: tone-marks, lao-spelling
    numerals: tuple[str, ...] = ()  # number forms besides digits: han
    checks: tuple[str, ...] = ()  # extra checks of a translation: simplified
    font: str = "sans-serif"
    line_height: float = 1.6
    date_format: str = "%Y-%m-%d"  # how its readers write a date (the CLI's times, in trilingo.i18n)

    @property
    def html(self) -> str:  # (the name templates and older code use)
        return self.bcp47

    def name_in(self, ui_lang: str) -> str:
        """Its name in the interface language `ui_lang` (English when the registry has none)."""
        return self.names.get(ui_lang) or self.name

    def engine_code(self, engine: str) -> str | None:
        return self.engines.get(engine)


# The rules a language may name, by field: each is implemented once (text.keys folds, text.checks
# numerals and checks, review.checks the script finding); tests/test_languages.py holds them together.
RULES: dict[str, tuple[str, ...]] = {
    "folds": ("tone-marks", "lao-spelling"),
    "numerals": ("han",),
    "checks": ("simplified",),
    "script_finding": ("script", "han"),
}


@dataclass(frozen=True)
class Registry:
    source: str
    targets: tuple[str, ...]
    languages: Mapping[str, Language]
    scripts: Mapping[str, Script]

    def by_code(
        self, code: str, kinds: tuple[str, ...] = ("code", "bcp47", "tmx", "tbx", "po")
    ) -> str | None:
        """Our code for a code a file or an engine uses (`zh-CN`, `lo_LA`, `zh-Hans` …), or None."""
        wanted = code.strip().lower().replace("_", "-")
        for lang in self.languages.values():
            known = {str(getattr(lang, kind)).lower().replace("_", "-") for kind in kinds}
            known.update(a.replace("_", "-") for a in lang.aliases)
            if wanted in known:
                return lang.code
        return None


def _ranges(values: object, where: str) -> tuple[tuple[int, int], ...]:
    if not isinstance(values, list) or not values:
        raise ConfigError(N_('{where}: a script is a list of ranges such as "0E80-0EFF"').format(where=where))
    out = []
    for item in values:
        low, _, high = str(item).partition("-")
        try:
            out.append((int(low, 16), int(high or low, 16)))
        except ValueError:
            raise ConfigError(
                N_('{where}: {item!r} is not a range such as "0E80-0EFF"').format(where=where, item=item)
            ) from None
    return tuple(out)


def parse(data: Mapping[str, Any], where: str = "languages.toml") -> Registry:
    """A registry from the parsed file; every mistake is a ConfigError naming the key."""
    try:
        scripts = {
            str(k): Script(str(k), _ranges(v, f"{where}: [scripts] {k}")) for k, v in data["scripts"].items()
        }
        languages = {
            str(code): _language(str(code), dict(table), scripts, where)
            for code, table in data["languages"].items()
        }
        source = str(data["source"])
        targets = tuple(str(t) for t in data["targets"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(
            N_("{where}: incomplete or malformed ({kind}: {exc})").format(
                where=where, kind=exc.__class__.__name__, exc=exc
            )
        ) from None
    for language in languages.values():
        _check_rules(language, where)
    unknown = [c for c in (source, *targets) if c not in languages]
    if unknown:
        raise ConfigError(
            N_("{where}: {code!r} is listed as a source or target but has no [languages.{code}]").format(
                where=where, code=unknown[0]
            )
        )
    if source in targets or len(set(targets)) != len(targets) or not targets:
        raise ConfigError(
            N_("{where}: the targets must be distinct, at least one, and not the source").format(where=where)
        )
    return Registry(source, targets, languages, scripts)


def _language(code: str, t: Mapping[str, Any], scripts: Mapping[str, Script], where: str) -> Language:
    """One [languages.CODE] table; a key it lacks takes the Language's default."""

    def script(name: object) -> Script:
        if str(name) not in scripts:
            raise ConfigError(
                N_("{where}: [languages.{code}] names the script {name!r}, not in [scripts]").format(
                    where=where, code=code, name=name
                )
            )
        return scripts[str(name)]

    def names(key: str) -> tuple[str, ...]:
        return tuple(str(v) for v in t.get(key, []))

    return Language(
        code=code,
        name=str(t["name"]),
        native=str(t["native"]),
        bcp47=str(t.get("bcp47", code)),
        tmx=str(t.get("tmx", code)),
        tbx=str(t.get("tbx", code)),
        po=str(t.get("po", code)),
        script=script(t["script"]),
        names={str(k): str(v) for k, v in dict(t.get("names", {})).items()},
        aliases=tuple(a.lower() for a in names("aliases")),
        engines={str(k): str(v) for k, v in dict(t.get("engines", {})).items()},
        confusable=tuple(script(s) for s in t.get("confusable", [])),
        min_script_share=float(t.get("min_script_share", 0.8)),
        script_finding=str(t.get("script_finding", "script")),
        word_spaces=bool(t.get("word_spaces", True)),
        sentence_joiner=str(t.get("sentence_joiner", " ")),
        sentence_ends=str(t.get("sentence_ends", ".!?")),
        folds=names("folds"),
        numerals=names("numerals"),
        checks=names("checks"),
        font=str(t.get("font", "sans-serif")),
        date_format=str(t.get("date_format", "%Y-%m-%d")),
        line_height=float(t.get("line_height", 1.6)),
    )


def _check_rules(language: Language, where: str) -> None:
    """Every rule the language names is one the code has (RULES)."""
    for rule, known in RULES.items():
        given = getattr(language, rule)
        for name in (given,) if isinstance(given, str) else given:
            if name not in known:
                raise ConfigError(
                    N_(
                        "{where}: [languages.{code}] {rule} = {name!r} is not a rule Trilingo has "
                        "(known: {known})"
                    ).format(where=where, code=language.code, rule=rule, name=name, known=", ".join(known))
                )


def load(path: str | None = None) -> Registry:
    """The registry of this process: the shipped one, with the file TRILINGO_LANGUAGES names laid over
    it (its [scripts] and [languages] tables are added, or replace the shipped ones of the same name;
    its `source` and `targets`, when given, replace the shipped lists)."""
    shipped = resources.files("trilingo.data").joinpath("languages.toml").read_text(encoding="utf-8")
    data = _toml(shipped, "trilingo/data/languages.toml")
    given = path if path is not None else os.environ.get(ENV)
    if not given:
        return parse(data, "trilingo/data/languages.toml")
    try:
        text = Path(given).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            N_("{variable}={given}: cannot read it ({exc})").format(variable=ENV, given=given, exc=exc)
        ) from None
    extra = _toml(text, given)
    merged: dict[str, Any] = {
        "source": extra.get("source", data["source"]),
        "targets": extra.get("targets", data["targets"]),
        "scripts": {**data["scripts"], **dict(extra.get("scripts") or {})},
        "languages": {**data["languages"], **dict(extra.get("languages") or {})},
    }
    return parse(merged, given)


def _toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


REGISTRY = load()
SOURCE: str = REGISTRY.source
TARGETS: tuple[str, ...] = REGISTRY.targets
ALL: tuple[str, ...] = (SOURCE, *TARGETS)
LANGUAGES: Mapping[str, Language] = {code: REGISTRY.languages[code] for code in ALL}
SCRIPTS: Mapping[str, Script] = REGISTRY.scripts


def check_target(code: str) -> str:
    """Return `code` if it is a target language, else raise InputError."""
    if code not in TARGETS:
        raise InputError(
            N_("unknown language {code!r} (expected one of: {known})").format(
                code=code, known=", ".join(TARGETS)
            )
        )
    return code


def check_language(code: str) -> str:
    """Return `code` if it is one of the languages (the source or a target), else raise InputError."""
    if code not in ALL:
        raise InputError(
            N_("unknown language {code!r} (expected one of: {known})").format(code=code, known=", ".join(ALL))
        )
    return code


def from_code(code: str, kinds: tuple[str, ...] = ("code", "bcp47", "tmx", "tbx", "po")) -> str | None:
    """Our code for a code that a file uses for one of our languages (`zh-CN`, `lo_LA` …), or None."""
    found = REGISTRY.by_code(code, kinds)
    return found if found in ALL else None


def names_of(codes: tuple[str, ...] = ALL) -> str:
    """`vi, lo or zh`: for messages and help texts."""
    return ", ".join(codes[:-1]) + " or " + codes[-1] if len(codes) > 1 else "".join(codes)
