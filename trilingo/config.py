"""Settings, loaded once at the edge: CLI > environment (TRILINGO_*) > config file > defaults."""

from __future__ import annotations

import getpass
import hashlib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from trilingo.errors import ConfigError
from trilingo.text.clean import check_user
from trilingo.text.limits import Limits

DEFAULT_HOME = ".trilingo"
CONFIG_FILE = "config.toml"


@dataclass(frozen=True)
class Settings:
    """Everything core code needs to know about its surroundings; passed in explicitly."""

    home: Path
    database_url: str
    user: str
    engine: str = "memory"
    prefect_api_url: str = "http://127.0.0.1:4200/api"
    prefect_port: int = 4200
    # Engine options (URLs, keys, timeouts) by engine name, e.g. {"libre": {"url": "…"}}.
    engine_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    # Four-eyes rule: nobody approves a segment whose text they last changed. Off only for one-person offices.
    four_eyes: bool = True
    # Names this workspace's events and deployments on a Prefect server that several workspaces may share.
    workspace_id: str = ""

    @property
    def workspace_key(self) -> str:
        """`workspace_id` from the config, else a short hash of the workspace folder."""
        return self.workspace_id or "ws-" + hashlib.sha256(str(self.home).encode()).hexdigest()[:10]

    @property
    def public_dir(self) -> Path:
        return self.home / "public"

    @property
    def prefect_home(self) -> Path:
        return self.home / "prefect"

    @property
    def database_url_has_secret(self) -> bool:
        return bool(urlsplit(self.database_url).password)

    def to_params(self) -> dict[str, Any]:
        """The non-secret part, to pass to a flow run as parameters (they are stored on the Prefect server).

        A database URL with a password is left out: the flow's process reads it from its own environment."""
        return {
            "home": str(self.home),
            "database_url": "" if self.database_url_has_secret else self.database_url,
            "user": self.user,
        }


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def load(environ: Mapping[str, str] | None = None, **cli: Any) -> Settings:
    """Build Settings; `cli` holds values given on the command line (None means not given)."""
    env = os.environ if environ is None else environ
    home = Path(cli.get("home") or env.get("TRILINGO_HOME") or DEFAULT_HOME).expanduser().resolve()
    file_values = _read_file(home / CONFIG_FILE)

    def pick(key: str, default: Any = None) -> Any:
        if cli.get(key) is not None:
            return cli[key]
        env_key = "TRILINGO_" + key.upper()
        if env.get(env_key):
            return env[env_key]
        return file_values.get(key, default)

    database_url = pick("database_url") or f"sqlite:///{home / 'trilingo.db'}"
    try:
        port = int(pick("prefect_port", 4200))
    except (TypeError, ValueError):
        raise ConfigError(f"prefect_port must be a port number, got {pick('prefect_port')!r}") from None
    if not 0 < port < 65536:
        raise ConfigError(f"prefect_port must be a port number, got {port}")
    options: dict[str, dict[str, Any]] = {
        str(k): dict(v) for k, v in (file_values.get("engines") or {}).items() if isinstance(v, dict)
    }
    for key, value in env.items():
        # TRILINGO_ENGINE_LIBRE_URL=… → engine_options["libre"]["url"]
        if key.startswith("TRILINGO_ENGINE_") and value:
            rest = key[len("TRILINGO_ENGINE_") :].lower()
            name, _, opt = rest.partition("_")
            if opt:
                options.setdefault(name, {})[opt] = value
    for (name, opt), value in (cli.get("engine_options") or {}).items():
        options.setdefault(name, {})[opt] = value
    from_file = file_values.get("limits") or {}
    if not isinstance(from_file, dict):
        raise ConfigError("config.toml: [limits] must be a table of names and numbers")
    limit_values: dict[str, object] = dict(from_file)
    for key, value in env.items():
        if key.startswith("TRILINGO_LIMIT_") and value:
            limit_values[key[len("TRILINGO_LIMIT_") :].lower()] = value
    return Settings(
        home=home,
        database_url=database_url,
        user=check_user(pick("user") or _os_user()),
        engine=pick("engine", "memory"),
        prefect_api_url=pick("prefect_api_url") or f"http://127.0.0.1:{port}/api",
        prefect_port=port,
        engine_options=options,
        limits=Limits.from_values(limit_values),
        four_eyes=_flag("four_eyes", pick("four_eyes", True)),
        workspace_id=_workspace_id(pick("workspace_id", "")),
    )


def _workspace_id(value: object) -> str:
    text = str(value or "")
    if text and not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", text):
        raise ConfigError(
            f"workspace_id must be lower-case letters, digits and dashes (at most 40), got {text!r}"
        )
    return text


def _flag(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be on or off, got {value!r}")


def _read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
