"""Rendering a document-language for a reviewer's terminal, from its JSON contract (`review show --json`):
the same whether the operation ran here or on a Trilingo server."""

from __future__ import annotations

from typing import Any

import click

from trilingo import i18n
from trilingo.commands.labels import label
from trilingo.i18n import N_, _, retranslate
from trilingo.text.terminal import shown

CONFIDENCE_MARK = {
    "high": "",
    "medium": N_(" (medium confidence)"),
    "low": N_(" (LOW confidence: unverified)"),
}


def when(iso: str | None, *, date: bool = True, seconds: bool = False) -> str:
    """An ISO 8601 time from a contract (UTC), as a person at the gates reads it: in their zone."""
    return i18n.when(iso, date=date, seconds=seconds)


def highlight(seg: dict[str, Any], color: bool | None) -> str:
    """The source with glossary terms in [brackets] (and bold, on a terminal)."""
    out, pos = [], 0
    source = seg["source"]
    for t in sorted(seg["terms"], key=lambda t: t["start"]):
        out.append(shown(source[pos : t["start"]]))
        term = f"[{shown(t['text'])}]"
        out.append(click.style(term, bold=True, fg="cyan") if color is not False else term)
        pos = t["end"]
    out.append(shown(source[pos:]))
    return "".join(out)


def render_doc_view(view: dict[str, Any], color: bool | None) -> None:
    head = f"#{view['document']} {view['slug']} [{view['lang']}] v{view['version']}: {label(view['state'])}"
    if view["reason"]:
        head = _("{head} — rejected: {reason}").format(head=head, reason=shown(view["reason"]))
    click.echo(head)
    if view["claimed_by"]:
        click.echo(
            _("claimed by {who} until {until} ({zone})").format(
                who=shown(view["claimed_by"]),
                until=when(view["claim_expires"], date=False),
                zone=i18n.zone_label(),
            )
        )
    for seg in view["segments"]:
        render_segment(seg, view["lang"], color)
    for note in view["comments"]:
        click.echo(
            "\n"
            + _("comment by {author} ({at}): {text}").format(
                author=shown(note["author"]), at=when(note["at"]), text=shown(note["text"])
            )
        )
    if view["source_diff"] is not None:
        render_diffs(view)


def render_segment(seg: dict[str, Any], lang: str, color: bool | None) -> None:
    """One segment: source and draft, where the draft came from, then its hints, checks and comments."""
    click.echo("")
    click.echo(f"{seg['n']:>3}  vi  {highlight(seg, color)}")
    target = shown(seg["target"]) if seg["target"] else click.style(_("(untranslated)"), fg="yellow")
    click.echo(f"     {lang}  {target}")
    origin = label(seg["origin"] or "-")
    if seg["detail"].get("needs_native_review"):
        origin = _("{origin}, starter memory: needs native review").format(origin=origin)
    click.echo(
        "     " + _("state {state}, origin {origin}").format(state=label(seg["state"]), origin=shown(origin))
    )
    if seg["detail"].get("reason") and seg["state"] in ("untranslated", "mt_failed"):
        click.echo("     " + _("reason: {reason}").format(reason=shown(retranslate(seg["detail"]["reason"]))))
    for hint in seg["hints"]:
        line = hint_line(hint)
        if line is not None:
            click.echo(line)
    for item in seg["suggestions"]:
        if item["score"] is not None:
            line = _("suggestion {n} {score}%: {text}").format(
                n=item["n"], score=f"{item['score']:.0f}", text=shown(item["target"])
            )
        else:
            line = _("suggestion {n}: {text}").format(n=item["n"], text=shown(item["target"]))
        click.echo("     " + line)
    for c in seg["checks"]:
        click.echo(check_line(c))
    for note in seg["comments"]:
        said = _("comment by {author} ({at}): {text}").format(
            author=shown(note["author"]), at=when(note["at"]), text=shown(note["text"])
        )
        click.echo("     " + said)


def hint_line(hint: dict[str, Any]) -> str | None:
    """A glossary term, the text before the source changed, or a fuzzy memory match; None for other kinds."""
    if hint["type"] == "term":
        mark = CONFIDENCE_MARK.get(hint["confidence"], "")
        return "     " + _("term: {source} → {target}{mark}").format(
            source=shown(hint["source"]), target=shown(hint["target"] or "?"), mark=_(mark) if mark else ""
        )
    if hint["type"] == "previous":
        return "     " + _("before the source changed: {source} → {target}").format(
            source=shown(hint["source"]), target=shown(hint["target"])
        )
    if hint["type"] == "fuzzy":
        return "     " + _("memory {score}%: {source} → {target}").format(
            score=f"{hint['score']:.0f}", source=shown(hint["source"]), target=shown(hint["target"])
        )
    return None


def check_line(c: dict[str, Any]) -> str:
    """A check on a segment: dismissed (and by whom), blocking, or a warning."""
    if "dismissed" in c:
        d = c["dismissed"]
        return "     ~ " + _("{message} (dismissed by {who}: {reason})").format(
            message=shown(retranslate(c["message"])), who=shown(d["by"]), reason=shown(d["reason"])
        )
    if c["level"] == "block":
        blocks = _("{message} [{code}, blocks approval]").format(
            message=shown(retranslate(c["message"])), code=c["code"]
        )
        return click.style(f"     ✗ {blocks}", fg="red")
    return click.style(f"     ! {shown(retranslate(c['message']))} [{c['code']}]", fg="yellow")


def render_diffs(view: dict[str, Any]) -> None:
    if view["approved_version"] is None:
        click.echo("\n" + _("Nothing approved yet: no earlier version to compare with."))
        return
    for title, diff in (
        (
            _("Source since the approved version v{version}:").format(version=view["approved_version"]),
            view["source_diff"],
        ),
        (_("Draft against the approved text:"), view["target_diff"]),
    ):
        click.echo(f"\n{title}")
        if not diff:
            click.echo("  " + _("(no change)"))
        for line in (diff or "").splitlines():
            colour = "green" if line.startswith("+") else "red" if line.startswith("-") else None
            click.echo(click.style(shown(line), fg=colour))


def echo_checks(checks: list[dict[str, str]]) -> None:
    if not checks:
        click.echo("  " + _("checks: all passed"))
    for c in checks:
        if c["level"] == "block":
            line = _("✗ blocks approval [{code}]: {message}")
        else:
            line = _("! warning [{code}]: {message}")
        click.echo("  " + line.format(code=c["code"], message=shown(retranslate(c["message"]))))
