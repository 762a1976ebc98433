"""Starting the Trilingo server: check the workspace and its audit key, then run uvicorn until Ctrl-C."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from trilingo.config import Settings
from trilingo.errors import ConfigError
from trilingo.i18n import N_


def prepare(settings: Settings) -> Any:
    """The ASGI app for a workspace that exists and has its audit key; refuses otherwise."""
    from trilingo.api.app import create_app
    from trilingo.store.db import redact
    from trilingo.workspace import load_audit_key, open_existing

    if not load_audit_key(settings, create=False):
        raise ConfigError(
            N_(
                "the Trilingo server needs the workspace's audit key: put it in {path} (0600) "
                "or TRILINGO_AUDIT_KEY; `trilingo db upgrade` makes one for a workspace that never had one"
            ).format(path=settings.audit_key_file)
        )
    open_existing(settings.database_url, "trilingo-api", settings.home)
    app = create_app(settings)
    app.state.database = redact(settings.database_url)
    return app


def uvicorn_config(
    app: Any,
    host: str,
    port: int,
    *,
    certfile: str | None = None,
    keyfile: str | None = None,
    proxies: str = "127.0.0.1",
) -> Any:
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        proxy_headers=True,
        forwarded_allow_ips=proxies,
        log_level="info",
        access_log=True,
        server_header=False,
    )


def serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    certfile: str | None = None,
    keyfile: str | None = None,
    proxies: str = "127.0.0.1",
    echo: Callable[[str], None] = print,
) -> None:
    import uvicorn

    app = prepare(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    scheme = "https" if certfile else "http"
    echo(
        N_(
            "Trilingo server for {home} ({database}) on {scheme}://{host}:{port}/api/v1; "
            "people log in with `trilingo login URL` and a token from `trilingo users token NAME`. Ctrl-C stops."
        ).format(home=settings.home, database=app.state.database, scheme=scheme, host=host, port=port)
    )
    server = uvicorn.Server(
        uvicorn_config(app, host, port, certfile=certfile, keyfile=keyfile, proxies=proxies)
    )
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    echo(N_("Stopped."))
