"""`trilingo demo`: the whole loop on the shipped sample notices, on embedded defaults.

It drives flows like the pretranslate and publish commands do, so it lives with the commands."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import click
from sqlmodel import Session

from trilingo import channels, rules, server
from trilingo.commands.common import App, pass_app, summary_output
from trilingo.commands.flowrun import run_pretranslate, run_publish
from trilingo.commands.labels import label
from trilingo.config import Settings
from trilingo.errors import Refused
from trilingo.glossary.store import load, load_starter
from trilingo.i18n import _, retranslate
from trilingo.intake.store import Submitted, submit
from trilingo.languages import SOURCE, TARGETS
from trilingo.people import add_user
from trilingo.review.actions import approve, edit
from trilingo.review.queue import QueueItem, queue
from trilingo.review.view import show
from trilingo.store.models import Role
from trilingo.text.frontmatter import read_notice
from trilingo.tm.memory import load_starter as load_tm

# The demo's own people, clearly labelled: none of them is a person, and their approvals are not reviews.
EDITOR = "demo-editor (demo user)"
TRANSLATOR = "demo-translator (demo user)"
REVIEWER = "demo-reviewer (demo user, automatic approval)"
ACCEPT = "demo: automatic approval of shipped starter text, not a human review"


def spelling_variants(term: str) -> list[tuple[str, str]]:
    """The spellings editors really type: new and old tone-mark placement, decomposed, with a no-break space."""
    old_style = term.replace("Ủy", "Uỷ")
    return [
        (_("new style (Ủy)"), term),
        (_("old style (Uỷ)"), old_style),
        (_("decomposed (NFD)"), unicodedata.normalize("NFD", old_style)),
        (_("no-break space"), term.replace(" ", "\u00a0", 1)),
    ]


def sample_files() -> list[Path]:
    folder = resources.files("trilingo.data").joinpath("samples")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".md"))


def _four_eyes(app: App, item: QueueItem, echo: Callable[[str], None]) -> None:
    """One reviewer's edit, approved by a second one: the first may not approve their own change."""
    with app.session() as session:
        view = show(session, str(item.document), item.lang)
        first = view.segments[0]
        assert first.target is not None
        edit(session, str(item.document), item.lang, 1, first.target, TRANSLATOR)
    echo(
        _("6. {who} confirmed segment 1 of {document} [{lang}] (saved as a person's edit)").format(
            who=TRANSLATOR, document=item.slug, lang=item.lang
        )
    )
    with app.session(write=False) as session:
        four_eyes = rules.four_eyes(session)
    if four_eyes:
        try:
            with app.session() as session:
                _approve(session, item, TRANSLATOR)
        except Refused as exc:
            echo(
                "   "
                + _("{who} may not approve it: {reason}").format(
                    who=TRANSLATOR, reason=retranslate(exc.message)
                )
            )
    else:
        echo("   " + _("(the four-eyes rule is off in this workspace: anyone could approve their own edit)"))
    with app.session() as session:
        _approve(session, item, REVIEWER)
    echo(
        "   "
        + _("Approved {document} [{lang}] as {who}, the second pair of eyes").format(
            document=item.slug, lang=item.lang, who=REVIEWER
        )
    )


def _approve(session: Session, item: QueueItem, who: str) -> None:
    """The demo's approval: not a review, so its memory pairs stay marked for native review."""
    approve(
        session,
        str(item.document),
        item.lang,
        who,
        trusted=False,
        accept_warnings=ACCEPT,
    )


def run_demo(app: App, echo: Callable[[str], None]) -> None:
    """The whole loop, steps 1 to 7, each told as it happens; then where to look at the results."""
    settings = app.settings
    app.database  # noqa: B018 - a database that cannot be used is reported before a server is started
    echo(_("Workspace: {path}").format(path=settings.home))
    server.connect(settings, os.environ, announce=lambda said: echo(retranslate(said)), verbose=app.verbose)
    echo(_("1. Prefect server: {url}").format(url=settings.prefect_api_url.removesuffix("/api")))
    _load_starters(app, echo)
    _show_spellings(app, echo)
    submitted = _submit_samples(app, echo)
    for r in run_pretranslate(app, [], []):
        echo(
            _(
                "4. Pretranslated [{lang}]: {segments} segments — memory {tm}, glossary {glossary}, "
                "untranslated {untranslated}"
            ).format(**r)
        )
    ready = _review_queue(app, {s.slug for s in submitted}, echo)
    _approve_ready(app, ready, echo)
    for r in run_publish(app):
        for i, line in enumerate(channels.get(r["channel"]).report(r, settings.public_dir / r["channel"])):
            said = retranslate(line.strip())
            echo(_("7. Published {report}").format(report=said) if i == 0 else "   " + said)
    _where_to_look(settings, echo)


def _load_starters(app: App, echo: Callable[[str], None]) -> None:
    """Step 2: the demo users, the starter glossary and the starter memory."""
    settings = app.settings
    with app.session() as session:
        for name, role in ((EDITOR, Role.EDITOR), (TRANSLATOR, Role.REVIEWER), (REVIEWER, Role.REVIEWER)):
            add_user(session, settings.user, name, role, [] if role == Role.EDITOR else list(TARGETS))
        version = load_starter(session, EDITOR)
        added = load_tm(session, EDITOR)
    echo(
        _(
            "2. Glossary version {version} loaded; {added} starter memory pair(s) added (marked: needs native review)"
        ).format(version=version, added=added)
    )
    echo(
        "   "
        + _("Demo users, added by {caller}: {editor}, {translator}, {reviewer}").format(
            caller=settings.caller, editor=EDITOR, translator=TRANSLATOR, reviewer=REVIEWER
        )
    )


def _show_spellings(app: App, echo: Callable[[str], None]) -> None:
    """Every spelling an editor really types finds the same glossary term."""
    with app.session() as session:
        glossary = load(session)
    for spelling, variant in spelling_variants("Ủy ban nhân dân tỉnh"):
        found = [
            f"{m.concept} → " + " / ".join(str(m.target(t)) for t in TARGETS)
            for m in glossary.annotate(variant, SOURCE)
        ]
        echo(
            "   "
            + _("glossary match, {label} {variant}: {found}").format(
                label=f"{spelling:<17}", variant=variant, found=", ".join(found) or _("NO MATCH")
            )
        )


def _submit_samples(app: App, echo: Callable[[str], None]) -> list[Submitted]:
    """Step 3: the shipped sample notices, submitted as the demo editor."""
    notices = [read_notice(p) for p in sample_files()]
    with app.session() as session:  # published with the translations at step 7
        submitted = [submit(session, n, EDITOR) for n in notices]
    for s in submitted:
        said = (
            _("3. Submitted {slug} (#{id}) version {version}")
            if s.created
            else _("3. Submitted {slug} (#{id}) version {version} (unchanged)")
        )
        echo(said.format(slug=s.slug, id=s.id, version=s.version))
    return submitted


def _review_queue(app: App, samples: set[str], echo: Callable[[str], None]) -> list[QueueItem]:
    """Step 5: the review queue as it stands, and which of the samples are complete and ready to approve."""
    with app.session() as session:
        items = queue(session)
        echo(_("5. Review queue:"))
        for item in items:
            mark = (
                _("{count} untranslated: waits for a translator").format(count=item.untranslated)
                if item.untranslated
                else _("complete")
            )
            echo(f"   #{item.document} {item.slug} [{item.lang}] {label(item.state)} — {mark}")
        # Only the shipped samples, never a real notice that happens to be in this workspace.
        return [
            i
            for i in items
            if i.slug in samples and not i.untranslated and i.state in ("pretranslated", "in_review")
        ]


def _approve_ready(app: App, ready: list[QueueItem], echo: Callable[[str], None]) -> None:
    """Step 6: the first ready item through four eyes, the rest approved by the demo reviewer."""
    if ready:
        _four_eyes(app, ready[0], echo)
    with app.session() as session:
        for item in ready[1:]:
            _approve(session, item, REVIEWER)
            echo(
                _("6. Approved {document} [{lang}] as {who}").format(
                    document=item.slug, lang=item.lang, who=REVIEWER
                )
            )


def _where_to_look(settings: Settings, echo: Callable[[str], None]) -> None:
    """Where the published output is, and what still waits for a person."""
    web = settings.public_dir / "web"
    echo("")
    echo(
        _("The site: {page}  (python -m http.server -d {folder} 8000)").format(
            page=web / "index.html", folder=web
        )
    )
    echo(_("Counter leaflets (A4, HTML and PDF): {folder}").format(folder=settings.public_dir / "print"))
    echo(
        _("Gate screens (one rotating page per gate): {folder}/<gate>/index.html").format(
            folder=settings.public_dir / "screens"
        )
    )
    echo(
        _(
            "Kiosk bundle (offline search): {folder}  (open index.html, or `uv run trilingo kiosk search 口岸`)"
        ).format(folder=settings.public_dir / "kiosk")
    )
    echo(
        _("Flow runs: {server}/runs  or  PREFECT_API_URL={api} uv run prefect flow-run ls").format(
            server=settings.prefect_api_url.removesuffix("/api"), api=settings.prefect_api_url
        )
    )
    echo(_("Still waiting for a human: uv run trilingo review queue"))


@click.command()
@pass_app
@summary_output
def demo(app: App) -> None:
    """Run the whole loop on the shipped samples: submit, pretranslate, review, publish."""
    app.local_only("demo")
    run_demo(app, click.echo)
