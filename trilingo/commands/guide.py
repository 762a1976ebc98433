"""`trilingo guide`: the staff's task guides, on the screen or printed as an A4 PDF."""

from __future__ import annotations

from pathlib import Path

import click

from trilingo import i18n
from trilingo.errors import InputError
from trilingo.guides import ROLES, available, guide_path, to_html, to_pdf
from trilingo.i18n import _
from trilingo.text.files import write_output


@click.command("guide")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--lang", "lang", help="The guide's language (default: the language Trilingo speaks to you).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write it to FILE: a .pdf is printed as A4 with the Noto fonts, a .html is a page, else Markdown.",
)
def guide(role: str, lang: str | None, output: Path | None) -> None:
    """A short guide to your work, in your language: editor, reviewer or operator."""
    have = [code for code, roles in available().items() if role in roles]
    wanted = lang or (i18n.current() if i18n.current() in have else (have[0] if have else ""))
    if wanted not in have:
        raise InputError(
            _("there is no {role} guide in {lang}; there is one in: {have}").format(
                role=role, lang=wanted, have=", ".join(have) or "-"
            )
        )
    path = guide_path(role, wanted)
    text = path.read_text(encoding="utf-8")
    if output is None:
        click.echo(text, nl=False)
        return
    suffix = output.suffix.lower()
    if suffix == ".pdf":
        write_output(output, to_pdf(text, wanted, path.parent))
    elif suffix in (".html", ".htm"):
        write_output(output, to_html(text, wanted))
    else:
        write_output(output, text)
    click.echo(_("{role} guide ({lang}): {path}").format(role=role, lang=wanted, path=output))
