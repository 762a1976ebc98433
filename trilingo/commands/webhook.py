"""Webhook commands: send the dead events again."""

from __future__ import annotations

import click

from trilingo.commands.common import App, as_option, echo_json, json_option, pass_app, summary_output
from trilingo.errors import UnavailableError
from trilingo.i18n import _
from trilingo.text.terminal import shown


@click.group()
def webhook() -> None:
    """Events for the provincial portal (HMAC-signed POSTs)."""


@webhook.command()
@as_option
@json_option
@pass_app
@summary_output
def retry(app: App, as_user: str | None, as_json: bool) -> None:
    """Send the events that gave up (dead) again, and whatever else is due."""
    # Deferred: the ORM, so that `webhook --help` stays quick.
    from trilingo.channels.webhook import deliver, retry_dead
    from trilingo.people import authorize

    app.local_only("webhook retry")
    app.override(user=as_user)
    config = app.settings.webhook
    if not config.urls:
        raise UnavailableError(_("no webhook receiver is configured ([webhook] urls in config.toml)"))
    with app.session() as session:
        authorize(session, app.settings.user, "pipeline")
        revived = retry_dead(session)
    with app.session() as session:
        summary = deliver(session, config)
    if as_json:
        echo_json({"revived": revived, **summary.__dict__})
    else:
        click.echo(
            _("{revived} dead event(s) queued again; {delivered} delivered").format(
                revived=revived, delivered=summary.delivered
            )
        )
        for line in summary.failed[:10]:
            click.echo("  " + _("failed: {error}").format(error=shown(line)))
    if summary.failed:
        raise UnavailableError(
            _("{count} delivery(ies) failed again; they stay queued (`trilingo status`)").format(
                count=len(summary.failed)
            )
        )
