"""Reading an input file: one place that turns every way a file can be wrong into one error naming it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from trilingo.errors import InputError

MAX_INPUT_BYTES = 20 * 1024 * 1024  # glossaries and memories; notices have a smaller limit of their own


def read_input(path: Path, error: type[InputError] = InputError, max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """The file's bytes, refusing missing, unreadable, oversized and empty (or blank) files."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise error(f"{path}: file too large ({size:,} bytes; the limit is {max_bytes:,})")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    if not raw.strip():
        raise error(f"{path}: file is empty")
    return raw


def decode_utf8(path: Path, raw: bytes, error: type[InputError] = InputError) -> str:
    """UTF-8 text without a BOM; an invalid byte is reported with its line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise error(f"{path}: line {line}: invalid UTF-8 (byte 0x{raw[exc.start]:02x})") from None


def read_utf8(path: Path, error: type[InputError] = InputError, max_bytes: int = MAX_INPUT_BYTES) -> str:
    return decode_utf8(path, read_input(path, error, max_bytes), error)


def write_atomic(path: Path, text: str, error: type[InputError] | None = None) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it: readers see old or new, never half.

    Channel output creates its folders. A path a user gave (with `error`) must be in an existing folder, and a
    failure to write there (no such folder, no permission) becomes that error naming the file."""
    try:
        if error is None:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        if error is None:
            raise
        raise error(f"{path}: cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
