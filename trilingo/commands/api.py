"""`trilingo api`: the Trilingo API server, which people reach with their personal tokens."""

from __future__ import annotations

import click

from trilingo.api.server import serve
from trilingo.commands.common import App, pass_app
from trilingo.i18n import _


@click.command("api")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (a reverse proxy's backend)."
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8787, show_default=True, help="Port to listen on."
)
@click.option(
    "--certfile", type=click.Path(dir_okay=False), help="Serve TLS itself with this certificate (PEM)."
)
@click.option("--keyfile", type=click.Path(dir_okay=False), help="The certificate's private key (PEM).")
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help="Proxies whose X-Forwarded-For names the client (for the failed-login limits).",
)
@pass_app
def api_command(
    app: App, host: str, port: int, certfile: str | None, keyfile: str | None, forwarded_allow_ips: str
) -> None:
    """Serve the Trilingo API: people work through it with personal tokens, not the database's password.

    Put it behind a reverse proxy that does TLS (docs/deploy.md), or give --certfile and --keyfile."""
    if bool(certfile) != bool(keyfile):
        raise click.UsageError(_("--certfile and --keyfile go together"))
    serve(
        app.settings,
        host,
        port,
        certfile=certfile,
        keyfile=keyfile,
        proxies=forwarded_allow_ips,
        echo=click.echo,
    )
