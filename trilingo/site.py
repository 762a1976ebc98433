"""The published site's own facts: whose it is, how to reach them, the gates' hours, the categories.

They come from `[site]` in the workspace's config.toml. Without one, the shipped example
(trilingo/data/site-example.toml) is used and every page says that its office details are examples.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from trilingo.errors import ConfigError
from trilingo.i18n import N_
from trilingo.languages import ALL, SOURCE
from trilingo.text.clean import ascii_slug


@dataclass(frozen=True)
class Gate:
    id: str
    names: dict[str, str]
    hours: dict[str, str]


@dataclass(frozen=True)
class Category:
    key: str  # the Vietnamese name, as notices write it in their front matter
    slug: str
    names: dict[str, str]


@dataclass(frozen=True)
class SiteSettings:
    office: dict[str, str]
    phone: str = ""
    email: str = ""
    address: dict[str, str] = field(default_factory=dict)
    gates: tuple[Gate, ...] = ()
    categories: tuple[Category, ...] = ()
    # Category keys whose out-of-date translations are withdrawn. A sorted tuple, not a set: the settings'
    # repr is part of every page's input key, and a set's order changes from one process to the next.
    critical: tuple[str, ...] = ()
    base_url: str = ""
    example: bool = False  # the shipped example, not an office's own settings
    screen_seconds: int = 12  # how long a gate screen shows each language of an item
    kiosk_idle_seconds: int = (
        60  # a kiosk untouched this long goes back to its home screen in the source language
    )
    # The published files' mode ([publish] mode in config.toml): not a page's input, so not in its repr
    file_mode: int = field(default=0o644, repr=False, compare=False)
    # The zone the CLI shows times in ([site] timezone, an IANA name); not a page's input either
    timezone: str = field(default="Asia/Ho_Chi_Minh", repr=False, compare=False)

    def gate(self, gate_id: str) -> Gate | None:
        return next((g for g in self.gates if g.id == gate_id), None)

    def category(self, key: str | None) -> Category | None:
        """The category a notice's `category:` names: its key exactly, else the one key it folds to (no
        tone marks, other case or spacing: `thong bao`), else the one whose page it would share (the same
        slug). A notice's own spelling never names a category the site lists: the names are the site's."""
        if not key:
            return None
        exact = next((c for c in self.categories if c.key == key), None)
        if exact is not None:
            return exact
        return self.folded_category(key) or next((c for c in self.categories if c.slug == _slug(key)), None)

    def folded_category(self, key: str) -> Category | None:
        """The one category whose key folds as `key` does (see fold); None when none does, or several."""
        folded = fold(key)
        found = [c for c in self.categories if folded and fold(c.key) == folded]
        return found[0] if len(found) == 1 else None

    def is_critical(self, key: str | None) -> bool:
        if key is None:
            return False
        found = self.category(key)
        return key in self.critical or (found is not None and found.key in self.critical)


def _by_lang(table: object, what: str, required: bool = True) -> dict[str, str]:
    if not isinstance(table, Mapping):
        if required:
            raise ConfigError(
                N_("config.toml: [site] {what} needs {languages}").format(what=what, languages=", ".join(ALL))
            )
        return {}
    out = {lang: str(table[lang]).strip() for lang in ALL if lang in table and str(table[lang]).strip()}
    if required and SOURCE not in out:
        raise ConfigError(
            N_("config.toml: [site] {what} needs at least {lang}").format(what=what, lang=SOURCE)
        )
    return out


def fold(text: str) -> str:
    """A name without tone marks, case or punctuation: `Thông  báo`, `thong bao` and `thông-báo` fold
    alike (`thong-bao`). Two names that fold alike make one category page (category_slug)."""
    return ascii_slug(text)


def _slug(text: str) -> str:
    return fold(text) or "other"


def parse(values: Mapping[str, Any], example: bool = False) -> SiteSettings:
    try:
        contact = values.get("contact") or {}
        gates = tuple(
            Gate(str(g["id"]), _by_lang(g, f"gate {g['id']}"), _by_lang(g.get("hours"), "hours", False))
            for g in values.get("gates") or []
        )
        categories = tuple(
            Category(
                str(c[SOURCE]).strip(),
                str(c.get("slug") or _slug(str(c[SOURCE]))),
                _by_lang(c, f"category {c[SOURCE]}"),
            )
            for c in values.get("categories") or []
        )
        return SiteSettings(
            office=_by_lang(values.get("office"), "office"),
            phone=str(contact.get("phone", "")),
            email=str(contact.get("email", "")),
            address=_by_lang(contact.get("address"), "contact.address", False),
            gates=gates,
            categories=categories,
            critical=tuple(sorted({str(c) for c in values.get("critical_categories") or []})),
            base_url=str(values.get("base_url", "")).rstrip("/") + "/" if values.get("base_url") else "",
            example=example,
            screen_seconds=int(values.get("screen_seconds", 12)),
            kiosk_idle_seconds=_positive(values.get("kiosk_idle_seconds", 60), "kiosk_idle_seconds"),
            timezone=_zone(values.get("timezone")),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            N_("config.toml: [site] is incomplete or malformed ({reason})").format(reason=exc)
        ) from None


def _positive(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(
            N_("config.toml: [site] {name} must be a whole number of seconds, 1 or more").format(name=name)
        )
    return value


def _zone(value: object) -> str:
    """[site] timezone: an IANA zone this machine knows (zoneinfo, with tzdata), or the gates' own."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if value is None:
        return "Asia/Ho_Chi_Minh"
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            N_("config.toml: [site] timezone {zone!r} is not a time zone (e.g. Asia/Ho_Chi_Minh)").format(
                zone=str(value)
            )
        ) from None
    return str(value)


def from_config(values: Mapping[str, Any], path: Path) -> SiteSettings:
    """The site settings from a workspace's parsed config.toml (`values`, read from `path`): its [site],
    else the shipped example; [publish] mode either way. config.Settings.site calls this."""
    mode = publish_mode(values.get("publish"), path)
    site = values.get("site")
    return replace(parse(site) if isinstance(site, dict) else example(), file_mode=mode)


def publish_mode(table: object, path: Path) -> int:
    """`[publish] mode = "0640"`: the published files' mode (folders get x where the files have r).
    Owner read and write are required; a file anybody may write is refused."""
    if table is None:
        return 0o644
    given = table.get("mode") if isinstance(table, Mapping) else None
    if given is None:
        return 0o644
    try:
        mode = int(str(given), 8)
    except ValueError:
        raise ConfigError(
            N_('{path}: [publish] mode must be an octal mode such as "0644", got {given!r}').format(
                path=path, given=given
            )
        ) from None
    if not 0 <= mode <= 0o777 or mode & 0o600 != 0o600 or mode & 0o002:
        raise ConfigError(
            N_(
                "{path}: [publish] mode {given!r} must let the owner read and write and nobody else write (0644, 0640)"
            ).format(path=path, given=given)
        )
    return mode


@cache
def example() -> SiteSettings:
    text = resources.files("trilingo.data").joinpath("site-example.toml").read_text(encoding="utf-8")
    return parse(tomllib.loads(text), example=True)


def category_slug(settings: SiteSettings, key: str | None) -> str:
    if not key:
        return "other"
    found = settings.category(key)
    return found.slug if found else _slug(key)
