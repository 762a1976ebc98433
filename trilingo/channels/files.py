"""The publish ledger: what was written where, by content hash, so re-publishing writes nothing new.

Each page also carries an *input key*: a hash of everything it is rendered from (its release, the
languages next to it, the renderer's own source). A page whose key is unchanged and whose file is
there is not even rendered. Changed pages are staged as temporary files and made durable together at
`commit()`: every file fsynced, renamed into place, then each folder fsynced once. A crash before the
renames leaves the old pages whole; stale temporary files are removed by the next publish.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col

from trilingo.store.models import PublishRecord, utcnow
from trilingo.text.files import file_mode, write_error

STAGED_PREFIX = ".trilingo-"


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

    def __post_init__(self) -> None:
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
            for start in range(0, len(wanted), 900):
                chunk = wanted[start : start + 900]
                rows += self.session.execute(query.where(col(PublishRecord.document_id).in_(chunk))).all()
        self._records = {
            path: _Record(i, h, k, d, la, lk) for i, path, h, k, d, la, lk in rows if i is not None
        }
        self._root_text = str(self.root)
        self._mode = file_mode()  # once: it reads /proc/self/status, 30 µs a file on a 30,000-page site
        _remove_stale_staged(self.root)

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

    def _stage(self, path: Path, data: bytes) -> Path:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f"{STAGED_PREFIX}{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise write_error(path, exc) from None
        try:
            os.fchmod(fd, self._mode)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise write_error(path, exc) from None
        return Path(tmp)

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
                (self.root / rel).unlink(missing_ok=True)
            except OSError as exc:
                raise write_error(self.root / rel, exc) from None
            self.removed.append(rel)
        if self._pruned:
            table = SQLModel.metadata.tables["publishrecord"]
            ids = [i for _, i in self._pruned]
            for start in range(0, len(ids), 900):
                self.session.execute(delete(table).where(table.c.id.in_(ids[start : start + 900])))
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
