"""`trilingo server`: the local Prefect server that records flow runs (start, stop, status)."""

from __future__ import annotations

import os

import click

from trilingo import config
from trilingo import server as srv
from trilingo.commands.common import App, pass_app, summary_output
from trilingo.errors import TrilingoError, UnavailableError


class _ServerGroup(click.Group):
    """Its help names this workspace's own address, not a fixed default port."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:

        try:
            url = config.load(home=(ctx.find_object(App) or App()).cli_values.get("home")).prefect_api_url
            where = f"UI at {url.removesuffix('/api')}, from this workspace's prefect_port"
        except TrilingoError:
            where = "its address comes from prefect_port in config.toml"
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(f"The local Prefect server that records flow runs ({where}).")


@click.group(cls=_ServerGroup)
def server() -> None:
    """The local Prefect server that records flow runs."""


@server.command()
@pass_app
@summary_output
def start(app: App) -> None:
    """Start the server in the background (its home is inside the workspace)."""
    st = srv.start(app.settings, os.environ, announce=app.note)
    click.echo(f"Prefect server running at {st.ui_url} (pid {st.pid or 'not ours'})")


@server.command()
@pass_app
@summary_output
def stop(app: App) -> None:
    """Stop the server Trilingo started."""
    click.echo(
        "Prefect server stopped." if srv.stop(app.settings) else "No Trilingo-managed server was running."
    )


@server.command(name="status")
@pass_app
def server_status(app: App) -> None:
    """Whether the server answers."""
    st = srv.status(app.settings)
    if not st.running:
        raise UnavailableError(f"no Prefect server answers at {st.api_url}; run `trilingo server start`")
    click.echo(
        f"Prefect server running at {st.ui_url}"
        + (f" (pid {st.pid})" if st.pid else " (not started by Trilingo)")
    )
