"""Glossary errors; cli.py turns each into one `Error: …` line."""

from __future__ import annotations

from trilingo.errors import InputError


class GlossaryError(InputError):
    """Glossary problem."""


class MalformedFile(GlossaryError):
    """The glossary file is malformed."""


class UnknownFormat(GlossaryError):
    """Unknown glossary file format (expected .csv or .tbx)."""


class TermConflict(GlossaryError):
    """Term has two preferred translations."""
