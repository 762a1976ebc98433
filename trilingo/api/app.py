"""The HTTP API: one route per operation of trilingo.service.registry, each answering its JSON contract.

Who acts is the owner of the request's token, proved on every request; a name the request gives
(`Trilingo-Act-As`, the CLI's --as) is refused and audited. Failed authentications are rate-limited per
client and per user and logged without the token. Errors are `{"error": "…", "exit": N}` with the exit
code the CLI gives for the same error locally.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from trilingo import errors
from trilingo.api.lockout import FailureLimiter
from trilingo.api.params import arguments
from trilingo.config import Settings
from trilingo.i18n import N_
from trilingo.identity import API, Caller, acting
from trilingo.jsonable import to_json
from trilingo.service.context import Context
from trilingo.service.registry import (
    ACT_AS_HEADER,
    API_PREFIX,
    NOTES_HEADER,
    OPERATIONS,
    UI_LANG_HEADER,
    Operation,
    path_names,
)

log = logging.getLogger("trilingo.api")
MAX_BODY = (
    80 * 1024 * 1024
)  # a 50 MB PO file in base64, or a bulk submit; each file's own limit applies after
TOUCH_EVERY = 60.0  # seconds between updates of a token's "last used"

STATUS = (  # the first class that matches decides the HTTP status
    (errors.Refused, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.StateError, 409),
    (errors.InputError, 400),
    (errors.UnavailableError, 503),
    (errors.TrilingoError, 500),
)


def error_response(
    message: str, exit_status: int, status: int, headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse({"error": message, "exit": exit_status}, status_code=status, headers=headers)


class Unauthorized(errors.TrilingoError):
    """The request proves nobody."""

    exit_status = errors.ExitStatus.USAGE


class Api:
    """The server's state: its settings, the tokens it has checked, and the failure counts."""

    def __init__(self, settings: Settings, limiter: FailureLimiter | None = None) -> None:
        self.settings = settings
        self.limiter = limiter or FailureLimiter()
        self.known: dict[str, int] = {}  # sha256 of a token already checked with scrypt → its row id
        self.touched: dict[int, float] = {}

    def database(self) -> Any:
        from trilingo.workspace import open_existing

        return open_existing(self.settings.database_url, "trilingo-api", self.settings.home)

    def authenticate(self, request: Request) -> tuple[str, str | None]:
        """The token owner's name and interface language; Unauthorized (401) or a 429 answer when the
        client must wait."""
        from trilingo import tokens
        from trilingo.store.db import read_scope

        client = request.client.host if request.client else "?"
        wait = self.limiter.retry_after("ip:" + client)
        if wait is not None:
            raise TooMany(wait)
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        given = token.strip() if scheme.lower() == "bearer" else ""
        db = self.database()
        try:
            with read_scope(db) as conn:
                proof = tokens.authenticate(conn, given or None, self.known)
        except tokens.BadToken as exc:
            keys = ["ip:" + client] + ([f"user:{exc.owner}"] if exc.owner else [])
            self.limiter.fail(*keys)
            log.warning(
                "authentication failed from %s: %s (token %s)", client, exc.reason, exc.prefix or "unknown"
            )
            if exc.owner is not None and (wait := self.limiter.retry_after(f"user:{exc.owner}")) is not None:
                raise TooMany(wait) from None
            raise Unauthorized(
                N_(
                    "not authenticated: {reason}; `trilingo login URL` with a token from your admin "
                    "(`trilingo users token NAME`)"
                ).format(reason=exc.reason)
            ) from None
        now = time.monotonic()
        if now - self.touched.get(proof.token_id, -TOUCH_EVERY) >= TOUCH_EVERY:
            self.touched[proof.token_id] = now
            from trilingo.store.db import WRITE

            with db.execution_options(**WRITE).begin() as conn:
                tokens.touch(conn, proof.token_id)
        return proof.owner, proof.ui_lang

    def refuse_act_as(self, owner: str, wanted: str) -> None:
        """A request that names someone to act as: refused, and audited, whoever sent it."""
        from trilingo.store.db import audit_refusal

        refusal = errors.Refused(
            N_(
                "--as is not accepted by a Trilingo server: it acts as the owner of your token ({owner}); "
                "ask {wanted} to act with their own token"
            ).format(owner=owner, wanted=wanted),
            audit={
                "actor": owner,
                "action": "refused",
                "lang": None,
                "attempted": "act-as",
                "as_user": wanted,
            },
        )
        audit_refusal(self.database(), refusal)
        raise refusal

    def run(self, op: Operation, request: Request, given: dict[str, Any]) -> tuple[Any, list[str]]:
        owner, ui_lang = self.authenticate(request)
        request.state.ui_lang = ui_lang
        wanted = request.headers.get(ACT_AS_HEADER.lower())
        if wanted:
            self.refuse_act_as(owner, unquote(wanted))
        fn = op.function()
        kwargs = arguments(fn, given)
        ctx = Context(self.settings, Caller(owner, owner, API), load_key=False)
        with acting(ctx.caller):
            return to_json(fn(ctx, **kwargs)), ctx.notes


class TooMany(errors.UnavailableError):
    def __init__(self, wait: int) -> None:
        super().__init__(N_("too many failed authentications; try again in {wait} s").format(wait=wait))
        self.wait = wait


def _endpoint(api: Api, op: Operation) -> Any:
    names = path_names(op)

    async def endpoint(request: Request) -> Response:
        given: dict[str, Any] = {name: request.path_params[name] for name in names}
        try:
            if op.method in ("GET", "DELETE"):
                for key in set(request.query_params.keys()):
                    values = request.query_params.getlist(key)
                    given[key] = values if len(values) > 1 else values[0]
            else:
                body = await _body(request)
                if not isinstance(body, dict):
                    raise errors.InputError(N_("the request's body must be a JSON object"))
                given.update(body)
            result, notes = await run_in_threadpool(api.run, op, request, given)
        except TooMany as exc:
            return error_response(exc.message, int(exc.exit_status), 429, {"Retry-After": str(exc.wait)})
        except Unauthorized as exc:
            return error_response(exc.message, int(exc.exit_status), 401, {"WWW-Authenticate": "Bearer"})
        except errors.TrilingoError as exc:
            status = next(code for kind, code in STATUS if isinstance(exc, kind))
            return error_response(exc.message, int(exc.exit_status), status, _person_headers(request))
        except Exception:
            log.exception("%s %s failed", op.method, op.path)
            return error_response(
                N_("the Trilingo server failed on this request (its log says why); try again later"),
                int(errors.ExitStatus.UNAVAILABLE),
                500,
            )
        headers = {NOTES_HEADER: json.dumps(notes)} if notes else {}
        return JSONResponse(result, headers={**headers, **(_person_headers(request) or {})})

    return endpoint


def _person_headers(request: Request) -> dict[str, str] | None:
    """The caller's own interface language, for the CLI to speak it (after authentication only)."""
    ui_lang = getattr(request.state, "ui_lang", None)
    return {UI_LANG_HEADER: ui_lang} if ui_lang else None


async def _body(request: Request) -> Any:
    size = request.headers.get("content-length")
    if size is not None and (not size.isdigit() or int(size) > MAX_BODY):
        raise errors.InputError(N_("the request is larger than {size:,} bytes").format(size=MAX_BODY))
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise errors.InputError(N_("the request is larger than {size:,} bytes").format(size=MAX_BODY))
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise errors.InputError(N_("the request's body is not JSON")) from None


async def _health(_request: Request) -> Response:
    return JSONResponse({"ok": True})


def create_app(settings: Settings, limiter: FailureLimiter | None = None) -> Starlette:
    api = Api(settings, limiter)
    routes = [Route(API_PREFIX + "/health", _health, methods=["GET"])]
    routes += [Route(API_PREFIX + op.path, _endpoint(api, op), methods=[op.method]) for op in OPERATIONS]

    async def not_found(_request: Request, _exc: Exception) -> Response:
        return error_response(
            N_("no such operation on this Trilingo server (is the CLI older or newer?)"), 2, 404
        )

    async def not_allowed(_request: Request, _exc: Exception) -> Response:
        return error_response(N_("this operation does not take that method"), 2, 405)

    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})
    app.state.api = api
    return app
