"""Commands: glossary (import, export, lookup, check, add, impact)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from trilingo.commands.common import App, as_option, echo_json, json_option, pass_app, summary_output
from trilingo.glossary.errors import MalformedFile
from trilingo.i18n import _
from trilingo.languages import ALL, LANGUAGES, SOURCE, TARGETS, names_of
from trilingo.text.files import Upload, write_output
from trilingo.text.terminal import shown

LANGS = click.Choice(list(ALL))
F = TypeVar("F", bound=Callable[..., Any])


def _term_options(command: F) -> F:
    """`--vi`, `--lo`, `--zh` …: one option per language of the registry, collected as `terms`."""
    for code in reversed(ALL):
        command = click.option(f"--{code}", code, help=f"{LANGUAGES[code].name} term.")(command)
    return command


STATUS_COLOR = {"preferred": "cyan", "admitted": "blue", "superseded": "yellow", "forbidden": "red"}


@click.group("glossary")
def glossary_group() -> None:
    """The border glossary: terms in every language, with status and confidence."""


@glossary_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@as_option
@json_option
@pass_app
@summary_output
def import_(app: App, file: Path, as_user: str | None, as_json: bool) -> None:
    """Merge a CSV or TBX (v2 or v3) file into the glossary: all of it or nothing."""
    app.override(user=as_user)
    _render_summary(app.call("glossary.import", file=Upload.read(file, MalformedFile)), as_json)


@glossary_group.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "tbx", "tbx3", "tbx2"]),
    default="csv",
    show_default=True,
    help="tbx (or tbx3): TBX v3; tbx2: TBX v2 (martif), for Weblate and translate-toolkit.",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write here (default: stdout)."
)
@pass_app
def export(app: App, fmt: str, output: Path | None) -> None:
    """Write the whole glossary as CSV, TBX v3 or TBX v2."""
    out = app.call("glossary.export", format=fmt)
    if output is None:
        click.echo(out["text"], nl=False)
        return

    write_output(output, out["text"])
    click.echo(_("Wrote {path}").format(path=output), err=True)


@glossary_group.command()
@click.argument("text")
@click.option("--lang", type=LANGS, default=SOURCE, show_default=True, help="The language of TEXT.")
@json_option
@pass_app
def lookup(app: App, text: str, lang: str, as_json: bool) -> None:
    """Show the glossary terms found in TEXT, highlighted, with their translations."""
    found = app.call("glossary.lookup", text=text, lang=lang)
    if as_json:
        echo_json(found)
        return
    click.echo(_highlight(text, found["matches"]))
    for m in found["matches"]:
        click.echo(_describe(m, lang))
    if not found["matches"]:
        click.echo(_("No glossary term found (glossary version {version}).").format(version=found["version"]))


@glossary_group.command()
@click.option("--lang", type=click.Choice(list(TARGETS)), help="Only this target language.")
@json_option
@pass_app
@click.pass_context
def check(ctx: click.Context, app: App, lang: str | None, as_json: bool) -> None:
    """Approved translations that miss a required term or use a forbidden one (exit 1 if any)."""
    findings = app.call("glossary.check", lang=lang)
    if as_json:
        echo_json(findings)
    for f in [] if as_json else findings:
        click.echo(shown(f"{f['document']} #{f['segment']} [{f['lang']}]: {f['warning']}"))
    if not as_json:
        click.echo(_("{count} glossary problem(s) in approved translations.").format(count=len(findings)))
    ctx.exit(1 if findings else 0)


@glossary_group.command()
@click.argument("concept")
@_term_options
@click.option(
    "--status",
    type=click.Choice(["preferred", "admitted", "superseded", "forbidden"]),
    default="preferred",
    show_default=True,
    help="Status of the terms given.",
)
@click.option("--domain", help="Domain (place, border, agency, …).")
@click.option(
    "--confidence",
    type=click.Choice(["high", "medium", "low"]),
    help="How well the target-language terms are sourced.",
)
@click.option("--note", help="Variants, history, what to verify.")
@as_option
@json_option
@pass_app
@summary_output
def add(
    app: App,
    concept: str,
    status: str,
    domain: str | None,
    confidence: str | None,
    note: str | None,
    as_user: str | None,
    as_json: bool,
    **given: str | None,
) -> None:
    """Add terms to CONCEPT (created if new; a new concept is low confidence unless told)."""
    app.override(user=as_user)
    summary = app.call(
        "glossary.add",
        concept=concept,
        terms={code: text for code in ALL if (text := given.get(code))} or None,
        status=status,
        domain=domain,
        confidence=confidence,
        note=note,
    )
    _render_summary(summary, as_json)


@glossary_group.command()
@json_option
@pass_app
def impact(app: App, as_json: bool) -> None:
    """Drafts made with an older glossary version whose source has a term changed since."""
    found = app.call("glossary.impact")
    if as_json:
        echo_json(found)
        return
    for i in found["drafts"]:
        click.echo(
            _("{document} #{segment} [{lang}] {state}, glossary v{version}: {concepts} changed").format(
                document=i["document"],
                segment=i["segment"],
                lang=i["lang"],
                state=i["state"],
                version=i["draft_version"],
                concepts=shown(", ".join(i["concepts"])),
            )
        )
    click.echo(
        _("{count} draft(s) made with an older glossary than version {version} use changed terms.").format(
            count=len(found["drafts"]), version=found["version"]
        )
    )


def _render_summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        echo_json(summary)
        return
    for warning in summary["warnings"]:
        click.echo(_("Warning: {message}").format(message=shown(warning)), err=True)
    if not summary["added"] and not summary["changed"]:
        click.echo(
            _("{file}: nothing changed (glossary version {version})").format(
                file=summary["file"], version=summary["version"]
            )
        )
        return
    click.echo(
        _(
            "{file}: {added} added, {changed} changed, {unchanged} unchanged → glossary version {version}"
        ).format(
            file=summary["file"],
            added=len(summary["added"]),
            changed=len(summary["changed"]),
            unchanged=summary["unchanged"],
            version=summary["version"],
        )
    )
    if summary["skipped_langs"]:
        known = names_of(tuple(LANGUAGES[code].name for code in ALL))
        click.echo(
            _("Skipped languages (not {known}): {langs}").format(
                known=known, langs=", ".join(summary["skipped_langs"])
            )
        )


def _highlight(text: str, matches: list[dict[str, Any]]) -> str:
    """TEXT with each term in [brackets], coloured by status on a terminal."""
    out, pos = [], 0
    for m in matches:
        out += [
            shown(text[pos : m["start"]]),
            click.style(f"[{shown(m['text'])}]", bold=True, fg=STATUS_COLOR[m["status"]]),
        ]
        pos = m["end"]
    return "".join([*out, shown(text[pos:])])


def _describe(m: dict[str, Any], lang: str) -> str:
    """One line per term: translations, concept, status, and confidence when it is not high."""
    targets = ", ".join(f"{k} {v}" for k, v in m["targets"].items() if k != lang and v)
    if m["status"] == "forbidden":
        targets = _("do not use; use {term}").format(term=m["instead"]) if m["instead"] else _("do not use")
    parts = {
        "text": m["text"],
        "targets": targets or _("(no translation)"),
        "concept": m["concept"],
        "status": m["status"],
        "confidence": m["confidence"].upper(),
    }
    if m["confidence"] == "high":
        line = "  [{text}] → {targets}  ({concept}, {status})".format(**parts)
    else:
        line = "  " + _(
            "[{text}] → {targets}  ({concept}, {status}, {confidence} confidence: unverified)"
        ).format(**parts)
    return shown(line + (f" — {m['note']}" if m["note"] else ""))
