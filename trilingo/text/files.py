"""Reading input files and writing output files: one place that turns every way a file can be wrong
into one error naming it."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from trilingo.errors import InputError, UnavailableError, WorkspaceError
from trilingo.i18n import N_

MAX_INPUT_BYTES = 20 * 1024 * 1024  # glossaries and memories; notices have a smaller limit of their own


@dataclass(frozen=True)
class Upload:
    """A file a person gave, as its name and bytes: what a command hands to an operation, on this
    machine or sent to a Trilingo server. It reads like the path it came from (`name`, `suffix`, str()),
    so the importers name the person's file in their messages; it is never opened."""

    path: PurePath
    data: bytes = field(repr=False)

    @classmethod
    def read(
        cls, path: Path, error: type[InputError] = InputError, max_bytes: int = MAX_INPUT_BYTES
    ) -> Upload:
        return cls(PurePath(path), read_input(path, error, max_bytes))

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def suffix(self) -> str:
        return self.path.suffix

    def __str__(self) -> str:
        return str(self.path)


Source = Path | Upload  # what the importers read: a file on this machine, or one a person sent


def read_input(path: Source, error: type[InputError] = InputError, max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """The file's bytes, refusing missing, unreadable, oversized, empty and non-regular files.

    It is opened without blocking and checked after opening: a FIFO or a device is refused instead of
    hanging, and a file swapped for one between a check and the open is still caught. An Upload was
    read already: its size and emptiness are checked here, with the limit that applies here."""
    if isinstance(path, Upload):
        if len(path.data) > max_bytes:
            raise error(
                N_("{path}: file too large ({size:,} bytes; the limit is {limit:,})").format(
                    path=path, size=len(path.data), limit=max_bytes
                )
            )
        if not path.data.strip():
            raise error(N_("{path}: file is empty").format(path=path))
        return path.data
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise error(N_("{path}: no such file").format(path=path)) from None
    except IsADirectoryError:
        raise error(N_("{path}: is a directory").format(path=path)) from None
    except OSError as exc:
        raise error(N_("{path}: cannot read ({reason})").format(path=path, reason=exc.strerror)) from None
    info = os.fstat(fd)
    problem = None
    if stat.S_ISDIR(info.st_mode):
        problem = N_("{path}: is a directory").format(path=path)
    elif not stat.S_ISREG(info.st_mode):
        problem = N_("{path}: not a regular file (a pipe, socket or device); give a file").format(path=path)
    elif info.st_size > max_bytes:
        problem = N_("{path}: file too large ({size:,} bytes; the limit is {limit:,})").format(
            path=path, size=info.st_size, limit=max_bytes
        )
    if problem:
        os.close(fd)
        raise error(problem)
    with os.fdopen(fd, "rb") as fh:
        try:
            raw = fh.read(max_bytes + 1)
        except OSError as exc:
            raise error(N_("{path}: cannot read ({reason})").format(path=path, reason=exc.strerror)) from None
    if len(raw) > max_bytes:  # it grew while being read
        raise error(
            N_("{path}: file too large (more than {limit:,} bytes)").format(path=path, limit=max_bytes)
        )
    if not raw.strip():
        raise error(N_("{path}: file is empty").format(path=path))
    return raw


def decode_utf8(path: Source | PurePath, raw: bytes, error: type[InputError] = InputError) -> str:
    """UTF-8 text without a BOM; an invalid byte is reported with its line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise error(
            N_("{path}: line {line}: invalid UTF-8 (byte 0x{byte:02x})").format(
                path=path, line=line, byte=raw[exc.start]
            )
        ) from None


def read_utf8(path: Source, error: type[InputError] = InputError, max_bytes: int = MAX_INPUT_BYTES) -> str:
    return decode_utf8(path, read_input(path, error, max_bytes), error)


def read_stdin_text(what: str, max_bytes: int = 64 * 1024) -> str:
    """Text piped to standard input (`--text -`), UTF-8, at most `max_bytes`."""
    import sys

    raw = sys.stdin.buffer.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise InputError(
            N_("{what}: too long (more than {limit:,} bytes)").format(what=what, limit=max_bytes)
        )
    if not raw.strip():
        raise InputError(N_("{what}: nothing was given").format(what=what))
    return decode_utf8(Path("<stdin>"), raw).strip()


def _umask() -> int:
    """The process's umask, read without changing it (os.umask can only set it, racing other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """What a newly created file would get: 0o644 under the usual umask 022."""
    return 0o666 & ~_umask()


def write_atomic(path: Path, text: str | bytes, error: type[InputError] | None = None) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it: readers see old or new, never half.

    The file gets the mode a new file gets (mkstemp's 0600 would hide published pages from a web server
    running as another user). Channel output creates its folders; a failure there is a WorkspaceError (or,
    for a full disk, UnavailableError) naming the file. A path a user gave (with `error`) must be in an
    existing folder, and a failure to write there becomes that error naming the file."""
    try:
        if error is None:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise write_error(path, exc, error) from None
    try:
        os.fchmod(fd, file_mode())
        if isinstance(text, bytes):  # a PDF
            with os.fdopen(fd, "wb") as raw:
                raw.write(text)
                raw.flush()
                os.fsync(raw.fileno())
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise write_error(path, exc, error) from None
        raise


def write_error(path: Path, exc: OSError, error: type[InputError] | None = None) -> Exception:
    """What failing to write `path` means for the user, as one error."""
    reason = exc.strerror or str(exc)
    if error is not None:
        return error(N_("{path}: cannot write ({reason})").format(path=path, reason=reason))
    if exc.errno == errno.ENOSPC:
        return UnavailableError(
            N_("cannot write {path}: the disk is full. Free some space, then try again").format(path=path)
        )
    if exc.errno == errno.EISDIR:
        return WorkspaceError(
            N_("cannot write {path}: a folder is in the way; move it away, then try again").format(path=path)
        )
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), path.parent)
        return WorkspaceError(
            N_(
                "cannot write {path}: {blocker} is a file where a folder should be; move it away, then try again"
            ).format(path=path, blocker=blocker)
        )
    return WorkspaceError(
        N_("cannot write {path} ({reason}); check that the folder is writable").format(
            path=path, reason=reason
        )
    )


def write_output(path: Path, text: str | bytes) -> None:
    """A file a person asked for (`-o FILE`): written whole or not at all, in a folder that exists, to a
    temporary file beside it that is renamed over it. Only a regular file is replaced: `-o /dev/full` as
    root would otherwise turn the device into a file."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InputError(
            N_("{path}: cannot write ({reason})").format(path=path, reason=exc.strerror)
        ) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        if stat.S_ISDIR(info.st_mode):
            raise InputError(N_("{path}: is a folder; give the name of a file to write").format(path=path))
        raise InputError(
            N_(
                "{path}: is not a regular file (a device, pipe or socket); give the name of a file to write"
            ).format(path=path)
        )
    write_atomic(path, text, InputError)
