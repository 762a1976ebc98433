"""Whether a publish of every channel would change nothing: a fingerprint of what it reads, taken before
each publish and kept by the one that succeeded everywhere. SQLAlchemy Core and the standard library
only: `trilingo publish` with nothing to do loads neither the ORM nor the channels' renderers."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from trilingo import channels
from trilingo.channels import names
from trilingo.store.tables import documentversion
from trilingo.store.values import utcnow

if TYPE_CHECKING:
    from trilingo.config import Settings

# --- Nothing to publish? --------------------------------------------------------------------------
# `trilingo publish` asks this before it records a run or reads a channel (each channel reads every
# live page: seconds at 10,000 notices). It needs neither the ORM nor the channels' code. The answer is
# "nothing" only when everything a publish reads is as it was when a publish of every channel last
# succeeded:
# - the database: the audit log (every change a person or the pipeline makes writes to it, in the same
#   transaction), and, as a second guard against rows written past the app, counts and sums of the
#   releases, document-languages, versions, documents, retractions and settings;
# - per channel: its last publish did not fail (channelstate), and every file its ledger lists is on
#   the disk (a publish puts back a file that went missing);
# - the webhook: no event waits for delivery or is dead (a due retry, or one that `publish` reports);
# - no retraction waits to be carried out;
# - time: no notice's `expires:` passed since then (the kiosk and screens drop it, the web marks it);
# - the renderers and their settings: every source, template and catalog file of Trilingo (size and
#   time), the installed packages (site-packages' time), config.toml's values, the webhook's
#   environment, the public folder and the database;
# - the channels: only the built-in ones (an office's own channel's inputs are not known here).
# The fingerprint is taken before the publish it belongs to and kept only if that publish succeeded on
# every channel, so a change made during it shows at the next one.

FINGERPRINT_FILE = "publish-fingerprint.json"

_GUARDS = (
    "SELECT count(*), max(id) FROM auditevent",
    "SELECT count(*), max(id), sum(document_id + version_id) FROM release",
    "SELECT count(*), sum(id * (1 + coalesce(release_id, 0) % 65521)), sum(version_id), "
    "sum(length(state) * (id % 257)) FROM doclang",
    "SELECT count(*), max(id) FROM documentversion",
    "SELECT count(*), max(id) FROM document",
    "SELECT count(*), max(id), sum(CASE WHEN done_at IS NULL THEN 1 ELSE 0 END) FROM retraction",
    "SELECT count(*), max(updated_at) FROM setting",
)


@dataclass(frozen=True)
class Fingerprint:
    value: str  # the hash of everything above but time
    taken_at: datetime


def fingerprint(conn: Connection, settings: Settings) -> Fingerprint | None:
    """What a publish of every channel reads, as one hash; None when a publish has work whatever the
    last one did (a channel failed, an event waits, a retraction waits, a channel of an office's own)."""
    taken_at = utcnow()
    if set(names()) != set(channels._BUILT_IN) | set(channels._LAST):
        return None
    if conn.execute(text("SELECT count(*) FROM channelstate WHERE error IS NOT NULL")).scalar():
        return None
    if conn.execute(text("SELECT count(*) FROM webhookevent WHERE state IN ('pending', 'dead')")).scalar():
        return None
    if conn.execute(text("SELECT count(*) FROM retraction WHERE done_at IS NULL")).scalar():
        return None
    parts = [repr(tuple(conn.execute(text(query)).one())) for query in _GUARDS]
    parts += [
        _code_stamp(),
        repr(sorted((k, repr(v)) for k, v in settings.file_values.items())),
        repr(settings.webhook_env),
        str(settings.public_dir),
        settings.database_url,
    ]
    return Fingerprint(sha256("\n".join(parts).encode()).hexdigest(), taken_at)


def _code_stamp() -> str:
    """Size and time of every file of Trilingo's package (sources, templates, catalogs), and the time of
    the folder packages are installed in: an upgrade of Trilingo or of a library it renders with."""
    import sysconfig

    import trilingo

    stamps = []
    roots = {Path(trilingo.__file__).parent}
    roots |= {Path(p) for p in getattr(trilingo, "__path__", [])}
    for name in ("trilingo.catalogs", "trilingo.flows"):
        spec = find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            roots |= {Path(p) for p in spec.submodule_search_locations}
    for root in sorted(roots):
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".pyc", ".pyo")):
                    continue
                info = os.stat(os.path.join(folder, name))
                stamps.append(f"{folder}/{name}:{info.st_size}:{info.st_mtime_ns}")
    purelib = sysconfig.get_paths()["purelib"]
    with contextlib.suppress(OSError):
        stamps.append(f"{purelib}:{os.stat(purelib).st_mtime_ns}")
    return sha256("\n".join(stamps).encode()).hexdigest()


def nothing_to_publish(conn: Connection, settings: Settings, current: Fingerprint | None) -> bool:
    """Whether a publish of every channel would change nothing: `current` (taken now) is the one kept by
    the last publish that succeeded everywhere, no `expires:` passed since it was taken, and every file
    the ledger lists is on the disk."""
    if current is None:
        return False
    kept = _kept(settings)
    if kept is None or kept.value != current.value:
        return False
    expires = documentversion.c.expires
    expiring = select(func.count()).where(expires > kept.taken_at, expires <= current.taken_at)
    if conn.execute(expiring).scalar():
        return False
    public = str(settings.public_dir)
    isfile = os.path.isfile
    join = os.path.join
    for channel, path in conn.execute(text("SELECT channel, path FROM publishrecord")):
        if not isfile(join(public, channel, path)):
            return False
    return True


def _kept(settings: Settings) -> Fingerprint | None:
    try:
        data = json.loads((settings.home / FINGERPRINT_FILE).read_text(encoding="utf-8"))
        return Fingerprint(str(data["value"]), datetime.fromisoformat(data["taken_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keep_fingerprint(settings: Settings, taken: Fingerprint | None) -> None:
    """After a publish that succeeded on every channel: its fingerprint (taken before it), for the next
    `publish` to compare (written whole, or not at all). None forgets the one kept."""
    path = settings.home / FINGERPRINT_FILE
    with contextlib.suppress(OSError):
        if taken is None:
            path.unlink(missing_ok=True)
            return
        data = json.dumps({"value": taken.value, "taken_at": taken.taken_at.isoformat()})
        tmp = path.with_name(f".{FINGERPRINT_FILE}.tmp")
        tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
