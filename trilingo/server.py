"""The local Prefect server that Trilingo starts, with its home inside the workspace.

Without PREFECT_API_URL every process would start a temporary server (10–20 s) that is killed
before it records the run, losing history. So flows report to one long-lived local server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

from trilingo.config import Settings, secret_environment
from trilingo.errors import UnavailableError, WorkspaceError
from trilingo.i18n import N_
from trilingo.webclient import request

PID_FILE = "trilingo-server.pid"
LOG_FILE = "server.log"
START_TIMEOUT = 90.0


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    api_url: str
    pid: int | None
    managed: bool  # started by Trilingo (we have its pid), as opposed to someone else's server

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")


def prefect_env(settings: Settings, base: Mapping[str, str]) -> dict[str, str]:
    """Environment for a Prefect process (server or flow runner) bound to this workspace."""
    env = dict(base)
    env.update(
        {
            "PREFECT_HOME": str(settings.prefect_home),
            "PREFECT_API_URL": settings.prefect_api_url,
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(settings.prefect_port),
            # Concurrency leases on disk, not in the server's memory: after a restart, the slots a dead run
            # held still expire; in memory they were lost and their slots stayed taken for good.
            "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE": "prefect.server.concurrency.lease_storage.filesystem",
            # A publish that finds another one running waits this long before trying again (Prefect: 30 s,
            # which an approval made during a publish waited in full; `trilingo serve` polls every second).
            "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "1",
            # Prefect's own log lines go to the server (the UI shows them), not into the CLI's output.
            "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
            # …and its internal services' complaints (an unreachable server) are not the CLI's to print.
            "PREFECT_LOGGING_HANDLERS_DEBUG_LEVEL": "CRITICAL",
        }
    )
    return env


def answers(api_url: str, timeout: float = 0.5) -> bool:
    """`healthy` for `status`, through `webclient`: importing httpx cost a cold `status` 0.2 s of its
    one-second budget."""
    return request("GET", f"{api_url}/health", timeout=timeout).status == 200


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    # httpx, not urllib: with urllib polling it, a server started right after another was stopped never
    # came up (measured, cause not found); with httpx it does. Imported here, so commands that only read
    # the database pay for it only when they ask about the server.
    import httpx

    try:
        return httpx.get(f"{api_url}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def _pid(settings: Settings) -> int | None:
    path = settings.prefect_home / PID_FILE
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
        # A stale pid file may name a process that reused the number: only a Prefect server is ours to stop.
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid if b"prefect" in cmdline and b"server" in cmdline else None


def status(settings: Settings) -> ServerStatus:
    pid = _pid(settings)
    return ServerStatus(healthy(settings.prefect_api_url), settings.prefect_api_url, pid, pid is not None)


def start(
    settings: Settings,
    base_env: Mapping[str, str],
    wait: float = START_TIMEOUT,
    announce: Callable[[str], None] | None = None,
) -> ServerStatus:
    """Start the server in the background unless one already answers; wait until it is healthy.

    `announce` hears one line before the wait, so a terminal is not left silent for 15 s."""
    current = status(settings)
    if current.running:
        return current
    if current.pid is None:
        try:
            settings.prefect_home.mkdir(parents=True, exist_ok=True)
            log = (settings.prefect_home / LOG_FILE).open("ab")
        except OSError as exc:
            raise WorkspaceError(
                N_("cannot start the local Prefect server: {path} is not writable ({reason})").format(
                    path=settings.prefect_home, reason=exc.strerror
                )
            ) from None
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(settings.prefect_port),
                "--no-background",
                "--analytics-off",
            ],
            env=prefect_env(settings, base_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # survives the CLI process, and stops as one group
        )
        (settings.prefect_home / PID_FILE).write_text(str(proc.pid))
    if announce is not None:
        announce(
            N_(
                "Starting the local Prefect server at {url} (about 15 s the first time; its log: {log})…"
            ).format(url=settings.prefect_api_url.removesuffix("/api"), log=settings.prefect_home / LOG_FILE)
        )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if healthy(settings.prefect_api_url, timeout=1.0):
            return status(settings)
        if _pid(settings) is None:
            break
        time.sleep(0.5)
    raise UnavailableError(
        N_("the Prefect server did not come up at {url}; see {log}").format(
            url=settings.prefect_api_url, log=settings.prefect_home / LOG_FILE
        )
    )


def connect(
    settings: Settings,
    environ: MutableMapping[str, str],
    *,
    announce: Callable[[str], None] | None = None,
    verbose: bool = False,
) -> None:
    """Make sure the workspace's Prefect server answers (starting the local one), and point `environ` at it.

    Call this before Prefect is imported: it reads these variables when it loads. `verbose` lets Prefect's
    own log lines through to stderr; otherwise they go only to the server (the UI shows them)."""
    if not healthy(settings.prefect_api_url):
        if not settings.prefect_api_url.startswith(("http://127.0.0.1", "http://localhost")):
            raise UnavailableError(
                N_("the Prefect server at {url} does not answer").format(url=settings.prefect_api_url)
            )
        start(settings, environ, announce=announce)
    environ.update(prefect_env(settings, {}))
    if verbose:
        environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "INFO"
    # Prefect's client retries each API call 5 times with doubling waits: when the server has gone
    # away mid-run, a command sat silent for over a minute before saying so. Two retries still ride
    # out a busy server.
    environ.setdefault("PREFECT_CLIENT_MAX_RETRIES", "2")
    # Never flow parameters: the flow runs this process starts (inline, or `serve`'s) find them here.
    environ.update(secret_environment(settings))
    # Every run Trilingo starts sends heartbeats; on any server it meets, the automation that turns a
    # silent run Crashed is in place (a killed CLI run stayed Running for ever on a server without it).
    from trilingo import automations

    automations.ensure_crash_detection(settings.prefect_api_url)


def _reap(pid: int) -> None:
    """Collect our own child's exit status, so a stopped server does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def stop(settings: Settings, wait: float = 20.0) -> bool:
    """Stop the server Trilingo started. False if there was none."""
    pid = _pid(settings)
    if pid is None:
        (settings.prefect_home / PID_FILE).unlink(missing_ok=True)
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and _pid(settings) is not None:
        _reap(pid)
        time.sleep(0.2)
    if _pid(settings) is not None:
        os.killpg(pid, signal.SIGKILL)
    (settings.prefect_home / PID_FILE).unlink(missing_ok=True)
    return True
