"""Getting a segment's new text from the reviewer: the command line, standard input or $EDITOR.

Both `review edit` and the interactive `review next` loop (commands.interactive) need this, so it
lives below both of them and neither imports the other for it."""

from __future__ import annotations

import os
import sys

import click

from trilingo.commands.common import App
from trilingo.errors import InputError, NotFound
from trilingo.text.files import read_stdin_text


def new_text(app: App, document: str, lang: str, n: int, text: str | None, editor: bool) -> str:
    """The text a reviewer gives: on the command line, from standard input (`-`) or in $EDITOR."""
    if text == "-":
        return read_stdin_text("the new text (standard input)")
    if text is not None:
        return text
    assert editor
    view = app.call("review.show", document=document, lang=lang)
    current = next((s for s in view["segments"] if s["n"] == n), None)
    if current is None:
        raise NotFound(f"{view['slug']} has no segment {n} (it has 1–{len(view['segments'])})")
    return edit_in_editor(current["source"], current["target"] or "", lang)


def edit_in_editor(source: str, draft: str, lang: str) -> str:
    """Open $EDITOR on the draft, with the source as a comment; the edited text, comments dropped."""
    if not sys.stdin.isatty() and not (os.environ.get("VISUAL") or os.environ.get("EDITOR")):
        raise InputError("--editor needs a terminal (or $EDITOR); to pipe the text in, use --text -")
    note = (
        f"\n\n# Segment source (vi): {source}\n"
        f"# Write the {lang} translation above. Lines starting with # are ignored; an empty text cancels.\n"
    )
    edited = click.edit(draft + note, extension=".txt", require_save=True)
    if edited is None:
        raise InputError("the editor closed without saving; nothing was changed")
    text = " ".join(line for line in edited.splitlines() if not line.startswith("#")).strip()
    if not text:
        raise InputError("the new text is empty; nothing was changed")
    return text
