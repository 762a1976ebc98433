"""The CLI as a client of a Trilingo server, as Weblate's `wlc` is of Weblate: every operation is one
HTTPS request with the person's own token, and the answer is the README's `--json` contract.

Which server: TRILINGO_SERVER with TRILINGO_TOKEN, or what `trilingo login URL` saved (a file only its
owner may read, in $XDG_CONFIG_HOME/trilingo). A login is used unless the command is pointed at a local
workspace (--home, --database-url, TRILINGO_HOME or TRILINGO_DATABASE_URL). TLS is verified against
the system's certificates, or TRILINGO_CA_BUNDLE for an office's own.

The standard library's http.client only: httpx's import and TLS set-up cost 0.2 s of a cold command.
It and ssl are imported when a request is made: a command on a local workspace only asks whether a
server is configured (http.client and its email parser were 40 ms of a cold `review queue`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

from trilingo.errors import ConfigError, ExitStatus, TrilingoError, UnavailableError
from trilingo.i18n import N_
from trilingo.service.registry import (
    ACT_AS_HEADER,
    API_PREFIX,
    BY_NAME,
    NOTES_HEADER,
    UI_LANG_HEADER,
    path_names,
)
from trilingo.text.files import Upload

if TYPE_CHECKING:
    import http.client

API = "api"
TIMEOUT = 120.0  # a submit of 500 notices writes their pages before it answers


class ServerError(TrilingoError):
    """The Trilingo server refused or failed the request."""

    def __init__(self, message: str, exit_status: int, http_status: int = 0) -> None:
        super().__init__(message)
        self.exit_status = (
            ExitStatus(exit_status)
            if exit_status in ExitStatus._value2member_map_
            else ExitStatus.UNAVAILABLE
        )
        self.http_status = http_status


def login_file(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "trilingo" / "login.json"


@dataclass(frozen=True)
class Login:
    server: str
    token: str = ""


def check_server_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(N_("the Trilingo server must be an http(s) address, got {url!r}").format(url=url))
    try:
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        raise ConfigError(N_("the Trilingo server's port is not a number: {url!r}").format(url=url)) from None
    return url.strip().rstrip("/")


def saved_login(env: Mapping[str, str]) -> Login | None:
    path = login_file(env)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(
            N_("cannot read the login file {path} ({exc}); `trilingo login URL` writes it again").format(
                path=path, exc=exc
            )
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("server"), str):
        raise ConfigError(
            N_("the login file {path} is damaged; `trilingo login URL` writes it again").format(path=path)
        )
    return Login(data["server"], str(data.get("token") or ""))


def save_login(env: Mapping[str, str], login: Login) -> Path:
    """Write the login file, readable by its owner only (it holds a token)."""
    path = login_file(env)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"server": login.server, "token": login.token}, fh)
        fh.write("\n")
    os.replace(tmp, path)
    return path


LOCAL_WORKSPACE = ("TRILINGO_HOME", "TRILINGO_DATABASE_URL")


def configured(env: Mapping[str, str], cli: Mapping[str, Any]) -> Login | None:
    """The server this command talks to, or None to work on a local workspace."""
    local_given = any(cli.get(k) for k in ("home", "database_url"))
    server = env.get("TRILINGO_SERVER", "").strip()
    if server:
        if local_given:
            raise ConfigError(
                N_(
                    "TRILINGO_SERVER names a Trilingo server, and --home or --database-url a local workspace: "
                    "give one of them"
                )
            )
        token = env.get("TRILINGO_TOKEN", "").strip()
        if not token:
            saved = saved_login(env)
            token = saved.token if saved and saved.server == check_server_url(server) else ""
        return Login(check_server_url(server), token)
    if local_given or any(env.get(k) for k in LOCAL_WORKSPACE):
        return None
    saved = saved_login(env)
    if saved is None:
        return None
    return Login(check_server_url(saved.server), env.get("TRILINGO_TOKEN", "").strip() or saved.token)


def _encode(value: Any) -> Any:
    if isinstance(value, Upload):
        import base64

        return {"name": str(value), "data": base64.b64encode(value.data).decode("ascii")}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class RemoteTransport:
    kind = API

    def __init__(
        self,
        login: Login,
        *,
        env: Mapping[str, str],
        act_as: str | None = None,
        echo: Callable[[str], None] | None = None,
        timeout: float = TIMEOUT,
    ) -> None:
        self.login = login
        self.act_as = act_as
        self.echo = echo
        self.timeout = timeout
        self.ca_bundle = env.get("TRILINGO_CA_BUNDLE", "").strip() or None

    @property
    def server(self) -> str:
        return self.login.server

    def call(self, operation: str, /, **params: Any) -> Any:
        op = BY_NAME[operation]
        path = op.path
        for key in path_names(op):
            path = path.replace("{" + key + "}", quote(str(params.pop(key)), safe=""))
        given = {k: v for k, v in params.items() if v is not None}
        body: bytes | None = None
        if op.method in ("GET", "DELETE"):
            pairs = [
                (k, _query_value(item))
                for k, v in given.items()
                for item in (v if isinstance(v, list | tuple) else [v])
            ]
            if pairs:
                path += "?" + urlencode(pairs)
        else:
            body = json.dumps({k: _encode(v) for k, v in given.items()}, ensure_ascii=False).encode("utf-8")
        status, headers, data = self._request(op.method, API_PREFIX + path, body)
        ui_lang = next((v for k, v in headers.items() if k.lower() == UI_LANG_HEADER.lower()), "")
        if ui_lang:
            from trilingo import i18n

            i18n.prefer(ui_lang)
        for note in _notes(headers):
            if self.echo is not None:
                self.echo(note)
        try:
            answer = json.loads(data) if data else None
        except ValueError:
            raise UnavailableError(
                N_(
                    "the Trilingo server at {server} answered {status} with something that is not JSON "
                    "(is a proxy in the way?)"
                ).format(server=self.server, status=status)
            ) from None
        if status >= 400:
            if isinstance(answer, dict) and isinstance(answer.get("error"), str):
                raise ServerError(answer["error"], int(answer.get("exit", 10)), status)
            raise ServerError(
                N_("the Trilingo server at {server} answered {status}").format(
                    server=self.server, status=status
                ),
                10,
                status,
            )
        return answer

    def _request(self, method: str, path: str, body: bytes | None) -> tuple[int, Mapping[str, str], bytes]:
        import http.client
        import socket
        import ssl

        parts = urlsplit(self.server)
        base = parts.path.rstrip("/")
        host = parts.hostname or ""
        headers = {
            "Accept": "application/json",
            "User-Agent": "trilingo-cli",
        }
        if self.login.token:
            headers["Authorization"] = f"Bearer {self.login.token}"
        if self.act_as:
            headers[ACT_AS_HEADER] = quote(self.act_as, safe="")
        if body is not None:
            headers["Content-Type"] = "application/json"
        if parts.scheme == "https":
            try:
                context = ssl.create_default_context(cafile=self.ca_bundle)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(
                    N_("cannot read TRILINGO_CA_BUNDLE {path} ({exc})").format(path=self.ca_bundle, exc=exc)
                ) from None
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, parts.port or 443, timeout=self.timeout, context=context
            )
        else:
            conn = http.client.HTTPConnection(host, parts.port or 80, timeout=self.timeout)
        try:
            conn.request(method, base + path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        except ssl.SSLCertVerificationError as exc:
            raise ConfigError(
                N_(
                    "the Trilingo server at {server} has a certificate this machine does not trust "
                    "({reason}); set TRILINGO_CA_BUNDLE to the office's CA certificate"
                ).format(server=self.server, reason=exc.verify_message)
            ) from None
        except ssl.SSLError as exc:
            raise UnavailableError(
                N_("TLS with the Trilingo server at {server} failed ({reason})").format(
                    server=self.server, reason=exc.reason
                )
            ) from None
        except ConnectionRefusedError:
            raise UnavailableError(
                N_("no Trilingo server answers at {server} (connection refused); try again later").format(
                    server=self.server
                )
            ) from None
        except TimeoutError:
            raise UnavailableError(
                N_("the Trilingo server at {server} did not answer in time").format(server=self.server)
            ) from None
        except socket.gaierror:
            raise UnavailableError(
                N_("the host {host} of the Trilingo server is not known").format(host=host)
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise UnavailableError(
                N_("the connection to the Trilingo server at {server} failed ({error})").format(
                    server=self.server, error=exc.__class__.__name__
                )
            ) from None
        finally:
            conn.close()


def _notes(headers: Mapping[str, str]) -> list[str]:
    raw = next((v for k, v in headers.items() if k.lower() == NOTES_HEADER.lower()), "")
    if not raw:
        return []
    try:
        notes = json.loads(raw)
    except ValueError:
        return []
    return [str(n) for n in notes] if isinstance(notes, list) else []
