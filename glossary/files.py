"""Reading a glossary file's bytes: existence, emptiness and UTF-8, each as one error naming the file."""

from __future__ import annotations

from pathlib import Path

from glossary.errors import MalformedFile, UnknownFormat


def read_text(path: Path) -> str:
    """The file's text (a UTF-8 BOM is dropped); MalformedFile names the file and the line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise MalformedFile(f"{path}: no such file") from None
    except IsADirectoryError:
        raise MalformedFile(f"{path}: is a directory") from None
    except OSError as exc:
        raise MalformedFile(f"{path}: cannot read ({exc.strerror})") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise MalformedFile(f"{path} line 1: empty file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise MalformedFile(f"{path} line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x})") from None


def file_format(path: Path) -> str:
    """csv or tbx, from the file name."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".tbx", ".xml"):
        return "tbx"
    raise UnknownFormat(
        f"{path}: unknown glossary format {suffix or '(no extension)'!r} (expected .csv or .tbx)"
    )
