"""Publishing channels, behind one interface, and their one registry.

A channel takes the live releases (channels.pages) and writes them somewhere: the web, the counter
leaflets, the kiosk bundle, the gate screens, the portal's webhook. Each one writes approved releases
only, atomically, through the ledger (channels.ledger), and removes what is no longer live for it: a
release retracted from it or from every channel, an expired notice, a withdrawn translation.

The publish flow, `publish`, `retract`, `submit`'s check of a notice's `channels:`, `status` and the
printers all go through `names()` and `get()`; adding a channel is one object that satisfies `Channel`
and one `register()` call. The built-in channels are imported only when used, so that a command that
publishes nothing (or only the web, like `submit`) loads none of the others.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from trilingo.errors import InputError
from trilingo.i18n import N_

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

    from trilingo.config import WebhookConfig
    from trilingo.site import SiteSettings


@dataclass(frozen=True)
class Target:
    """Where a publish writes and what it knows: the channel's own folder under public/, the site's
    facts, the workspace's configuration (config.toml as read once), the webhook's receivers, and for an
    incremental publish the documents whose pages changed (None: all)."""

    folder: Path
    site: SiteSettings
    documents: Collection[int] | None = None
    config: Mapping[str, Any] = field(default_factory=dict, repr=False)
    webhook: WebhookConfig | None = field(default=None, repr=False)


@dataclass
class PublishSummary:
    channel: str
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    went_live: list[str] = field(default_factory=list)  # "id:lang" newly published (approved → published)
    waiting: list[str] = field(default_factory=list)  # what cannot go out yet, and why (leaflets)
    withdrawn: list[str] = field(default_factory=list)  # "id:lang" out of date in a critical category
    removed: list[str] = field(default_factory=list)  # files taken down (retracted, expired, waiting again)
    failed: list[str] = field(default_factory=list)  # deliveries that failed (webhook): retried later
    queued: int = 0  # webhook events written by this publish
    delivered: int = 0  # webhook events delivered by this publish
    receivers: int = 0  # webhook receivers configured
    dead: int = 0  # webhook events that went dead in this publish
    pending_total: int = 0  # webhook events left to retry, after it
    dead_total: int = 0  # dead webhook events, after it (they wait for `trilingo webhook retry`)
    next_retry: datetime | None = None
    undelivered: str = ""  # the webhook's one line on what failed and what is left ('' if nothing)
    # (document, language) pairs now live on this channel, for a channel whose publish is what makes an
    # approved translation `published` (the web); None for the others.
    live: list[tuple[int, str]] | None = field(default=None, repr=False, metadata={"json": False})


class Channel(Protocol):
    """What every channel is. `publish` writes what is live for it and removes what no longer is (a
    retraction or an expiry takes effect at the next publish of the channel); `status` gives the facts
    `trilingo status` shows beyond the ledger's file counts; `report` the lines a person reads after a
    publish, from the summary's JSON form. The flow's artifact is the summary's table row."""

    name: str
    # Whether `retract --channel NAME` may name it: the webhook reports retractions as events instead.
    retractable: bool

    def publish(self, session: Session, target: Target) -> PublishSummary: ...

    def status(self, conn: Connection) -> dict[str, Any] | None: ...

    def report(self, result: Mapping[str, Any], folder: Path) -> list[str]: ...


class FileChannel:
    """The common parts of a channel that writes files under public/<name>/: no status beyond the
    ledger's, and a report of what it wrote. Subclasses set `name` and write `publish`."""

    name = ""
    retractable = True

    def publish(self, session: Session, target: Target) -> PublishSummary:
        raise NotImplementedError

    def status(self, conn: Connection) -> dict[str, Any] | None:
        del conn  # nothing beyond the ledger's counts, which `status` reads for every channel
        return None

    def report(self, result: Mapping[str, Any], folder: Path) -> list[str]:
        lines = [
            N_(
                "{name}: {written} file(s) written, {unchanged} unchanged, {live} newly live → {folder}"
            ).format(
                name=self.name,
                written=len(result["written"]),
                unchanged=result["unchanged"],
                live=len(result["went_live"]),
                folder=folder,
            )
        ]
        if result["removed"]:
            lines.append(
                "  "
                + N_("{removed} file(s) taken down (retracted, expired or withdrawn)").format(
                    removed=len(result["removed"])
                )
            )
        return lines


# The built-in channels, in publishing order, by the module that holds each one's `channel` object.
# The webhook is last: it reports what the others put out.
_BUILT_IN = {
    "web": "trilingo.channels.web",
    "print": "trilingo.channels.leaflets",
    "kiosk": "trilingo.channels.kiosk",
    "screens": "trilingo.channels.screens",
}
_LAST = {"webhook": "trilingo.channels.webhook"}
# A built-in channel's `status`, as a function a cold `status` can import without loading the channel
# (and the ORM with it); the channel's own `status` method calls the same function.
_STATUS = {"webhook": "trilingo.status:webhook_counts"}
_added: dict[str, Channel] = {}


def names() -> tuple[str, ...]:
    """Every channel, in the order a full publish runs them."""
    return (*_BUILT_IN, *_added, *_LAST)


def register(channel: Channel) -> Channel:
    """Add a channel (an office's own, or a test's). Its name must be new, and a plain lower-case word:
    it names a folder under public/ and a value of a notice's `channels:`."""
    name = channel.name
    if not name or not name.replace("-", "").isalnum() or not name.islower() or name != name.strip("-"):
        raise ValueError(f"a channel's name is a lower-case word, got {name!r}")
    if name in names():
        raise ValueError(f"a channel named {name!r} exists already")
    _added[name] = channel
    return channel


def unregister(name: str) -> None:
    """Remove a channel added with `register` (the built-in ones stay)."""
    _added.pop(name, None)


def check(name: str) -> str:
    """`name` if it is a channel; else an InputError that lists the channels."""
    if name not in names():
        raise InputError(
            N_("unknown channel {name!r} (known: {known})").format(name=name, known=", ".join(names()))
        )
    return name


def check_all(requested: Iterable[str], where: str = "") -> None:
    """A notice's `channels:` must name channels that exist: a notice naming another would be stored and
    then silently never published."""
    unknown = sorted(set(requested) - set(names()))
    if unknown:
        known = ", ".join(names())
        if where:
            raise InputError(
                N_(
                    "{where}: unknown channel {name!r} in the front matter (known: {known}); nothing was stored"
                ).format(where=where, name=unknown[0], known=known)
            )
        raise InputError(
            N_("unknown channel {name!r} in the front matter (known: {known}); nothing was stored").format(
                name=unknown[0], known=known
            )
        )


def get(name: str) -> Channel:
    """The channel called `name` (its module is imported now, if it is a built-in one)."""
    if name in _added:
        return _added[name]
    module = _BUILT_IN.get(name) or _LAST.get(name)
    if module is None:
        check(name)
    channel: Channel = import_module(str(module)).channel
    return channel


def statuses(conn: Connection) -> dict[str, dict[str, Any]]:
    """Each channel's own facts for `status` (channels with none are left out)."""
    out: dict[str, dict[str, Any]] = {}
    for name in names():
        if name in _added:
            facts = _added[name].status(conn)
        elif name in _STATUS:
            module, _, function = _STATUS[name].partition(":")
            facts = getattr(import_module(module), function)(conn)
        else:
            continue
        if facts is not None:
            out[name] = facts
    return out


def retractable() -> tuple[str, ...]:
    """The channels `retract --channel` may name."""
    return tuple(n for n in names() if get(n).retractable)
