"""Getting a segment's new text from the reviewer: the command line, standard input or $EDITOR.

Both `review edit` and the interactive `review next` loop (commands.interactive) need this, so it
lives below both of them and neither imports the other for it."""

from __future__ import annotations

import os
import sys

import click

from trilingo.commands.common import App
from trilingo.errors import InputError, NotFound
from trilingo.i18n import _
from trilingo.text.files import read_stdin_text


def new_text(app: App, document: str, lang: str, n: int, text: str | None, editor: bool) -> str:
    """The text a reviewer gives: on the command line, from standard input (`-`) or in $EDITOR."""
    if text == "-":
        return read_stdin_text(_("the new text (standard input)"))
    if text is not None:
        return text
    assert editor
    view = app.call("review.show", document=document, lang=lang)
    current = next((s for s in view["segments"] if s["n"] == n), None)
    if current is None:
        raise NotFound(
            _("{slug} has no segment {n} (it has 1–{count})").format(
                slug=view["slug"], n=n, count=len(view["segments"])
            )
        )
    return edit_in_editor(current["source"], current["target"] or "", lang)


def edit_in_editor(source: str, draft: str, lang: str) -> str:
    """Open $EDITOR on the draft, with the source as a comment; the edited text, comments dropped."""
    if not sys.stdin.isatty() and not (os.environ.get("VISUAL") or os.environ.get("EDITOR")):
        raise InputError(_("--editor needs a terminal (or $EDITOR); to pipe the text in, use --text -"))
    told = _(
        "# Segment source (vi): {source}\n"
        "# Write the {lang} translation above. Lines starting with # are ignored; an empty text cancels.\n"
    ).format(source=source, lang=lang)
    # Every line of the note must start with # to be dropped below, whatever a translation did with them.
    note = "\n\n" + "".join(line if line.startswith("#") else f"# {line}" for line in told.splitlines(True))
    edited = click.edit(draft + note, extension=".txt", require_save=True)
    if edited is None:
        raise InputError(_("the editor closed without saving; nothing was changed"))
    text = " ".join(line for line in edited.splitlines() if not line.startswith("#")).strip()
    if not text:
        raise InputError(_("the new text is empty; nothing was changed"))
    return text
