"""`trilingo server`: the local Prefect server that records flow runs (start, stop, status)."""

from __future__ import annotations

import os

import click

from trilingo import config
from trilingo import server as srv
from trilingo.commands.common import App, pass_app, summary_output
from trilingo.errors import TrilingoError, UnavailableError
from trilingo.i18n import _


class _ServerGroup(click.Group):
    """Its help names this workspace's own address, not a fixed default port."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:

        try:
            url = config.load(home=(ctx.find_object(App) or App()).cli_values.get("home")).prefect_api_url
            text = _(
                "The local Prefect server that records flow runs (UI at {url}, from this workspace's prefect_port)."
            ).format(url=url.removesuffix("/api"))
        except TrilingoError:
            text = _(
                "The local Prefect server that records flow runs (its address comes from prefect_port in "
                "config.toml)."
            )
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(text)


@click.group(cls=_ServerGroup)
def server() -> None:
    """The local Prefect server that records flow runs."""


@server.command()
@pass_app
@summary_output
def start(app: App) -> None:
    """Start the server in the background (its home is inside the workspace)."""
    st = srv.start(app.settings, os.environ, announce=app.note)
    if st.pid:
        click.echo(_("Prefect server running at {url} (pid {pid})").format(url=st.ui_url, pid=st.pid))
    else:
        click.echo(_("Prefect server running at {url} (pid not ours)").format(url=st.ui_url))


@server.command()
@pass_app
@summary_output
def stop(app: App) -> None:
    """Stop the server Trilingo started."""
    click.echo(
        _("Prefect server stopped.")
        if srv.stop(app.settings)
        else _("No Trilingo-managed server was running.")
    )


@server.command(name="status")
@pass_app
def server_status(app: App) -> None:
    """Whether the server answers."""
    st = srv.status(app.settings)
    if not st.running:
        raise UnavailableError(
            _("no Prefect server answers at {url}; run `trilingo server start`").format(url=st.api_url)
        )
    if st.pid:
        click.echo(_("Prefect server running at {url} (pid {pid})").format(url=st.ui_url, pid=st.pid))
    else:
        click.echo(_("Prefect server running at {url} (not started by Trilingo)").format(url=st.ui_url))
