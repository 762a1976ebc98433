"""Reading a glossary file's bytes: existence, emptiness and UTF-8, each as one error naming the file."""

from __future__ import annotations

from trilingo.glossary.errors import MalformedFile, UnknownFormat
from trilingo.i18n import N_
from trilingo.text.files import Source, read_utf8


def read_text(path: Source) -> str:
    """The file's text (a UTF-8 BOM is dropped); MalformedFile names the file and the line."""
    return read_utf8(path, MalformedFile)


def file_format(path: Source) -> str:
    """csv or tbx, from the file name."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".tbx", ".xml"):
        return "tbx"
    if suffix:
        raise UnknownFormat(
            N_("{path}: unknown glossary format {suffix!r} (expected .csv or .tbx)").format(
                path=path, suffix=suffix
            )
        )
    raise UnknownFormat(
        N_("{path}: unknown glossary format '(no extension)' (expected .csv or .tbx)").format(path=path)
    )
