"""A Trilingo server (`trilingo api`) on loopback inside the test process, and the tokens of its people."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from click.testing import CliRunner


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_api(settings: Any, *, certfile: str | None = None, keyfile: str | None = None) -> Iterator[str]:
    """The API for `settings`' workspace, served by uvicorn in a thread; yields its base URL."""
    import uvicorn

    from trilingo.api.server import prepare, uvicorn_config

    port = free_port()
    config = uvicorn_config(prepare(settings), "127.0.0.1", port, certfile=certfile, keyfile=keyfile)
    config.log_level = "warning"
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="trilingo-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the API server did not start"
        time.sleep(0.02)
    try:
        yield f"{'https' if certfile else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def mint(name: str, *args: str) -> str:
    """A token for `name`, made locally by the workspace's admin (the account the tests run as)."""
    from trilingo.cli import cli

    result = CliRunner().invoke(cli, ["users", "token", name, *args])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("trl_"), result.stdout
    return token
