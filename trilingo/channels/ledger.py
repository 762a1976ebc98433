"""The publish ledger: what was written where, by content hash, so re-publishing writes nothing new.

Each page also carries an *input key*: a hash of everything it is rendered from (its release, the
languages next to it, the renderer's own source). A page whose key is unchanged and whose file is
there is not even rendered. Changed pages are staged as temporary files and made durable together at
`commit()`: every file fsynced, renamed into place, then each folder fsynced once. A crash before the
renames leaves the old pages whole; a failure removes what it staged (when its transaction rolls back),
and a killed publish's temporary files are removed by the next one.

One publisher at a time per workspace: a ledger holds the workspace's publish lock (a file lock in
public/, and on PostgreSQL an advisory lock too) until its transaction ends. So the temporary files
another ledger finds are a dead process's, never a live publisher's. It writes and deletes only inside
the real public/ folder: a symbolic link to a folder inside it is refused, not followed (public/
itself may be one, to shared storage). Files are 0644 and folders 0755 whatever the umask, unless
`[publish] mode` in config.toml says otherwise.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import stat
import tempfile
import time
import zlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, event, insert, text, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col

from trilingo.errors import UnavailableError, WorkspaceError
from trilingo.i18n import N_
from trilingo.store.chunks import chunked
from trilingo.store.models import PublishRecord, utcnow
from trilingo.store.sessions import TrilingoSession
from trilingo.text.files import write_error

STAGED_PREFIX = ".trilingo-"
LOCK_FILE = ".trilingo-publish.lock"
LOCK_WAIT = 600.0  # seconds a publisher waits for another (a full rebuild at 10,000 notices takes ~60)
FILE_MODE = 0o644


def folder_mode(mode: int) -> int:
    """The folders' mode for files of `mode`: whoever may read a file may list its folder."""
    return mode | ((mode & 0o444) >> 2) | 0o700


@dataclass(frozen=True)
class _Record:
    id: int
    content_hash: str
    input_key: str | None
    document_id: int | None = None
    lang: str | None = None
    list_key: str | None = None


@dataclass
class _Staged:
    rel: str
    tmp: Path | None  # None: the page is as it was; only its input key is new
    digest: str
    key: str | None
    document_id: int | None
    lang: str | None
    version_id: int | None
    list_key: str | None = None


@dataclass
class Ledger:
    """Writes a file only when its content changed; loads what it knows in one query."""

    session: Session
    channel: str
    root: Path
    # Publishing only these documents' pages (and the lists): the records of other documents' pages are
    # not loaded (24,000 rows of a 10,000-notice site, a tenth of a `submit`).
    documents: Collection[int] | None = None
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    _records: dict[str, _Record] = field(default_factory=dict)
    _staged: list[_Staged] = field(default_factory=list)
    _touched: set[str] = field(default_factory=set)  # produced (or found current) by this run
    _pruned: list[tuple[str, int]] = field(default_factory=list)
    mode: int = FILE_MODE  # the published files' mode ([publish] mode)
    _real: set[str] = field(default_factory=set)  # folders checked not to be symbolic links

    def __post_init__(self) -> None:
        hold_publish_lock(self.session, self.root.parent)
        self.session.info.setdefault(_LEDGERS, []).append(self)
        query = sa_select(
            col(PublishRecord.id),
            col(PublishRecord.path),
            col(PublishRecord.content_hash),
            col(PublishRecord.input_key),
            col(PublishRecord.document_id),
            col(PublishRecord.lang),
            col(PublishRecord.list_key),
        ).where(col(PublishRecord.channel) == self.channel)
        if self.documents is None:
            rows = list(self.session.execute(query).all())
        else:
            rows = list(self.session.execute(query.where(col(PublishRecord.document_id).is_(None))).all())
            wanted = sorted(self.documents)
            for chunk in chunked(wanted):
                rows += self.session.execute(query.where(col(PublishRecord.document_id).in_(chunk))).all()
        self._records = {
            path: _Record(i, h, k, d, la, lk) for i, path, h, k, d, la, lk in rows if i is not None
        }
        self._root_text = str(self.root)
        self._check_folder(self.root)
        _remove_stale_staged(self.root)  # the lock is ours: they are a dead publisher's

    def is_current(self, rel: str, key: str, list_key: str | None = None) -> bool:
        """Whether `rel` was written from inputs with this key and is still there: no need to render it.
        With `list_key`, its record must also hold that list entry (else only the record is updated)."""
        self._touched.add(rel)
        record = self._records.get(rel)
        # os.path on strings: pathlib's objects cost more than the stat itself on a 30,000-page site.
        return (
            record is not None
            and record.input_key == key
            and (list_key is None or record.list_key == list_key)
            and os.path.isfile(os.path.join(self._root_text, rel))
        )

    def on_disk(self, rel: str) -> bool:
        """Whether the file `rel` is there (whatever the ledger says)."""
        return os.path.isfile(os.path.join(self._root_text, rel))

    def records(self) -> Mapping[str, _Record]:
        """What the ledger knew before this run: of every file, or of `documents` and the lists."""
        return self._records

    def put(
        self,
        rel: str,
        render: Callable[[], str | bytes],
        *,
        key: str | None = None,
        document_id: int | None = None,
        lang: str | None = None,
        version_id: int | None = None,
        list_key: str | None = None,
    ) -> bool:
        """Stage `rel` unless it is known to be current; True if it will be written."""
        self._touched.add(rel)
        record = self._records.get(rel)
        path = self.root / rel
        if key is not None and self.is_current(rel, key):
            self.unchanged += 1
            if record is not None and list_key is not None and record.list_key != list_key:
                self._staged.append(
                    _Staged(rel, None, record.content_hash, key, document_id, lang, version_id, list_key)
                )
            return False
        text = render()
        data = text.encode("utf-8") if isinstance(text, str) else text  # pages are text, PDFs bytes
        digest = hashlib.sha256(data).hexdigest()
        staged = _Staged(rel, None, digest, key, document_id, lang, version_id, list_key)
        if record is not None and record.content_hash == digest and path.is_file():
            self.unchanged += 1
            if key != record.input_key or list_key != record.list_key:  # same page: remember, write nothing
                self._staged.append(staged)
            return False
        staged.tmp = self._stage(path, data)
        self._staged.append(staged)
        self.written.append(rel)
        return True

    def fetch(self, documents: Collection[int]) -> None:
        """Load the records of other documents, whose pages this publish is about to write again (they
        went missing from the disk), as __post_init__ loads its own documents'."""
        wanted = sorted(set(documents) - set(self.documents or ()))
        if self.documents is None or not wanted:
            return
        query = sa_select(
            col(PublishRecord.id),
            col(PublishRecord.path),
            col(PublishRecord.content_hash),
            col(PublishRecord.input_key),
            col(PublishRecord.document_id),
            col(PublishRecord.lang),
            col(PublishRecord.list_key),
        ).where(col(PublishRecord.channel) == self.channel)
        for chunk in chunked(wanted):
            for i, path, h, k, d, la, lk in self.session.execute(
                query.where(col(PublishRecord.document_id).in_(chunk))
            ):
                if i is not None and path not in self._records:
                    self._records[path] = _Record(i, h, k, d, la, lk)

    def distrust(self) -> None:
        """The files on disk may not be what this ledger wrote (a damaged copy was found): write every
        file this run produces again, whatever its record says."""
        self._records = {
            rel: replace(rec, content_hash="", input_key=None) for rel, rec in self._records.items()
        }

    def keep(self, rel: str) -> None:
        """`rel` is still published, unchanged (so `prune` leaves it)."""
        self._touched.add(rel)

    def prune(self, documents: Collection[int] | None = None) -> None:
        """Stage the removal of the files this run did not produce (of `documents` only, if given): pages
        no longer live, because they were retracted, withdrawn or are waiting again. Done at commit."""
        for rel, rec in sorted(self._records.items()):
            if rel in self._touched or (documents is not None and rec.document_id not in documents):
                continue
            self._pruned.append((rel, rec.id))

    def _check_folder(self, folder: Path) -> None:
        """Refuse a symbolic link to a folder anywhere from the channel's root down to `folder`."""
        if str(folder) in self._real:
            return
        chain = [folder, *(p for p in folder.parents if self.root in (p, *p.parents))]
        for part in reversed(chain):
            if str(part) in self._real:
                continue
            try:
                info = os.lstat(part)
            except FileNotFoundError:
                return  # made by _make_folders, as a real folder
            except OSError as exc:
                raise write_error(part, exc) from None
            if stat.S_ISLNK(info.st_mode):
                raise WorkspaceError(
                    N_(
                        "cannot publish through {path}: it is a symbolic link (to {target}); Trilingo "
                        "writes only inside the real {public}. Replace the link with a folder"
                    ).format(path=part, target=os.readlink(part), public=self.root.parent)
                )
            self._real.add(str(part))

    def _make_folders(self, folder: Path) -> None:
        """Make `folder` and its missing parents with the published folders' mode, whatever the umask."""
        self._check_folder(folder)
        missing = []
        while not folder.is_dir():
            missing.append(folder)
            if folder == folder.parent:
                break
            folder = folder.parent
        for made in reversed(missing):
            made.mkdir(exist_ok=True)
            os.chmod(made, folder_mode(self.mode))
            self._real.add(str(made))

    def _stage(self, path: Path, data: bytes) -> Path:
        try:
            self._make_folders(path.parent)
            fd, tmp = tempfile.mkstemp(prefix=f"{STAGED_PREFIX}{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise write_error(path, exc) from None
        try:
            os.fchmod(fd, self.mode)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise write_error(path, exc) from None
        return Path(tmp)

    def abandon(self) -> None:
        """Remove what was staged and not committed (the transaction failed): a full disk stays full
        otherwise, until the next publish."""
        for s in self._staged:
            if s.tmp is not None:
                with contextlib.suppress(OSError):
                    s.tmp.unlink(missing_ok=True)
        self._staged, self._pruned = [], []

    def commit(self) -> None:
        """Make the staged files durable and visible, then record them (in the caller's transaction)."""
        files = [(s.rel, s.tmp) for s in self._staged if s.tmp is not None]
        try:
            for _, tmp in files:
                fd = os.open(tmp, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            for rel, tmp in files:
                os.replace(tmp, self.root / rel)
        except OSError as exc:
            for _, tmp in files:
                tmp.unlink(missing_ok=True)
            raise write_error(self.root / files[0][0], exc) from None
        for folder in {(self.root / rel).parent for rel, _ in files}:
            with contextlib.suppress(OSError):  # not every file system can fsync a folder
                fd = os.open(folder, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        for rel, _id in self._pruned:
            try:
                self._check_folder((self.root / rel).parent)
                (self.root / rel).unlink(missing_ok=True)
            except OSError as exc:
                raise write_error(self.root / rel, exc) from None
            self.removed.append(rel)
        if self._pruned:
            table = SQLModel.metadata.tables["publishrecord"]
            ids = [i for _, i in self._pruned]
            for chunk in chunked(ids):
                self.session.execute(delete(table).where(table.c.id.in_(chunk)))
        self._record()
        self._staged, self._pruned = [], []

    def _record(self) -> None:
        table = SQLModel.metadata.tables["publishrecord"]
        now = utcnow()
        new, known = [], []
        for s in self._staged:
            values = {
                "p_hash": s.digest,
                "p_key": s.key,
                "p_document_id": s.document_id,
                "p_lang": s.lang,
                "p_version_id": s.version_id,
                "p_list_key": s.list_key,
                "p_at": now,
            }
            record = self._records.get(s.rel)
            if record is None:
                new.append({"channel": self.channel, "path": s.rel, **{k[2:]: v for k, v in values.items()}})
            else:
                known.append({"b_id": record.id, **values})
        if new:
            rows = [
                {
                    "channel": r["channel"],
                    "path": r["path"],
                    "content_hash": r["hash"],
                    "input_key": r["key"],
                    "document_id": r["document_id"],
                    "lang": r["lang"],
                    "version_id": r["version_id"],
                    "list_key": r["list_key"],
                    "published_at": r["at"],
                }
                for r in new
            ]
            self.session.execute(insert(table), rows)
        if known:
            statement = (
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(
                    content_hash=bindparam("p_hash"),
                    input_key=bindparam("p_key"),
                    document_id=bindparam("p_document_id"),
                    lang=bindparam("p_lang"),
                    version_id=bindparam("p_version_id"),
                    list_key=bindparam("p_list_key"),
                    published_at=bindparam("p_at"),
                )
            )
            self.session.connection().execute(statement, known)


def _remove_stale_staged(root: Path) -> None:
    """Temporary files a killed publish left behind: ours by their name, never a page."""
    if not root.is_dir():
        return
    for stale in root.rglob(f"{STAGED_PREFIX}*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


_LOCK = "trilingo_publish_lock"  # session.info: the lock file this transaction holds
_LEDGERS = "trilingo_ledgers"  # session.info: the ledgers whose staged files a rollback removes
_PG_LOCK = zlib.crc32(b"trilingo-publish")


def hold_publish_lock(session: Session, public_dir: Path, wait: float = LOCK_WAIT) -> None:
    """Take the workspace's publish lock for the rest of this transaction (once per transaction)."""
    if _LOCK in session.info:
        return
    try:
        if not public_dir.is_dir():
            public_dir.mkdir(parents=True, exist_ok=True)
            os.chmod(public_dir, folder_mode(FILE_MODE))
        handle = open(public_dir / LOCK_FILE, "a")  # noqa: SIM115 - held until the transaction ends
    except OSError as exc:
        raise write_error(public_dir / LOCK_FILE, exc) from None
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                handle.close()
                raise UnavailableError(
                    N_(
                        "another publish of this workspace held {lock} for {wait:.0f} s; "
                        "nothing was published. Try again when it has finished"
                    ).format(lock=public_dir / LOCK_FILE, wait=wait)
                ) from None
            time.sleep(0.05)
    session.info[_LOCK] = handle
    if session.get_bind().dialect.name == "postgresql":  # publishers on other machines, one database
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})


@event.listens_for(TrilingoSession, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_LEDGERS, None)  # committed: nothing staged is left to remove
    _release(session)


@event.listens_for(TrilingoSession, "after_transaction_end")
def _after_transaction(session: Session, transaction: Any) -> None:
    """A transaction that ends without committing (an error, a rollback, a closed session) removes what
    its ledgers staged and lets the next publisher in."""
    if transaction.parent is not None:
        return  # a savepoint
    for ledger in session.info.pop(_LEDGERS, []):
        ledger.abandon()
    _release(session)


def _release(session: Session) -> None:
    handle = session.info.pop(_LOCK, None)
    if handle is not None:
        handle.close()


def check_writable(folder: Path, mode: int = FILE_MODE) -> None:
    """Fail now, naming the problem, if files cannot be written in `folder` (made if missing, with the
    published folders' mode): a submit checks its output before it stores anything, so a read-only or
    blocked public/ stops it whole."""
    probe: str | None = None
    try:
        missing = [p for p in (folder, *folder.parents) if not p.exists()]
        for made in reversed(missing):
            made.mkdir(exist_ok=True)
            os.chmod(made, folder_mode(mode))
        fd, probe = tempfile.mkstemp(prefix=f"{STAGED_PREFIX}probe-", suffix=".tmp", dir=folder)
        os.write(fd, b"x")
        os.close(fd)
    except OSError as exc:
        raise write_error(folder / "index.html", exc) from None
    finally:
        if probe is not None:
            with contextlib.suppress(OSError):
                os.unlink(probe)
