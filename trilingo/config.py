"""Settings, loaded once at the edge: CLI > environment (TRILINGO_*) > config file > defaults."""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from trilingo import identity
from trilingo.errors import ConfigError
from trilingo.i18n import N_
from trilingo.text.clean import ascii_slug, check_user
from trilingo.text.limits import Limits

if TYPE_CHECKING:
    from trilingo.site import SiteSettings

DEFAULT_HOME = ".trilingo"
CONFIG_FILE = "config.toml"
AUDIT_KEY_FILE = "audit.key"  # 0600, beside the workspace's database unless [audit] key_file says otherwise


@dataclass(frozen=True)
class WebhookConfig:
    urls: tuple[str, ...] = ()
    secret: str = ""
    max_tries: int = 6
    timeout: float = 10.0  # seconds for the whole request: a receiver that hangs cannot hold a publish
    backoff: float = 30.0  # seconds before the first retry; doubled each time, at most an hour

    @property
    def key(self) -> bytes:
        """The HMAC key the events are signed with (Standard Webhooks): a `whsec_` secret is base64 and
        the key is its bytes, as every Standard Webhooks library reads it; any other secret (the form
        before) is its own UTF-8 bytes."""
        return signing_key(self.secret)


WHSEC = "whsec_"


def signing_key(secret: str) -> bytes:
    """The key of a webhook secret; ConfigError for a `whsec_` secret that is not base64 of a key."""
    import base64
    import binascii

    if not secret.startswith(WHSEC):
        return secret.encode("utf-8")
    try:
        key = base64.b64decode(secret[len(WHSEC) :], validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise ConfigError(
            N_(
                "the webhook secret starts with whsec_ but what follows is not a key in base64 "
                "(TRILINGO_WEBHOOK_SECRET or [webhook] secret)"
            )
        )
    return key


def webhook_config(table: object, env: Mapping[str, str]) -> WebhookConfig:
    """`[webhook]` in config.toml (urls, secret, max_tries, timeout, backoff); TRILINGO_WEBHOOK_URLS
    (comma-separated) and TRILINGO_WEBHOOK_SECRET override it. The secret is never a flow parameter."""
    values: dict[str, object] = dict(table) if isinstance(table, dict) else {}
    urls = env.get("TRILINGO_WEBHOOK_URLS")
    raw_urls = urls.split(",") if urls else values.get("urls") or []
    if not isinstance(raw_urls, list):
        raise ConfigError(N_("webhook urls must be a list of addresses"))
    clean = tuple(str(u).strip() for u in raw_urls if str(u).strip())
    for url in clean:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(N_("webhook url {url!r} must start with http:// or https://").format(url=url))
    secret = env.get("TRILINGO_WEBHOOK_SECRET") or str(values.get("secret") or "")
    if clean and not secret:
        raise ConfigError(
            N_("webhook urls are set but no secret: set TRILINGO_WEBHOOK_SECRET (or [webhook] secret)")
        )
    signing_key(secret)  # an unusable secret is refused now, before anything is published
    try:
        return WebhookConfig(
            clean,
            secret,
            int(str(values.get("max_tries", 6))),
            float(str(values.get("timeout", 10))),
            float(str(values.get("backoff", 30))),
        )
    except ValueError as exc:
        raise ConfigError(f"[webhook]: {exc}") from None


@dataclass(frozen=True)
class Settings:
    """Everything core code needs to know about its surroundings; passed in explicitly."""

    home: Path
    database_url: str
    # Who acts: the name asked for (--as, TRILINGO_USER), else the account running the command. Only an
    # admin may ask for another name (trilingo.access.may_act_as checks it against `os_user`).
    user: str
    engine: str = "memory"
    prefect_api_url: str = "http://127.0.0.1:4200/api"
    prefect_port: int = 4200
    # Engine options (URLs, keys, timeouts) by engine name, e.g. {"libre": {"url": "…"}}.
    engine_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    # Names this workspace's events and deployments on a Prefect server that several workspaces may share.
    workspace_id: str = ""
    # The account running this process, from its user id: the proof of who acts locally.
    os_user: str = ""
    # TRILINGO_AUDIT_KEY, when set; else the key is read from `audit_key_file`. Never a flow parameter.
    audit_key_value: str = field(default="", repr=False)
    audit_key_file: Path | None = None
    # config.toml as read once by `load`; `site` and `webhook` are parsed from it when first asked for, so
    # a mistake in [site] does not stop `status`, and a command that publishes nothing never parses it.
    file_values: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # TRILINGO_WEBHOOK_URLS and TRILINGO_WEBHOOK_SECRET, as the environment had them at `load`.
    webhook_env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def site(self) -> SiteSettings:
        """The published site's facts ([site], else the shipped example) and [publish] mode."""
        from trilingo.site import from_config

        return from_config(self.file_values, self.home / CONFIG_FILE)

    @cached_property
    def webhook(self) -> WebhookConfig:
        return webhook_config(self.file_values.get("webhook"), self.webhook_env)

    @property
    def caller(self) -> identity.Caller:
        return identity.Caller(self.user, self.os_user or self.user, identity.LOCAL)

    def audit_key(self) -> tuple[bytes, str] | None:
        """The audit key and where it came from, or None when none is set up."""
        if self.audit_key_value:
            return self.audit_key_value.encode("utf-8"), "TRILINGO_AUDIT_KEY"
        path = self.audit_key_file or self.home / AUDIT_KEY_FILE
        try:
            raw = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                N_("cannot read the audit key {path} ({exc})").format(path=path, exc=exc)
            ) from None
        try:
            return bytes.fromhex(raw), str(path)
        except ValueError:
            raise ConfigError(N_("the audit key {path} is not hexadecimal").format(path=path)) from None

    @property
    def workspace_key(self) -> str:
        """What names this workspace's deployments and its events' resource on a Prefect server:
        `workspace_id` from the config, else the folder's name and a short hash of its path
        (`lao-bao-09dfd243`: readable in the UI, and two folders of the same name stay apart), or
        `ws-` and the hash when the name has no letter or digit to show."""
        return self.workspace_id or readable_key(self.home)

    @property
    def public_dir(self) -> Path:
        return self.home / "public"

    @property
    def prefect_home(self) -> Path:
        return self.home / "prefect"


SECRET_WORDS = ("key", "secret", "token", "password", "appkey")


def is_secret(key: str, value: object) -> bool:
    """An option never to show: named like a key or password, or a URL with a password in it."""
    if any(w in key.lower() for w in SECRET_WORDS):
        return True
    return isinstance(value, str) and bool(urlsplit(value.strip()).password)


def secret_environment(settings: Settings) -> dict[str, str]:
    """What a flow run must find in its process's environment, because parameters (stored on the Prefect
    server, shown in its UI) never carry it: the database's URL, and the secret engine options."""
    env = {"TRILINGO_DATABASE_URL": settings.database_url}
    for name, opts in settings.engine_options.items():
        for key, value in opts.items():
            if is_secret(key, value):
                env[f"TRILINGO_ENGINE_{name.upper()}_{key.upper()}"] = str(value)
    return env


RETIRED = {
    "four_eyes": N_(
        "the four-eyes rule is no longer read from {where}: it is a workspace setting that only an admin "
        "changes, with a reason (`trilingo settings set four_eyes off --reason …`); remove it from {where}"
    ),
}


def load(environ: Mapping[str, str] | None = None, **cli: Any) -> Settings:
    """Build Settings; `cli` holds values given on the command line (None means not given)."""
    env = os.environ if environ is None else environ
    home = Path(cli.get("home") or env.get("TRILINGO_HOME") or DEFAULT_HOME).expanduser().resolve()
    file_values = _read_file(home / CONFIG_FILE)
    layers = _Layers(cli, env, file_values)
    _refuse_retired(env, file_values, home / CONFIG_FILE)
    database_url = layers.pick("database_url") or f"sqlite:///{home / 'trilingo.db'}"
    os_user = identity.os_account()
    port = _prefect_port(layers.pick("prefect_port", 4200))
    options = _engine_options(file_values, env, cli.get("engine_options"))
    limit_values = _limit_values(file_values, env)
    return Settings(
        home=home,
        database_url=database_url,
        user=check_user(layers.pick("user") or os_user),
        engine=layers.pick("engine", "memory"),
        prefect_api_url=layers.pick("prefect_api_url") or f"http://127.0.0.1:{port}/api",
        prefect_port=port,
        engine_options=options,
        limits=Limits.from_values(limit_values),
        workspace_id=_workspace_id(layers.pick("workspace_id", "")),
        os_user=os_user,
        audit_key_value=env.get("TRILINGO_AUDIT_KEY", ""),
        audit_key_file=_audit_key_file(home, file_values),
        file_values=file_values,
        webhook_env=_webhook_env(env),
    )


@dataclass(frozen=True)
class _Layers:
    """Where a setting may be given, highest precedence first: the command line, the environment, the file."""

    cli: Mapping[str, Any]
    env: Mapping[str, str]
    file_values: Mapping[str, Any]

    def pick(self, key: str, default: Any = None) -> Any:
        """`key`'s value from the first layer that gives it (an empty environment variable gives nothing)."""
        if self.cli.get(key) is not None:
            return self.cli[key]
        env_key = "TRILINGO_" + key.upper()
        if self.env.get(env_key):
            return self.env[env_key]
        return self.file_values.get(key, default)


def _refuse_retired(env: Mapping[str, str], file_values: Mapping[str, Any], config_path: Path) -> None:
    """A retired setting, still given in the environment or the file, is an error that says what replaced it."""
    for name, message in RETIRED.items():
        if env.get("TRILINGO_" + name.upper()):
            raise ConfigError(message.format(where="TRILINGO_" + name.upper()))
        if name in file_values:
            raise ConfigError(message.format(where=str(config_path)))


def _prefect_port(value: Any) -> int:
    try:
        port = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: inf in the file
        raise ConfigError(
            N_("prefect_port must be a port number, got {value!r}").format(value=value)
        ) from None
    if not 0 < port < 65536:
        raise ConfigError(N_("prefect_port must be a port number, got {port}").format(port=port))
    return port


def _prefixed(env: Mapping[str, str], prefix: str) -> Iterator[tuple[str, str]]:
    """(the rest of the name, lower-cased; the value) for each variable named `prefix…` that is not empty."""
    for key, value in env.items():
        if key.startswith(prefix) and value:
            yield key[len(prefix) :].lower(), value


def _engine_options(
    file_values: Mapping[str, Any], env: Mapping[str, str], cli_options: Mapping[tuple[str, str], Any] | None
) -> dict[str, dict[str, Any]]:
    """Options by engine: [engines.NAME] in the file, under TRILINGO_ENGINE_NAME_OPTION, under the CLI's."""
    from_file = file_values.get("engines") or {}
    if not isinstance(from_file, dict):
        raise ConfigError(N_("config.toml: [engines] must be a table of engine names, e.g. [engines.libre]"))
    options: dict[str, dict[str, Any]] = {
        str(k): dict(v) for k, v in from_file.items() if isinstance(v, dict)
    }
    # TRILINGO_ENGINE_LIBRE_URL=… → engine_options["libre"]["url"]
    for rest, value in _prefixed(env, "TRILINGO_ENGINE_"):
        name, _, opt = rest.partition("_")
        if opt:
            options.setdefault(name, {})[opt] = value
    for (name, opt), value in (cli_options or {}).items():
        options.setdefault(name, {})[opt] = value
    return options


def _limit_values(file_values: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, object]:
    """[limits] in the file, under TRILINGO_LIMIT_NAME; Limits.from_values checks them."""
    from_file = file_values.get("limits") or {}
    if not isinstance(from_file, dict):
        raise ConfigError(N_("config.toml: [limits] must be a table of names and numbers"))
    limit_values: dict[str, object] = dict(from_file)
    limit_values.update(_prefixed(env, "TRILINGO_LIMIT_"))
    return limit_values


WEBHOOK_ENV = ("TRILINGO_WEBHOOK_URLS", "TRILINGO_WEBHOOK_SECRET")


def _webhook_env(env: Mapping[str, str]) -> dict[str, str]:
    return {k: env[k] for k in WEBHOOK_ENV if env.get(k)}


def _audit_key_file(home: Path, file_values: Mapping[str, Any]) -> Path:
    audit = file_values.get("audit") or {}
    if not isinstance(audit, dict):
        raise ConfigError(N_('config.toml: [audit] must be a table (key_file = "…")'))
    given = audit.get("key_file")
    return Path(str(given)).expanduser() if given else home / AUDIT_KEY_FILE


def readable_key(home: Path) -> str:
    """A workspace key made from the folder: its name in ASCII (Vietnamese marks dropped, đ as d), lower
    case, dashes between words, at most 30 characters, then 8 hex digits of its full path's SHA-256."""
    digest = hashlib.sha256(str(home).encode()).hexdigest()
    name = ascii_slug(home.name)[:30].strip("-")
    return f"{name}-{digest[:8]}" if name else "ws-" + digest[:10]


def _workspace_id(value: object) -> str:
    text = str(value or "")
    if text and not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", text):
        raise ConfigError(
            N_(
                "workspace_id must be lower-case letters, digits and dashes (at most 40), got {text!r}"
            ).format(text=text)
        )
    return text


def _read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
